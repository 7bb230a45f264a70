// Issue 9 through the installed package, over HTTP against the simulator: the initial-sync
// rule at any window size (9.3), a downstream outage and a bounded dead-letter queue (9.6),
// and the smaller defects (9.7): panics as `internal`, the response-size cap, redacted
// warnings, ids beyond the safe-integer range, option checks.
import test from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import zlib from "node:zlib";
import { spawnSync } from "node:child_process";
import { VomoClient, VomoError, UserPoller, MemoryStore, findMissingIds, classifyChange, parseUserPage } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, frozenWorld, tick, fastClient } from "./helpers.mjs";

const setup = (t, options = {}) => frozenWorld(t, { startSimulator, users: 60, seed: 11, ...options });
const heuristic = (u) => (Date.parse(u.updatedAt) - Date.parse(u.createdAt) < 1000 ? "created" : "updated");

test("poller 9.3: every change of an initial sync split into many windows gets the heuristic's kind", async (t) => {
  const { sim, client } = await setup(t, { users: 90 });
  // Users created long ago and edited since, spread over time, so that small windows split them.
  const edited = sim.listAll().slice(0, 45).map((u) => u.id);
  for (const id of edited) { sim.updateUser(id, { phone: `555-0${id}` }); tick(sim, 60_000); }
  tick(sim);
  const events = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxWindowRows: 15,
    onUser: ({ kind, user }) => { events.push({ kind, user }); } });
  let r;
  do { r = await poller.poll(); } while (!r.complete);
  assert.equal(events.length, 90);
  const wrong = events.filter((e) => e.kind !== heuristic(e.user));
  assert.deepEqual(wrong.map((e) => e.user.id), [], "one rule for the whole initial sync");
  assert.ok(events.filter((e) => e.kind === "updated").length >= 45, "the edited users come out updated");
  // After the catch-up, known ids decide: a new user is created, a known one updated.
  events.length = 0;
  const fresh = sim.createUser({ email: "late@example.org" });
  tick(sim);
  sim.updateUser(fresh.id, { phone: "555-9999" });
  sim.updateUser(edited[0], { phone: "555-1234" });
  tick(sim);
  await poller.poll();
  const kinds = Object.fromEntries(events.map((e) => [e.user.id, e.kind]));
  assert.equal(kinds[Number(fresh.id)], "created", "new since the initial sync, though edited after its creation");
  assert.equal(kinds[edited[0]], "updated");
});

test("poller 9.6: an outage stops the poll early, moves no checkpoint past the undelivered, gives nothing up; after it every change arrives once", async (t) => {
  const { sim, client } = await setup(t);
  let down = true;
  const delivered = new Map();
  const deadLetters = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 2, maxConsecutiveFailures: 5,
    onUser: ({ user }) => {
      if (down) throw new Error("CRM is down");
      delivered.set(`${user.id}@${user.updatedAt}`, (delivered.get(`${user.id}@${user.updatedAt}`) ?? 0) + 1);
    },
    onDeadLetter: (d) => { deadLetters.push(d); } });
  for (let i = 0; i < 6; i++) {
    const r = await poller.poll();
    assert.equal(r.complete, false);
    assert.equal(r.stopReason, "handler_outage");
    assert.equal(r.processed, 0, "processed counts only what was delivered");
    // Then the queue's five retries fail, and the walk's next fresh delivery decides it is an outage.
    assert.equal(r.failed, i === 0 ? 5 : 6);
    // No checkpoint yet (the initial sync's first window is not done): null, not the epoch.
    assert.deepEqual([r.checkpoint, r.lagMs], [null, null], "the checkpoint stays before the undelivered changes");
    assert.deepEqual(poller.health(), { stalled: true, lagMs: null, checkpoint: null }, "polled, and still no checkpoint: stalled");
    tick(sim);
  }
  assert.ok(deadLetters.length >= 30);
  assert.ok(deadLetters.every((d) => d.final === false), "nothing given up during the outage");
  sim.updateUser(sim.listAll()[3].id, { phone: "555-0003" });
  tick(sim);
  down = false;
  let r;
  do { r = await poller.poll(); } while (!r.complete);
  const current = sim.listAll().map((u) => `${u.id}@${new Date(u.updated_at).toISOString()}`);
  for (const key of current) assert.equal(delivered.get(key), 1, `${key}: the current version arrived once`);
  assert.deepEqual([...new Set(delivered.values())], [1], "no version delivered twice");
  assert.equal(delivered.size, 61, "60 users, one of them in two versions (before and after its edit)");
  assert.equal(deadLetters.filter((d) => d.final).length, 0);
});

