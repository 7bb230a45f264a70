// UserPoller failure paths over HTTP against the frozen-clock simulator (issue 5, items 1
// and 6): handler failures and their retries, unreadable records, 401, the lease, and the
// store's value size and version.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError, UserPoller, MemoryStore, policy } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, frozenWorld, tick, failingAfter } from "./helpers.mjs";

// Our clock moves with the simulator's between polls (see helpers.mjs).
const setup = (t, options = {}) => frozenWorld(t, { startSimulator, users: 40, seed: 5, ...options });

test("poller: a throwing handler dead-letters with the original error, the checkpoint advances, later polls retry until it succeeds once", async (t) => {
  const { sim, client } = await setup(t);
  const store = new MemoryStore();
  const delivered = [];
  const dead = [];
  let failingId = null;
  const thrown = [];
  const poller = new UserPoller({
    client, store, customerId: "acme",
    onUser: ({ user }) => {
      if (user.id === failingId) {
        const e = new Error(`downstream refused ${user.id}`);
        thrown.push(e);
        throw e;
      }
      delivered.push(`${user.id}@${user.updatedAt}`);
    },
    onDeadLetter: (d) => { dead.push(d); },
  });
  await poller.poll();
  const ids = sim.listAll().map((u) => u.id);
  failingId = ids[5];
  const failingKey = `${ids[5]}@${new Date(sim.updateUser(ids[5], { first_name: "Fails" }).updated_at).toISOString()}`;
  sim.updateUser(ids[6], { first_name: "Fine" });
  const before = (await poller.loadHealth()).checkpoint;
  tick(sim);
  const r1 = await poller.poll();
  assert.equal(r1.failed, 1, JSON.stringify(dead.map((d) => [d.user.id, d.user.updatedAt, d.attempt, d.final])));
  assert.equal(r1.processed, 1);
  assert.ok(delivered.some((k) => k.startsWith(`${ids[6]}@`)), "the other user was delivered");
  assert.equal(dead.length, 1, JSON.stringify(dead.map((d) => [d.user.id, d.user.updatedAt, d.attempt, d.final])));
  assert.equal(dead[0].user.id, ids[5]);
  assert.equal(dead[0].error, thrown[0], "onDeadLetter gets the very Error the handler threw");
  assert.equal(dead[0].attempt, 1);
  assert.equal(dead[0].final, false);
  assert.ok(Date.parse(r1.checkpoint) > Date.parse(before), "a handler failure does not block the checkpoint");

  tick(sim);
  const r2 = await poller.poll();
  assert.equal(r2.failed, 1);
  assert.deepEqual(dead.map((d) => [d.attempt, d.final]), [[1, false], [2, false]]);
  assert.equal(dead[1].error, thrown[1]);

  failingId = null;
  tick(sim);
  const r3 = await poller.poll();
  assert.equal(r3.processed, 1);
  assert.equal(delivered.filter((k) => k === failingKey).length, 1);
  tick(sim);
  const r4 = await poller.poll();
  assert.equal(r4.processed, 0);
  assert.equal(dead.length, 2);
  assert.equal(delivered.filter((k) => k === failingKey).length, 1, "delivered exactly once");

  // A new poller on the same store (a restart) does not repeat it either.
  tick(sim);
  const again = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => delivered.push(`${user.id}@${user.updatedAt}`) });
  assert.equal((await again.poll()).processed, 0);
});

test("poller: a user whose failed change changes again: the newer version supersedes the queued one; once the downstream takes it, only the newest arrives, once", async (t) => {
  const { sim, client } = await setup(t);
  const delivered = [];
  const dead = [];
  let failingId = null;
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onUser: ({ user }) => {
      if (user.id === failingId) throw new Error(`downstream refused ${user.id}`);
      delivered.push(`${user.id}@${user.updatedAt}`);
    },
    onDeadLetter: (d) => { dead.push(`${d.user.id}@${d.user.updatedAt}`); },
  });
  await poller.poll();
  const id = sim.listAll()[5].id;
  failingId = id;
  const from = delivered.length; // the initial sync's deliveries, its first version included
  const version = (patch) => `${id}@${new Date(sim.updateUser(id, patch).updated_at).toISOString()}`;
  const v1 = version({ first_name: "One" });
  tick(sim);
  assert.equal((await poller.poll()).failed, 1);
  const v2 = version({ first_name: "Two" });
  tick(sim);
  await poller.poll(); // v1 offered again and v2 fail: v2 takes v1's place in the queue
  failingId = null;
  tick(sim);
  const r = await poller.poll();
  const mine = delivered.slice(from).filter((k) => k.startsWith(`${id}@`));
  // Before, the queue kept both: v1 arrived after v2 had failed, then v2 (two deliveries).
  assert.deepEqual(mine, [v2], `delivered ${JSON.stringify(mine)}`);
  assert.equal(r.processed, 1);
  // Every failure heard of: v1's in the first poll and again in the second (where v2 took its
  // place), and v2's; none final (nothing was given up).
  assert.deepEqual(dead, [v1, v1, v2]);
  tick(sim);
  assert.equal((await poller.poll()).processed, 0, "nothing left queued");
  assert.deepEqual(delivered.slice(from).filter((k) => k.startsWith(`${id}@`)), [v2]);
});

test("poller: with maxAttempts: 2 a failing change is given up with final: true and not offered again", async (t) => {
  const { sim, client } = await setup(t);
  const dead = [];
  let calls = 0;
  let failingId = null;
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", maxAttempts: 2,
    onUser: ({ user }) => { if (user.id === failingId) { calls++; throw new Error("no"); } },
    onDeadLetter: (d) => { dead.push(d); },
  });
  await poller.poll();
  failingId = sim.listAll()[0].id;
  sim.updateUser(failingId, { last_name: "Doomed" });
  // Another change succeeds in each poll: the downstream is shown to work, so the failures
  // count (a poll with nothing but failures could be an outage, and gives nothing up).
  const other = sim.listAll()[1].id;
  for (let i = 0; i < 4; i++) {
    sim.updateUser(other, { phone: `555-000${i}` });
    tick(sim);
    await poller.poll();
  }
  assert.equal(calls, 2);
  assert.deepEqual(dead.map((d) => [d.user.id, d.attempt, d.final]), [[failingId, 1, false], [failingId, 2, true]]);
});

test("poller: an unreadable record is offered to onDeadLetter once, though its page is read again (a walk stepping back, the next polls)", async (t) => {
  // An outside pass's case: rows leaving the window while it is walked make the walk step back
  // over the unreadable record's page; each read offered it anew (3 times here, up to 16 there).
  const { sim, client } = await setup(t, { users: 200, seed: 1 });
  const offers = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onDeadLetter: ({ user, error, final }) => {
      if (error.kind !== "parse") return;
      offers.push(`${user.id}@${user.updated_at}:${final}`);
    },
  });
  const old = sim.listAll()[50];
  sim.updateUser(old.id, { email: null, updated_at: old.updated_at });
  for (const page of [5, 6, 7, 8]) sim.onPage({ page, actions: [{ type: "update", id: sim.listAll()[page].id, patch: { phone: "555-9" } }] });
  const first = await poller.poll();
  assert.ok(first.requests > 14, `the walk stepped back (${first.requests} requests for 200 users)`);
  for (let i = 0; i < 3; i++) {
    tick(sim);
    await poller.poll();
  }
  assert.deepEqual(offers, [`${old.id}@${old.updated_at}:true`]);
});

test("poller: an unreadable record whose dead letter the sink refused (down) is offered again at the next polls until it takes it, once", async (t) => {
  // An outside pass: a DEAD_LETTER_URL down while unreadable records went by lost every one of
  // them (the walk went on, and their pages were not read again).
  const { sim, client } = await setup(t, { users: 60, seed: 2 });
  let down = true;
  const offers = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onDeadLetter: ({ user, error, attempt, final }) => {
      if (error.kind !== "parse") return;
      offers.push(`${user.id}:${attempt}:${final}:${down ? "refused" : "taken"}`);
      if (down) throw new Error("dead-letter target down");
    },
  });
  const [a, b] = [sim.listAll()[10], sim.listAll()[40]];
  for (const u of [a, b]) sim.updateUser(u.id, { email: null, updated_at: u.updated_at });
  const first = await poller.poll();
  assert.equal(first.complete, true, "the walk goes on past a refused dead letter");
  tick(sim);
  await poller.poll(); // still down: the first is offered again, the second waits
  down = false;
  tick(sim);
  await poller.poll();
  tick(sim);
  await poller.poll();
  assert.deepEqual(offers, [`${a.id}:1:true:refused`, `${b.id}:1:true:refused`, `${a.id}:2:true:refused`, `${a.id}:3:true:taken`, `${b.id}:2:true:taken`]);
});

