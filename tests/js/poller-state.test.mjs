// UserPoller participations, reconciliation and health over HTTP against the frozen-clock
// simulator (issue 5, items 4, 5 and 7).
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError, UserPoller, MemoryStore } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, rejects, tick, twoForgetsAtOnce, whileForgetting, copyOf, failingAfter } from "./helpers.mjs";

// Our clock moves with the simulator's between polls (see helpers.mjs).
const setup = (t, options = {}) => frozenWorld(t, { startSimulator, users: 30, seed: 9, ...options });
function partsRecorder() {
  const events = [];
  return { events, onParticipation: (e) => { events.push(e); } };
}

test("poller: changed-users mode emits added, changed (with before) and removed for a bumped user", async (t) => {
  const { sim, client } = await setup(t);
  const rec = partsRecorder();
  const users = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    onParticipation: rec.onParticipation, onUser: ({ user }) => { users.push(user); } });
  const r0 = await poller.poll();
  assert.ok(r0.participationEvents > 0, "the first read of every user reports its participations as added");
  assert.ok(users.every((u) => Array.isArray(u.participations)), "onUser gets the detail in this mode");
  const id = sim.listAll()[4].id;
  rec.events.length = 0;

  sim.updateUser(id, { phone: "555-111-0001" });
  const p = sim.addParticipation(id, { project_id: 701, project_date_id: 880001, hours: 3 });
  tick(sim);
  const r1 = await poller.poll();
  assert.equal(r1.participationEvents, 1);
  assert.deepEqual(rec.events.map((e) => [e.kind, e.userId, e.participation.projectDateId, e.before]), [["added", id, 880001, null]]);
  assert.equal(rec.events[0].participation.hours, 3);
  assert.equal(p.project_date_id, "880001");

  rec.events.length = 0;
  sim.updateParticipation(id, 880001, { hours: 5, checked_in_at: "2025-12-31T10:00:00Z" });
  sim.updateUser(id, { phone: "555-111-0002" });
  tick(sim);
  const r2 = await poller.poll();
  assert.equal(r2.participationEvents, 1);
  assert.equal(rec.events[0].kind, "changed");
  assert.equal(rec.events[0].before.hours, 3);
  assert.equal(rec.events[0].participation.hours, 5);
  assert.equal(rec.events[0].participation.checkedInAt, "2025-12-31T10:00:00.000Z");

  rec.events.length = 0;
  sim.removeParticipation(id, 880001);
  sim.updateUser(id, { phone: "555-111-0003" });
  tick(sim);
  await poller.poll();
  assert.deepEqual(rec.events.map((e) => [e.kind, e.userId, e.participation.projectDateId, e.participation.hours, e.before]),
    [["removed", id, 880001, 5, null]]);

  // Without a bump of updated_at, changed-users mode does not see a participation.
  rec.events.length = 0;
  sim.addParticipation(id, { project_date_id: 880002 });
  tick(sim);
  await poller.poll();
  assert.equal(rec.events.length, 0);
});

test("poller: full-scan mode detects a participation without any user update, in slices that resume", async (t) => {
  const { sim, client } = await setup(t, { users: 45 });
  const store = new MemoryStore();
  const rec = partsRecorder();
  const make = () => new UserPoller({ client, store, customerId: "acme", participations: "full-scan", onParticipation: rec.onParticipation });
  // The first full cycle, in slices of 10 requests with a new instance each time.
  let slices = 0;
  for (;;) {
    const r = await make().poll({ maxRequests: 10 });
    assert.ok(r.requests <= 10);
    slices++;
    if (r.complete) break;
    assert.ok(slices < 50, "the scan never completed");
  }
  assert.ok(slices >= 5, `45 details + listings took ${slices} slices`);
  const initial = rec.events.length;
  assert.ok(initial > 0);
  assert.ok(rec.events.every((e) => e.kind === "added"));
  const perUser = new Map();
  for (const e of rec.events) perUser.set(`${e.userId}/${e.participation.projectDateId}`, (perUser.get(`${e.userId}/${e.participation.projectDateId}`) ?? 0) + 1);
  assert.ok([...perUser.values()].every((n) => n === 1), "each participation reported once across slices");

  const id = sim.listAll()[40].id;
  const before = sim.getUser(id).updated_at;
  sim.addParticipation(id, { project_date_id: 990123, hours: 2 });
  assert.equal(sim.getUser(id).updated_at, before, "updated_at did not move");
  rec.events.length = 0;
  for (let i = 0; i < 50 && !rec.events.length; i++) {
    tick(sim);
    await make().poll({ maxRequests: 10 });
  }
  assert.deepEqual(rec.events.map((e) => [e.kind, e.userId, e.participation.projectDateId]), [["added", id, 990123]]);
});

