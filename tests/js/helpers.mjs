// Shared by the JS tests. They run from a temp project that installed the packed tarball
// (scripts/test.sh copies tests/ there), so "vomo-users" resolves to the installed copy;
// VOMO_REPO points back at the repository for fixtures and dev tools.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repo, fixture } from "./repo.mjs";

export { repo, repoRequire, fixture } from "./repo.mjs";
export const LIST_PAGE = () => fixture("list_page_spec_example.json");
export const UPSERT_200 = () => fixture("upsert_200_doc_example.json");
export const publicNames = () => JSON.parse(readFileSync(join(repo, "js/public-names.json"), "utf8"));

/** Every value in a parsed shape, walked: no undefined anywhere, no "" for optional fields. */
export function assertNoUndefined(value, path = "$") {
  if (value === undefined) throw new Error(`${path} is undefined`);
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) assertNoUndefined(v, `${path}.${k}`);
  }
}

export const USER_KEYS = ["id", "firstName", "lastName", "fullName", "email", "phone", "address", "birthday",
  "gender", "createdAt", "updatedAt", "userStatus", "membershipStatus", "membershipRole"];
export const PARTICIPATION_KEYS = ["projectId", "projectDateId", "guests", "signedUpAt", "checkedInAt",
  "checkedOutAt", "hours", "verified", "role"];
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A minimal valid raw (wire-format) user, for building bodies in tests. */
export const rawUser = (extra = {}) => ({ id: 1, email: "a@b.org", first_name: "A", last_name: "B",
  created_at: "2025-01-01T00:00:00Z", updated_at: "2025-01-02T00:00:00Z", ...extra });

// --- shared by the client, poller and import tests ---------------------------------------
import assert from "node:assert/strict";
import { VomoClient, VomoError, MemoryStore } from "vomo-users";

/** Awaits `promise` and asserts it rejects with a VomoError of `kind`; returns the error. */
export async function rejects(promise, kind) {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof VomoError, `expected a VomoError, got ${e?.stack ?? e}`);
    assert.ok(e instanceof Error);
    assert.equal(e.kind, kind, e.message);
    return e;
  }
  assert.fail(`expected a VomoError of kind ${kind}`);
}

/** A client for simulator `s`, fast unless `options` say otherwise. */
export const fastClient = (s, options = {}) =>
  new VomoClient({ token: s.token, baseUrl: s.url, requestsPerSecond: 1000, ...options });
/**
 * The requests the package's clients sent the simulator (preflights left out): by their
 * User-Agent (`vomo-users/<version>`, after an app's own token), so that a stray request from
 * another process on a shared machine (one that once had the port) is not counted as ours.
 */
export const sent = (s) => s.log().filter((e) => e.method !== "OPTIONS" && /(^| )vomo-users\//.test(e.userAgent ?? ""));
/** Milliseconds between consecutive log entries. */
export const gaps = (entries) => entries.slice(1).map((e, i) => e.t - entries[i].t);

// --- the poller tests: a frozen simulator clock, with ours moved along with it ------------
const realNow = Date.now.bind(Date);
let skew = 0;

/** Moves the simulator's clock and this process's Date.now forward together. */
export function tick(sim, ms = 10_000) {
  if (Date.now !== skewedNow) Date.now = skewedNow;
  sim.advanceClock(ms);
  skew += ms;
}
/** Steps this process's wall clock (`Date.now`) by `ms` without the simulator's: an NTP step,
 *  a VM resumed. `performance.now()` does not move. */
export function stepLocalClock(ms) {
  if (Date.now !== skewedNow) Date.now = skewedNow;
  skew += ms;
}
function skewedNow() {
  return realNow() + skew;
}

/** A simulator frozen at 2026-01-01 (then ticked once) and a fast client for it. */
export async function frozenWorld(t, { startSimulator, ...options }) {
  const sim = await startSimulator({ port: 0, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => sim.close());
  tick(sim);
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500 });
  return { sim, client };
}

/**
 * A forget of one customer's state or one import's progress (`forget(store)` starts one), and
 * `during(store)` started the moment the forget has taken the lease, in the same millisecond
 * (Date.now held still). Resolves to what each gave: a value, or the kind it was refused with.
 */
export async function whileForgetting(store, forget, during) {
  let second;
  const watching = { get: (k) => store.get(k), set: (k, v) => store.set(k, v), delete: (k) => store.delete(k),
    setIf: async (k, expected, v) => {
      const wrote = await store.setIf(k, expected, v);
      if (wrote && k.endsWith("/lease")) second ??= during(watching).then((r) => r, (e) => e.kind);
      return wrote;
    } };
  const realNow = Date.now, frozen = Date.now();
  Date.now = () => frozen;
  try {
    const first = await forget(watching);
    return [first, await second];
  } finally {
    Date.now = realNow;
  }
}

/** Two forgets at once: the second starts the moment the first has taken the lease. */
export const twoForgetsAtOnce = (store, forget) => whileForgetting(store, forget, forget);

/** A MemoryStore holding what `from` (another MemoryStore) holds. */
export function copyOf(from) {
  const to = new MemoryStore();
  for (const key of from.keys()) to.set(key, from.get(key));
  return to;
}

/** `store`, seen through a store whose every write after its `n`-th fails with "disk full"
 *  (the lease's aside, so that it is released): a process dying after `n` writes. */
export function failingAfter(store, n) {
  let sets = 0;
  return { get: (k) => store.get(k), delete: (k) => store.delete(k), setIf: (k, expected, v) => store.setIf(k, expected, v),
    set: (k, v) => {
      if (!k.endsWith("/lease") && ++sets > n) throw new Error("disk full");
      store.set(k, v);
    } };
}
