// A wall clock stepped forward past the lease's term (a VM resumed, an NTP step, two
// machines' clocks apart) lets a second run take a live run's lease: a poll of the customer,
// an import with the key. The run that lost it must stop at its next page (a poll scanning
// details: its next user; an import: its next record), not run on beside the other until its
// next renewal: up to 30 s of pages or records, every one delivered or sent twice.
import test from "node:test";
import assert from "node:assert/strict";
import { UserPoller, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { frozenWorld, tick, stepLocalClock } from "./helpers.mjs";

const PAGE = 15;

/**
 * Polls customer "acme" with a first poll whose `trigger` event (by count of `counted`
 * events) steps the clocks 3 minutes on and starts a second poll beside it. What each
 * delivered, keyed by `keyOf`.
 */
async function stepMidPoll(t, { users, mode, counted, trigger }) {
  const { sim, client } = await frozenWorld(t, { startSimulator, users, seed: 71 });
  const shared = new MemoryStore();
  // Each poll's writes, in order, by who wrote them.
  const writes = [];
  const storeOf = (name) => ({ get: (k) => shared.get(k), delete: (k) => shared.delete(k),
    set: (k, v) => { writes.push({ by: name, key: k }); shared.set(k, v); },
    setIf: (k, expected, v) => { writes.push({ by: name, key: k }); return shared.setIf(k, expected, v); } });
  const delivered = [];
  let second = null;
  const poller = (name) => {
    const on = (what, key) => {
      if (what !== counted) return;
      delivered.push({ by: name, key });
      if (name === "first" && delivered.length === trigger) {
        tick(sim, 180_000); // past the first poll's 2-minute lease
        second = poller("second").poll();
      }
    };
    return new UserPoller({ client, store: storeOf(name), customerId: "acme", participations: mode,
      onUser: ({ user }) => on("user", `${user.id}@${user.updatedAt}`),
      onParticipation: ({ kind, userId, participation }) => on("participation", `${kind} ${userId} ${JSON.stringify(participation)}`) });
  };
  const first = await poller("first").poll().then((r) => r, (e) => e);
  assert.ok(second, "the second poll started");
  const r2 = await second;
  // After the second poll took the lease, the first wrote nothing of the state it now owns
  // (a delivery's journal entry at most, which records what the first did deliver).
  const taken = writes.findIndex((w) => w.by === "second" && w.key.endsWith("/lease"));
  const late = writes.slice(taken).filter((w) => w.by === "first" && !/\/journal\/\d+$/.test(w.key));
  assert.deepEqual(late.map((w) => w.key), [], "the first poll's writes after the takeover");
  return { sim, first, r2, delivered, poller };
}

const twiceOf = (delivered) => delivered.length - new Set(delivered.map((d) => d.key)).size;

for (const mode of ["off", "changed-users"]) {
  test(`poller (${mode}): a clock stepped forward mid-poll lets a second poll take the lease; the first stops before its next page: at most the rest of one page delivered twice, none lost`, async (t) => {
    const { sim, first, r2, delivered, poller } = await stepMidPoll(t, { users: 600, mode, counted: "user", trigger: 100 });
    assert.equal(first.kind, "busy", `the first poll stopped: ${first.message ?? JSON.stringify(first)}`);
    assert.match(first.message, /took it over/);
    assert.equal(new Set(delivered.map((d) => d.key)).size, 600, "every user delivered");
    const byFirst = delivered.filter((d) => d.by === "first").length;
    assert.ok(twiceOf(delivered) < PAGE, `${twiceOf(delivered)} deliveries twice (${byFirst} by the first poll)`);
    assert.ok(byFirst < 100 + PAGE, `the first poll delivered ${byFirst}: not past its page`);
    assert.equal(r2.complete, true);

    // The state the second poll left: only later changes, each once.
    const [a, b] = sim.listAll().map((u) => u.id);
    sim.updateUser(a, { first_name: "Later" });
    sim.updateUser(b, { first_name: "Later" });
    tick(sim);
    delivered.length = 0;
    await poller("third").poll();
    assert.deepEqual(delivered.map((d) => d.key.split("@")[0]).sort(), [a, b].map(String).sort());
  });
}

test("poller (full-scan): a clock stepped forward while the first poll scans details: it stops before its next user's detail and saves nothing; no participation event lost, those of one scan page's users at most delivered twice", async (t) => {
  // Counting the first poll's own scan alone (no second poll): its participation events.
  const { delivered, first, r2 } = await stepMidPoll(t, { users: 200, mode: "full-scan", counted: "participation", trigger: 100 });
  assert.equal(first.kind, "busy", `the first poll stopped: ${first.message ?? JSON.stringify(first)}`);
  assert.equal(r2.complete, true);
  const alone = await (async () => {
    const { sim, client } = await frozenWorld(t, { startSimulator, users: 200, seed: 71 });
    const keys = new Set();
    await new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: "full-scan",
      onParticipation: ({ kind, userId, participation }) => { keys.add(`${kind} ${userId} ${JSON.stringify(participation)}`); } }).poll();
    sim.close();
    return keys;
  })();
  assert.deepEqual(new Set(delivered.map((d) => d.key)), alone, "the same events as one poll alone: none lost");
  // The other poll scans again from the last save, so the events of the users of the page the
  // first was in come twice (as after a crash there: participation events have no journal).
  const seen = new Set();
  const again = new Set(delivered.filter((d) => seen.has(d.key) || !seen.add(d.key)).map((d) => d.key.split(" ")[1]));
  assert.ok(again.size <= PAGE, `${twiceOf(delivered)} events of ${again.size} users delivered twice`);
});