test("poller: reconcile() reports a deleted user as missing; a failed listing reports nothing, complete: false, and the error that stopped it", async (t) => {
  const { sim, client } = await setup(t);
  const store = new MemoryStore();
  const poller = new UserPoller({ client, store, customerId: "acme" });
  await poller.poll();
  assert.deepEqual(await poller.reconcile(), { missing: [], complete: true, error: null, resume: null });
  const gone = sim.listAll()[7].id;
  sim.deleteUser(gone);
  const anonymized = sim.listAll()[8].id;
  sim.anonymizeUser(anonymized); // still visible: not missing
  assert.deepEqual(await poller.reconcile(), { missing: [gone], complete: true, error: null, resume: null });
  assert.equal(sim.count(), 29, "reconcile deletes nothing");

  // Each way a listing fails says why, as a VomoError (it used to be complete: false alone).
  const once = () => new UserPoller({ client: new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, maxRetries: 0 }), store, customerId: "acme" });
  const failures = [
    [{ page: "2", type: "status", status: 500 }, "server", 500],
    [{ type: "status", status: 500 }, "server", 500],
    [{ type: "foreign_next" }, "unsafe_link", null], // a link off the API's origin: a security signal, not silence
    [{ type: "nonjson" }, "parse", 200], // the status the unreadable page came with
  ];
  for (const [fault, kind, status] of failures) {
    sim.clearFaults();
    sim.injectFault({ method: "GET", path: "/v1/users", times: Infinity, ...fault });
    const r = await once().reconcile();
    assert.deepEqual([r.missing, r.complete], [[], false], JSON.stringify(fault));
    assert.ok(r.error instanceof VomoError, JSON.stringify(fault));
    assert.deepEqual([r.error.kind, r.error.status], [kind, status], `${JSON.stringify(fault)}: ${r.error.message}`);
    assert.ok(r.error.message.length > 0);
  }
  sim.clearFaults();
});

test("poller: reconcile({ onProgress }) reports the listing page by page, then each candidate it confirms; a throwing or rejecting onProgress changes nothing", async (t) => {
  const { sim, client } = await setup(t);
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme" });
  await poller.poll();
  const gone = sim.listAll().slice(3, 6).map((u) => u.id);
  for (const id of gone) sim.deleteUser(id);
  const seen = [];
  const r = await poller.reconcile({ onProgress: (p) => seen.push({ ...p }) });
  assert.deepEqual(r, { missing: gone, complete: true, error: null, resume: null });
  const listing = seen.filter((p) => p.phase === "listing");
  const total = sim.count();
  assert.deepEqual(listing.map((p) => p.done), Array.from({ length: Math.ceil(total / 15) }, (_, i) => Math.min(15 * (i + 1), total)), "after each page");
  assert.ok(listing.every((p) => p.total === total));
  assert.deepEqual(seen.filter((p) => p.phase === "confirming"), gone.map((_, i) => ({ phase: "confirming", done: i + 1, total: gone.length })));
  assert.equal(seen.findIndex((p) => p.phase === "confirming"), listing.length, "confirming comes after the listing");

  // For display only: what it throws or rejects with is ignored; a non-function is refused.
  let calls = 0;
  assert.deepEqual(await poller.reconcile({ onProgress: () => { calls++; throw new Error("display broke"); } }), r);
  assert.deepEqual(await poller.reconcile({ onProgress: async () => { calls++; throw new Error("display broke"); } }), r);
  assert.equal(calls, 2 * seen.length);
  await assert.rejects(poller.reconcile({ onProgress: "yes" }), (e) => e.kind === "invalid_input" && /reconcile: onProgress must be a function/.test(e.message));
});