test("poller 9.6: a poison record is still given up once the downstream is shown to work", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const poison = sim.listAll()[7].id;
  const finals = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 2,
    onUser: ({ user }) => { if (user.id === poison) throw new Error("bad record"); },
    onDeadLetter: (d) => { if (d.final) finals.push(d.user.id); } });
  await poller.poll();
  tick(sim);
  sim.updateUser(sim.listAll()[1].id, { phone: "555-0101" }); // a success in the next poll
  tick(sim);
  await poller.poll();
  assert.deepEqual(finals, [poison]);
});

test("poller: the dead-letter queue takes turns: changes the downstream takes again are delivered though more refused ones than maxConsecutiveFailures wait before them in the queue", async (t) => {
  // An outside pass: after a run of maxConsecutiveFailures refusals the rest of the queue
  // waits for the next poll, which offered the same front of the queue again, and so on: the
  // changes behind it were never offered again (946 of 1,026 in 120 s), and in a quiet
  // customer, whose refusals are never judged, never at all.
  const { sim, client } = await setup(t, { users: 30 });
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);
  const refused = new Set([ids[1], ids[3], ids[5], ids[7]]); // for good; never two in a row in the walk
  const once = new Set([ids[9], ids[11], ids[13], ids[15], ids[17], ids[19]]); // refused by the backfill only
  let backfill = true;
  const delivered = new Map();
  const finals = new Map();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 3, maxConsecutiveFailures: 2,
    onUser: ({ user }) => {
      if (refused.has(user.id) || (backfill && once.has(user.id))) throw new Error("422 from the CRM");
      delivered.set(user.id, (delivered.get(user.id) ?? 0) + 1);
    },
    onDeadLetter: (d) => { if (d.final) finals.set(d.user.id, (finals.get(d.user.id) ?? 0) + 1); } });
  assert.equal((await poller.poll()).complete, true);
  assert.equal(delivered.size, 20);
  backfill = false;
  // Quiet polls: nothing else changes. The two refused at the front of the queue fail again
  // and stop the offers; the next poll starts where they stopped.
  for (let i = 0; i < 4; i++) {
    tick(sim, 10_000);
    await poller.poll();
  }
  assert.deepEqual([...once].filter((id) => delivered.get(id) !== 1), [], `delivered: ${JSON.stringify([...delivered])}`);
  // With other changes again (a success after each run of refusals), the refused ones are given up, each once.
  for (let i = 0; i < 20 && finals.size < refused.size; i++) {
    sim.updateUser(ids[2 * (i % 10)], { phone: `555-02${i}` });
    tick(sim, 10_000);
    await poller.poll();
  }
  assert.deepEqual([...refused].filter((id) => finals.get(id) !== 1), [], JSON.stringify([...finals]));
  assert.ok([...delivered.values()].every((n) => n >= 1) && [...refused].every((id) => !delivered.has(id)));
});

