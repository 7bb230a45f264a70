import { VomoError, settle } from "./errors.mjs";
import { checkOptions } from "./options.mjs";
import { storedText } from "./store-value.mjs";
import { markClass } from "./class-mark.mjs";

/** A store in memory: `{ get(key) -> string|null, set(key, value) }`. Not durable. */
export class MemoryStore {
  #map = new Map();
  get(key) {
    return this.#map.has(key) ? this.#map.get(key) : null;
  }
  set(key, value) {
    this.#map.set(key, storedText(value, "MemoryStore.set"));
  }
  delete(key) {
    this.#map.delete(key);
  }
  /** Compare-and-set: writes `value` only if `key` holds `expected` (null: nothing); true when it wrote. */
  setIf(key, expected, value) {
    if (this.get(key) !== expected) return false;
    this.set(key, value);
    return true;
  }
  keys() {
    return [...this.#map.keys()];
  }
  get size() {
    return this.#map.size;
  }
}
markClass(MemoryStore, "MemoryStore");

export function requireStore(store, who) {
  if (store == null || typeof store.get !== "function" || typeof store.set !== "function") {
    throw new VomoError("invalid_input", `${who}: store must have get(key) and set(key, value)`);
  }
}

/**
 * The store's optional `delete(key)`, `setMany(entries)`, `setIf(key, expected, value)`,
 * `leaseHolder()` and `leaseHolderGone(holder)`, bound, for the glue.
 */
export function storeExtras(store) {
  return [
    typeof store?.delete === "function" ? (key) => store.delete(key) : undefined,
    typeof store?.setMany === "function" ? (entries) => store.setMany(entries) : undefined,
    typeof store?.setIf === "function" ? (key, expected, value) => store.setIf(key, expected, value) : undefined,
    typeof store?.leaseHolder === "function" ? () => store.leaseHolder() : undefined,
    typeof store?.leaseHolderGone === "function" ? (holder) => store.leaseHolderGone(holder) : undefined,
  ];
}

export function wasmClientOf(client, who) {
  const inner = client?._wasm;
  if (!inner) throw new VomoError("invalid_input", `${who}: client must be a VomoClient`);
  return inner;
}

/**
 * The `storedBaseUrl` statics: `UserPoller`'s (`idName` "customerId") and `importRoster`'s
 * ("key"). The store alone is read; null when nothing is stored or it predates the record.
 */
export async function storedBaseUrl(glue, who, idName, options) {
  const { store, id } = storeAndName(who, idName, options);
  return await settle(glue.storedBaseUrl(idName === "key", id, (k) => store.get(k), (k, v) => store.set(k, v)));
}

/** `importRoster.forget` (`idName` "key") and `UserPoller.forget` ("customerId"). */
export async function forgetStored(glue, who, idName, options) {
  const { store, id } = storeAndName(who, idName, options);
  const [del, , setIf, holder, holderGone] = storeExtras(store);
  return await settle(glue.forgetStored(idName === "key", id, (k) => store.get(k), (k, v) => store.set(k, v), del, setIf, holder, holderGone));
}

/** The `{ store, <idName> }` options of a static that works on the store alone, checked. */
export function storeAndName(who, idName, options) {
  checkOptions(options ?? {}, ["store", idName], who);
  const { store, [idName]: id } = options ?? {};
  requireStore(store, who);
  if (typeof id !== "string") throw new VomoError("invalid_input", `${who}: ${idName} must be a string`);
  return { store, id };
}