test("poller: reconcile({ onProgress }) whose listing restarts (a user deleted mid-listing changed the total): done falls back once, the last listing counts to the new total, and the result has both deletions", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme" });
  await poller.poll();
  const ids = sim.listAll().map((u) => u.id);
  sim.deleteUser(ids[5]);
  // When page 2 is asked for, a user of a later page goes: page 2 onwards report a smaller total.
  sim.onPage({ page: 2, path: "/v1/users", actions: [{ type: "delete", id: ids[50] }] });
  const seen = [];
  const r = await poller.reconcile({ onProgress: (p) => seen.push({ ...p }) });
  assert.equal(sim.getUser(ids[50]), null, "the trigger fired during the listing");
  assert.deepEqual(r, { missing: [ids[5], ids[50]].sort((a, b) => a - b), complete: true, error: null, resume: null });
  const listing = seen.filter((p) => p.phase === "listing");
  const restarts = listing.filter((p, i) => i > 0 && p.done < listing[i - 1].done).length;
  assert.equal(restarts, 1, `one restart: ${JSON.stringify(listing)}`);
  const last = listing.slice(listing.findLastIndex((p, i) => i > 0 && p.done < listing[i - 1].done));
  assert.deepEqual(last.map((p) => p.done), [15, 30, 45, 58], "the listing that counted: page by page to the new total");
  assert.ok(last.every((p) => p.total === 58), JSON.stringify(last));
  assert.ok(listing.every((p) => p.done <= p.total), "done never above total");
  assert.deepEqual(seen.filter((p) => p.phase === "confirming").map((p) => [p.done, p.total]), [[1, 2], [2, 2]]);
});

test("poller: reconcile() answers while users keep signing up and leaving during every listing: the last listing counts, a row it skipped is checked by its own request", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const store = new MemoryStore();
  await new UserPoller({ client, store, customerId: "acme" }).poll();
  const ids = sim.listAll().map((u) => u.id);
  const gone = [ids[40], ids[41]];
  for (const id of gone) sim.deleteUser(id);
  // Before each request for page 2 or later, a sign-up (the total moves, as an outside pass's
  // sign-up every 5 s moved it); and before each listing's page 2, a delete on page 1, which
  // slides page 2's first row onto page 1 after page 1 was read: that listing skips the row.
  let signUps = 0, listings = 0;
  const leaving = [ids[2], ids[3], ids[4]];
  const busyFetch = (url, init) => {
    const u = new URL(url);
    const page = Number(u.searchParams.get("page") ?? 1);
    if (u.pathname.endsWith("/users") && page === 2) sim.deleteUser(leaving[listings++]);
    if (u.pathname.endsWith("/users") && page >= 2) sim.createUser({ email: `new${++signUps}@example.org` });
    return fetch(url, init);
  };
  const busy = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, fetch: busyFetch });
  sim.clearLog();
  const r = await new UserPoller({ client: busy, store, customerId: "acme" }).reconcile();
  assert.equal(listings, 3, "listed three times: the total moved in each");
  // Deleted before it, and during its first two listings; the third's delete came after that
  // listing read the user (not missing from it: the next reconcile reports it).
  assert.deepEqual(r, { missing: [...gone, ids[2], ids[3]].sort((a, b) => a - b), complete: true, error: null, resume: null });
  const details = sim.log().filter((e) => e.method === "GET" && /^\/v1\/users\/\d+$/.test(e.path)).map((e) => Number(e.path.split("/").at(-1)));
  // The row the last listing skipped (page 2's first, slid onto page 1) was asked for, and is not missing.
  const skipped = ids[17];
  assert.ok(details.includes(skipped), `the skipped row checked by its own request: ${details}`);
  assert.deepEqual([...details].sort((a, b) => a - b), [...gone, ids[2], ids[3], skipped].sort((a, b) => a - b));
  assert.deepEqual((await new UserPoller({ client, store, customerId: "acme" }).reconcile()).missing, [...gone, ...leaving].sort((a, b) => a - b));
});

