// The state directory: the poller's FileStore per customer (DIR/customers/<customer>/), the
// imports' progress (DIR/imports/) and the imports' external-id mapping (DIR/mapping/), all of
// them the state of one API (DIR/api.json). The package's own FileStore: atomic, durable writes.
import { randomBytes } from "node:crypto";
import { link, readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { FileStore, fileNameOf } from "vomo-users/stores/file";
import { InputError } from "./values.mjs";
// Not through the package's exports: a helper of the package's own, beside FileStore (pkg/stores/).
import { makeDirectory } from "../stores/make-dir.mjs";

/** $XDG_STATE_HOME/vomo-users, else ~/.local/state/vomo-users (import's default; poll requires --state-dir). */
export function defaultStateDir(env) {
  return join(env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "vomo-users");
}

/**
 * Checks that DIR holds the state of the API at `baseUrl` (as the client reads it, values.mjs:
 * the text the library's own state records), and with `bind` that DIR can be written, ready
 * to record the API there (DIR/api.json) when DIR holds no API's yet. A poll's checkpoint, an
 * import's progress and the mapping are facts about one VOMO API: used against another (the
 * simulator, then the real API), a poll would go on from the other's checkpoint and skip the
 * backfill, and an import would report a roster imported that this API never received. The
 * library refuses a poller's state and an import's progress of another API on its own
 * (docs/api.md); this file adds the mapping, and one message for the whole directory before
 * anything is read. A directory written before this file existed is bound to the first API
 * that uses it. Returns `{ previousBaseUrl, bindOnAnswer }`: the API's earlier address,
 * written into the file by hand when the organization moved, for the library to take the
 * state over; and, for a directory not bound yet, `bindOnAnswer(answers)`, which binds it
 * once `answers()` (one request to the API) resolved: a first run against a mistyped or
 * unreachable base URL bound the directory to it for good, though nothing of that API was
 * stored (an outside pass), and the way out the refusal then gave (previousBaseUrl) was
 * wrong. The file is created with its content in one step (a hard link of a written file),
 * so two first runs cannot both bind.
 */
export async function checkStateDir(stateDir, baseUrl, { bind = true } = {}) {
  const file = join(stateDir, "api.json");
  const api = baseUrl;
  if (bind) {
    try {
      await makeDirectory(stateDir);
    } catch (e) {
      throw unusable(stateDir, e, e.code === "ENOTDIR" ? "is not a directory" : "cannot be used as a directory");
    }
    await rm(await writtenBeside(stateDir, api), { force: true }); // the directory takes writes: said now, not after a run
  }
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if (e.code === "ENOENT") return bind ? { bindOnAnswer: (answers) => bindTo(stateDir, api, answers) } : {}; // not bound yet
    throw unusable(stateDir, e, e.code === "ENOTDIR" ? "is not a directory" : "cannot be read");
  }
  let bound, previousBaseUrl;
  try {
    ({ baseUrl: bound, previousBaseUrl } = JSON.parse(text));
  } catch { /* named below */ }
  if (typeof bound !== "string" || !["string", "undefined"].includes(typeof previousBaseUrl)) {
    throw new InputError(`${file} should say which API the state directory's state is of ({"baseUrl": "..."}, ` +
      `and optionally its earlier address, {"previousBaseUrl": "..."}), and does not; fix or remove it`);
  }
  if (bound !== api) {
    throw new InputError(`the state directory ${stateDir} holds the state of the API at ${bound}, and this run is against ${api}: ` +
      "its checkpoints, import progress and mapping would be wrong there. Use another --state-dir for this API " +
      `(or, if ${api} is the same VOMO organization under a new address, write ` +
      `${JSON.stringify({ baseUrl: api, previousBaseUrl: bound })} into ${file}: its checkpoints and import progress are taken over)`);
  }
  return previousBaseUrl === undefined ? {} : { previousBaseUrl };
}

/** What the file system refused, said of the directory the user named (not of a temporary file in it). */
const unusable = (stateDir, e, what) => new InputError(`--state-dir ${stateDir} ${what} (${e.code ?? e.message})`);

/** A temporary file in DIR holding api.json's text for `api`. */
async function writtenBeside(stateDir, api) {
  const temp = join(stateDir, `.api.json.${randomBytes(6).toString("hex")}`);
  try {
    await writeFile(temp, `${JSON.stringify({ baseUrl: api })}\n`);
  } catch (e) {
    await rm(temp, { force: true });
    throw unusable(stateDir, e, e.code === "EROFS" || e.code === "EACCES" || e.code === "EPERM" ? "is not writable" : "cannot be written to");
  }
  return temp;
}

/** Binds DIR to `api` once `answers()` resolved (what it rejects with is the run's error). */
async function bindTo(stateDir, api, answers) {
  await answers();
  const temp = await writtenBeside(stateDir, api);
  try {
    await link(temp, join(stateDir, "api.json"));
  } catch (e) {
    if (e.code !== "EEXIST") throw unusable(stateDir, e, "cannot be written to");
    await checkStateDir(stateDir, api, { bind: false }); // another first run bound it meanwhile: to this API, or refused
  } finally {
    await rm(temp, { force: true });
  }
}

/**
 * One page of the listing, the request that tells a base URL that answers as the API from one
 * mistyped or down (`bindOnAnswer`'s `answers`): rejects as that page's request would.
 */
export async function firstPage(client, signal) {
  for await (const user of client.listUsers({}, { signal })) break; // eslint-disable-line no-unused-vars
}

/** The directory of one customer's poller store. */
export const customerDir = (stateDir, customerId) => join(stateDir, "customers", fileNameOf(customerId));

export const pollerStore = (stateDir, customerId) => new FileStore(customerDir(stateDir, customerId));

export const importStore = (stateDir) => new FileStore(join(stateDir, "imports"));

/**
 * importRoster's `mapping` (docs/import.md, "Email changes and the mapping") in DIR/mapping/:
 * one entry per External ID, `{ vomoUserId, email }` as last synced, shared by every import
 * into this state directory. With `accept` (--accept-email-changes), the email of each of
 * `records` stands as confirmed: a changed one is sent, and recorded once the upsert succeeds.
 */
export function importMapping(stateDir, records, accept) {
  const dir = join(stateDir, "mapping");
  const store = new FileStore(dir);
  const confirmed = new Map(accept ? records.filter((r) => r.externalId != null).map((r) => [r.externalId, r.email]) : []);
  return {
    async get(externalId) {
      const text = await store.get(externalId);
      if (text == null) return null;
      let mapped;
      try {
        mapped = JSON.parse(text);
      } catch {
        throw new Error(`the mapping entry of External ID ${JSON.stringify(externalId)} in ${dir} is not JSON`);
      }
      return confirmed.has(externalId) ? { ...mapped, email: confirmed.get(externalId) } : mapped;
    },
    set: (externalId, mapped) => store.set(externalId, JSON.stringify(mapped)),
  };
}