test("poller: an unreadable record the sink refused is still offered once it is back, though a newer, readable version of the user was delivered meanwhile", async (t) => {
  // An outside pass: such a record was dropped unsent once the user's next version was
  // delivered, in every participations mode.
  for (const participations of ["off", "changed-users", "full-scan"]) {
    const { sim, client } = await setup(t, { users: 30, seed: 4 });
    let down = true;
    const offers = [];
    const delivered = [];
    const poller = new UserPoller({
      client, store: new MemoryStore(), customerId: "acme", participations,
      onUser: ({ user }) => { delivered.push(`${user.id}@${user.updatedAt}`); },
      onDeadLetter: ({ user, error, attempt }) => {
        if (error.kind !== "parse") return;
        offers.push(`${user.id}@${user.updated_at}:${attempt}:${down ? "refused" : "taken"}`);
        if (down) throw new Error("dead-letter target down");
      },
    });
    await poller.poll();
    const u = sim.listAll()[12];
    const broken = sim.updateUser(u.id, { email: null });
    tick(sim);
    await poller.poll(); // refused
    tick(sim);
    await poller.poll(); // refused again
    const fixed = sim.updateUser(u.id, { email: `fixed.${u.id}@example.org` });
    tick(sim);
    await poller.poll(); // still down; the readable version is delivered
    assert.ok(delivered.includes(`${u.id}@${new Date(fixed.updated_at).toISOString()}`), participations);
    down = false;
    tick(sim);
    await poller.poll();
    tick(sim);
    await poller.poll();
    const version = `${u.id}@${broken.updated_at}`;
    assert.deepEqual(offers, [`${version}:1:refused`, `${version}:2:refused`, `${version}:3:refused`, `${version}:4:taken`], participations);
  }
});

test("poller: unreadable records the sink refused are kept up to maxDeadLetters; one more stops the poll before its page (dead_letter_limit), and nothing is lost once the sink is back", async (t) => {
  const { sim, client } = await setup(t, { users: 60, seed: 3 });
  let down = true;
  const taken = [], users = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", maxDeadLetters: 1,
    onUser: ({ user }) => { users.push(user.id); },
    onDeadLetter: ({ user, error }) => {
      if (error.kind !== "parse") return;
      if (down) throw new Error("dead-letter target down");
      taken.push(user.id);
    },
  });
  const [a, b] = [sim.listAll()[10], sim.listAll()[40]];
  for (const u of [a, b]) sim.updateUser(u.id, { email: null, updated_at: u.updated_at });
  const first = await poller.poll();
  assert.deepEqual([first.complete, first.stopReason], [false, "dead_letter_limit"]);
  assert.ok(!users.includes(sim.listAll()[41].id), "the walk stopped at the second record's page");
  tick(sim);
  assert.equal((await poller.poll()).stopReason, "dead_letter_limit", "still down: stopped at the same page");
  down = false;
  tick(sim);
  const back = await poller.poll();
  assert.equal(back.complete, true);
  assert.deepEqual(taken, [a.id, b.id]);
  assert.equal(new Set(users).size, 58, "every readable user delivered");
  assert.equal(users.length, 58, "none twice");
});

test("poller: an unreadable record is dead-lettered at once (final: true) and the rest of the page is delivered", async (t) => {
  const { sim, client } = await setup(t);
  const delivered = [];
  const dead = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onUser: ({ user }) => { delivered.push(user.id); }, onDeadLetter: (d) => { dead.push(d); },
  });
  await poller.poll();
  delivered.length = 0;
  const fresh = [0, 1, 2].map((i) => sim.createUser({ email: `n${i}@example.org` }));
  const broken = { ...fresh[0], id: 990001, email: undefined };
  delete broken.email;
  const body = {
    data: [fresh[0], broken, fresh[1], fresh[2]],
    links: { first: null, last: null, prev: null, next: null },
    meta: { current_page: 1, from: 1, to: 4, path: `${sim.url}/users`, per_page: 15, total: 4 },
  };
  sim.injectFault({ method: "GET", path: "/v1/users", type: "status", status: 200, body, times: 1 });
  tick(sim);
  const r = await poller.poll();
  assert.equal(dead.length, 1);
  assert.equal(dead[0].final, true);
  assert.equal(dead[0].attempt, 1);
  assert.equal(dead[0].user.id, 990001);
  assert.ok(dead[0].error instanceof Error);
  assert.ok(r.failed >= 1);
  for (const u of fresh) assert.ok(delivered.includes(u.id), `${u.id} delivered`);
  assert.ok(!delivered.includes(990001));
});

test("poller: 401 rejects with kind auth and leaves the checkpoint where it was", async (t) => {
  const { sim, client } = await setup(t);
  const store = new MemoryStore();
  const delivered = [];
  const onUser = ({ user }) => { delivered.push(user.id); };
  await new UserPoller({ client, store, customerId: "acme", onUser }).poll();
  const checkpoint = (await new UserPoller({ client, store, customerId: "acme" }).loadHealth()).checkpoint;
  const changed = sim.listAll()[3].id;
  sim.updateUser(changed, { first_name: "AfterAuth" });
  tick(sim);
  const bad = new VomoClient({ token: "wrong-token", baseUrl: sim.url, requestsPerSecond: 500 });
  const badPoller = new UserPoller({ client: bad, store, customerId: "acme", onUser });
  const e = await rejects(badPoller.poll(), "auth");
  assert.equal(e.status, 401);
  assert.ok(!e.message.includes(sim.token));
  assert.equal((await badPoller.loadHealth()).checkpoint, checkpoint, "the checkpoint did not move");
  delivered.length = 0;
  const r = await new UserPoller({ client, store, customerId: "acme", onUser }).poll();
  assert.deepEqual(delivered, [changed], "the good poll that follows delivers the change (and is not blocked by a lease)");
  assert.ok(Date.parse(r.checkpoint) > Date.parse(checkpoint));
  // A revoked token mid-walk (401 on page 2) stops the poll too.
  for (let i = 0; i < 20; i++) sim.updateUser(sim.listAll()[i].id, { phone: `555-010-00${String(i).padStart(2, "0")}` });
  tick(sim);
  sim.injectFault({ method: "GET", path: "/v1/users", page: "2", type: "unauthorized", times: Infinity });
  const before = (await badPoller.loadHealth()).checkpoint;
  await rejects(new UserPoller({ client, store, customerId: "acme", onUser }).poll(), "auth");
  assert.equal((await badPoller.loadHealth()).checkpoint, before);
});

test("poller: two polls of one customer at once: one gets busy; a lease left by a dead process does not block", async (t) => {
  const { sim, client } = await setup(t, { latencyMs: 20 });
  const store = new MemoryStore();
  const a = new UserPoller({ client, store, customerId: "acme" });
  const b = new UserPoller({ client, store, customerId: "acme" });
  const results = await Promise.allSettled([a.poll(), b.poll()]);
  const rejected = results.filter((r) => r.status === "rejected");
  assert.equal(rejected.length, 1, JSON.stringify(results.map((r) => r.status)));
  assert.ok(rejected[0].reason instanceof VomoError);
  assert.equal(rejected[0].reason.kind, "busy");
  assert.equal(rejected[0].reason.retryable, false);
  // Another customer on the same store is not blocked.
  const other = new UserPoller({ client, store, customerId: "globex" });
  const both = await Promise.allSettled([a.poll(), other.poll()]);
  assert.deepEqual(both.map((r) => r.status), ["fulfilled", "fulfilled"]);

  // A dead process's lease: a live one blocks, an expired one does not.
  const leaseKey = store.keys().find((k) => k.startsWith("vomo-users/v1/acme/") && k.endsWith("lease"));
  assert.ok(leaseKey, `a lease key in ${store.keys().join(", ")}`);
  const lease = JSON.parse(store.get(leaseKey));
  const expiresField = Object.keys(lease).find((k) => /expires/i.test(k));
  assert.ok(expiresField, `lease fields: ${Object.keys(lease)}`);
  store.set(leaseKey, JSON.stringify({ ...lease, owner: "dead-process", [expiresField]: Date.now() + 60_000 }));
  await rejects(a.poll(), "busy");
  store.set(leaseKey, JSON.stringify({ ...lease, owner: "dead-process", [expiresField]: Date.now() - 1 }));
  tick(sim);
  const r = await a.poll();
  assert.equal(typeof r.processed, "number");
});

