// The lock FileStore.setIf holds over one read and one write of a key, across the processes
// (and threads) of one machine: a lock directory made by `mkdir` (which creates it for exactly
// one of them) with an `owner` file naming its holder, judged abandoned by whether that holder
// is alive (see `abandoned`), and broken by one breaker at a time (see `breakLock`).
import { mkdir, readFile, readlink, rm, stat, writeFile } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { threadId } from "node:worker_threads";
import { VomoError } from "../facade/errors.mjs";

// A lock whose holder cannot be checked (on another machine, or one that died before it wrote
// its name) is taken to be abandoned once it is this old; setIf holds one for milliseconds.
const STALE_LOCK_MS = 10_000;
// A live process that holds a lock this long, where its start time cannot be read (no /proc:
// macOS, Windows), is taken to be another process that was given a dead holder's PID.
const PID_REUSE_MS = 5 * 60_000;
const THREAD = threadId ?? 0; // 0: the main thread

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Where this process runs, as far as another process can check that it is alive: the
 * machine's name and, on Linux, its boot (a lock left before a restart names a PID that may
 * since belong to anything), its PID namespace (containers sharing a volume and a host name
 * may each have their own PIDs) and the process's start time (a PID reused after its holder
 * died names a process that started later). Each is null where the platform does not say.
 */
let here;
function place() {
  here ??= Promise.all([
    readFile("/proc/sys/kernel/random/boot_id", "utf8").then((t) => t.trim(), () => null),
    readlink("/proc/self/ns/pid").catch(() => null),
    procStat("self"),
  ]).then(([boot, pidns, self]) => ({ host: hostName(), boot, pidns, start: self?.start ?? null }));
  return here;
}

/** The machine's name, or null where the runtime does not say (Deno without --allow-sys). */
function hostName() {
  try {
    return hostname() || null;
  } catch {
    return null;
  }
}

/**
 * A process's state (R, S, ..., Z for a zombie: exited, not yet reaped by its parent) and start
 * time (clock ticks after boot), from /proc/PID/stat; null where there is no /proc.
 */
async function procStat(pid) {
  const text = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (!text) return null;
  // Fields 3 (the state) and 22 (the start time); the command name (field 2) is in
  // parentheses and may hold spaces and ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], start: fields[19] ?? null };
}

/**
 * The locks this thread holds now, by token: a lock naming this PID and thread but none of
 * them is a dead predecessor's. One set per thread (a worker has its own globalThis), shared
 * by every copy of this module in it (the ES module and its CommonJS build can both be loaded).
 */
const heldHere = (globalThis[Symbol.for("vomo-users.fileStoreLocks")] ??= new Set());

/**
 * Whether process `pid` (on this machine) exists: signal 0 checks without sending anything.
 * null when the runtime will not say (Deno without --allow-run): not taken for gone.
 */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    if (e?.code === "ESRCH") return false;
    return e?.code === "EPERM" ? true : null; // EPERM: it exists, and belongs to another user
  }
}

/** The lock as it is now: null when there is none; `owner` is null while it has no (readable) owner file. */
async function inspect(lock) {
  const info = await stat(lock).catch(() => null);
  if (!info) return null;
  const text = await readFile(join(lock, "owner"), "utf8").catch(() => null);
  let owner = null;
  try {
    owner = text && JSON.parse(text);
  } catch {
    // written halfway by a holder that died: no owner to check
  }
  return { ino: info.ino, mtimeMs: info.mtimeMs, text, owner: owner && typeof owner === "object" ? owner : null };
}

/**
 * Whether the holder `o` (an owner as `ownerHere` writes it) is known to be gone: true, false
 * (alive), or null where this machine cannot tell (another machine, a runtime that will not
 * name the machine or check a process, another worker thread of this process), to be judged
 * by age. `ageMs`: how long it has held what it holds, for the PID-reuse rule where the start
 * time cannot be read (0: never judged by age). `ownToken(token)`: whether a holder of this
 * very thread still holds its token. FileStore.leaseHolderGone judges a lease's holder by this too.
 */
export async function holderGone(o, { ageMs, ownToken }) {
  const me = await place();
  if (o && me.host && o.host === me.host && Number.isSafeInteger(o.pid) && o.pid > 0) {
    if (o.boot && me.boot && o.boot !== me.boot) return true;
    if ((o.boot ?? null) === me.boot && (o.pidns ?? null) === me.pidns) {
      if (o.pid === process.pid) {
        if (o.start != null && me.start != null && o.start !== me.start) return true; // a predecessor under this PID
        if ((o.thread ?? 0) === THREAD) return !ownToken(o.token);
        // Another thread of this process (a worker's locks are its own): judged by its age.
      } else {
        const live = alive(o.pid);
        if (live === false) return true;
        if (live) {
          const stat = await procStat(o.pid);
          if (stat?.state === "Z" || stat?.state === "X") return true; // exited; only its exit status is left
          if (o.start == null || stat?.start == null) return ageMs > PID_REUSE_MS;
          return stat.start !== o.start;
        }
      }
    }
  }
  return null;
}

