// UserPoller over real HTTP against the simulator with a frozen clock (issue 5, items 2, 3, 5
// and 8): backfill, metrics, classification, anonymization, users sharing the checkpoint's
// timestamp, pagination over changing data, and restarts between pages.
// Failures, leases and the store are in poller-failures.test.mjs; participations,
// reconciliation and health in poller-state.test.mjs.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { sent } from "./helpers.mjs";

const NOW = "2026-01-01T00:00:00Z";
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

async function setup(t, options = {}) {
  const sim = await startSimulator({ port: 0, users: 60, seed: 11, now: NOW, ...options });
  t.after(() => sim.close());
  sim.advanceClock(10_000); // windows end 5 s before the server's Date: let the seed settle
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500 });
  return { sim, client };
}

/** Records every onUser call as `id@updatedAt`. */
function recorder() {
  const events = [];
  return {
    events,
    onUser: ({ kind, user, anonymized }) => { events.push({ kind, user, anonymized, key: `${user.id}@${user.updatedAt}` }); },
    keys: () => events.map((e) => e.key),
  };
}
const iso = (wire) => new Date(wire).toISOString();
const wireKeys = (sim) => sim.listAll().map((u) => `${u.id}@${iso(u.updated_at)}`);
const listGets = (sim) => sim.log().filter((e) => e.method === "GET").length;
// Time passes on both sides between polls: the simulator's frozen clock and ours (Date.now,
// which the package reads) move together, as they do in production. The test "a poll after
// the server's clock jumped" below moves only the server's.
const realNow = Date.now.bind(Date);
let skew = 0;
Date.now = () => realNow() + skew;
const tick = (sim, ms = 10_000) => { sim.advanceClock(ms); skew += ms; };

function assertNoRepeats(keys) {
  const seen = new Set();
  for (const k of keys) {
    assert.ok(!seen.has(k), `${k} delivered twice`);
    seen.add(k);
  }
}

/** Polls (advancing the clock first) until a poll completes and delivers nothing new. */
async function settle(sim, poller, { max = 12 } = {}) {
  for (let i = 0; i < max; i++) {
    tick(sim);
    const r = await poller.poll();
    if (r.complete !== false && r.processed === 0 && r.failed === 0) return r;
  }
  assert.fail("polls did not settle");
}

test("poller: backfill delivers every user once; a poll with no changes delivers nothing; metrics are right", async (t) => {
  const { sim, client } = await setup(t);
  const rec = recorder();
  const store = new MemoryStore();
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: rec.onUser });
  sim.clearLog();
  const r1 = await poller.poll();
  const all = sim.listAll();
  assert.equal(r1.processed, all.length);
  assert.deepEqual([...rec.keys()].sort(), wireKeys(sim).sort());
  assertNoRepeats(rec.keys());
  assert.equal(r1.created + r1.updated, r1.processed);
  // No history yet: the timestamp heuristic (created when updatedAt - createdAt < 1 s).
  const fresh = all.filter((u) => Date.parse(u.updated_at) - Date.parse(u.created_at) < 1000).length;
  assert.ok(fresh > 0 && fresh < all.length, "the seed mixes never-updated and updated users");
  assert.equal(r1.created, fresh);
  assert.equal(rec.events.filter((e) => e.kind === "created").length, fresh);
  assert.equal(r1.failed, 0);
  assert.equal(r1.participationEvents, 0);
  assert.equal(r1.requests, listGets(sim), "requests counts every HTTP request of the poll");
  assert.ok(r1.requests >= Math.ceil(all.length / 15));
  assert.match(r1.checkpoint, ISO_MS);
  const serverNow = sim.now();
  assert.ok(Date.parse(r1.checkpoint) <= serverNow - 2000, "the checkpoint stays behind the server's clock");
  assert.ok(Date.parse(r1.checkpoint) >= serverNow - 60_000, "the checkpoint is recent");
  assert.equal(typeof r1.durationMs, "number");
  assert.ok(r1.durationMs >= 0 && r1.durationMs < 30_000);
  assert.ok(rec.events.every((e) => e.anonymized === false));
  assert.ok(rec.events.every((e) => ISO_MS.test(e.user.updatedAt) && typeof e.user.id === "number"));

  sim.clearLog();
  tick(sim);
  const r2 = await poller.poll();
  assert.equal(r2.processed, 0);
  assert.equal(r2.created + r2.updated + r2.failed, 0);
  assert.equal(rec.events.length, all.length);
  assert.equal(r2.requests, listGets(sim));
  assert.equal(r2.requests, 1, "a quiet customer costs one request per poll (docs/poller.md)");
  assert.ok(Date.parse(r2.checkpoint) >= Date.parse(r1.checkpoint), "the checkpoint never goes backwards");
  assert.ok(Date.parse(r2.checkpoint) > Date.parse(r1.checkpoint), "an empty window still moves the checkpoint");

  // A new poller on the same store (a restart) delivers nothing either.
  tick(sim);
  const again = new UserPoller({ client, store, customerId: "acme", onUser: rec.onUser });
  const r3 = await again.poll();
  assert.equal(r3.processed, 0);
  assert.ok(Date.parse(r3.checkpoint) >= Date.parse(r2.checkpoint));
});