test("poller: reconcile() on a server whose page size changes between its pages reads a stretch a larger size skipped by page number, not each of its users by id", async (t) => {
  const { sim, client } = await setup(t, { users: 400 });
  const store = new MemoryStore();
  await new UserPoller({ client, store, customerId: "acme" }).poll();
  const ids = sim.listAll().map((u) => u.id);
  const gone = [ids[7], ids[150], ids[333]];
  for (const id of gone) sim.deleteUser(id);
  // Before every third listing request, the next size of a cycle (an outside pass changed it
  // at random between 5 and 30): page 3 at 10 after page 2 at 5 starts at row 21, past 11-20.
  const sizes = [15, 5, 10, 25, 5, 30, 20];
  let listed = 0;
  const resizing = (url, init) => {
    if (new URL(url).pathname.endsWith("/users") && listed++ % 3 === 0) sim.configure({ perPage: sizes[(listed / 3) % sizes.length | 0] });
    return fetch(url, init);
  };
  const c = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, fetch: resizing });
  sim.clearLog();
  const r = await new UserPoller({ client: c, store, customerId: "acme" }).reconcile();
  assert.deepEqual(r, { missing: [...gone].sort((a, b) => a - b), complete: true, error: null, resume: null });
  const details = sim.log().filter((e) => e.method === "GET" && /^\/v1\/users\/\d+$/.test(e.path));
  // No user is missing from the listing but the deleted ones: only they are asked for by id.
  assert.deepEqual(details.map((e) => Number(e.path.split("/").at(-1))).sort((a, b) => a - b), [...gone].sort((a, b) => a - b));
  // 397 users at 5-30 a page: the pages, and about as many again for the stretches read by number.
  assert.ok(listed < 2 * Math.ceil(397 / 5), `listing requests: ${listed}`);
});

test("poller: health() is not stalled right after a poll, and stalled when a cut poll leaves the checkpoint far behind", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const store = new MemoryStore();
  const poller = new UserPoller({ client, store, customerId: "acme", pollIntervalMs: 60_000 });
  assert.equal(poller.health().stalled, false);
  const r = await poller.poll();
  const h = poller.health();
  assert.equal(h.stalled, false);
  assert.equal(h.checkpoint, r.checkpoint);
  assert.equal(typeof h.lagMs, "number");
  assert.ok(h.lagMs >= 0 && h.lagMs < 60_000, `lag ${h.lagMs}`);
  // A short interval: a caught-up checkpoint trails the server's clock by the window margin
  // (5 s), which is no stall (it was for any interval under 2.5 s).
  const often = new UserPoller({ client, store, customerId: "acme", pollIntervalMs: 1000 });
  const caughtUp = await often.loadHealth();
  assert.ok(caughtUp.lagMs > 2 * 1000, `lag ${caughtUp.lagMs}: the margin, more than twice the interval`);
  assert.equal(caughtUp.stalled, false);

  // An hour of changes (more than a page), then a poll cut after one request.
  const ids = sim.listAll().map((u) => u.id);
  for (let i = 0; i < 40; i++) {
    sim.updateUser(ids[i], { phone: `555-222-${String(i).padStart(4, "0")}` });
    tick(sim, 90_000);
  }
  const cut = await poller.poll({ maxRequests: 1 });
  assert.equal(cut.complete, false);
  assert.equal(cut.checkpoint, r.checkpoint, "the cut poll could not move the checkpoint");
  const stalled = poller.health();
  assert.equal(stalled.stalled, true);
  assert.ok(stalled.lagMs > 2 * 60_000, `lag ${stalled.lagMs}`);
  // A fresh instance sees the same from the store.
  const fresh = new UserPoller({ client, store, customerId: "acme", pollIntervalMs: 60_000 });
  assert.equal((await fresh.loadHealth()).stalled, true);
  // Catching up clears it.
  await poller.poll();
  assert.equal(poller.health().stalled, false);
});