test("importRoster: a clock stepped forward mid-import lets a second import with the key take the lease; the first stops before its next record: only what it had not saved is sent twice, one user per record", async (t) => {
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 5, seed: 72 });
  const store = new MemoryStore();
  const records = Array.from({ length: 300 }, (_, i) => ({ externalId: `step-${i}`, firstName: "Step", lastName: `N${i}`, email: `step${i}@roster.example.org` }));
  const every = 10;
  let second = null;
  const first = await importRoster(client, records, { store, key: "roster", checkpointEvery: every, onProgress: ({ done }) => {
    if (done === 100 && !second) {
      tick(sim, 180_000); // past the first import's 2-minute lease
      second = importRoster(client, records, { store, key: "roster", checkpointEvery: every });
    }
  } }).then((r) => r, (e) => e);
  assert.ok(second, "the second import started");
  const r2 = await second;
  assert.equal(first.kind, "busy", `the first import stopped: ${first.message ?? JSON.stringify(Object.keys(first))}`);
  assert.match(first.message, /took it over/);
  assert.equal(r2.created.length + r2.updated.length, 300, JSON.stringify(r2.failed.slice(0, 2)));
  const posted = sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
  assert.ok(posted <= 300 + every + 1, `${posted} upserts for 300 records: the first import sent ${posted - 300} the second sent again`);
  const mine = sim.listAll().filter((u) => u.email?.endsWith("@roster.example.org"));
  assert.equal(mine.length, 300, "one VOMO user per record");
});

test("poller: a wall clock stepped back an hour mid-poll: the poll's durationMs and lagMs are measured as before (monotonic time since the server's last Date), not negative and 0", async (t) => {
  // An outside pass: durationMs -3,595,198 and lagMs 0 after the service's clock stepped back
  // an hour (the real lag about 5 s); the deliveries were right.
  const { client } = await frozenWorld(t, { startSimulator, users: 300, seed: 72 });
  let n = 0;
  let stepped = false;
  t.after(() => { if (stepped) stepLocalClock(3_600_000); });
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme",
    onUser: () => {
      if (++n === 100) {
        stepLocalClock(-3_600_000);
        stepped = true;
      }
    } });
  const started = performance.now();
  const r = await poller.poll();
  const took = performance.now() - started;
  assert.equal(r.complete, true);
  assert.equal(n, 300);
  assert.ok(stepped);
  assert.ok(r.durationMs >= 0 && r.durationMs <= took + 1, `durationMs ${r.durationMs}, the poll took ${took.toFixed(0)} ms`);
  // The checkpoint trails the server's now by the window margin (5 s) when the poll read it.
  assert.ok(r.lagMs >= 5_000 && r.lagMs <= 5_000 + took + 1_000, `lagMs ${r.lagMs}`);
});

