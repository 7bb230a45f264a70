// importRoster's saved progress survives a store that dies after ANY single set (issue 9,
// item 4): a rerun never fails with "unreadable import progress", and sends only what the
// dead run had not saved. Over real HTTP against the simulator, through the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";

const posts = (sim) => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
const records = Array.from({ length: 450 }, (_, i) => ({
  externalId: `crash-${i}`, firstName: `First${i}`, lastName: `Last${i}`, email: `crash${i}@roster.example.org`,
}));

/** A MemoryStore whose process "dies" after `limit` sets: every later write fails. */
function dyingStore(store, limit) {
  let left = limit;
  return {
    get: (k) => store.get(k),
    delete: (k) => store.delete(k),
    set: (k, v) => {
      if (left <= 0) throw new Error("the process died");
      left--;
      store.set(k, v);
    },
    get died() { return left <= 0; },
  };
}

test("importRoster: after a death at each set of a run whose progress spans 100 KiB chunks, the rerun reads the progress and finishes", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const options = (store) => ({ store, key: "crash", checkpointEvery: 150 });
  let checked = 0;
  let resumed = 0;
  let diedHolding = 0;
  for (let k = 0; ; k++) {
    const saved = new MemoryStore();
    const dying = dyingStore(saved, k);
    sim.reset({ users: 5, seed: 9 }); // a world without the users of the rounds before
    const first = await importRoster(client, records, options(dying)).then(() => "done", (e) => e);
    const largest = Math.max(0, ...saved.keys().map((key) => Buffer.byteLength(saved.get(key))));
    assert.ok(largest <= 100 * 1024, `a stored value holds ${largest} bytes`);
    sim.clearLog();
    // The rerun: the same store, healthy. Its progress must read back, old or new. A run that
    // died holding the key's lease keeps it for 2 minutes, and the rerun is refused until then:
    // the test lets it expire at once by removing it.
    const rerun = await importRoster(client, records, options(saved)).catch((e) => {
      if (e.kind !== "busy") throw e;
      assert.match(e.message, /^another import with this key holds the lease for 1[12]\d s more/);
      diedHolding++;
      for (const key of saved.keys()) if (key.endsWith("/lease")) saved.delete(key);
      return importRoster(client, records, options(saved));
    });
    assert.equal(rerun.created.length + rerun.updated.length, 450, `death after set ${k}`);
    // Every record is a new user: an `updated` answer is the first run's create, sent again
    // because the first run died before it saved it. Each says it may be (uncertain).
    assert.deepEqual(rerun.updated.filter((u) => u.uncertain !== true).map((u) => u.email), [],
      `death after set ${k}: an update that is the dead run's own create is marked uncertain`);
    assert.equal(rerun.created.filter((u) => u.uncertain !== false).length, 0, "a create is never uncertain");
    if (posts(sim) < 450) resumed++;
    checked++;
    if (first === "done" && !dying.died) {
      assert.equal(posts(sim), 0, "after a complete run nothing is sent again");
      assert.ok(saved.keys().some((key) => /\.g[01]\.\d+$/.test(key)), `the progress spans chunks: ${saved.keys().join(" ")}`);
      break;
    }
    assert.ok(k < 60, "the first run never completed");
  }
  assert.ok(checked >= 4 && resumed >= 2, `only ${checked} death points, ${resumed} reruns resumed from saved progress`);
  assert.ok(diedHolding >= checked / 2, `a run that died mid-way held its lease (${diedHolding} of ${checked})`);
});

test("importRoster: an update answered to a retried upsert (the first attempt timed out, and may have reached the server) is marked uncertain; one sent once is not", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000, timeoutMs: 300 });
  const [a, b] = sim.listAll();
  const roster = [a, b].map((u) => ({ firstName: "Re", lastName: "Sent", email: u.email }));
  sim.injectFault({ method: "POST", path: "/v1/users", type: "stall", times: 1 });
  const r = await importRoster(client, roster, {});
  assert.deepEqual(r.updated.map((u) => [u.email, u.uncertain]), [[a.email, true], [b.email, false]]);
  assert.equal(sim.log().filter((e) => e.method === "POST").length, 3, "the first one sent twice");
});

test("importRoster: after a run that stopped with records unanswered (an outage), the rerun's updates of them are marked uncertain, and later records' are not", async (t) => {
  const sim = await startSimulator({ port: 0, users: 12, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000, maxRetries: 0 });
  // Every record names an existing user: each answer is an update.
  const roster = sim.listAll().map((u) => ({ firstName: "Up", lastName: "Dated", email: u.email }));
  const store = new MemoryStore();
  const options = { store, key: "outage", checkpointEvery: 4, maxConsecutiveFailures: 3 };
  // The records from the 6th on get no answer (5 answered), until the third in a row stops the run.
  let answered = 0;
  const run1 = await importRoster(client, roster, { ...options, onProgress: (p) => {
    if (p.done === 5 && answered++ === 0) sim.injectFault({ method: "POST", path: "/v1/users", type: "reset", times: "always" });
  } }).then(() => null, (e) => e);
  assert.match(run1?.message ?? "", /stopped after 3 records in a row/);
  sim.clearFaults();
  const run2 = await importRoster(client, roster, options);
  const flagged = run2.updated.filter((u) => u.uncertain).map((u) => u.email);
  assert.deepEqual(flagged, roster.slice(5, 8).map((r) => r.email), "the three unanswered ones, and only them");
  assert.equal(run2.updated.length, 12);
});