test("poller: health() during an unfinished backfill is stalled, with no checkpoint and no lag (not the epoch and a 56-year lag)", async (t) => {
  // A backfill cut by maxRequests: 1 leaves every change undelivered: that is a stall.
  const { client } = await setup(t, { users: 200 });
  const store = new MemoryStore();
  const poller = new UserPoller({ client, store, customerId: "acme", pollIntervalMs: 1000 });
  const r = await poller.poll({ maxRequests: 1 });
  assert.equal(r.complete, false);
  assert.deepEqual([r.checkpoint, r.lagMs], [null, null]);
  assert.deepEqual(poller.health(), { stalled: true, lagMs: null, checkpoint: null });
  assert.deepEqual(await new UserPoller({ client, store, customerId: "acme" }).loadHealth(), { stalled: true, lagMs: null, checkpoint: null }, "from the store too");
});

test("poller: loadHealth() of a customer with no state is that of an instance that never polled; of a stored one, the polling instance's, from the state value alone, also while a poll runs", async (t) => {
  const { sim, client } = await setup(t, { users: 200 });
  const store = new MemoryStore();
  let gets = 0;
  const counting = { get: (k) => { gets++; return store.get(k); }, set: (k, v) => store.set(k, v), delete: (k) => store.delete(k) };
  const fresh = () => new UserPoller({ client, store: counting, customerId: "acme", pollIntervalMs: 60_000 });
  // Before: a 1970 checkpoint, a 57-year lag and stalled: true, for a customer never polled.
  const never = fresh();
  assert.deepEqual(await never.loadHealth(), { stalled: false, lagMs: null, checkpoint: null });
  assert.deepEqual(never.health(), fresh().health());

  // While a poll delivers, other instances read its health and its API from the same store:
  // each read sees a state the poll saved (its checkpoints only move forward), never an error.
  const seen = [];
  const poller = new UserPoller({ client, store, customerId: "acme", pollIntervalMs: 60_000, onUser: async ({ user }) => {
    if (user.id % 10 !== 0) return;
    const [h, api] = await Promise.all([fresh().loadHealth(), UserPoller.storedBaseUrl({ store, customerId: "acme" })]);
    seen.push(h.checkpoint);
    assert.ok(api === null || api === client.baseUrl, api);
  } });
  const r = await poller.poll();
  assert.equal(r.processed, 200);
  assert.ok(seen.length >= 15, `${seen.length} reads during the poll`);
  assert.deepEqual(seen, [...seen].sort((a, b) => (a ?? "").localeCompare(b ?? "")), "never backwards");

  // A fresh instance: the polling one's figures, from one read (before, every known-id bucket, log and journal slot).
  sim.updateUser(sim.listAll()[0].id, { phone: "555-000-0000" });
  tick(sim, 10_000);
  await poller.poll();
  gets = 0;
  const loaded = await fresh().loadHealth();
  assert.equal(loaded.checkpoint, poller.health().checkpoint);
  assert.equal(loaded.stalled, false);
  assert.equal(gets, 1, "the state value only");
});

test("poller: changed-users mode, a change whose handler failed is offered again with its detail, and its participation events follow then", async (t) => {
  const { sim, client } = await setup(t);
  const rec = partsRecorder();
  const offered = [];
  let failOnce = null;
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    onParticipation: rec.onParticipation, onUser: ({ user }) => {
      offered.push(user);
      if (user.id === failOnce) { failOnce = null; throw new Error("downstream refused"); }
    } });
  await poller.poll();
  const id = sim.listAll()[3].id;
  rec.events.length = 0;
  offered.length = 0;
  sim.addParticipation(id, { project_id: 702, project_date_id: 990001, hours: 2 });
  sim.updateUser(id, { phone: "555-222-0001" });
  failOnce = id;
  tick(sim);
  const r1 = await poller.poll();
  assert.equal(r1.failed, 1);
  assert.deepEqual(rec.events, [], "no participation event for a change its handler refused");
  tick(sim);
  await poller.poll(); // the dead letter is offered again first
  const retried = offered.filter((u) => u.id === id);
  assert.equal(retried.length, 2);
  assert.ok(Array.isArray(retried[1].participations), "the retry carries the detail, as the first offer did");
  assert.deepEqual(rec.events.map((e) => [e.kind, e.userId, e.participation.projectDateId]), [["added", id, 990001]]);
});