test("poller: retries a run of refusals held back go on after each walk page whose last change the downstream took, not only at the next poll", async (t) => {
  // With more refused changes queued than maxConsecutiveFailures, a poll offered that many and
  // no more, however many changes its walk then delivered: a queue of 400 took 40 polls a round.
  const { sim, client } = await setup(t, { users: 45 });
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);
  const refused = new Set(ids.filter((_, i) => i % 4 === 1)); // 11, never two in a row in the walk
  const offered = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 50, maxConsecutiveFailures: 2,
    onUser: ({ user }) => {
      if (!refused.has(user.id)) return;
      offered.push(user.id);
      throw new Error("422 from the CRM");
    } });
  assert.equal((await poller.poll()).complete, true);
  assert.equal(offered.length, 11);
  // 30 other users change: the next poll's walk delivers two pages of 15.
  for (const id of ids.filter((id) => !refused.has(id)).slice(0, 30)) sim.updateUser(id, { phone: "555-0300" });
  tick(sim, 10_000);
  offered.length = 0;
  const r = await poller.poll();
  assert.equal(r.complete, true, JSON.stringify(r));
  assert.equal(r.processed, 30);
  // 2 before the walk, 2 after each of its pages: 6 (before, 2).
  assert.equal(offered.length, 6, JSON.stringify(offered));
  assert.equal(new Set(offered).size, 6, "each a different change");
});

test("poller: maxRequests holds with retries: a page that fails first stops the poll at the budget as max_requests, not past it", async (t) => {
  // An outside pass (a Durable Object's slices): a budget of 1 sent 5 requests when the page
  // failed 4 times first, 3 sent 4 when each page failed once; a slice's budget is what keeps
  // it under the runtime's subrequest limit.
  for (const mode of ["off", "changed-users"]) {
    const { sim, client } = await setup(t, { users: 40 });
    const seen = new Set();
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", participations: mode,
      onUser: ({ user }) => { seen.add(`${user.id}@${user.updatedAt}`); } });
    const least = mode === "off" ? 1 : 2;
    sim.injectFault({ type: "status", status: 503, times: 4 });
    sim.clearLog();
    const first = await poller.poll({ maxRequests: least });
    assert.equal(sim.log().length, least, `${mode}: requests sent under a budget of ${least}`);
    assert.equal(first.requests, least);
    assert.deepEqual([first.complete, first.stopReason], [false, "max_requests"], JSON.stringify(first));
    // Every page failing once: each poll stays within its budget, and the polls get through.
    sim.clearFaults();
    sim.injectFault({ type: "status", status: 503, times: "always", page: 2 });
    let r;
    for (let i = 0; i < 80; i++) { // changed-users: a detail a user, 2 a poll
      sim.clearLog();
      r = await poller.poll({ maxRequests: 3 });
      assert.ok(sim.log().length <= 3, `${mode}: poll ${i} sent ${sim.log().length}`);
      if (r.complete) break;
      if (i === 2) sim.clearFaults();
    }
    assert.equal(r.complete, true, JSON.stringify(r));
    assert.equal(seen.size, 40, `${mode}: every user delivered`);
  }
});

test("poller: with retryForMs, a change the downstream refuses is offered again past maxAttempts until that long has passed since its first failure, then given up once", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const [poison, other] = [sim.listAll()[7].id, sim.listAll()[1].id];
  const letters = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxAttempts: 2, retryForMs: 60_000,
    onUser: ({ user }) => { if (user.id === poison) throw new Error("locked in the CRM"); },
    onDeadLetter: (d) => { letters.push({ attempt: d.attempt, final: d.final, at: Date.now() }); } });
  await poller.poll();
  const firstFailure = letters[0].at;
  for (let i = 0; i < 10 && !letters.some((l) => l.final); i++) {
    sim.updateUser(other, { phone: `555-01${i}` }); // a success in each poll: the downstream works
    tick(sim, 10_000);
    await poller.poll();
  }
  const final = letters.filter((l) => l.final);
  assert.equal(final.length, 1, JSON.stringify(letters));
  assert.ok(final[0].at - firstFailure >= 60_000, `given up ${final[0].at - firstFailure} ms after its first failure`);
  const heldBack = letters.filter((l) => !l.final && l.attempt >= 2);
  assert.ok(heldBack.length >= 3, `offered again past maxAttempts while the time ran: ${JSON.stringify(letters)}`);
  assert.ok(final[0].attempt > 2);
  // Given up: not offered again.
  const before = letters.length;
  sim.updateUser(other, { phone: "555-0999" });
  tick(sim, 10_000);
  await poller.poll();
  assert.equal(letters.length, before);
  assert.throws(() => new UserPoller({ client, store: new MemoryStore(), customerId: "acme", retryForMs: -1 }),
    (e) => e.kind === "invalid_input" && /retryForMs must be a whole number of at least 0 \(got -1\)/.test(e.message));
});