test("poller: store values stay within 100 KiB with 3,000 users in changed-users mode; state is versioned", async (t) => {
  const { sim, client } = await setup(t, { users: 3000 });
  const store = new MemoryStore();
  let users = 0;
  const poller = new UserPoller({ client, store, customerId: "big", participations: "changed-users", onUser: () => { users++; } });
  const r = await poller.poll();
  assert.equal(users, 3000);
  assert.equal(r.processed, 3000);
  assert.ok(r.participationEvents > 0);
  const keys = store.keys();
  assert.ok(keys.length > 3, `state is split across keys: ${keys.length}`);
  let largest = 0;
  for (const k of keys) {
    const v = store.get(k);
    assert.equal(typeof v, "string");
    largest = Math.max(largest, v.length, Buffer.byteLength(v));
    assert.ok(Buffer.byteLength(v) <= 100 * 1024, `${k} holds ${Buffer.byteLength(v)} bytes`);
  }
  assert.ok(largest > 10_000, `the test stores real volume (largest ${largest})`);
  // Format 2: a header line naming the version and generation (the value inline after it).
  const header = JSON.parse(store.get("vomo-users/v1/big/state").split("\n")[0]);
  assert.equal(header.v, 2);
  assert.ok(header.gen >= 1, JSON.stringify(header));
  assert.ok(keys.every((k) => k.startsWith("vomo-users/v1/big/")));
  // A later poll on a fresh instance reads it all back: nothing is redelivered.
  tick(sim);
  const again = await new UserPoller({ client, store, customerId: "big", participations: "changed-users", onUser: () => { users++; } }).poll();
  assert.equal(again.processed, 0);
  assert.equal(users, 3000);
});

test("poller: the lease of a poll lasts 2 minutes of wall clock: a process that died holding it blocks the next poll for 119 s, not for 121 s", async (t) => {
  const { sim, client } = await setup(t, { latencyMs: 5 });
  const store = new MemoryStore();
  const leaseKey = "vomo-users/v1/acme/lease";
  let held = null;
  const first = new UserPoller({ client, store, customerId: "acme", onUser: () => { held ??= { text: store.get(leaseKey), at: Date.now() }; } });
  await first.poll();
  const { expires_at: expiresAt, owner } = JSON.parse(held.text);
  assert.ok(Math.abs(expiresAt - held.at - 120_000) < 5_000, `the lease runs ${expiresAt - held.at} ms past its taking`);
  // The process died mid-poll: its lease stays as it was then.
  store.set(leaseKey, held.text);
  const next = new UserPoller({ client, store, customerId: "acme" });
  tick(sim, expiresAt - Date.now() - 1_000);
  await rejects(next.poll(), "busy");
  tick(sim, 2_000);
  assert.equal(typeof (await next.poll()).processed, "number", "the dead process's lease has run out");
  assert.notEqual(JSON.parse(store.get(leaseKey)).owner, owner);
});

// A release the store fails (a full disk at the end of a poll) leaves the lease to run out;
// the same UserPoller's next poll knows none of its polls holds it and takes it back.
test("poller: a lease the store failed to release is taken back by the same UserPoller's next poll at once, with a warning; another poller still waits it out", async (t) => {
  const { sim } = await setup(t, { latencyMs: 5 });
  const warnings = [];
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500, onWarning: (m) => warnings.push(m) });
  const leaseKey = "vomo-users/v1/acme/lease";
  class FullAtRelease extends MemoryStore {
    full = true;
    setIf(key, expected, value) {
      if (this.full && key === leaseKey && JSON.parse(value).expires_at === 0) {
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      }
      return super.setIf(key, expected, value);
    }
  }
  const store = new FullAtRelease();
  const seen = [];
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => { seen.push(user.id); } });
  const first = await poller.poll();
  assert.equal(first.processed, 40, "the poll's report comes back though its release failed");
  const left = JSON.parse(store.get(leaseKey));
  assert.ok(left.expires_at > Date.now() + 60_000, `the lease was left to run out: ${store.get(leaseKey)}`);
  // Another poller (another process, as far as the lease can tell) waits it out.
  await rejects(new UserPoller({ client, store, customerId: "acme" }).poll(), "busy");
  assert.deepEqual(warnings, []);
  store.full = false;
  const second = await poller.poll();
  assert.equal(second.processed, 0, "the same poller polls again at once, and nothing is delivered twice");
  assert.equal(seen.length, 40);
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0], /previous poll could not release its lease.*took it back/);
  assert.equal(JSON.parse(store.get(leaseKey)).expires_at, 0, "and this poll released it");
});

// Issue 9.2: the lease belongs to one poll, not to one instance.
test("poller: two poll() calls on ONE instance at once: one gets busy and every user is delivered once", async (t) => {
  const { client } = await setup(t, { latencyMs: 5 });
  const store = new MemoryStore();
  const seen = new Map();
  const p = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => { seen.set(user.id, (seen.get(user.id) ?? 0) + 1); } });
  const results = await Promise.allSettled([p.poll(), p.poll()]);
  assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
  const rejected = results.find((r) => r.status === "rejected").reason;
  assert.ok(rejected instanceof VomoError && rejected.kind === "busy", String(rejected));
  assert.equal(seen.size, 40);
  assert.deepEqual([...new Set(seen.values())], [1], "no user delivered twice");
  // Once the first poll is over, the instance polls again.
  const again = await p.poll();
  assert.equal(again.processed, 0);
});

// The lease's term is 2 minutes of wall clock; our clock (helpers.mjs) jumps it here.
test("poller: a poll whose lease another poll took over while a handler hung stops with busy before its next handler call (dead-letter events too) and writes nothing more; the next poll delivers the rest once", async (t) => {
  const { sim, client } = await setup(t, { latencyMs: 5 });
  const store = new MemoryStore();
  const leaseKey = "vomo-users/v1/acme/lease";
  const seen = [];
  const deadLetters = [];
  let calls = 0;
  let snapshot = null;
  const contents = () => new Map(store.keys().map((k) => [k, store.get(k)]));
  const poller = new UserPoller({ client, store, customerId: "acme", onDeadLetter: ({ user }) => { deadLetters.push({ id: user.id, late: snapshot !== null }); }, onUser: ({ user }) => {
    calls += 1;
    // The 19th change fails: its dead-letter event waits for the next success, which never comes.
    if (calls === 19) throw new Error("downstream refused");
    seen.push(user.id);
    if (calls === 20 && !snapshot) {
      // This handler took three minutes; meanwhile the lease ran out and another poll took it.
      tick(sim, 180_000);
      const monotonic = performance.now.bind(performance);
      performance.now = () => monotonic() + 180_000;
      t.after(() => { delete performance.now; });
      store.set(leaseKey, JSON.stringify({ owner: "other-process#1", expires_at: Date.now() + 120_000 }));
      snapshot = contents();
    }
  } });
  const e = await poller.poll().then(() => null, (error) => error);
  assert.ok(e instanceof VomoError, String(e));
  assert.equal(e.kind, "busy");
  assert.equal(e.message, "this poll's lease expired and another poll of this customer took it over; stopping here");
  assert.equal(calls, 20, "no handler called after the takeover");
  assert.deepEqual(deadLetters, [], "no dead-letter event after the takeover either");
  assert.deepEqual(contents(), snapshot, "nothing written after the takeover: the other poll's state and lease stand");
  // The other poll died holding the lease; once it has run out, a poll goes on from what was recorded.
  store.set(leaseKey, JSON.stringify({ owner: "other-process#1", expires_at: Date.now() - 1 }));
  tick(sim);
  const r = await poller.poll();
  assert.equal(r.complete, true);
  assert.equal(new Set(seen).size, 40, "every user delivered");
  // The one change whose handler was running at the takeover is delivered again (docs/poller.md, honest limits).
  assert.deepEqual(seen.filter((id, i) => seen.indexOf(id) !== i), [seen[18]], "only the change in flight at the takeover twice");
});