test("UserPoller.forget cut short by a failing store: from its first write of the state on, the customer reads as new, and its next poll finishes the forget, says so, and delivers every user once with the participations a whole forget gives; before it, nothing is removed", async (t) => {
  const { sim } = await setup(t);
  const warnings = [];
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, onWarning: (m) => warnings.push(m) });
  const make = (store, seen = []) => new UserPoller({ client, store, customerId: "acme", participations: "changed-users",
    onUser: ({ user }) => { seen.push(user.id); } });
  const polled = new MemoryStore();
  await make(polled).poll();
  sim.updateUser(sim.listAll()[2].id, { phone: "555-333-0001" });
  tick(sim);
  assert.equal((await make(polled).poll()).processed, 1, "a second save: the state has a log too");
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);

  const whole = copyOf(polled);
  assert.equal(await UserPoller.forget({ store: whole, customerId: "acme" }), true);
  const afterWhole = await make(whole).poll();
  assert.ok(afterWhole.participationEvents > 0);

  let cuts = 0;
  for (let n = 0; ; n = n < 4 ? n + 1 : Math.ceil(n * 1.5)) {
    // The store fails every write after its n-th (the lease's aside, so that it is released).
    const store = copyOf(polled);
    const failing = failingAfter(store, n);
    const e = await UserPoller.forget({ store: failing, customerId: "acme" }).then(() => null, (e) => e);
    if (!e) break;
    assert.match(e.message, /disk full/);
    warnings.length = 0;
    const seen = [];
    if (n === 0) {
      // Its first write failed: the state is whole, and the next poll goes on from it.
      assert.notEqual((await make(store).loadHealth()).checkpoint, null);
      assert.equal((await make(store, seen).poll()).processed, 0, "nothing forgotten, nothing delivered again");
      assert.deepEqual(warnings, []);
      continue;
    }
    cuts++;
    assert.equal((await make(store).loadHealth()).checkpoint, null, `cut after write ${n}: new at once`);
    assert.equal(await UserPoller.storedBaseUrl({ store, customerId: "acme" }), null);
    assert.deepEqual((await make(store).reconcile()).missing, [], "nothing known, so nothing missing");
    const report = await make(store, seen).poll();
    assert.deepEqual([...seen].sort((a, b) => a - b), ids, `cut after write ${n}: every user once`);
    assert.equal(report.participationEvents, afterWhole.participationEvents, `cut after write ${n}: participations as after a whole forget`);
    assert.equal(warnings.filter((w) => /forget .* was cut short; this poll finished it first/.test(w)).length, 1, warnings.join());
    assert.equal(await UserPoller.forget({ store, customerId: "acme" }), true, "the new state's");
  }
  assert.ok(cuts >= 6, `${cuts} cuts`);
});

