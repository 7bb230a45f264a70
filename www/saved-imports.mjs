// The admin page's saved imports in localStorage, per API (see apiScope): where an import's
// progress is kept, the finished imports whose progress is kept (and within what), and room
// made when the storage is full (for the imports and the polls alike).
import { importRoster } from "vomo-users";
import { LocalStorageStore } from "vomo-users/stores";
import { apiScope } from "./session.mjs";

const PROGRESS_PREFIX = "vomo-admin:import-progress:";
const progressPrefix = (scope = apiScope()) => `${PROGRESS_PREFIX}${scope}|`;
// The finished imports whose progress is kept, per API, newest last: a file picked again
// among them lists its results without sending; older ones are removed. localStorage holds
// a few million characters per origin (5.2 million in Chromium; browsers do not say), and an
// import's progress takes about 500 characters a row (each settled record with its user):
// three finished 5,000-row imports (7.5 million) would not fit. So besides the last KEEP_FINISHED, the finished imports kept take FINISHED_BUDGET
// characters at most between them (the newest is always kept), which leaves the rest for the
// import running and the poll state; and a run that finds the storage full anyway frees the
// finished imports' progress of every API (`makeRoom`) and says so.
const FINISHED = "vomo-admin:import:finished";
const KEEP_FINISHED = 3;
const FINISHED_BUDGET = 800_000;

/** Where the imports of API `scope` keep their progress (and their leases). */
export const progressStore = (scope) => new LocalStorageStore(localStorage, progressPrefix(scope));

/** Removes the saved progress of import `key` of API `scope` (the package's importRoster.forget:
 *  rejects with busy while a run holds the key, in this tab or another). */
export const forgetImport = (key, scope) => importRoster.forget({ store: progressStore(scope), key });

export const finishedList = (scope) => { try { return JSON.parse(localStorage.getItem(`${FINISHED}:${scope}`)) ?? []; } catch { return []; } };

/** The localStorage keys of the saved progress of import `key` of API `scope` (docs/stores.md:
 *  `vomo-users/v1/import/<key>`, its log `.../log` and segments, chunks `<name>.g<slot>.<i>`). */
function progressKeysOf(key, scope) {
  const base = `${progressPrefix(scope)}vomo-users/v1/import/${key}`;
  const keys = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k === base || k.startsWith(`${base}/`) || k.startsWith(`${base}.g`)) keys.push(k);
  }
  return { base, keys };
}

/** Characters the saved progress of import `key` of API `scope` takes in localStorage (keys and values). */
const savedChars = (key, scope) => progressKeysOf(key, scope).keys.reduce((n, k) => n + k.length + (localStorage.getItem(k)?.length ?? 0), 0);

/**
 * Removes a finished import's progress when localStorage is too full for importRoster.forget,
 * which writes before it removes (its lease, then the list of the log segments it deletes).
 * Not while a run holds its lease (another tab importing the file again). The log's header and
 * the snapshot's go first, so that what a page closed midway leaves is never read (a load
 * finds no progress) rather than an index naming a removed segment. Whether it was removed.
 */
function removeFullyFinished(key, scope) {
  const { base, keys } = progressKeysOf(key, scope);
  let lease = null;
  try { lease = JSON.parse(localStorage.getItem(`${base}/lease`)); } catch { /* unreadable: free */ }
  if (lease?.expires_at > Date.now()) return false;
  const first = [`${base}/log`, base];
  for (const k of [...first, ...keys.filter((k) => !first.includes(k) && k !== `${base}/lease`)]) localStorage.removeItem(k);
  return true;
}

/** Removes the progress of the finished imports of `scope` not in `keep`; those that cannot
 *  be removed now (being imported again, in another tab) stay listed. How many went. */
async function forgetFinished(scope, keep) {
  const list = finishedList(scope);
  const kept = [];
  for (const old of list) {
    if (keep.has(old)) kept.push(old);
    else {
      try {
        await forgetImport(old, scope);
      } catch (e) {
        if (!(storageFull(e) && removeFullyFinished(old, scope))) kept.push(old);
      }
    }
  }
  localStorage.setItem(`${FINISHED}:${scope}`, JSON.stringify(kept));
  return list.length - kept.length;
}

/** Notes `key` as finished against `scope`, and keeps the progress of the newest finished
 *  imports: at most KEEP_FINISHED, taking FINISHED_BUDGET characters at most (the newest always). */