test("poller 9.6: a full dead-letter queue stops the poll instead of dropping a change", async (t) => {
  const { sim, client } = await setup(t, { users: 30 });
  const failing = new Set(sim.listAll().slice(0, 6).map((u) => u.id));
  let healthy = false;
  const seen = new Map();
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxDeadLetters: 3, maxAttempts: 50,
    onUser: ({ user }) => {
      if (!healthy && failing.has(user.id)) throw new Error("rejects this one");
      seen.set(user.id, (seen.get(user.id) ?? 0) + 1);
    } });
  const r = await poller.poll();
  assert.equal(r.stopReason, "dead_letter_limit");
  assert.equal(r.complete, false);
  healthy = true;
  tick(sim);
  let r2;
  do { r2 = await poller.poll(); } while (!r2.complete);
  assert.equal(seen.size, 30);
  assert.deepEqual([...new Set(seen.values())], [1]);
});

test("poller 9.6b: changes the downstream rejects for good, more than the queue holds, are given up after maxAttempts and the rest arrive once; the poll no longer stops at the same change for ever", async (t) => {
  const { sim, client } = await setup(t, { users: 40 });
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);
  const rejected = new Set([ids[0], ids[6], ids[8]]); // three, in a queue of two
  const seen = new Map();
  const heard = [];
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme", maxDeadLetters: 2, maxAttempts: 2,
    onUser: ({ user }) => {
      if (rejected.has(user.id)) throw new Error("rejected by the CRM");
      seen.set(user.id, (seen.get(user.id) ?? 0) + 1);
    },
    onDeadLetter: ({ user, attempt, final }) => { heard.push({ id: user.id, attempt, final }); } });
  const reasons = [];
  for (let i = 0; i < 10; i++) {
    const r = await poller.poll();
    reasons.push(r.stopReason);
    if (r.complete) break;
  }
  assert.equal(reasons.at(-1), null, `complete within 10 polls: ${reasons}`);
  assert.ok(reasons.includes("dead_letter_limit"), `the full queue said so on the way: ${reasons}`);
  assert.deepEqual([...seen.keys()].sort((a, b) => a - b), ids.filter((id) => !rejected.has(id)), "every other user");
  assert.deepEqual([...new Set(seen.values())], [1], "each once");
  const finals = heard.filter((h) => h.final);
  assert.deepEqual(finals.map((h) => h.id).sort((a, b) => a - b), [...rejected].sort((a, b) => a - b), "each rejected one given up");
  assert.ok(finals.every((h) => h.attempt === 2), JSON.stringify(finals));
  // The queue is empty: a quiet poll offers nothing again (a rejected one left would fail and be heard).
  tick(sim);
  const before = heard.length;
  assert.equal((await poller.poll()).processed, 0);
  assert.equal(heard.length, before);

  // A downstream down for good: the queue stays within its bound and that margin (2 + 3),
  // however many polls meet the outage; nothing is given up.
  const tried = new Set();
  const down = new UserPoller({ client, store: new MemoryStore(), customerId: "down", maxDeadLetters: 2, maxAttempts: 2,
    maxConsecutiveFailures: 3, onUser: ({ user }) => { tried.add(user.id); throw new Error("CRM down"); },
    onDeadLetter: ({ final }) => { assert.equal(final, false); } });
  for (let i = 0; i < 8; i++) {
    const r = await down.poll();
    assert.ok(["handler_outage", "dead_letter_limit"].includes(r.stopReason), r.stopReason);
  }
  assert.ok(tried.size <= 2 + 3 + 1, `${tried.size} users tried: the queue (at most 5) and the one it had no room for`);
});

