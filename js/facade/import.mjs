import { VomoError, errorFromInfo, settle } from "./errors.mjs";
import { forgetStored, requireStore, storeExtras, storedBaseUrl, wasmClientOf } from "./stores.mjs";
import { callOf, progressOf } from "./call.mjs";
import { jsonOf } from "./to-json.mjs";

const noStore = { get: () => null, set: () => {} };

/**
 * The mappings of this process's imports running now. The core keeps the imports of one store
 * that use a mapping apart (a lease in the store); this keeps apart those of one process that
 * share a mapping object without sharing a store (or with none), which the store cannot see.
 */
const mappingsInUse = new WeakSet();
const hasExternalId = (r) => r?.externalId != null && String(r.externalId).trim() !== "";

export function makeImport(glue) {
  /** Upserts a roster through the client; resumable with `store` and `key`. */
  async function importRoster(client, records, options = {}) {
    const call = callOf(options, "importRoster", ["store", "key", "checkpointEvery", "maxConsecutiveFailures", "onProgress", "mapping", "mappingLease", "previousBaseUrl"]);
    // checkpointEvery's and maxConsecutiveFailures' defaults are the Rust core's.
    const { store, key, checkpointEvery, maxConsecutiveFailures, onProgress, mapping, mappingLease, previousBaseUrl } = options ?? {};
    if (!Array.isArray(records)) {
      const parsed = Array.isArray(records?.records) && Array.isArray(records?.errors);   // parseRosterCsv's whole result
      throw new VomoError("invalid_input", `importRoster: records must be an array${parsed ? " (pass parseRosterCsv(...).records)" : ""}`);
    }
    if (store != null) requireStore(store, "importRoster");
    if (mapping != null && (typeof mapping.get !== "function" || typeof mapping.set !== "function")) {
      throw new VomoError("invalid_input", "importRoster: mapping must have get(externalId) and set(externalId, value)");
    }
    const s = store ?? noStore;
    const m = mapping ?? noStore;
    const progress = progressOf(onProgress, "importRoster");
    // Only a run that uses the mapping takes it (a mappingLease other than true or false is refused by the core).
    const guard = mapping != null && (mappingLease == null || mappingLease === true) && records.some(hasExternalId);
    if (guard && mappingsInUse.has(mapping)) {
      throw new VomoError("busy", "importRoster: another import in this process is using this mapping; imports that share a mapping "
        + "take turns, as two at once could each create a VOMO user for one external id: run this one when that one has finished");
    }
    if (guard) mappingsInUse.add(mapping);
    let text;
    try {
      text = await settle(glue.importRoster(wasmClientOf(client, "importRoster"), jsonOf(records, "importRoster", "records"),
        jsonOf({ key: key ?? null, checkpointEvery: checkpointEvery ?? null, maxConsecutiveFailures: maxConsecutiveFailures ?? null, previousBaseUrl: previousBaseUrl ?? null, mappingLease: mappingLease ?? null, hasStore: store != null, hasMapping: mapping != null },
          "importRoster", "", { nonFinite: true }),
        (k) => s.get(k), (k, v) => s.set(k, v), (k) => m.get(k), (k, v) => m.set(k, v), progress, call, ...storeExtras(store)), call);
    } finally {
      if (guard) mappingsInUse.delete(mapping);
    }
    const result = JSON.parse(text);
    // The core writes `uncertain` only when true (as it saves the outcome in the store).
    for (const u of [...result.created, ...result.updated]) u.uncertain = u.uncertain === true;
    for (const f of result.failed) {
      f.error = errorFromInfo(f.error);
    }
    return result;
  }

  /** Looks the email up first; creates the user only when no exact match exists. */
  async function findOrCreateUser(client, email, defaults = {}, options) {
    if (typeof email !== "string") throw new VomoError("invalid_input", "findOrCreateUser: email must be a string");
    const call = callOf(options, "findOrCreateUser");
    return JSON.parse(await settle(glue.findOrCreateUser(wasmClientOf(client, "findOrCreateUser"), email, jsonOf(defaults ?? {}, "findOrCreateUser", "defaults"),
      call), call));
  }
  /**
   * The `baseUrl` the progress of the import `key` was saved for, read from the store alone (no
   * client, nothing sent or written); null when there is none, or it predates the binding.
   */
  importRoster.storedBaseUrl = (options = {}) => storedBaseUrl(glue, "importRoster.storedBaseUrl", "key", options);
  /**
   * Removes the saved progress of the import `key` (under its lease: refused with busy while a
   * run holds it), so that the next run with the key sends every record again. Resolves to
   * whether there was any.
   */
  importRoster.forget = (options = {}) => forgetStored(glue, "importRoster.forget", "key", options);
  return { importRoster, findOrCreateUser };
}