test("importRoster: a run cut off before its first save, with a larger checkpointEvery than the run before, leaves a mark wide enough: the next run marks every re-sent create uncertain", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const roster = records.slice(0, 100);
  const saved = new MemoryStore();
  let dead = false;
  const store = { get: (k) => saved.get(k), delete: (k) => saved.delete(k),
    set: (k, v) => { if (dead) throw new Error("the process died"); saved.set(k, v); } };
  const run = (every, dieAt) => importRoster(client, roster, { store, key: "wide", checkpointEvery: every,
    onProgress: (p) => { if (p.done === dieAt) dead = true; } }).then(() => "done", (e) => e.message);
  // Run 1 saves every 10 and dies at its save after 30 sends (20 saved); run 2 saves every 50
  // and dies at its first save, after 50 sends. Run 3 finishes.
  assert.match(await run(10, 25), /died/);
  dead = false;
  for (const key of saved.keys()) if (key.endsWith("/lease")) saved.delete(key); // as a dead process's lease expires
  assert.match(await run(50, 21), /died/);
  dead = false;
  for (const key of saved.keys()) if (key.endsWith("/lease")) saved.delete(key);
  const r = await importRoster(client, roster, { store: saved, key: "wide", checkpointEvery: 50 });
  assert.equal(r.created.length + r.updated.length, 100);
  assert.ok(r.updated.length >= 40, `${r.updated.length} re-sent`);
  assert.deepEqual(r.updated.filter((u) => !u.uncertain).map((u) => u.email), [], "each re-sent create of run 1 or run 2 is marked");
});

test("importRoster: the rerun of a run cut off between saves marks its re-sent creates uncertain by record, not by position: a roster reversed, with rows added before, marks those and only those", async (t) => {
  const sim = await startSimulator({ port: 0, users: 10, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  // 60 new people, then 10 who are in VOMO already (genuine updates run 1 never reaches).
  const existing = sim.listAll().map((u) => ({ firstName: "Up", lastName: "Dated", email: u.email }));
  const roster1 = [...records.slice(0, 60), ...existing];
  const saved = new MemoryStore();
  let dead = false;
  const store = { get: (k) => saved.get(k), delete: (k) => saved.delete(k),
    set: (k, v) => { if (dead) throw new Error("the process died"); saved.set(k, v); } };
  // Saves after 10 and 20 records; dies at the save after 30: records 20-29 were sent, not saved.
  const run1 = await importRoster(client, roster1, { store, key: "order", checkpointEvery: 10,
    onProgress: (p) => { if (p.done === 25) dead = true; } }).then(() => "done", (e) => e.message);
  assert.match(run1, /died/);
  dead = false;
  for (const key of saved.keys()) if (key.endsWith("/lease")) saved.delete(key); // as a dead process's lease expires
  const resent = roster1.slice(20, 30).map((r) => r.email);
  // The export came back in the other order, with five new rows first.
  const roster2 = [...records.slice(100, 105), ...[...roster1].reverse()];
  const r = await importRoster(client, roster2, { store: saved, key: "order", checkpointEvery: 10 });
  assert.equal(r.created.length + r.updated.length, 75);
  const byEmail = Object.fromEntries(r.updated.map((u) => [u.email, u.uncertain]));
  assert.deepEqual(resent.filter((e) => byEmail[e] !== true), [], "every re-sent create of run 1 is marked uncertain");
  assert.deepEqual(existing.filter((e) => byEmail[e.email] !== false).map((e) => e.email), [], "a genuine update run 1 never sent is not");
  assert.deepEqual(Object.keys(byEmail).sort(), [...resent, ...existing.map((e) => e.email)].sort(), "those are the updates");
});

test("importRoster: a run aborted while a record's upsert was on its way (Ctrl-C), which the server applied: the rerun's update of it is marked uncertain, and only it", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const controller = new AbortController();
  let posts = 0;
  // The 5th upsert reaches the server and is applied; the abort comes before its answer is read.
  const fetchAbortingAtTheFifth = async (url, init) => {
    const response = await fetch(url, init);
    if (init?.method === "POST" && ++posts === 5) {
      controller.abort();
      return new Promise(() => {}); // the answer never read
    }
    return response;
  };
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000, fetch: fetchAbortingAtTheFifth });
  const roster = records.slice(0, 12);
  const store = new MemoryStore();
  const run1 = await importRoster(client, roster, { store, key: "ctrl-c", signal: controller.signal }).then(() => null, (e) => e);
  assert.equal(run1?.kind, "aborted");
  assert.equal(sim.listAll().filter((u) => u.email.endsWith("@roster.example.org")).length, 5, "the 5th was applied");
  const run2 = await importRoster(client, roster, { store, key: "ctrl-c" });
  assert.deepEqual(run2.updated.map((u) => [u.email, u.uncertain]), [[roster[4].email, true]], "the one in flight: an update, marked");
  assert.equal(run2.created.length, 11);
});