test("poller 9.7: maxRequests and the window options are checked", async (t) => {
  const { client } = await setup(t, { users: 5 });
  const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "acme" });
  for (const bad of [NaN, -1, 1.5, Infinity]) await rejects(poller.poll({ maxRequests: bad }), "invalid_input");
  for (const [name, bad] of [["windowMarginMs", 100], ["windowMarginMs", 7 * 86_400_000 + 1], ["windowMarginMs", Number.MAX_SAFE_INTEGER], ["maxWindowRows", NaN], ["maxConsecutiveFailures", 0], ["maxDeadLetters", -3], ["maxAttempts", Infinity],
    ["pollIntervalMs", 1.5], ["pollIntervalMs", Infinity], ["pollIntervalMs", "1000"], ["pollIntervalMs", 0]]) {
    assert.throws(() => new UserPoller({ client, store: new MemoryStore(), customerId: "acme", [name]: bad }),
      (e) => e instanceof VomoError && e.kind === "invalid_input" && e.message.includes(name), `${name}: ${bad}`);
  }
  const r = await new UserPoller({ client, store: new MemoryStore(), customerId: "acme", windowMarginMs: 10_000, maxWindowRows: 30 }).poll({ maxRequests: 0 });
  assert.equal(r.stopReason, "max_requests");
});

test("client 9.7: a body larger than maxResponseBytes is a parse error, with or without Content-Length, and is not read to the end", async (t) => {
  const sim = await startSimulator({ port: 0, users: 30, seed: 3 });
  t.after(() => sim.close());
  await rejects(fastClient(sim, { maxResponseBytes: 1000 }).listAllUsers(), "parse");
  assert.equal((await fastClient(sim).listAllUsers()).length, 30, "the 10 MB default reads a page");
  // A chunked body (no Content-Length) of 4 MB against a 1 MB cap.
  let bytesSent = 0;
  let closedEarly = false;
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const chunk = Buffer.alloc(64 * 1024, 32);
    let n = 0;
    const pump = () => {
      while (n < 64) {
        n++;
        bytesSent += chunk.length;
        if (!res.write(chunk)) return res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => { closedEarly = n < 64; });
    pump();
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const c = new VomoClient({ token: "tok-cap", baseUrl: `http://127.0.0.1:${server.address().port}/v1`, maxResponseBytes: 1_000_000, maxRetries: 0 });
  const e = await rejects(c.getUser(1), "parse");
  assert.match(e.message, /maxResponseBytes/);
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(closedEarly || bytesSent < 4 * 1024 * 1024, "the client stopped reading");
  assert.throws(() => new VomoClient({ token: "x", maxResponseBytes: 0 }), (x) => x.kind === "invalid_input");
});

test("client 9.7: a compressed body is capped as it inflates, not by its Content-Length: 20 KB of gzip that inflates to 20 MB is refused", async (t) => {
  // fetch inflates gzip itself, and Content-Length counts the compressed bytes: a cap on that
  // alone let a small response grow past maxResponseBytes in memory (a gzip bomb).
  const inflated = Buffer.concat([Buffer.from('{"data":{"id":1,"email":"a@b.org","first_name":"A","last_name":"B","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}'),
    Buffer.alloc(20 * 1024 * 1024, 32), Buffer.from("}")]);
  const body = zlib.gzipSync(inflated, { level: 9 });
  assert.ok(body.length < 1_000_000, `${body.length} bytes compressed`);
  const server = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": body.length });
    res.end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  t.after(() => server.close());
  const client = (max) => new VomoClient({ token: "tok-cap", baseUrl: `http://127.0.0.1:${server.address().port}/v1`, maxResponseBytes: max, maxRetries: 0 });
  const e = await rejects(client(1_000_000).getUser(1), "parse");
  assert.match(e.message, /maxResponseBytes \(1000000 bytes/);
  // Under a cap it fits, the same response reads (gzip itself is fine).
  assert.equal((await client(30_000_000).getUser(1)).email, "a@b.org");
});

test("client 9.7: parse warnings that quote the token are redacted, in the page and in onWarning", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 4, token: "tok-REDACT-ME-4242" });
  t.after(() => sim.close());
  const page1 = await (await fetch(`${sim.url}/users?page=1`, { headers: { Authorization: `Bearer ${sim.token}` } })).json();
  page1.data[0].user_status = sim.token;
  page1.data[1].gender = `x-${sim.token}`;
  sim.injectFault({ path: "/v1/users", page: 1, type: "status", status: 200, body: page1 });
  const warned = [];
  const c = fastClient(sim, { onWarning: (m) => warned.push(m) });
  const pages = [];
  for await (const p of c.listUserPages()) pages.push(p);
  assert.ok(pages[0].warnings.length >= 2);
  assert.ok(warned.length >= 2);
  for (const text of [...pages[0].warnings, ...warned]) assert.ok(!text.includes(sim.token), text);
  assert.ok(pages[0].warnings.some((w) => w.includes("[redacted]")));
});

