// FileStore: a UserPoller / importRoster store on the local file system (Node only).
// One file per key in one directory; every write is atomic (temp file in the same
// directory, fsync, rename, fsync of the directory), so a crash leaves either the old
// value or the new one, never a torn file. See docs/stores.md.
import { open, readFile, rename, unlink } from "node:fs/promises";
import { createHash, randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { VomoError } from "../facade/errors.mjs";
import { checkOptions } from "../facade/options.mjs";
import { storedText } from "../facade/store-value.mjs";
import { markClass } from "../facade/class-mark.mjs";
import { permissionRefused } from "../facade/permission.mjs";
import { holderGone, ownerHere, releaseLock, takeLock } from "./file-lock.mjs";
import { makeDirectory } from "./make-dir.mjs";

// File-system errors that no retry mends (the directory is a file, not writable, read-only):
// thrown as VomoError `invalid_input`, so a poll or import stops on them instead of retrying
// them as the `network` faults of a store (docs/api.md). Anything else (ENOSPC, EIO, EMFILE)
// may pass and is thrown as it is.
const LASTING = new Set(["ENOTDIR", "EISDIR", "EACCES", "EPERM", "EROFS", "ENAMETOOLONG", "ELOOP"]);

function lasting(dir, e) {
  if (permissionRefused(e)) { // Deno without --allow-read/--allow-write, Node's permission model
    return new VomoError("invalid_input", `FileStore: the directory ${dir} cannot be used: this process may not read and write it `
      + `(Deno: --allow-read and --allow-write; Node's permission model: --allow-fs-read and --allow-fs-write): ${e.message}`, { cause: e });
  }
  if (!LASTING.has(e?.code)) return e;
  return new VomoError("invalid_input", `FileStore: the directory ${dir} cannot be used: ${e.message}`, { cause: e });
}

const MAX_NAME = 200; // bytes; file systems allow 255, leave room for the temp suffix
const TEMP_PREFIX = ".tmp-";
const LOCK_PREFIX = ".lock-";
const BREAK_PREFIX = ".break-";
// setIf waits this long for a key another process has locked, unless given lockWaitMs.
const LOCK_WAIT_MS = 30_000;

/**
 * The file name of a key. Injective, and still injective on case-insensitive file systems:
 * lower-case letters, digits, "_", "-" and (not leading) "." stay as they are; every other
 * UTF-8 byte, upper-case letters included, becomes %XX with upper-case hex. A name never
 * starts with "." (so never ".", ".." or a temp file). A name that would be longer than
 * 200 bytes is cut and suffixed with "~" and the key's SHA-256 ("~" never appears otherwise).
 */
export function fileNameOf(key) {
  if (typeof key !== "string" || key === "") throw new VomoError("invalid_input", "FileStore: a key must be a non-empty string");
  let name = "";
  for (const byte of new TextEncoder().encode(key)) {
    const c = String.fromCharCode(byte);
    const plain = (c >= "a" && c <= "z") || (c >= "0" && c <= "9") || c === "_" || c === "-" || (c === "." && name !== "");
    name += plain ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  if (name.length <= MAX_NAME) return name;
  let cut = 120;
  while (name.lastIndexOf("%", cut - 1) > cut - 3) cut--; // never cut inside a %XX
  return `${name.slice(0, cut)}~${createHash("sha256").update(key).digest("hex")}`;
}

export class FileStore {
  #dir;
  #lockWaitMs;
  #ready = null;

  /**
   * `dir` is created on the first write; it should hold nothing but this store's files.
   * `lockWaitMs`: how long `setIf` waits for a key another process has locked before it
   * gives up with `busy` (30 s unless given).
   */
  constructor(dir, options = {}) {
    if (typeof dir !== "string" || dir === "") throw new VomoError("invalid_input", "FileStore: dir must be a directory path");
    checkOptions(options ?? {}, ["lockWaitMs"], "FileStore"); // a misspelt lockWaitMS would keep the 30 s
    const { lockWaitMs = LOCK_WAIT_MS } = options ?? {};
    if (typeof lockWaitMs !== "number" || !(lockWaitMs >= 0) || !Number.isFinite(lockWaitMs)) {
      throw new VomoError("invalid_input", `FileStore: lockWaitMs must be a number of milliseconds, 0 or more (got ${String(lockWaitMs)})`);
    }
    this.#dir = resolve(dir);
    this.#lockWaitMs = lockWaitMs;
  }

  get dir() {
    return this.#dir;
  }

  /** The value last written under `key`, or null. */
  async get(key) {
    try {
      return await readFile(join(this.#dir, fileNameOf(key)), "utf8");
    } catch (e) {
      if (e?.code === "ENOENT") return null;
      throw lasting(this.#dir, e);
    }
  }

  /** Writes `value` atomically: readers (and a restart after a crash) see the old or the new value. */
  async set(key, value) {
    storedText(value, "FileStore.set");
    try {
      await this.#set(key, value);
    } catch (e) {
      throw lasting(this.#dir, e);
    }
  }

  async #set(key, value) {
    const target = join(this.#dir, fileNameOf(key));
    await this.#ensureDir();
    const temp = join(this.#dir, `${TEMP_PREFIX}${randomBytes(8).toString("hex")}`);
    let handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(value, "utf8");
      await handle.sync();
      await handle.close();
      handle = null;
      await rename(temp, target);
    } catch (e) {
      await handle?.close().catch(() => {});
      await unlink(temp).catch(() => {});
      throw e;
    }
    await this.#syncDir();
  }

  /**
   * Compare-and-set: writes `value` only if `key` holds `expected` (null: no value); true when
   * it wrote. Processes are kept apart by a lock directory beside the key's file (`mkdir`
   * either creates it or fails, for exactly one of them), held for the one read and the one
   * write, with an `owner` file naming its holder. A lock whose holder is alive on this
   * machine is waited for; one whose holder died is broken at once (see `abandoned`).
   */
  async setIf(key, expected, value) {
    storedText(value, "FileStore.setIf");
    const name = fileNameOf(key);
    const lock = join(this.#dir, `${LOCK_PREFIX}${name}`);
    let token;
    try {
      await this.#ensureDir();
      token = await takeLock(lock, join(this.#dir, `${BREAK_PREFIX}${name}`), key, this.#lockWaitMs);
    } catch (e) {
      throw lasting(this.#dir, e);
    }
    try {
      if ((await this.get(key)) !== expected) return false;
      await this.set(key, value);
      return true;
    } finally {
      await releaseLock(lock, token);
    }
  }

  /**
   * This process and thread, named for a poll's or an import's lease (its host, boot, PID
   * namespace, PID and start time): `leaseHolderGone` reads it back in another run.
   */
  async leaseHolder() {
    const { pid, thread, host, boot, pidns, start } = await ownerHere(null);
    return JSON.stringify({ pid, thread, host, boot, pidns, start });
  }

  /**
   * Whether the run that took a lease through a FileStore (`holder`: its `leaseHolder()`) is
   * known to be gone, judged as the lock of `setIf` judges its holder: true for a process of
   * this machine that runs no more (no such PID, a zombie, a PID reused since, a boot since),
   * false while it runs (this thread included), null where it cannot tell (another machine,
   * another thread of this process, a runtime that will not say). A lease whose holder is
   * gone is taken over at once instead of waited out.
   */
  async leaseHolderGone(holder) {
    let o;
    try {
      o = JSON.parse(holder);
    } catch {
      return null;
    }
    if (o === null || typeof o !== "object") return null;
    // Another boot under this host name is not judged: a lease lasts minutes, and machines
    // that share a name and a directory (cloned VMs, hosts all called "localhost") would read
    // as one machine rebooted, with a live holder gone (setIf's lock, held for milliseconds,
    // takes that risk; a lease would not). A rebooted machine's lease is waited out.
    const here = JSON.parse(await this.leaseHolder());
    if ((o.boot ?? null) !== here.boot) return null;
    // Never judged by age (0): a live run may hold a lease for hours, renewing it.
    return await holderGone(o, { ageMs: 0, ownToken: () => true });
  }

  /**
   * Creates the directory once (again after a failed attempt). An ENOENT here is lasting: a
   * directory that exists refused a new one in it (`/proc`).
   */
  #ensureDir() {
    this.#ready ??= makeDirectory(this.#dir).catch((e) => {
      this.#ready = null;
      throw e?.code === "ENOENT" ? new VomoError("invalid_input", `FileStore: the directory ${this.#dir} cannot be used: ${e.message}`, { cause: e }) : e;
    });
    return this.#ready;
  }

  /** Removes `key` (no error when absent). */
  async delete(key) {
    try {
      await unlink(join(this.#dir, fileNameOf(key)));
    } catch (e) {
      if (e?.code !== "ENOENT") throw lasting(this.#dir, e);
    }
    await this.#syncDir();
  }

  // The rename is durable only once the directory entry is on disk. Not possible on Windows
  // (EISDIR/EPERM opening a directory): there the rename itself is the best we get.
  async #syncDir() {
    let dir;
    try {
      dir = await open(this.#dir, "r");
      await dir.sync();
    } catch {
      // best effort
    } finally {
      await dir?.close().catch(() => {});
    }
  }
}
markClass(FileStore, "FileStore");
