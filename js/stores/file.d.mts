/**
 * A store on the local file system (Node only): one file per key in `dir`, every write atomic
 * (temp file in the same directory, fsync, rename). Durable and read-after-write on one
 * machine: safe for UserPoller's checkpoint and lease when every poller of a customer runs
 * on that machine. Not for directories shared over NFS or between machines.
 */
export interface FileStoreOptions {
  /**
   * How long `setIf` (so a poll's or an import's lease) waits for a key another process has
   * locked before it rejects with a `busy` VomoError naming the holder, in milliseconds; 30000
   * unless given. A live holder's lock is never broken; a dead holder's is broken at once.
   */
  lockWaitMs?: number | undefined;
}

export declare class FileStore {
  /** `dir` is created on the first write; keep nothing else in it. */
  constructor(dir: string, options?: FileStoreOptions);
  /** The absolute directory. */
  readonly dir: string;
  /** The value last written under `key`, or null. */
  get(key: string): Promise<string | null>;
  /** Writes atomically: readers, and a restart after a crash, see the old or the new value. */
  set(key: string, value: string): Promise<void>;
  /** Removes `key`; no error when absent. */
  delete(key: string): Promise<void>;
  /**
   * Compare-and-set across processes on this machine: writes `value` only if `key` holds
   * `expected` (null: no value), under a lock directory beside the key's file that names its
   * holder; true when it wrote. A poll's or an import's lease is taken with it, so two processes that start at
   * the same moment cannot both get it.
   */
  setIf(key: string, expected: string | null, value: string): Promise<boolean>;
  /** This process, as a poll's or an import's lease records its holder (host, PID, start time). */
  leaseHolder(): Promise<string>;
  /**
   * Whether the process named by `holder` (a `leaseHolder()` of another run) is known to be
   * gone: true for a process of this machine that runs no more, false while it runs, null
   * where it cannot tell. A lease whose holder is gone is taken over at once, not waited out.
   */
  leaseHolderGone(holder: string): Promise<boolean | null>;
}

/** The file name FileStore uses for `key` (injective, safe on case-insensitive file systems). */
export declare function fileNameOf(key: string): string;