test("pure 9.7: ids beyond the safe-integer range are refused with parse, never rounded", () => {
  assert.throws(() => findMissingIds([2 ** 53], [1]), (e) => e instanceof VomoError && e.kind === "parse" && /currentIds\[0\]/.test(e.message));
  assert.throws(() => findMissingIds([1], [1.5]), (e) => e.kind === "parse");
  const user = parseUserPage(`{"data":[{"id":1,"first_name":"A","last_name":"B","full_name":"A B","email":"a@b.org",
    "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-02T00:00:00Z"}],"links":{"next":null},
    "meta":{"current_page":1,"per_page":15,"total":1}}`).data[0];
  assert.throws(() => classifyChange(user, [Number.MAX_SAFE_INTEGER + 2]), (e) => e.kind === "parse");
  assert.deepEqual(findMissingIds([1], [Number.MAX_SAFE_INTEGER, 1]), [Number.MAX_SAFE_INTEGER]);
  const text = `{"data":[{"id":9007199254740993,"first_name":"A","last_name":"B","full_name":"A B","email":"a@b.org",
    "created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}],"links":{"next":null},
    "meta":{"current_page":1,"per_page":15,"total":1}}`;
  const page = parseUserPage(text);
  assert.equal(page.data.length, 0, "not read as 9007199254740992");
  assert.ok(page.warnings.some((w) => w.includes("data[0]")), page.warnings.join("; "));
});

test("9.7: a Rust panic is a VomoError of kind internal with its message, sync or inside an async task, and the process goes on", () => {
  for (const later of [false, true]) {
    const script = `
      const api = require("vomo-users");
      const probe = api[Symbol.for("vomo-users.testPanic")];
      const pending = new api.VomoClient({ token: "t", baseUrl: "http://127.0.0.1:59/v1", requestsPerSecond: 0.01 }).listAllUsers();
      probe("boom-${later}", ${later}).then(() => console.log("resolved"), (e) => {
        console.log(JSON.stringify({ kind: e.kind, isVomo: e instanceof api.VomoError, message: e.message }));
        return pending.then(() => console.log("pending resolved"), (p) => console.log(JSON.stringify({ pending: p.kind })));
      }).finally(() => process.exit(0));
    `;
    // No uncaughtException handler: the trap inside the async task must not end the process.
    const out = spawnSync(process.execPath, ["-e", script], { cwd: process.cwd(), encoding: "utf8", timeout: 20_000 });
    assert.equal(out.status, 0, `the process survived the panic: ${out.stderr}`);
    assert.doesNotMatch(out.stderr, /RuntimeError|unreachable/, "no uncaught trap");
    const lines = out.stdout.trim().split("\n").filter(Boolean);
    const first = JSON.parse(lines[0]);
    assert.equal(first.kind, "internal", out.stdout + out.stderr);
    assert.equal(first.isVomo, true);
    assert.match(first.message, new RegExp(`boom-${later}`));
    if (later) assert.deepEqual(JSON.parse(lines[1]), { pending: "internal" }, "calls still waiting are rejected too");
  }
});