test("poller: updates, creates and anonymizations after the backfill: created for new ids, updated for known", async (t) => {
  const { sim, client } = await setup(t);
  const rec = recorder();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: rec.onUser });
  await poller.poll();
  rec.events.length = 0;
  const ids = sim.listAll().map((u) => u.id);
  sim.updateUser(ids[3], { first_name: "Renamed" });
  sim.changeEmail(ids[10], "moved@example.org");
  tick(sim, 1000);
  sim.anonymizeUser(ids[20]);
  // Bulk-imported users: created_at == updated_at, all new ids.
  const imported = [0, 1, 2, 3, 4].map((i) => sim.createUser({ email: `bulk${i}@example.org` }).id);
  tick(sim);
  const r = await poller.poll();
  assert.equal(r.processed, 8);
  assert.equal(r.created, 5);
  assert.equal(r.updated, 3);
  const byId = new Map(rec.events.map((e) => [e.user.id, e]));
  for (const id of imported) assert.equal(byId.get(id).kind, "created");
  for (const id of [ids[3], ids[10], ids[20]]) assert.equal(byId.get(id).kind, "updated");
  assert.equal(byId.get(ids[3]).user.firstName, "Renamed");
  assert.equal(byId.get(ids[10]).user.email, "moved@example.org");
  assert.equal(byId.get(ids[20]).anonymized, true);
  assert.match(byId.get(ids[20]).user.email, /^vomodeleteduser\d{4}@vomo\.org$/);
  assert.ok(rec.events.filter((e) => e.user.id !== ids[20]).every((e) => e.anonymized === false));
  assertNoRepeats(rec.keys());
  // An id updated again after its creation was delivered is an update.
  sim.updateUser(imported[0], { last_name: "Later" });
  tick(sim);
  rec.events.length = 0;
  const r2 = await poller.poll();
  assert.equal(r2.processed, 1);
  assert.deepEqual(rec.events.map((e) => [e.user.id, e.kind]), [[imported[0], "updated"]]);
});

test("poller: users sharing a timestamp, including the checkpoint's own second, are each delivered once", async (t) => {
  const { sim, client } = await setup(t);
  const rec = recorder();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: rec.onUser });
  await poller.poll();
  // 20 users created in one second (more than a page).
  const shared = Array.from({ length: 20 }, (_, i) => sim.createUser({ email: `same${i}@example.org` }).id);
  tick(sim);
  const r1 = await poller.poll();
  assert.equal(r1.processed, 20);
  // Late writes stamped with the checkpoint's exact second (a server whose clock lags, or
  // a transaction that committed late): the next window starts inclusively at that second.
  const second = Math.floor(Date.parse(r1.checkpoint) / 1000) * 1000;
  const lateIso = new Date(second).toISOString();
  const late = Array.from({ length: 4 }, (_, i) =>
    sim.createUser({ email: `late${i}@example.org`, created_at: lateIso, updated_at: lateIso }).id);
  tick(sim);
  const r2 = await poller.poll();
  assert.deepEqual(rec.events.slice(-r2.processed).map((e) => e.user.id).filter((id) => late.includes(id)).sort(), [...late].sort());
  await settle(sim, poller);
  const delivered = new Set(rec.keys());
  for (const k of wireKeys(sim)) {
    assert.ok(delivered.has(k), `${k} was never delivered`);
  }
  assertNoRepeats(rec.keys());
});

