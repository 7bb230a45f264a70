// Store adapters for UserPoller and importRoster that need no Node API: browser
// localStorage, Cloudflare Durable Object storage and Cloudflare KV. Each is
// `{ get(key) -> string|null, set(key, value) }`. Its imports (VomoError, the options check) run anywhere.
// Which one is safe for a checkpoint and a lease: docs/stores.md.

import { VomoError } from "../facade/errors.mjs";
import { checkOptions } from "../facade/options.mjs";
import { storedText } from "../facade/store-value.mjs";
import { markClass } from "../facade/class-mark.mjs";

function need(value, methods, what) {
  if (value == null || methods.some((m) => typeof value[m] !== "function")) {
    throw new VomoError("invalid_input", `${what} must have ${methods.map((m) => `${m}()`).join(" and ")}`);
  }
}

/**
 * Browser `localStorage` (or any Web Storage object, Node's own with --localstorage-file
 * among them), synchronous. Durable and read-after-write within one browser profile: safe
 * for the checkpoint of a single tab.
 * Across tabs of one origin, the lease keeps two polls apart only as well as
 * localStorage's own consistency allows (it has no compare-and-set; a tab sees the other's
 * write once it lands, so only a near-simultaneous start can slip through).
 */
export class LocalStorageStore {
  #storage;
  #prefix;
  constructor(storage = globalThis.localStorage, prefix = "") {
    if (storage == null) {
      throw new VomoError("invalid_input", "LocalStorageStore: no storage was given and this runtime has no localStorage: "
        + "pass a Web Storage object (Node 25 and later have localStorage when run with --localstorage-file=PATH)");
    }
    need(storage, ["getItem", "setItem", "removeItem"], "LocalStorageStore: storage");
    // A string, as its second argument (KvStore's `{ prefix }` here would prefix "[object Object]").
    if (typeof prefix !== "string") {
      throw new VomoError("invalid_input", `LocalStorageStore: prefix must be a string (the second argument itself, not { prefix }), got ${prefix === null ? "null" : typeof prefix}`);
    }
    this.#storage = storage;
    this.#prefix = prefix;
  }
  get(key) {
    return this.#storage.getItem(this.#prefix + key);
  }
  /** A full origin (the browser's QuotaExceededError: about 5 MiB for all of localStorage)
   *  throws a VomoError saying so and naming the key, with the browser's error as its cause. */
  set(key, value) {
    const text = storedText(value, "LocalStorageStore.set");
    try {
      this.#storage.setItem(this.#prefix + key, text);
    } catch (e) {
      if (e?.name !== "QuotaExceededError") throw e;
      throw new VomoError("network", `LocalStorageStore: this origin's localStorage is full (QuotaExceededError; about 5 MiB in all): `
        + `${JSON.stringify(this.#prefix + key)} (${text.length} characters) was not written; remove saved state this origin `
        + "no longer needs (another API's, a finished import's) and try again", { cause: e });
    }
  }
  delete(key) {
    this.#storage.removeItem(this.#prefix + key);
  }
  /** Compare-and-set within this tab (one synchronous step); localStorage has none across tabs. */
  setIf(key, expected, value) {
    if (this.get(key) !== expected) return false;
    this.set(key, value);
    return true;
  }
  /**
   * This tab (or worker) as a poll's or an import's lease records its holder: a Web Lock it
   * holds for as long as it lives, named for it. null where that cannot be judged (see
   * `tabLocks`).
   */
  async leaseHolder() {
    return tabLocks(this.#storage) ? await tabHolder() : null;
  }
  /**
   * Whether the tab that took a lease (`holder`: its `leaseHolder()`) is gone: a reload or a
   * closed tab releases its Web Locks, and `navigator.locks.query()` shows those of every tab
   * of the origin. Its lease is then taken over at once instead of waited out (2 minutes).
   */
  async leaseHolderGone(holder) {
    if (!tabLocks(this.#storage) || typeof holder !== "string" || !holder.startsWith(HOLDER_PREFIX)) return null;
    const { held = [] } = await navigator.locks.query();
    return !held.some((lock) => lock.name === holder);
  }
}

const HOLDER_PREFIX = "vomo-users/lease-holder/";

/**
 * Whether a lease in `storage` can be judged by Web Locks: the browser's own localStorage,
 * whose scope (the origin, in this browser profile) is the scope of `navigator.locks`. Not
 * another Web Storage object (its scope is not known), and not Node or Deno, whose locks are
 * one process's while their localStorage file may be shared.
 */
function tabLocks(storage) {
  return storage === globalThis.localStorage && typeof globalThis.navigator?.locks?.query === "function"
    && typeof globalThis.crypto?.randomUUID === "function" && !globalThis.process?.versions?.node && !globalThis.Deno;
}

let holder = null;
/** This realm's holder lock, taken once and held until the realm goes; its name. */
function tabHolder() {
  holder ??= new Promise((resolve) => {
    const name = `${HOLDER_PREFIX}${crypto.randomUUID()}`;
    navigator.locks.request(name, () => {
      resolve(name);
      return new Promise(() => {}); // held for the tab's life
    }).catch(() => resolve(null));
  });
  return holder;
}

/**
 * A Durable Object's `state.storage` (`ctx.storage`). Strongly consistent, durable once
 * `put` resolves, and one object runs one request at a time between awaits (input/output
 * gates): SAFE for the checkpoint and the lease.
 */
export class DurableObjectStore {
  #storage;
  constructor(storage) {
    need(storage, ["get", "put", "delete"], "DurableObjectStore: storage (a Durable Object's state.storage)");
    this.#storage = storage;
  }
  async get(key) {
    const value = await this.#storage.get(key);
    return value == null ? null : String(value);
  }
  async set(key, value) {
    await this.#storage.put(key, storedText(value, "DurableObjectStore.set"));
  }
  /**
   * Writes every `[key, value]` pair in one `put(object)`: atomic, all or none (at most 128
   * pairs, the platform's limit). UserPoller and importRoster use it for values that span
   * several keys.
   */
  async setMany(entries) {
    await this.#storage.put(Object.fromEntries(Array.from(entries, ([key, value]) => [key, storedText(value, "DurableObjectStore.setMany")])));
  }
  async delete(key) {
    await this.#storage.delete(key);
  }
  /**
   * Where a poll's or an import's lease is taken, as the lease records its holder: this
   * isolate (a name drawn once per load of this module). A deploy, a restart of the runtime or
   * a move of the object to another machine runs it in a new isolate.
   */
  leaseHolder() {
    return isolateHolder();
  }
  /**
   * Whether the holder of a lease in this object's storage is gone: any isolate but this one.
   * A Durable Object runs one instance at a time, and one that is no longer current gets an
   * exception from its next storage call (Cloudflare's global uniqueness), so a lease taken in
   * an earlier isolate (a slice a deploy cut off) is taken over at once instead of waited out.
   * One taken in this isolate is not judged gone (another request's slice may be running; an
   * instance reset within the isolate waits its lease out), however the storage is wrapped.
   */
  leaseHolderGone(holder) {
    if (typeof holder !== "string" || !holder.startsWith(ISOLATE_PREFIX)) return null;
    return holder !== isolateHolder();
  }
}

const ISOLATE_PREFIX = "vomo-users/durable-object-isolate/";
const ISOLATE_NAME = Symbol.for("vomo-users.durableObjectIsolate");
/**
 * This isolate's holder name, drawn on first use and kept on the global object, so that the
 * ES module and CommonJS builds of this file, both loaded in one isolate, name it alike.
 */
function isolateHolder() {
  globalThis[ISOLATE_NAME] ??= `${ISOLATE_PREFIX}${crypto.randomUUID()}`;
  return globalThis[ISOLATE_NAME];
}

/**
 * A Workers KV namespace binding. Durable, but EVENTUALLY consistent: a read in another
 * location (or the same one, from its cache) can return a value up to ~60 s old, and one key
 * takes at most one write per second. NOT safe for UserPoller's checkpoint or lease: a poll
 * that reads a stale checkpoint redelivers changes already handled, and a stale lease lets
 * two polls overlap. Use it for data that tolerates that (see docs/stores.md).
 */
export class KvStore {
  #kv;
  #prefix;
  constructor(namespace, options = {}) {
    need(namespace, ["get", "put", "delete"], "KvStore: namespace (a KV namespace binding)");
    checkOptions(options ?? {}, ["prefix"], "KvStore");
    const { prefix = "" } = options ?? {};
    this.#kv = namespace;
    this.#prefix = String(prefix);
  }
  async get(key) {
    const value = await this.#kv.get(this.#prefix + key, "text");
    return value ?? null;
  }
  async set(key, value) {
    await this.#kv.put(this.#prefix + key, storedText(value, "KvStore.set"));
  }
  async delete(key) {
    await this.#kv.delete(this.#prefix + key);
  }
}

for (const [Class, name] of [[LocalStorageStore, "LocalStorageStore"], [DurableObjectStore, "DurableObjectStore"], [KvStore, "KvStore"]]) {
  markClass(Class, name);
}
