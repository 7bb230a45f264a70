// Store adapters with no Node dependency. The structural types below are what each adapter
// uses of the platform object, so no @cloudflare/workers-types or DOM lib is required.

/** The part of the Web Storage API (`localStorage`, `sessionStorage`) LocalStorageStore uses. */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of a Durable Object's `state.storage` DurableObjectStore uses. */
export interface DurableObjectStorageLike {
  get(key: string): Promise<unknown>;
  put(key: string, value: string): Promise<void>;
  /** Many keys in one atomic write (at most 128). */
  put(entries: Record<string, string>): Promise<void>;
  delete(key: string): Promise<boolean>;
}

/** The part of a Workers KV namespace binding KvStore uses. */
export interface KvNamespaceLike {
  get(key: string, type: "text"): Promise<string | null>;
  put(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Browser localStorage, synchronous. Durable, read-after-write in one profile: safe for the
 * checkpoint of a single tab. Across tabs the lease is only as good as localStorage's own
 * consistency (no compare-and-set).
 */
export declare class LocalStorageStore {
  /** `storage` defaults to `globalThis.localStorage` (browsers; Node 25+ run with `--localstorage-file=PATH`); `prefix` is put before every key. */
  constructor(storage?: WebStorageLike, prefix?: string);
  get(key: string): string | null;
  /** Throws the browser's QuotaExceededError when the origin's quota is full. */
  set(key: string, value: string): void;
  delete(key: string): void;
  /** Compare-and-set within this tab (one synchronous step); localStorage has none across tabs. */
  setIf(key: string, expected: string | null, value: string): boolean;
  /** In a browser, over its own localStorage: this tab, as a lease records its holder (a Web Lock it holds while it lives); else null. */
  leaseHolder(): Promise<string | null>;
  /** Whether the tab that took a lease is gone (reloaded, closed): its Web Lock is released. null where this cannot be judged. */
  leaseHolderGone(holder: string): Promise<boolean | null>;
}

/** A Durable Object's `state.storage`: strongly consistent, SAFE for the checkpoint and the lease. */
export declare class DurableObjectStore {
  constructor(storage: DurableObjectStorageLike);
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  /** Every pair in one atomic `put(object)` (at most 128 pairs). */
  setMany(entries: Iterable<[string, string]>): Promise<void>;
  delete(key: string): Promise<void>;
  /** This isolate (a name drawn once per load of the module): where a lease is taken. */
  leaseHolder(): string;
  /** A lease taken in any other isolate is gone (one instance of an object runs at a time); null for a holder it did not name. */
  leaseHolderGone(holder: string): boolean | null;
}

/**
 * A Workers KV namespace: eventually consistent (reads up to ~60 s stale, one write per key
 * per second). NOT safe for UserPoller's checkpoint or lease: a stale checkpoint redelivers,
 * a stale lease lets two polls overlap.
 */
export declare class KvStore {
  constructor(namespace: KvNamespaceLike, options?: { prefix?: string | undefined });
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}