test("poller: pagination over changing data: deletes, updates and creates while the poll pages", async (t) => {
  const { sim, client } = await setup(t, { users: 90 });
  const rec = recorder();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: rec.onUser });
  const ids = sim.listAll().map((u) => u.id);
  // During the backfill: page 2 deletes rows of pages 1 and 2 (later rows shift back a
  // page) and updates rows of pages 3 and 5; page 3 creates users sharing a timestamp.
  sim.onPage({ page: 2, path: "/v1/users", actions: [
    { type: "delete", id: ids[2] }, { type: "delete", id: ids[17] },
    { type: "update", id: ids[40], patch: { first_name: "Moved" } }, { type: "update", id: ids[80] },
  ] });
  sim.onPage({ page: 3, path: "/v1/users", actions: [{ type: "create", count: 5, sharedTimestamp: true }] });
  await poller.poll();
  assert.equal(sim.getUser(ids[2]), null, "the page-2 trigger fired during the backfill");
  assert.equal(sim.count(), 90 - 2 + 5, "the page-3 trigger fired during the backfill");
  await settle(sim, poller);

  // Incremental: 40 updates at distinct seconds, then the walk of that window is disturbed.
  const live = sim.listAll().map((u) => u.id);
  for (let i = 0; i < 40; i++) {
    sim.updateUser(live[i * 2], { phone: `555-000-${String(i).padStart(4, "0")}` });
    tick(sim, 1000);
  }
  tick(sim);
  sim.onPage({ page: 2, path: "/v1/users", actions: [
    { type: "delete", id: live[0] }, { type: "delete", id: live[4] },
    { type: "update", id: live[60] }, { type: "anonymize", id: live[62] },
    { type: "create", count: 3, sharedTimestamp: true },
  ] });
  sim.onPage({ page: 3, path: "/v1/users", actions: [{ type: "update", id: live[2] }, { type: "delete", id: live[70] }] });
  await poller.poll();
  assert.equal(sim.getUser(live[70]), null, "the page-3 trigger fired during the incremental walk");
  await settle(sim, poller);

  assertNoRepeats(rec.keys());
  const delivered = new Set(rec.keys());
  for (const k of wireKeys(sim)) assert.ok(delivered.has(k), `surviving ${k} was never delivered`);
});

test("poller: restarts between pages (maxRequests: 3, a new UserPoller each time) deliver every change once", async (t) => {
  const { sim, client } = await setup(t, { users: 120 });
  const store = new MemoryStore();
  const rec = recorder();
  const fresh = () => new UserPoller({ client, store, customerId: "acme", onUser: rec.onUser });
  const runUntilComplete = async () => {
    for (let i = 0; i < 200; i++) {
      const r = await fresh().poll({ maxRequests: 3 });
      assert.ok(r.requests <= 3, `a slice sent ${r.requests} requests`);
      if (r.complete) return i + 1;
    }
    assert.fail("never completed");
  };
  const slices = await runUntilComplete();
  assert.ok(slices >= 3, `the backfill took ${slices} slices`);
  assert.deepEqual([...rec.keys()].sort(), wireKeys(sim).sort());
  assertNoRepeats(rec.keys());

  const ids = sim.listAll().map((u) => u.id);
  for (let i = 0; i < 50; i++) {
    sim.updateUser(ids[i * 2], { last_name: `Slice${i}` });
    if (i % 10 === 0) tick(sim, 1000);
  }
  for (let i = 0; i < 6; i++) sim.createUser({});
  sim.onPage({ page: 2, path: "/v1/users", actions: [{ type: "delete", id: ids[1] }, { type: "update", id: ids[99] }] });
  tick(sim);
  await runUntilComplete();
  tick(sim);
  await runUntilComplete();
  assertNoRepeats(rec.keys());
  const delivered = new Set(rec.keys());
  for (const k of wireKeys(sim)) assert.ok(delivered.has(k), `${k} was never delivered`);
  assert.equal(rec.events.filter((e) => e.kind === "created").length >= 6, true);
});