test("poller: a timer that fires while a slow poll runs gets busy, never a second delivery", { timeout: 30_000 }, async (t) => {
  const { sim, client } = await setup(t, { latencyMs: 5 });
  const store = new MemoryStore();
  const seen = [];
  let release;
  const gate = new Promise((r) => { release = r; });
  const p = new UserPoller({ client, store, customerId: "acme", onUser: async ({ user }) => { seen.push(user.id); await gate; } });
  const first = p.poll();
  const outcomes = [];
  // The timer of docs/stores.md, three ticks while the first poll waits on its handler.
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    outcomes.push(await p.poll().then(() => "ran", (e) => e.kind));
  }
  // Another instance on the same store (another process) is refused too.
  const other = new UserPoller({ client, store, customerId: "acme", onUser: ({ user }) => { seen.push(user.id); } });
  outcomes.push(await other.poll().then(() => "ran", (e) => e.kind));
  release();
  const r = await first;
  assert.deepEqual(outcomes, ["busy", "busy", "busy", "busy"]);
  assert.equal(r.processed, 40);
  assert.equal(new Set(seen).size, seen.length, "no user delivered twice");
  tick(sim);
  assert.equal((await other.poll()).processed, 0, "after the slow poll, the other instance runs and finds nothing new");
});

// The façade settles a synchronous handler without a promise and awaits anything with a
// `then` (a Promise or another thenable): each shape must deliver in order, and each kind of
// failure must reach onDeadLetter with the handler's own error.
test("poller: sync, async and thenable handlers are awaited in order; a rejection or a rejecting thenable dead-letters the original error", async (t) => {
  const { sim, client } = await setup(t);
  const ids = sim.listAll().map((u) => u.id);
  const order = [];
  const errors = new Map();
  const thenable = (fn) => ({ then: (ok, fail) => setTimeout(() => { try { fn(); ok(); } catch (e) { fail(e); } }, 1) });
  const dead = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "shapes", maxAttempts: 1,
    onUser: ({ user }) => {
      const i = ids.indexOf(user.id);
      const fail = i % 10 === 3 || i % 10 === 4;
      const err = fail ? new Error(`refused ${user.id}`) : null;
      if (err) errors.set(user.id, err);
      switch (i % 5) {
        case 0: order.push(user.id); return undefined; // synchronous
        case 1: return new Promise((r) => setTimeout(r, 1)).then(() => { order.push(user.id); });
        case 2: return thenable(() => { order.push(user.id); });
        case 3: return Promise.reject(err ?? new Error("unreachable"));
        default: return err ? thenable(() => { throw err; }) : thenable(() => { order.push(user.id); });
      }
    },
    onDeadLetter: (d) => { dead.push(d); },
  });
  const r = await poller.poll();
  const failing = ids.filter((_, i) => i % 10 === 3 || i % 10 === 4 || i % 5 === 3);
  const fine = ids.filter((id) => !failing.includes(id));
  assert.deepEqual(order, [...order].sort((a, b) => ids.indexOf(a) - ids.indexOf(b)), "delivered in listing order");
  assert.deepEqual([...order].sort((a, b) => a - b), [...fine].sort((a, b) => a - b));
  assert.equal(r.failed, failing.length);
  for (const d of dead) {
    assert.equal(d.final, true);
    if (errors.has(d.user.id)) assert.equal(d.error, errors.get(d.user.id), "the handler's own error object");
  }
  assert.deepEqual(dead.map((d) => d.user.id).sort((a, b) => a - b), [...failing].sort((a, b) => a - b));
});

// A store that fills up (a browser's localStorage quota, a KV limit) in the middle of a
// backfill, at each of several points: the poll rejects naming the store call, nothing is
// lost, and once there is room again the next poll delivers the rest, none twice unless the
// refused write was a delivery's journal entry (then that one change comes again: the
// one-call window of docs/poller.md).
test("poller: a store that runs out of room mid-poll: the poll rejects, the next one delivers the rest, nothing lost", async (t) => {
  const { sim, client } = await setup(t, { users: 300 });
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);
  for (const quota of [1_500, 3_000, 4_500, 6_000]) {   // the whole state takes about 7,600
    // Web Storage's contract: setItem over the quota throws QuotaExceededError and keeps the old value.
    const map = new Map();
    let room = quota;
    const used = () => [...map].reduce((n, [k, v]) => n + k.length + v.length, 0);
    const storage = {
      getItem: (k) => (map.has(k) ? map.get(k) : null),
      removeItem: (k) => map.delete(k),
      setItem(k, v) {
        const before = map.get(k);
        map.set(k, v);
        if (used() > room) {
          if (before === undefined) map.delete(k); else map.set(k, before);
          throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        }
      },
    };
    const { LocalStorageStore } = await import("vomo-users/stores");
    const seen = [];
    const poller = new UserPoller({ client, store: new LocalStorageStore(storage), customerId: `q${quota}`, onUser: ({ user }) => { seen.push(user.id); } });
    const e = await rejects(poller.poll(), "network");
    assert.match(e.message, /^store\.set\("vomo-users\/v1\/q\d+\/[^"]+"\) failed: LocalStorageStore: this origin's localStorage is full \(QuotaExceededError; about 5 MiB in all\): "vomo-users\/v1\/q\d+\/[^"]+" \(\d+ characters\) was not written;/, e.message);
    assert.ok(e.cause instanceof VomoError && e.cause.cause instanceof DOMException && e.cause.cause.name === "QuotaExceededError",
      "what the store threw is the cause, and the browser's own error its cause");
    assert.ok(seen.length < ids.length, `quota ${quota}: stopped part-way (${seen.length})`);
    room = Infinity;
    const r = await poller.poll();
    assert.equal(r.complete, true);
    assert.deepEqual([...new Set(seen)].sort((a, b) => a - b), ids, `quota ${quota}: every user delivered`);
    const journal = /\/journal\/\d+"\)/.test(e.message);
    assert.ok(seen.length - ids.length <= (journal ? 1 : 0), `quota ${quota}: ${seen.length - ids.length} repeated after ${e.message}`);
  }
});

test("poller: a store without setIf that fails the lease's release, the poll's last write: the report comes back and every change was delivered once; the lease is left to expire for others, and the same poller takes it back", async (t) => {
  const { sim, client } = await setup(t);
  const map = new Map();
  let failRelease = true;
  const store = {
    get: (k) => map.get(k) ?? null,
    set(k, v) {
      if (failRelease && k.endsWith("/lease") && JSON.parse(v).expires_at === 0) throw new Error("disk gone at the very end");
      map.set(k, v);
    },
  };
  const seen = [];
  const poller = new UserPoller({ client, store, customerId: "c", onUser: ({ user }) => { seen.push(user.id); } });
  const report = await poller.poll();
  assert.equal(report.complete, true);
  assert.equal(report.processed, 40);
  assert.deepEqual([seen.length, new Set(seen).size], [40, 40]);
  await rejects(new UserPoller({ client, store, customerId: "c" }).poll(), "busy");
  failRelease = false;
  assert.equal((await poller.poll()).processed, 0);
  assert.equal(seen.length, 40, "nothing delivered twice");
  assert.equal(JSON.parse([...map].find(([k]) => k.endsWith("/lease"))[1]).expires_at, 0, "released this time");
});

test("poller: an onDeadLetter that throws (a dead-letter sink that is down too) loses nothing: the change stays queued and arrives once later", async (t) => {
  const { sim, client } = await setup(t);
  const failing = sim.listAll()[3].id;
  let downstreamUp = false;
  const delivered = [];
  const heard = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onUser: ({ user }) => {
      if (user.id === failing && !downstreamUp) throw new Error("crm down");
      delivered.push(user.id);
    },
    onDeadLetter: ({ user, attempt }) => { heard.push([user.id, attempt]); throw new Error("dead-letter sink down too"); },
  });
  const first = await poller.poll();
  assert.equal(first.failed, 1, "the poll itself does not fail");
  assert.deepEqual(heard, [[failing, 1]]);
  tick(sim);
  assert.equal((await poller.poll()).failed, 1);
  assert.deepEqual(heard, [[failing, 1], [failing, 2]], "offered again, and heard of again");
  downstreamUp = true;
  tick(sim);
  await poller.poll();
  assert.equal(delivered.filter((id) => id === failing).length, 1, "delivered once in the end");
  assert.equal(delivered.length, 40);
});