for (const retryForMs of [0, 60_000]) {
  test(`poller: a change first refused while the wall clock ran a day ahead is given up once the clock is corrected, not a day later (maxAttempts 3, retryForMs ${retryForMs})`, async (t) => {
    // An outside pass: with retryForMs 0 such a change reached attempt 10 and was never given
    // up, as the time since its first failure stayed negative until the clock caught up.
    const DAY = 86_400_000;
    const { sim, client } = await frozenWorld(t, { startSimulator, users: 5, seed: 73 });
    const [x, y] = sim.listAll().map((u) => u.id);
    const letters = [];
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 3, retryForMs,
      onUser: ({ user }) => { if (user.id === x) throw new Error("refused for good"); },
      onDeadLetter: (d) => { letters.push({ ...d, at: Date.now() }); } });
    await poller.poll();
    // A new version of x, first refused while the clock is a day ahead; then the clock is put right.
    stepLocalClock(DAY);
    let ahead = true;
    t.after(() => { if (ahead) stepLocalClock(-DAY); });
    sim.updateUser(x, { first_name: "Xavier" });
    sim.updateUser(y, { first_name: "Y0" });
    tick(sim);
    await poller.poll();
    const refusedAhead = letters.filter((d) => d.user.firstName === "Xavier");
    assert.equal(refusedAhead.length, 1, "the new version refused once, the clock ahead");
    stepLocalClock(-DAY);
    ahead = false;
    const corrected = Date.now();
    // Each later poll delivers another change (so failures count), 10 s apart by both clocks.
    let polls = 0;
    const final = () => letters.find((d) => d.user.firstName === "Xavier" && d.final);
    while (!final() && polls < 12) {
      sim.updateUser(y, { first_name: `Y${++polls}` });
      tick(sim);
      await poller.poll();
    }
    assert.ok(final(), `given up within ${polls} polls of the correction`);
    assert.ok(final().attempt >= 3, `at attempt ${final().attempt}`);
    assert.ok(final().at - corrected >= retryForMs, "not before retryForMs since the correction");
    assert.ok(final().at - corrected <= retryForMs + 30_000, `${final().at - corrected} ms after the correction`);
  });
}

test("poller: a change refused while the wall clock ran a day ahead waits retryIntervalMs from the first poll after the clock is put right, not a day", async (t) => {
  const DAY = 86_400_000;
  const { sim, client } = await frozenWorld(t, { startSimulator, users: 5, seed: 75 });
  const [x, y] = sim.listAll().map((u) => u.id);
  const offers = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 100, retryIntervalMs: 60_000,
    onUser: ({ user }) => { if (user.id === x) { offers.push(Date.now()); throw new Error("refused for good"); } } });
  stepLocalClock(DAY);
  let ahead = true;
  t.after(() => { if (ahead) stepLocalClock(-DAY); });
  await poller.poll(); // refused, the clock a day ahead
  assert.equal(offers.length, 1);
  stepLocalClock(-DAY);
  ahead = false;
  const corrected = Date.now();
  for (let i = 0; i < 12 && offers.length < 2; i++) {
    sim.updateUser(y, { first_name: `Y${i}` });
    tick(sim);
    await poller.poll();
  }
  assert.equal(offers.length, 2, "offered again within 12 polls 10 s apart");
  const waited = offers[1] - corrected;
  assert.ok(waited >= 60_000 && waited <= 80_000, `offered again ${waited} ms after the correction`);
});

test("poller: a wall clock stepped an hour on after a poll: health() of the same instance counts the lag from the server's last Date (monotonic time since), so it is not stalled; a fresh instance has only the wall clock", async (t) => {
  // An outside pass: a caught-up instance reported stalled, its lag an hour, after a +1 h step.
  const { client } = await frozenWorld(t, { startSimulator, users: 20, seed: 74 });
  const store = new MemoryStore();
  const poller = new UserPoller({ client, store, customerId: "acme", onUser: () => {} });
  const r = await poller.poll();
  assert.equal(r.complete, true);
  const before = poller.health();
  assert.equal(before.stalled, false);
  stepLocalClock(3_600_000);
  t.after(() => stepLocalClock(-3_600_000));
  const after = poller.health();
  assert.equal(after.stalled, false, JSON.stringify(after));
  assert.ok(after.lagMs - before.lagMs < 5_000, `lag ${before.lagMs} -> ${after.lagMs} ms`);
  // A new instance knows only the stored offset and the wall clock: the step shows there.
  const fresh = await new UserPoller({ client, store, customerId: "acme", onUser: () => {} }).loadHealth();
  assert.ok(fresh.lagMs >= 3_600_000, `a fresh instance's lag ${fresh.lagMs}`);
});