test("UserPoller.forget: one customer's state goes (dead letters, participations, journal and all), so its next poll delivers every user again; another customer's stays; refused with busy while a poll of the customer runs", async (t) => {
  const { sim, client } = await setup(t);
  const { FileStore, fileNameOf } = await import("vomo-users/stores/file");
  const { mkdtemp, rm, readdir } = await import("node:fs/promises");
  const { tmpdir } = await import("node:os");
  const dir = await mkdtemp(`${tmpdir()}/poll-forget-`);
  t.after(() => rm(dir, { recursive: true, force: true }));
  const failing = sim.listAll()[3].id;
  for (const store of [new MemoryStore(), new FileStore(dir)]) {
    const offered = { acme: [], other: [] };
    const make = (customerId) => new UserPoller({ client, store, customerId, participations: "changed-users", onUser: ({ user }) => {
      offered[customerId].push(user.id);
      if (customerId === "acme" && user.id === failing) throw new Error("downstream refused it");
    } });
    const acme = make("acme");
    const other = make("other");
    assert.equal((await acme.poll()).failed, 1, "one dead letter");
    await other.poll();
    assert.deepEqual([offered.acme.length, offered.other.length], [30, 30]);

    assert.equal(await UserPoller.forget({ store, customerId: "acme" }), true);
    assert.equal(await UserPoller.forget({ store, customerId: "acme" }), false, "nothing left");
    assert.equal(await UserPoller.storedBaseUrl({ store, customerId: "acme" }), null);
    assert.equal((await make("acme").loadHealth()).checkpoint, null);
    offered.acme.length = 0;
    tick(sim);
    const again = await acme.poll();
    assert.deepEqual([offered.acme.length, new Set(offered.acme).size], [30, 30], "every user offered again, once (the dead letter is gone)");
    assert.equal(again.participationEvents > 0, true, "participations compared afresh: all added");
    assert.equal((await other.poll()).processed, 0, "the other customer's state is kept");

    // While a poll of the customer runs: refused, and nothing removed.
    sim.updateUser(sim.listAll()[0].id, { phone: "555-000-0001" });
    sim.updateUser(sim.listAll()[1].id, { phone: "555-000-0002" });
    tick(sim);
    let attempt;
    const slow = new UserPoller({ client, store, customerId: "other", onUser: async () => {
      attempt ??= UserPoller.forget({ store, customerId: "other" }).then(() => null, (e) => e);
      await attempt; // settled while this poll holds the lease
    } });
    assert.equal((await slow.poll()).processed, 2);
    const e = await attempt;
    assert.ok(e instanceof VomoError && e.kind === "busy", String(e));
    assert.equal((await other.poll()).processed, 0, "its state is as the poll left it");

    // Two forgets at once (the second the moment the first holds the lease, in the same
    // millisecond): they exclude each other as two polls do.
    assert.deepEqual(await twoForgetsAtOnce(store, (s) => UserPoller.forget({ store: s, customerId: "other" })), [true, "busy"]);
    assert.equal(await UserPoller.forget({ store, customerId: "other" }), false, "the first removed it all");
    // reconcile() reads without the lease: while a forget holds it, busy, not a state half removed.
    await other.poll();
    const reconciling = (s) => new UserPoller({ client, store: s, customerId: "other", onUser: () => {} }).reconcile();
    assert.deepEqual(await whileForgetting(store, (s) => UserPoller.forget({ store: s, customerId: "other" }), reconciling), [true, "busy"]);
    assert.deepEqual(await reconciling(store), { missing: [], complete: true, error: null, resume: null }, "once it is done: nothing known");
  }
  // On disk: every file of the customer goes but its released lease.
  const ofAcme = async () => (await readdir(dir)).filter((f) => f.startsWith(fileNameOf("vomo-users/v1/acme/"))).sort();
  assert.ok((await ofAcme()).length > 5, (await ofAcme()).join());
  assert.equal(await UserPoller.forget({ store: new FileStore(dir), customerId: "acme" }), true);
  assert.deepEqual(await ofAcme(), [fileNameOf("vomo-users/v1/acme/lease")]);
  for (const [options, message] of [[{ customerId: "acme" }, /store must have get/], [{ store: new MemoryStore() }, /customerId must be a string/],
    [{ store: new MemoryStore(), customerId: "a/b" }, /without '\/'/], [{ store: new MemoryStore(), customerId: "import" }, /must not be "import"/],
    [{ store: new MemoryStore(), customerId: "acme", key: "k" }, /key/]]) {
    const e = await rejects(UserPoller.forget(options), "invalid_input");
    assert.match(e.message, message);
  }
});