test("poller: a change given up (final) whose onDeadLetter throws is not dropped: it stays queued and is given up again once the sink takes it", async (t) => {
  const { sim, client } = await setup(t);
  const [, , other, { id: failing }] = sim.listAll();
  let sinkUp = false;
  const heard = [];
  const taken = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", maxAttempts: 1,
    onUser: ({ user }) => { if (user.id === failing) throw new Error("the CRM rejects this one"); },
    onDeadLetter: ({ user, final }) => {
      heard.push([user.id, final]);
      if (!sinkUp) throw new Error("dead-letter sink down too");
      taken.push([user.id, final]);
    },
  });
  // Each poll delivers another change after the failing one: evidence that the downstream works,
  // without which a change is not given up.
  const pollWithAnotherChange = async (n) => {
    sim.updateUser(other.id, { last_name: `Other${n}` });
    tick(sim);
    await poller.poll();
  };
  await poller.poll();
  assert.deepEqual(heard, [[failing, true]], "given up on the first poll (maxAttempts 1)");
  await pollWithAnotherChange(1);
  assert.deepEqual(heard, [[failing, true], [failing, true]], "still queued: offered again, and given up again");
  sinkUp = true;
  await pollWithAnotherChange(2);
  assert.deepEqual(taken, [[failing, true]], "the sink has it once it is up");
  await pollWithAnotherChange(3);
  assert.equal(heard.length, 3, "settled: not offered again after the sink took it");
});

test("poller: ten queued changes the downstream rejects for good do not stop the poller: other changes go on, and those are given up", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const all = sim.listAll();
  const poison = new Set(all.slice(0, 10).map((u) => u.id)); // maxConsecutiveFailures is 10
  const good = all.slice(20);
  const delivered = new Map();
  const finals = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme",
    onUser: ({ user }) => {
      if (poison.has(user.id)) throw new Error("422 from the CRM");
      delivered.set(user.id, user.updatedAt);
    },
    onDeadLetter: ({ user, final }) => { if (final) finals.push(user.id); },
  });
  await poller.poll();
  for (let i = 0; i < 7; i++) {
    const user = good[i];
    sim.updateUser(user.id, { last_name: `Changed${i}` });
    tick(sim);
    const r = await poller.poll();
    assert.notEqual(r.stopReason, "handler_outage", `poll ${i}: the queue's retries alone made an outage`);
    assert.equal(delivered.get(user.id), new Date(sim.getUser(user.id).updated_at).toISOString(), `poll ${i}: the new change was delivered`);
  }
  assert.deepEqual([...finals].sort(), [...poison].sort(), "each poison change given up once, after maxAttempts");
});

test("poller: a real outage (the fresh delivery after the queue's retries fails too) still stops the poll as handler_outage", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  let down = false;
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme",
    onUser: () => { if (down) throw new Error("CRM down"); } });
  await poller.poll();
  down = true;
  for (const u of sim.listAll().slice(0, 12)) sim.updateUser(u.id, { phone: "555-0101" });
  tick(sim);
  assert.equal((await poller.poll()).stopReason, "handler_outage", "ten fresh failures in a row");
  sim.updateUser(sim.listAll()[20].id, { phone: "555-0102" });
  tick(sim);
  const second = await poller.poll();
  assert.equal(second.stopReason, "handler_outage", "the retries fail, then the walk's next delivery fails too");
  assert.equal(second.complete, false);
});

test("poller (changed-users): queued changes that keep failing take at most half of a slice's requests; the walk gets the rest", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const all = sim.listAll();
  const poison = new Set(all.slice(0, 8).map((u) => u.id));
  const delivered = new Set();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    onUser: ({ user }) => { if (poison.has(user.id)) throw new Error("rejected"); delivered.add(`${user.id}@${user.updatedAt}`); } });
  await poller.poll();
  const fresh = all[30];
  sim.updateUser(fresh.id, { phone: "555-0199" });
  tick(sim);
  let polls = 0;
  const key = () => `${fresh.id}@${new Date(sim.getUser(fresh.id).updated_at).toISOString()}`;
  while (!delivered.has(key())) {
    assert.ok(++polls <= 10, "the fresh change never got through slices of 5 requests");
    const r = await poller.poll({ maxRequests: 5 });
    assert.ok(r.requests <= 5);
  }
});

test("poller (changed-users): retriesDeferred counts the queued changes a slice's budget left, and polling again while it is above 0 and failed is 0 drains them, each once; without maxRequests it is 0", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  let down = false;
  const delivered = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxConsecutiveFailures: 50,
    onUser: ({ user }) => { if (down) throw new Error("CRM down"); delivered.push(`${user.id}@${user.updatedAt}`); } });
  await poller.poll();
  delivered.length = 0;
  down = true;
  const changed = sim.listAll().slice(10, 30).map((u) => sim.updateUser(u.id, { phone: "555-0111" }));
  tick(sim);
  const failing = await poller.poll();
  assert.deepEqual([failing.failed, failing.retriesDeferred, failing.complete], [20, 0, true], JSON.stringify(failing));
  down = false;
  const slices = [];
  for (;;) {
    const r = await poller.poll({ maxRequests: 10 });
    slices.push([r.processed, r.retriesDeferred, r.failed, r.requests]);
    assert.ok(slices.length <= 10, JSON.stringify(slices));
    assert.ok(r.requests <= 10);
    assert.equal(r.complete, true);
    // Each slice takes half its budget's worth, and says how many it left.
    const left = 20 - slices.reduce((n, [p]) => n + p, 0);
    assert.equal(r.retriesDeferred, left, JSON.stringify(slices));
    if (r.retriesDeferred === 0) break;
    assert.equal(r.failed, 0);
  }
  assert.ok(slices.length >= 3, JSON.stringify(slices));
  assert.deepEqual([...delivered].sort(), changed.map((u) => `${u.id}@${new Date(u.updated_at).toISOString()}`).sort(), "each queued change once");
  // Without a budget nothing is deferred.
  down = true;
  for (const u of sim.listAll().slice(40, 50)) sim.updateUser(u.id, { phone: "555-0112" });
  tick(sim);
  await poller.poll();
  down = false;
  const unbudgeted = await poller.poll();
  assert.deepEqual([unbudgeted.processed, unbudgeted.retriesDeferred], [10, 0]);
});

test("poller (changed-users): retriesDeferred counts the users owing participation events a slice's budget left", async (t) => {
  const { sim, client } = await setup(t, { users: 40 });
  let refuse = false;
  const taken = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxConsecutiveFailures: 50,
    onUser: () => {}, onParticipation: ({ userId }) => { if (refuse) throw new Error("sink down"); taken.push(userId); } });
  await poller.poll();
  taken.length = 0;
  refuse = true;
  // A participation added does not move the user's updated_at: the edit makes it a change.
  const owing = sim.listAll().slice(0, 12).map((u) => (sim.addParticipation(u.id, { hours: 2 }), sim.updateUser(u.id, { phone: "555-0113" }), u.id));
  tick(sim);
  await poller.poll();
  refuse = false;
  const deferred = [];
  for (let n = 0; n < 10; n++) {
    const r = await poller.poll({ maxRequests: 6 });
    deferred.push(r.retriesDeferred);
    if (r.retriesDeferred === 0) break;
  }
  assert.equal(deferred.at(-1), 0, JSON.stringify(deferred));
  assert.ok(deferred[0] > 0 && deferred[0] < 12, JSON.stringify(deferred));
  assert.ok(deferred.every((d, i) => i === 0 || d < deferred[i - 1]), `each slice fewer left: ${JSON.stringify(deferred)}`);
  assert.deepEqual([...new Set(taken)].sort((a, b) => a - b), [...owing].sort((a, b) => a - b));
  assert.equal(taken.length, owing.length, "each owed event taken once");
});

test("poller (changed-users): slices too small to hold maxConsecutiveFailures failures still stop as handler_outage once that many fresh changes failed in a row across them; back up, each change arrives once", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  let down = false;
  const delivered = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    onUser: ({ user }) => { if (down) throw new Error("CRM down"); delivered.push(`${user.id}@${user.updatedAt}`); } });
  await poller.poll();
  delivered.length = 0;
  down = true;
  const changed = sim.listAll().map((u) => sim.updateUser(u.id, { phone: "555-0115" }));
  tick(sim);
  const reports = [];
  for (let n = 0; n < 20 && reports.at(-1)?.stopReason !== "handler_outage"; n++) reports.push(await poller.poll({ maxRequests: 3 }));
  const failed = reports.reduce((sum, r) => sum + r.failed, 0);
  assert.equal(reports.at(-1).stopReason, "handler_outage", JSON.stringify(reports.map((r) => [r.failed, r.stopReason])));
  assert.ok(reports.every((r) => r.failed <= 2), "each slice too small for ten failures of its own");
  assert.ok(failed >= 10 && failed <= 20, `${failed} failures before the outage`);
  // Still down: the next slice's first fresh failure stops it again.
  const again = await poller.poll({ maxRequests: 3 });
  assert.deepEqual([again.stopReason, again.processed], ["handler_outage", 0]);
  // Back up: slices go on, and every change arrives once.
  down = false;
  for (let n = 0; n < 60; n++) {
    const r = await poller.poll({ maxRequests: 3 });
    if (r.complete && r.retriesDeferred === 0) break;
  }
  assert.deepEqual([...delivered].sort(), changed.map((u) => `${u.id}@${new Date(u.updated_at).toISOString()}`).sort(), "each change once");
});