test("poller: a slice whose last request of its budget brought it up to date is complete (a drain loop ends)", async (t) => {
  const { sim, client } = await setup(t);
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: () => {} });
  assert.equal((await poller.poll()).complete, true);
  for (let i = 0; i < 3; i++) {
    tick(sim);
    const quiet = await poller.poll({ maxRequests: 1 });
    assert.deepEqual([quiet.requests, quiet.complete, quiet.stopReason], [1, true, null], `quiet poll ${i}`);
  }
  // One change, and a slice of one request: it delivers the change and is up to date.
  sim.updateUser(sim.listAll()[0].id, { last_name: "Drained" });
  tick(sim);
  let slices = 0;
  for (let r = { complete: false }; !r.complete; slices++) {
    assert.ok(slices < 5, "the drain loop did not end");
    r = await poller.poll({ maxRequests: 1 });
  }
  assert.equal(slices, 1);
});

test("poller: a poll after the server's clock moved sees the changes even when ours hardly moved", async (t) => {
  // Nothing may rest on the client's clock: the window end comes from the server's Date.
  const { sim, client } = await setup(t);
  const rec = recorder();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: rec.onUser });
  await poller.poll();
  const id = sim.listAll()[0].id;
  sim.updateUser(id, { first_name: "Jumped" });
  sim.advanceClock(10_000); // the server's clock only
  sim.clearLog();
  const r = await poller.poll();
  assert.ok(r.requests >= 1, "the poll asked the server at all");
  assert.equal(r.processed, 1, "the update made 10 s ago by the server's clock is delivered");
  assert.equal(rec.events.at(-1).user.firstName, "Jumped");
});

test("poller: a window whose rows leave as fast as its pages are read is walked three times (halved each time), then the poll stops with unsettled_window, the checkpoint moved only through windows that settled, never past the churn; once it holds still, every change arrives once", async (t) => {
  const { sim } = await setup(t, { users: 10 });
  const rec = recorder();
  // While `churn` is on, each listing request the poller makes is followed by an update that
  // moves a burst user out of the window (an update stamps the server's now): a walk that steps
  // back for it (docs/poller.md) then gains nothing, page after page.
  let churn = false;
  let moved = 0;
  const burst = [];
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500,
    log: ({ path }) => { if (churn && path.startsWith("/v1/users?") && moved < burst.length) sim.updateUser(burst[moved++].id, { phone: `555-${moved}` }); } });
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", onUser: rec.onUser });
  await settle(sim, poller);
  // 150 users in one second (the simulator's clock stands still): ten pages however the window is halved.
  for (let i = 0; i < 150; i++) burst.push(sim.createUser({ first_name: "Burst", last_name: `N${i}`, email: `burst${i}@example.org` }));
  tick(sim);
  churn = true;
  const before = (await poller.loadHealth()).checkpoint;
  sim.clearLog();
  const r = await poller.poll();
  assert.equal(r.complete, false);
  assert.equal(r.stopReason, "unsettled_window");
  // A halved window that no longer holds the burst settles and moves the checkpoint; the one
  // that holds it never does, and the poll stops at its start.
  const at = Date.parse(r.checkpoint);
  assert.ok(at > Date.parse(before) && at < Date.parse(burst[0].updated_at),
    `the checkpoint ${r.checkpoint} lies between ${before} and the burst's second ${burst[0].updated_at}`);
  const firstPages = sent(sim).filter((e) => e.query.page === undefined); // a walk's first read (one stepping back names page=1)
  const last = firstPages.filter((e) => Date.parse(e.query.updated_after) === at);
  assert.equal(last.length, 3, "the window that would not settle was walked three times");
  const widths = last.map((e) => Date.parse(e.query.updated_before) - at);
  // Halved after each unsettled walk, down to a second (the API's grain), which is not halved.
  for (let i = 1; i < 3; i++) assert.equal(widths[i], widths[i - 1] > 1000 ? Math.floor(widths[i - 1] / 2) : widths[i - 1], `widths ${widths}`);
  for (const e of last) assert.ok(Date.parse(e.query.updated_before) >= Date.parse(burst[0].updated_at), "each holds the burst");
  churn = false;
  await settle(sim, poller);
  const keys = rec.keys();
  assert.equal(new Set(keys).size, keys.length, "no (id, updatedAt) delivered twice");
  const delivered = new Set(rec.events.map((e) => e.user.id));
  for (const u of burst) assert.ok(delivered.has(u.id), `#${u.id} delivered`);
  for (const key of wireKeys(sim)) assert.ok(keys.includes(key), `the latest version ${key} delivered`);
});