/** This thread as a holder: what `holderGone` reads back, with `token`. */
export async function ownerHere(token) {
  const { host, boot, pidns, start } = await place();
  return { pid: process.pid, thread: THREAD, host, boot, pidns, start, token, since: new Date().toISOString() };
}

/**
 * Whether the lock's holder is gone. A holder on this machine (same host name, boot and PID
 * namespace) is checked by its PID: gone when no such process exists, when it has exited (a
 * zombie its parent has not reaped), when the process with that PID started at another time
 * than the holder did (where the start time cannot be read: once the lock is PID_REUSE_MS
 * old, when its PID is taken to be another process's), or when it is this process's own PID
 * and thread but none of their current locks (a predecessor in a container that reuses PIDs,
 * where /proc cannot tell by the start time). A live holder's lock is never broken, however
 * long it is held, except another worker thread's of this process, which is judged by age. A
 * holder on this host before a restart is gone. Any other lock (its holder on another
 * machine, no owner written yet, or a runtime that will not name the machine or check a
 * process) is taken to be abandoned once it is STALE_LOCK_MS old.
 */
async function abandoned(seen) {
  const age = Date.now() - seen.mtimeMs;
  return (await holderGone(seen.owner, { ageMs: age, ownToken: (token) => heldHere.has(token) })) ?? age > STALE_LOCK_MS;
}

/** Describes the lock's holder for a `busy` message. */
function holderOf(seen) {
  const o = seen?.owner;
  if (!o) return "another process";
  return `process ${o.pid} on ${o.host}${o.since ? ` (since ${o.since})` : ""}`;
}

/**
 * Creates the lock directory `dir` with an `owner` file naming this thread; resolves to the
 * token `releaseLock` takes, or null when `dir` exists.
 */
async function claim(dir) {
  const made = await mkdir(dir).then(() => true, (e) => { if (e?.code === "EEXIST") return false; throw e; });
  if (!made) return null;
  const token = randomBytes(8).toString("hex");
  heldHere.add(token);
  try {
    await writeFile(join(dir, "owner"), JSON.stringify(await ownerHere(token)));
  } catch (e) {
    heldHere.delete(token);
    await rm(dir, { recursive: true, force: true }).catch(() => {});
    throw e;
  }
  return token;
}

/**
 * Removes an abandoned lock; false when it is another process's turn to. Breakers take turns
 * through a second lock directory (`guard`, `.break-NAME` beside `.lock-NAME`, held for a
 * check and a removal) and remove the lock only if it is still the one they found abandoned:
 * without that, of two processes that both found it abandoned, the second could remove the
 * fresh lock the first had just taken, and both would be inside. A turn is judged as a lock
 * is: one whose breaker died in it ends (at once on this machine, after STALE_LOCK_MS where
 * the breaker cannot be checked), a live breaker's is waited for.
 */
async function breakLock(lock, guard, seen) {
  const turn = await claim(guard);
  if (turn === null) {
    const other = await inspect(guard);
    if (other && await abandoned(other)) await rm(guard, { recursive: true, force: true }).catch(() => {});
    return false; // wait, then look again
  }
  try {
    const now = await inspect(lock);
    if (now && now.ino === seen.ino && now.text === seen.text && await abandoned(now)) {
      await rm(lock, { recursive: true, force: true });
    }
    return true; // removed, or no longer the lock found abandoned: look again at once
  } finally {
    await releaseLock(guard, turn);
  }
}

/**
 * Takes the lock directory `lock` (its `owner` file names this process), waiting while
 * another process holds it; resolves to the token `releaseLock` takes. Hand-rolled (measured
 * 2026-12-04): Node has no file lock (flock) of its own; proper-lockfile 4.1.2, the usual
 * package, takes a similar mkdir approach (judging a holder by the lock's age alone) but
 * installs 4 packages (244 KB: graceful-fs, retry, signal-exit, which adds handlers for the
 * host process's signals) into a package that has no dependencies, for a lock held over one
 * read and one write.
 */
export async function takeLock(lock, guard, key, waitMs) {
  const started = Date.now();
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    const token = await claim(lock);
    if (token !== null) return token;
    const seen = await inspect(lock);
    if (!seen) continue; // released in between: try again at once
    if (await abandoned(seen) && await breakLock(lock, guard, seen)) continue;
    if (Date.now() - started >= waitMs) {
      throw new VomoError("busy", `FileStore: ${JSON.stringify(key)} stayed locked by ${holderOf(seen)} for ${waitMs / 1000} s (${lock}); ` +
        "a holder that is alive keeps its lock however long it holds it");
    }
    await pause(wait * (0.5 + Math.random()));
  }
}

/** Removes the lock if it is still this token's (a lock taken for abandoned is left to its new holder). */
export async function releaseLock(lock, token) {
  heldHere.delete(token);
  if ((await inspect(lock))?.owner?.token === token) await rm(lock, { recursive: true, force: true }).catch(() => {});
}