test("poll: a maxRequests too small to ever get past one page in the mode is refused, nothing sent", async (t) => {
  const { sim, client } = await setup(t, { users: 5 });
  for (const [participations, m, least] of [["changed-users", 1, 2], ["full-scan", 1, 3], ["full-scan", 2, 3]]) {
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations });
    sim.clearLog();
    const e = await poller.poll({ maxRequests: m }).then(() => assert.fail("resolved"), (err) => err);
    assert.equal(e.kind, "invalid_input");
    assert.match(e.message, new RegExp(`maxRequests ${m} can never get past one page with participations "${participations}" .*give at least ${least}`));
    assert.equal(sim.log().length, 0);
    assert.equal((await poller.poll({ maxRequests: least })).requests <= least, true);
  }
  assert.equal((await new UserPoller({ client, store: new MemoryStore(), customerId: "x" }).poll({ maxRequests: 1 })).requests, 1, "off: 1 is fine");
  // policy().poller.leastMaxRequests is that rule (the Cloudflare example's config check reads
  // it): one below is refused in each mode, the least itself is not.
  const { leastMaxRequests } = (await import("vomo-users")).policy().poller;
  assert.deepEqual(leastMaxRequests, { "changed-users": 2, "full-scan": 3, off: 1 });
  for (const [participations, least] of Object.entries(leastMaxRequests)) {
    const poller = () => new UserPoller({ client, store: new MemoryStore(), customerId: `least-${participations}`, participations });
    if (least > 1) assert.equal((await poller().poll({ maxRequests: least - 1 }).catch((e) => e)).kind, "invalid_input", participations);
    assert.ok((await poller().poll({ maxRequests: least })).requests <= least, participations);
  }
  // policy().poller.leaseMs is how long the lease a running poll holds lasts (read from the
  // store inside a handler): what a lease left by a process that died holds others off for.
  const { leaseMs } = (await import("vomo-users")).policy().poller;
  const store = new MemoryStore();
  let left = null;
  await new UserPoller({ client, store, customerId: "lease", onUser() {
    left ??= JSON.parse(store.get("vomo-users/v1/lease/lease") ?? "null")?.expires_at - Date.now();
  } }).poll();
  assert.ok(left > leaseMs - 10_000 && left <= leaseMs, `lease left ${left} ms of ${leaseMs}`);
});

// A downstream that holds each user's participations by date, as the events built them, and
// counts every event that does not apply to what it holds: an `added` of a date it holds, a
// `changed` whose `before` is not what it holds, a `removed` of something it does not hold.
function participationsDownstream() {
  const held = new Map(), conflicts = [];
  const key = (p) => JSON.stringify([p.projectDateId, p.hours, p.checkedInAt]);
  const onParticipation = ({ kind, userId, participation: p, before }) => {
    const mine = held.get(userId) ?? new Map();
    held.set(userId, mine);
    const have = mine.get(p.projectDateId);
    if (kind === "added" && have) conflicts.push(`added ${userId}/${p.projectDateId} over ${have === key(p) ? "the same" : "another"}`);
    if (kind === "changed" && have !== key(before)) conflicts.push(`changed ${userId}/${p.projectDateId}: before is not what was taken`);
    if (kind === "removed" && have !== key(p)) conflicts.push(`removed ${userId}/${p.projectDateId}: not what was taken`);
    if (kind === "removed") mine.delete(p.projectDateId);
    else mine.set(p.projectDateId, key(p));
  };
  const of = (userId) => [...(held.get(userId) ?? new Map()).keys()].sort();
  return { onParticipation, conflicts, of };
}

for (const mode of ["changed-users", "full-scan"]) {
  test(`poller (${mode}): a death after each store write of a first poll loses no participation change; after it, what the downstream holds is VOMO's`, async (t) => {
    let deaths = 0;
    for (let n = 0; ; n++) {
      const sim = await startSimulator({ port: 0, now: "2026-01-01T00:00:00Z", users: 8, seed: 31, perPage: 5 });
      try {
        tick(sim);
        const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 500 });
        const store = new MemoryStore();
        const down = participationsDownstream();
        const make = (s) => new UserPoller({ client, store: s, customerId: "acme", participations: mode, onUser: () => {}, onParticipation: down.onParticipation });
        // The first poll dies after its n-th store write (the lease's aside).
        const died = await make(failingAfter(store, n)).poll().then(() => false, () => true);
        // Then, in VOMO: each user's first participation removed, its second's hours changed,
        // one added, and the user edited (changed-users sees participations through edits).
        for (const u of sim.listAll()) {
          const dates = sim.getUser(u.id).participations.map((p) => p.project_date_id);
          if (dates[0] !== undefined) sim.removeParticipation(u.id, dates[0]);
          if (dates[1] !== undefined) sim.updateParticipation(u.id, dates[1], { hours: 9.5 });
          sim.addParticipation(u.id, { project_date_id: 990000 + u.id, hours: 1 });
          sim.updateUser(u.id, { phone: `555-${n}` });
        }
        tick(sim);
        for (let i = 0; i < 4; i++) await make(store).poll();
        for (const u of sim.listAll()) {
          const want = sim.getUser(u.id).participations.map((p) => Number(p.project_date_id)).sort();
          assert.deepEqual(down.of(u.id), want, `death after write ${n}: user ${u.id}'s participations as the downstream holds them`);
        }
        // A death right after the downstream took an event, before its journal write, repeats
        // that one event (the one-call window): an `added` over the same.
        const others = down.conflicts.filter((c) => !/over the same$/.test(c));
        assert.deepEqual(others, [], `death after write ${n}`);
        assert.ok(down.conflicts.length <= 1, `death after write ${n}: ${down.conflicts.join("; ")}`);
        if (!died) break;
        deaths++;
      } finally {
        await sim.close();
      }
    }
    assert.ok(deaths > 20, `a death after each of ${deaths} writes`);
  });
}

test("poller (changed-users): participation events the downstream refuses for good, more than maxConsecutiveFailures of them, do not stop the poller: user changes go on, every refused user is offered again in turn, and each dead letter names its event", async (t) => {
  const { sim, client } = await setup(t, { users: 60 });
  const all = sim.listAll();
  const withParts = all.filter((u) => sim.getUser(u.id).participations.length > 0);
  const poison = new Set(withParts.slice(0, 12).map((u) => u.id)); // maxConsecutiveFailures is 10
  const good = all.filter((u) => !poison.has(u.id));
  assert.ok(poison.size === 12 && good.length >= 5);
  const delivered = new Map();
  const offers = new Map(); // poison user -> participation dead letters heard
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    onUser: ({ user }) => { delivered.set(user.id, user.updatedAt); },
    onParticipation: ({ userId }) => { if (poison.has(userId)) throw new Error("422 from the CRM"); },
    onDeadLetter: ({ user, error, participation, final }) => {
      assert.equal(error.message, "422 from the CRM");
      assert.equal(final, false, "participation events are never given up");
      assert.ok(participation, "the dead letter names the refused event");
      assert.equal(participation.userId, user.id);
      assert.ok(["added", "changed", "removed"].includes(participation.kind));
      const dates = sim.getUser(user.id).participations.map((p) => Number(p.project_date_id));
      assert.ok(dates.includes(participation.participation.projectDateId), "one of the user's participations");
      offers.set(user.id, (offers.get(user.id) ?? 0) + 1);
    },
  });
  await poller.poll();
  const first = new Map(offers);
  assert.deepEqual([...first.keys()].sort(), [...poison].sort(), "each poison user's events refused in the first poll");
  for (let i = 0; i < 3; i++) {
    const user = good[i];
    sim.updateUser(user.id, { last_name: `Changed${i}` });
    tick(sim);
    const r = await poller.poll();
    assert.notEqual(r.stopReason, "handler_outage", `poll ${i}: refusals of owed participation events alone made an outage`);
    assert.equal(delivered.get(user.id), new Date(sim.getUser(user.id).updated_at).toISOString(), `poll ${i}: the new change was delivered`);
  }
  for (const id of poison) assert.ok(offers.get(id) > first.get(id), `user ${id}'s events offered again within three polls`);
});