test("poller: a full-scan cycle goes past a page whose every record is unreadable: a later user's new participation is delivered", async (t) => {
  const { sim, client } = await setup(t, { users: 45 });
  const all = sim.listAll();
  const store = new MemoryStore();
  const events = [];
  const scan = new UserPoller({ client, store, customerId: "acme", participations: "full-scan", onUser: () => {}, onParticipation: (e) => { events.push(e); } });
  await settle(sim, scan);
  // Page 2's 15 records lose their email (unreadable: dropped from the page with a warning),
  // in the server's past, so no window holds them; then user 40 gets a participation.
  for (const u of all.slice(15, 30)) sim.updateUser(u.id, { email: null });
  const late = all[40].id;
  const added = sim.addParticipation(late, {});
  events.length = 0;
  for (let i = 0; i < 8 && !events.some((e) => e.userId === late); i++) { tick(sim); await scan.poll(); }
  assert.deepEqual(events.filter((e) => e.userId === late).map((e) => [e.kind, String(e.participation.projectDateId)]),
    [["added", String(added.project_date_id)]]);
});

test("poller: participations switched on for a customer it already knows: a changed user's participations come as added at its next change, the others' not; a full scan then adds every user's once (docs/api.md)", async (t) => {
  const { sim, client } = await setup(t, { users: 12 });
  const store = new MemoryStore();
  const off = new UserPoller({ client, store, customerId: "acme", onUser: () => {} });
  await settle(sim, off);
  const events = [];
  const onParticipation = (e) => { events.push(e); };
  const changedUsers = new UserPoller({ client, store, customerId: "acme", participations: "changed-users", onUser: () => {}, onParticipation });
  const [u] = sim.listAll().filter((x) => sim.getUser(x.id).participations.length > 0);
  sim.updateUser(u.id, { phone: "555-030-0001" });
  await settle(sim, changedUsers);
  const stored = (id) => sim.getUser(id).participations.map((p) => String(p.project_date_id)).sort();
  assert.deepEqual(events.map((e) => e.kind), stored(u.id).map(() => "added"));
  assert.ok(events.every((e) => e.userId === u.id), "only the changed user's");
  assert.deepEqual(events.map((e) => String(e.participation.projectDateId)).sort(), stored(u.id));

  events.length = 0;
  const scan = new UserPoller({ client, store, customerId: "acme", participations: "full-scan", onUser: () => {}, onParticipation });
  for (let i = 0; i < 6; i++) { tick(sim); await scan.poll(); }
  const expected = sim.listAll().filter((x) => x.id !== u.id).flatMap((x) => stored(x.id).map((d) => `${x.id}/${d}`)).sort();
  assert.ok(expected.length > 0);
  assert.deepEqual(events.map((e) => `${e.userId}/${e.participation.projectDateId}`).sort(), expected,
    "every other user's participations once, as added; the changed user's are known already");
  assert.ok(events.every((e) => e.kind === "added"));
});