export async function finished(key, scope) {
  const list = [...finishedList(scope).filter((k) => k !== key), key];
  localStorage.setItem(`${FINISHED}:${scope}`, JSON.stringify(list));
  const keep = new Set();
  let left = FINISHED_BUDGET;
  for (const k of list.slice(-KEEP_FINISHED).reverse()) {
    const size = savedChars(k, scope);
    if (keep.size > 0 && size > left) break;
    keep.add(k);
    left -= size;
  }
  await forgetFinished(scope, keep);
}

/**
 * What an import's progress takes for one record, at the least: its settled record with its
 * user in the snapshot, in which the email, the names and the external id appear twice each.
 * Measured in a LocalStorageStore (checkpointEvery 10): a 6,000-row roster's snapshot took
 * 381 characters a record, 297 beyond twice those four values; the whole progress took 431-546
 * a record (the log holds records the snapshot holds too) and up to 762 while the snapshot was
 * rewritten. A lower bound, so that a file is refused only when it cannot fit; one between
 * that and the peak may still stop part-way (then it says so, and what to remove).
 */
const recordChars = (r) => 290 + 2 * [r.email, r.firstName, r.lastName, r.externalId].reduce((n, v) => n + (v?.length ?? 0), 0);
const PROBE = "vomo-admin:probe";

/** Whether localStorage takes `n` more characters now (written and removed at once). */
function fits(n) {
  if (n <= 0) return true;
  try {
    localStorage.setItem(PROBE, "x".repeat(n));
    return true;
  } catch {
    return false;
  } finally {
    localStorage.removeItem(PROBE);
  }
}

/** The characters localStorage takes before it is full, to 64 Ki: no browser says. */
function freeChars() {
  const step = 1 << 16;
  let lo = 0;
  let hi = step;
  while (fits(hi)) [lo, hi] = [hi, hi * 2];
  while (hi - lo > step) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(mid)) lo = mid; else hi = mid;
  }
  return lo;
}

/** Characters the saved results of every API's finished imports take: what makeRoom frees. */
function finishedChars() {
  let n = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k.startsWith(`${FINISHED}:`)) for (const key of finishedList(k.slice(FINISHED.length + 1))) n += savedChars(key, k.slice(FINISHED.length + 1));
  }
  return n;
}

/**
 * Whether the progress of an import of `records` records (`key`, API `scope`) can fit in
 * localStorage, with what it saved already and the finished imports' results that makeRoom
 * would remove: null when it can, else the advice to show instead of starting. A run that
 * cannot fit would stop part-way at every Resume (a 50,000-row roster stopped at 9,589).
 */
export function roomFor(records, key, scope) {
  const each = records.reduce((n, r) => n + recordChars(r), 0) / Math.max(1, records.length);
  const need = Math.round(records.length * each) - savedChars(key, scope);
  const removable = finishedChars();
  if (fits(need - removable)) return null;
  const room = freeChars() + removable;
  const most = Math.floor(room / each);
  return `its progress needs about ${need.toLocaleString("en")} characters of this browser's storage for the page `
    + `(${Math.round(each)} or more a record), which has room for about ${room.toLocaleString("en")} (about ${most.toLocaleString("en")} records): `
    + "import it in smaller files, or with the command line (`vomo-users import`, which keeps its progress on disk), "
    + "or Forget the saved poll state or import progress of an API or file no longer needed";
}

/** Whether `e` comes of a write the browser refused for a full localStorage: its QuotaExceededError
 *  in the chain of causes (LocalStorageStore's VomoError, which the poller or import wraps). */
export function storageFull(e) {
  for (let c = e, depth = 0; c != null && depth < 8; c = c.cause, depth++) if (c.name === "QuotaExceededError") return true;
  return false;
}

/**
 * Frees room in a full localStorage: the progress of every finished import of every API (a
 * file picked again then imports anew, sending what is not settled; nothing paused is
 * touched). Resolves to how many were removed.
 */
export async function makeRoom() {
  const scopes = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k.startsWith(`${FINISHED}:`)) scopes.push(k.slice(FINISHED.length + 1));
  }
  let removed = 0;
  for (const scope of scopes) removed += await forgetFinished(scope, new Set());
  return removed;
}

/** What to tell the operator after a run stopped for a full localStorage, having made room. */
export async function fullStorageAdvice(again) {
  const removed = await makeRoom();
  return removed
    ? `this page's storage in the browser is full: the saved results of ${removed} finished import${removed === 1 ? " were" : "s were"} removed to make room; ${again}`
    : "this page's storage in the browser is full, and no finished import's results are left to remove: Forget the saved poll "
      + "state or import progress of an API or file no longer needed, or clear this site's data in the browser's settings";
}