test("poller (changed-users): a participation event refused for good is given up after maxAttempts refusals that other deliveries followed: one final dead letter naming it, then neither offered nor its user read again", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const all = sim.listAll();
  const victim = all.find((u) => sim.getUser(u.id).participations.length > 1);
  const refusedDate = Number(sim.getUser(victim.id).participations[0].project_date_id);
  const others = all.filter((u) => u.id !== victim.id);
  const letters = [];
  const taken = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxAttempts: 2,
    onUser: () => {},
    onParticipation: ({ kind, userId, participation }) => {
      if (userId === victim.id && participation.projectDateId === refusedDate) throw new Error("422: unknown project");
      if (userId === victim.id) taken.push(`${kind} ${participation.projectDateId}`);
    },
    onDeadLetter: (d) => { letters.push(d); },
  });
  const detailReads = () => sim.log().filter((e) => e.path === `/v1/users/${victim.id}`).length;
  const final = () => letters.filter((d) => d.final);
  // Each poll: another user's edit, so that a success follows the retry's refusal.
  let i = 0;
  const pollAfterAnEdit = async () => {
    sim.updateUser(others[i % others.length].id, { phone: `555-01${i++}` });
    tick(sim);
    return poller.poll();
  };
  await poller.poll();
  assert.deepEqual(letters.map((d) => [d.attempt, d.final, d.participation.participation.projectDateId]), [[1, false, refusedDate]]);
  assert.equal(taken.length, sim.getUser(victim.id).participations.length - 1, "the user's other events were taken");
  for (let n = 0; n < 4 && final().length === 0; n++) await pollAfterAnEdit();
  assert.equal(final().length, 1, "given up once");
  const [last] = final();
  assert.equal(last.participation.kind, "added");
  assert.equal(last.participation.userId, victim.id);
  assert.equal(last.participation.participation.projectDateId, refusedDate);
  assert.equal(last.user.id, victim.id);
  assert.equal(last.error.kind, "invalid_input", "the package's own error: no handler threw for the give-up");
  assert.match(last.error.message, /given up/);
  assert.ok(last.attempt >= 2);
  const before = { letters: letters.length, reads: detailReads() };
  for (let n = 0; n < 3; n++) await pollAfterAnEdit();
  assert.equal(letters.length, before.letters, "nothing offered again once given up");
  assert.equal(detailReads(), before.reads, "the user's detail is not read again");
  // A later change of the same participation is a new event, offered as any.
  sim.updateParticipation(victim.id, refusedDate, { hours: 7.25 });
  sim.updateUser(victim.id, { phone: "555-0199" });
  tick(sim);
  await poller.poll();
  assert.equal(letters.at(-1).participation.kind, "changed");
  assert.equal(letters.at(-1).final, false);
});

test("poller (changed-users), ten times the size: 600 users, 60 with a participation event refused for good and 30 with one refused once; each refused-for-good event given up once, every other event and change taken once, no outage", { timeout: 240_000 }, async (t) => {
  const { sim, client } = await setup(t, { users: 600, seed: 17 });
  const all = sim.listAll();
  const dates = (id) => sim.getUser(id).participations.map((p) => Number(p.project_date_id));
  const withParts = all.filter((u) => dates(u.id).length > 0);
  assert.ok(withParts.length >= 200, `${withParts.length} users with participations`);
  // Spread over the listing (every third), so that refusals are not all next to each other.
  const spread = withParts.filter((_, i) => i % 3 === 0);
  const poison = new Map(spread.slice(0, 60).map((u) => [u.id, dates(u.id)[0]]));
  const once = new Map(spread.slice(60, 90).map((u) => [u.id, dates(u.id)[0]]));
  assert.equal(poison.size + once.size, 90);
  const refusedOnce = new Set();
  const taken = new Map(); // user -> project dates taken ("added")
  const delivered = new Map();
  const letters = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxAttempts: 2,
    onUser: ({ user }) => { delivered.set(user.id, user.updatedAt); },
    onParticipation: ({ kind, userId, participation: { projectDateId: d } }) => {
      if (poison.get(userId) === d) throw new Error("422: unknown project");
      if (once.get(userId) === d && !refusedOnce.has(userId)) { refusedOnce.add(userId); throw new Error("503: busy"); }
      assert.equal(kind, "added");
      const mine = taken.get(userId) ?? new Set();
      assert.ok(!mine.has(d), `user ${userId}'s event ${d} taken twice`);
      taken.set(userId, mine.add(d));
    },
    onDeadLetter: (d) => { letters.push(d); },
  });
  const finals = () => letters.filter((d) => d.final);
  const others = all.filter((u) => !poison.has(u.id) && !once.has(u.id));
  let polls = 0;
  const poll = async () => {
    const r = await poller.poll();
    polls++;
    assert.notEqual(r.stopReason, "handler_outage", `poll ${polls}: refusals made an outage`);
    return r;
  };
  await poll();
  assert.equal(refusedOnce.size, 30);
  // Each later poll follows another user's edit, so that a delivery judges the refusals.
  const pollAfterAnEdit = async () => {
    sim.updateUser(others[polls % others.length].id, { phone: `555-${String(polls).padStart(4, "0")}` });
    tick(sim);
    return poll();
  };
  while (finals().length < poison.size && polls < 80) await pollAfterAnEdit();
  const given = finals().map((d) => [d.user.id, d.participation.participation.projectDateId]);
  assert.equal(given.length, poison.size, `${given.length} given up in ${polls} polls`);
  assert.deepEqual(new Map(given), poison, "each refused-for-good event given up, once");
  assert.ok(finals().every((d) => d.attempt >= 2 && d.participation.userId === d.user.id && d.error.kind === "invalid_input"));
  const reads = () => sim.log().filter((e) => [...poison.keys()].some((id) => e.path === `/v1/users/${id}`)).length;
  const before = { letters: letters.length, reads: reads() };
  for (let n = 0; n < 3; n++) await pollAfterAnEdit();
  assert.equal(letters.length, before.letters, "nothing offered again once given up");
  assert.equal(reads(), before.reads, "a given-up user's detail is not read again");
  for (const u of all) {
    const expected = dates(u.id).filter((d) => poison.get(u.id) !== d).sort();
    assert.deepEqual([...(taken.get(u.id) ?? [])].sort(), expected, `user ${u.id}: every other event taken once`);
    assert.equal(delivered.get(u.id), new Date(sim.getUser(u.id).updated_at).toISOString(), `user ${u.id}: its last change delivered`);
  }
});

test("poller: a dead letter names the version it is about (version: { id, updatedAt }): a refused user's; an unreadable record's when its id and updated_at read as a readable one's; else null", async (t) => {
  const { sim, client } = await setup(t, { users: 3 });
  const [refused] = sim.listAll();
  const letters = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 2,
    onUser: ({ user }) => { if (user.id === refused.id) throw new Error("422"); },
    onDeadLetter: (d) => { letters.push(d); } });
  await poller.poll();
  assert.equal(letters.length, 1);
  assert.deepEqual(letters[0].version, { id: refused.id, updatedAt: letters[0].user.updatedAt });
  // A page of unreadable records (no email): ids and times that read, and ones that do not.
  const at = new Date(sim.now() - 8_000).toISOString().replace(/\.\d+Z$/, "+00:00");
  const record = (id, updated_at = at) => ({ ...sim.listAll()[1], id, email: null, created_at: at, updated_at });
  const odd = [record(900_001), record("900002"), record(-5), record(1.5), record("abc"), record(900_003, "yesterday")];
  sim.injectFault({ type: "status", status: 200, path: "/v1/users", times: 1, body: {
    data: odd, links: { first: null, last: null, prev: null, next: null },
    meta: { current_page: 1, from: 1, to: odd.length, last_page: 1, path: `${sim.url}/users`, per_page: 15, total: odd.length } } });
  tick(sim);
  await poller.poll();
  const versions = new Map(letters.slice(1).filter((d) => d.error.kind === "parse").map((d) => [JSON.stringify(d.user.id), d.version]));
  const iso = new Date(Date.parse(at)).toISOString();
  assert.deepEqual(Object.fromEntries(versions), {
    "900001": { id: 900001, updatedAt: iso },
    "\"900002\"": { id: 900002, updatedAt: iso },
    "-5": null, "1.5": null, "\"abc\"": null, "900003": null,
  });
});

test("poller: with retryIntervalMs, a refused change is left out of the polls within that long after its last refusal (polls every 10 s offer it once a minute), others go on, and it arrives once when taken", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const [poison, other] = [sim.listAll()[7].id, sim.listAll()[1].id];
  const offers = [];
  let accept = false;
  let taken = 0;
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", retryIntervalMs: 60_000, maxAttempts: 100,
    onUser: ({ user }) => {
      if (user.id !== poison) return;
      offers.push(Date.now());
      if (!accept) throw new Error("locked in the CRM");
      taken++;
    } });
  await poller.poll(); // the initial sync: refused once
  const results = [];
  for (let i = 0; i < 15; i++) {
    sim.updateUser(other, { phone: `555-02${i}` }); // something else to deliver each poll
    tick(sim, 10_000);
    results.push(await poller.poll());
  }
  // 150 s of polls: offered at 0 s, 60 s and 120 s (at every one of the 16 polls before).
  const gaps = offers.slice(1).map((at, i) => at - offers[i]);
  assert.equal(offers.length, 3, `offered at ${JSON.stringify(gaps)} ms gaps`);
  assert.ok(gaps.every((g) => g >= 60_000 && g < 70_000), JSON.stringify(gaps));
  assert.equal(results.filter((r) => r.processed === 1).length, 15, "the other user's change went through at every poll");
  assert.deepEqual(results.map((r) => r.retriesDeferred), Array(15).fill(0), "a waiting change is not deferred by a budget");
  accept = true;
  tick(sim, 60_000);
  await poller.poll();
  tick(sim, 60_000);
  await poller.poll();
  assert.equal(taken, 1, "taken once, then not offered again");
  assert.equal(policy().poller.retryIntervalMs, 0);
  assert.throws(() => new UserPoller({ client, store: new MemoryStore(), customerId: "acme", retryIntervalMs: -1 }),
    (e) => e.kind === "invalid_input" && /retryIntervalMs must be a whole number of at least 0 \(got -1\)/.test(e.message));
});

test("poller (changed-users): with retryIntervalMs, slices polled at once drain a backlog past a change refused for good at its front: it is offered once, each other change once, and retriesDeferred counts down to 0", async (t) => {
  const { sim, client } = await setup(t, { users: 40 });
  const all = sim.listAll();
  const poison = all[3].id;
  const backlog = all.slice(10, 30).map((u) => u.id);
  const refusing = new Set([poison]);
  const offers = new Map();
  const taken = new Map();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "changed-users",
    retryIntervalMs: 60_000, maxAttempts: 100, maxConsecutiveFailures: 1000,
    onUser: ({ user }) => {
      offers.set(user.id, (offers.get(user.id) ?? 0) + 1);
      if (refusing.has(user.id)) throw new Error("refused");
      taken.set(user.id, (taken.get(user.id) ?? 0) + 1);
    } });
  await poller.poll(); // the poison change queued first
  tick(sim, 10_000);
  for (const id of backlog) { refusing.add(id); sim.updateUser(id, { phone: `555-03${id}` }); }
  tick(sim, 10_000);
  const down = await poller.poll(); // 20 changes queued behind it
  assert.equal(down.failed, 20, JSON.stringify(down));
  tick(sim, 60_000); // every queued change due again
  for (const id of backlog) refusing.delete(id);
  offers.clear();
  taken.clear();
  const slices = [];
  for (let i = 0; i < 12; i++) {
    const r = await poller.poll({ maxRequests: 10 });
    slices.push([r.processed, r.failed, r.retriesDeferred]);
    if (r.retriesDeferred === 0) break;
  }
  assert.equal(offers.get(poison), 1, `the refused change was offered in the first slice only: ${JSON.stringify(slices)}`);
  assert.deepEqual(backlog.filter((id) => taken.get(id) !== 1), [], `each backlog change taken once: ${JSON.stringify(slices)}`);
  assert.equal(slices.at(-1)[2], 0);
  assert.ok(slices.length <= 6, JSON.stringify(slices));
  assert.ok(slices.slice(1).every(([, failed]) => failed === 0), JSON.stringify(slices));
});

test("poller (changed-users): with retryIntervalMs, a user's refused participation events are offered again no sooner than that long after their last refusal", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const all = sim.listAll();
  const victim = all.find((u) => sim.getUser(u.id).participations.length > 0);
  const other = all.find((u) => u.id !== victim.id);
  const offers = []; // the start of each poll that offered the victim's events
  let pollAt = Date.now();
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxAttempts: 100, retryIntervalMs: 30_000,
    onUser: () => {},
    onParticipation: ({ userId }) => {
      if (userId !== victim.id) return;
      if (offers.at(-1) !== pollAt) offers.push(pollAt);
      throw new Error("422: unknown project");
    },
  });
  await poller.poll();
  assert.equal(offers.length, 1);
  const detailReads = () => sim.log().filter((e) => e.path === `/v1/users/${victim.id}`).length;
  const readsBefore = detailReads();
  for (let i = 0; i < 9; i++) {
    sim.updateUser(other.id, { phone: `555-04${i}` });
    tick(sim, 10_000);
    pollAt = Date.now();
    await poller.poll();
  }
  // 90 s of polls every 10 s: offered again at 30 s, 60 s and 90 s (a poll each), not at the other six.
  const gaps = offers.slice(1).map((at, i) => at - offers[i]);
  assert.equal(gaps.length, 3, JSON.stringify(gaps));
  assert.ok(gaps.every((g) => g >= 30_000 && g < 40_000), JSON.stringify(gaps));
  assert.equal(detailReads() - readsBefore, 3, "its detail read only at the polls that offered them");
});

test("poller (changed-users): with retryIntervalMs, a participation event refused for good of the one user that changes, edited at every poll, is still given up (its refusals are judged and counted)", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const victim = sim.listAll().find((u) => sim.getUser(u.id).participations.length > 0);
  const refusedDate = Number(sim.getUser(victim.id).participations[0].project_date_id);
  const letters = [];
  const poller = new UserPoller({
    client, store: new MemoryStore(), customerId: "acme", participations: "changed-users", maxAttempts: 2, retryIntervalMs: 30_000,
    onUser: () => {},
    onParticipation: ({ userId, participation }) => {
      if (userId === victim.id && participation.projectDateId === refusedDate) throw new Error("422: unknown project");
    },
    onDeadLetter: (d) => { letters.push(d); },
  });
  await poller.poll();
  // Only the victim changes from now on, at every poll, 10 s apart: the walk offers its refused
  // event after its own event each time, with nothing delivered after it.
  let polls = 0;
  while (!letters.some((d) => d.final) && polls < 40) {
    sim.updateUser(victim.id, { phone: `555-05${polls++}` });
    tick(sim, 10_000);
    await poller.poll();
  }
  const final = letters.filter((d) => d.final);
  assert.equal(final.length, 1, `given up within ${polls} polls: ${JSON.stringify(letters.map((d) => [d.attempt, d.final]))}`);
  assert.equal(final[0].participation.participation.projectDateId, refusedDate);
});

test("poller: with retryIntervalMs, a change refused for good is still given up when the other deliveries come only at polls where it is not offered (polls every second, another user's change right after each of its offers): a refusal no success judged is offered at the next poll", async (t) => {
  // An outside pass: waiting from every refusal, such a change came due only at polls that
  // delivered nothing else, was never judged and never given up in 30 minutes.
  const { sim, client } = await setup(t, { users: 20 });
  const [poison, other] = [sim.listAll()[4].id, sim.listAll()[9].id];
  const offers = [];
  const letters = [];
  let otherTaken = 0;
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 3, retryIntervalMs: 30_000,
    onUser: ({ user }) => {
      if (user.id === other) otherTaken++;
      if (user.id === poison) { offers.push(Date.now()); throw new Error("locked in the CRM"); }
    },
    onDeadLetter: (d) => { letters.push(d); } });
  await poller.poll();
  let polls = 0;
  let seen = offers.length;
  let edited = otherTaken;
  while (!letters.some((d) => d.final) && polls < 300) {
    // The other user changes after each poll that offered the refused one, once its last
    // change was taken: taken a few polls later (the window margin), never at its own poll.
    if (offers.length > seen && otherTaken === edited) {
      sim.updateUser(other, { phone: `555-06${polls}` });
      edited = otherTaken + 1;
    }
    seen = offers.length;
    tick(sim, 1_000);
    await poller.poll();
    polls++;
  }
  assert.ok(letters.some((d) => d.final), `not given up in ${polls} polls; attempts ${JSON.stringify(letters.map((d) => d.attempt))}`);
  assert.ok(polls <= 150, `given up after ${polls} polls`);
  assert.ok(offers.length < polls / 5, `${offers.length} offers in ${polls} polls`);
});
