// The example Worker in real workerd (Miniflare), against the simulator over HTTP: the cron
// fans out, each customer's Durable Object polls in its alarm, events arrive through a real
// queue; the state persists across a restart of the runtime; the next cron delivers only
// the changes. Plus the operations routes and the structured logs.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { ADMIN_TOKEN, FAST, example, scenario, startWorker, until } from "./harness.mjs";

const keys = (events) => events.map((e) => e.idempotencyKey);

test("cron -> alarm -> poll -> queue; state persisted; a restarted runtime delivers only the changes", async (t) => {
  const { sim, sink, persist } = await scenario(t, { users: 40, seed: 61, now: "2026-01-01T00:00:00Z" }, "vomo-cf-persist-");
  const options = {
    sink, persist,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  };
  const first = await startWorker(t, options);

  // Before any cron: nothing polled, no alarm.
  const before = await first.health("acme");
  assert.equal(before.lastPoll, null);
  assert.equal(before.metrics.invocations, 0);
  assert.equal(sim.log().length, 0);

  sim.advanceClock(10_000);
  await first.cron();
  const h1 = await first.settled("acme", 1);
  assert.equal(h1.lastPoll.ok, true, JSON.stringify(h1.lastPoll.error));
  assert.equal(h1.lastPoll.trigger, "alarm", "the cron only schedules; the alarm polls");
  assert.equal(h1.lastPoll.result.processed, 40);
  assert.equal(h1.lastPoll.result.complete, true);
  assert.ok(h1.health.checkpoint, "a checkpoint is stored");
  await until(() => sink.events().length >= 40, "40 queue messages");
  const all = sim.listAll();
  assert.deepEqual(sink.events().map((e) => e.id).sort(), all.map((u) => u.id).sort());
  assert.equal(new Set(keys(sink.events())).size, 40, "one idempotency key per change");
  for (const e of sink.events()) {
    assert.equal(e.idempotencyKey, `acme/${e.id}/${e.updatedAt}`);
    // A backfill classifies by timestamps (the package's classifyChange rule).
    const fresh = Date.parse(e.user.updatedAt) - Date.parse(e.user.createdAt) < 1000;
    assert.equal(e.type, fresh ? "user.created" : "user.updated");
    assert.equal(e.customerId, "acme");
    assert.equal(e.user.id, e.id);
  }
  // The subrequests of that invocation: its VOMO requests plus one queue send per user.
  assert.equal(h1.lastPoll.subrequests, h1.lastPoll.result.requests + 40);

  // A change, then the next cron: only the change.
  const ids = all.map((u) => u.id);
  sim.updateUser(ids[3], { first_name: "Cron" });
  sim.advanceClock(10_000);
  await first.cron();
  const h2 = await first.settled("acme", 2);
  assert.equal(h2.lastPoll.result.processed, 1);
  await until(() => sink.events().length >= 41, "the update's message");
  const update = sink.events().at(-1);
  assert.equal(update.type, "user.updated");
  assert.equal(update.id, ids[3]);
  assert.equal(update.user.firstName, "Cron");

  // The runtime goes away; a new one on the same storage redelivers nothing.
  await first.dispose();
  const second = await startWorker(t, options);
  const h3 = await second.health("acme");
  assert.equal(h3.health.checkpoint, h2.health.checkpoint, "the checkpoint survived the restart");
  assert.equal(h3.metrics.invocations, 2, "so did the metrics");
  sim.advanceClock(10_000);
  await second.cron();
  const h4 = await second.settled("acme", 3);
  assert.equal(h4.lastPoll.result.processed, 0, "nothing redelivered after the restart");
  const made = sim.createUser({ email: "after.restart@example.org" });
  sim.advanceClock(10_000);
  await second.cron();
  await second.settled("acme", 4);
  await until(() => sink.events().length >= 42, "the new user's message");
  assert.equal(sink.events().length, 42, "nothing else was sent");
  assert.deepEqual([sink.events().at(-1).type, sink.events().at(-1).id], ["user.created", made.id]);
  assert.equal(new Set(keys(sink.events())).size, 42, "no idempotency key twice");
});

test("operations routes: authenticated, per customer, never a token; poll now; structured logs", async (t) => {
  const { sim, sink } = await scenario(t, { users: 20, seed: 62, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  for (const token of [null, "wrong", `${ADMIN_TOKEN}x`]) {
    for (const [method, path] of [["GET", "/customers/acme/health"], ["POST", "/customers/acme/poll"]]) {
      const r = await w.call(method, path, { token });
      assert.equal(r.status, 401, `${method} ${path} with ${token === null ? "no" : "a wrong"} token`);
    }
  }
  assert.equal(sim.log().length, 0, "an unauthenticated poll sent nothing to VOMO");
  assert.equal((await w.call("GET", "/customers/initech/health")).status, 404, "only configured customers");
  assert.equal((await w.call("GET", "/")).status, 404);
  assert.equal((await w.call("GET", "/customers/acme/poll")).status, 405);
  const malformed = await w.call("GET", "/customers/%E0%A4%A/health");
  assert.equal(malformed.status, 400, "a broken percent-encoding is the caller's error, not the Worker's exception");
  assert.match(malformed.body.error, /percent-encoding/);

  sim.advanceClock(10_000);
  const outcome = await w.pollNow("acme");
  assert.equal(outcome.ok, true, JSON.stringify(outcome.error));
  assert.equal(outcome.trigger, "manual");
  assert.equal(outcome.result.processed, 20);
  const health = await w.call("GET", "/customers/acme/health");
  assert.equal(health.status, 200);
  assert.equal(health.body.configured, true);
  assert.equal(health.body.metrics.processed, 20);
  assert.equal(health.body.health.stalled, false);
  assert.ok(!health.text.includes(sim.token), "the health route never returns the token");
  assert.ok(!JSON.stringify(outcome).includes(sim.token));

  const polls = w.polls("acme");
  assert.equal(polls.length, 1, "one structured log line per poll");
  assert.equal(polls[0].processed, 20);
  assert.equal(polls[0].trigger, "manual");
  assert.equal(typeof polls[0].requests, "number");
  assert.equal(typeof polls[0].subrequests, "number");
  assert.ok(!w.output.text.includes(sim.token), "the token is in no log line");
  assert.ok(!w.output.text.includes(ADMIN_TOKEN), "nor is the admin token");
});

test("POLL_GROUPS spreads the customers over consecutive cron runs, which take turns whatever the cron's cadence (the shipped */15 with 3 groups), each customer in exactly one group", async (t) => {
  const { sim, sink } = await scenario(t, { users: 5, seed: 63, now: "2026-01-01T00:00:00Z" });
  const ids = ["a1", "b2", "c3", "d4", "e5", "f6"];
  const secrets = { ADMIN_TOKEN };
  for (const id of ids) secrets[`VOMO_TOKEN_${id.toUpperCase()}`] = sim.token;
  const w = await startWorker(t, { sink, vars: { ...FAST, CUSTOMERS: ids.join(","), VOMO_BASE_URL: sim.url, POLL_GROUPS: "3" }, secrets });
  sim.advanceClock(10_000);
  // Every quarter hour, as wrangler.jsonc's cron runs: each run's minute is a multiple of 15
  // (and so of 3), which once gave every run group 0 and left two thirds of the customers unpolled.
  const quarter = 1_933_334 * 15 * 60_000;
  const kicked = [];
  for (let i = 0; i < 6; i++) {
    await w.worker.scheduled({ cron: "*/15 * * * *", scheduledTime: new Date(quarter + i * 15 * 60_000) });
    const line = await until(() => w.output.lines.filter((l) => l.msg === "vomo.cron")[i], `cron run ${i}`);
    assert.equal(line.group, i % 3);
    assert.equal(line.groups, 3);
    kicked.push(line.kicked);
  }
  assert.deepEqual(kicked.slice(0, 3).flat().sort(), ids, "every customer kicked once over three runs");
  assert.deepEqual(kicked.slice(3), kicked.slice(0, 3), "and the same turns again");
  assert.ok(kicked.every((k) => k.length < ids.length), JSON.stringify(kicked));
  for (const id of ids) assert.equal((await w.settled(id, 1)).lastPoll.ok, true);
});

test("a cron that arrives while a customer's slice runs counts it as already running and schedules no second slice", async (t) => {
  const { sim, sink } = await scenario(t, { users: 30, seed: 62, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url }, secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  sim.configure({ latencyMs: 400 }); // a slice of two pages takes most of a second
  await w.cron();
  await until(() => sim.log().length > 0 || undefined, "the alarm's slice to start");
  const during = await w.health("acme");
  assert.deepEqual([during.sliceRunning, during.lastPoll], [true, null], "health says a first slice is running");
  await w.cron();
  const second = await w.cronLine(1);
  assert.deepEqual([second.scheduled, second.alreadyRunning], [0, 1], JSON.stringify(second));
  const h = await w.settled("acme", 1);
  assert.equal(h.lastPoll.result.processed, 30);
  assert.equal(h.sliceRunning, false);
  // Had the second cron set an alarm, a second slice would run right after the first.
  sim.configure({ latencyMs: 0 });
  const quiet = await w.call("GET", "/customers/acme/health");
  assert.equal(quiet.body.nextAlarm, null, "no alarm left behind");
  assert.equal(w.polls("acme").length, 1, "one slice");
});

test("a deploy in the middle of a slice: the next slice takes the dead slice's lease over at once (one taken in an earlier isolate is gone) and the backfill goes on; no user lost, at most the delivery in flight twice", async (t) => {
  const { sim, sink, persist } = await scenario(t, { users: 600, seed: 64, now: "2026-01-01T00:00:00Z", latencyMs: 150 }, "vomo-cf-lease-");
  const options = { sink, persist,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook` },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN, WEBHOOK_SECRET: "s" } };
  sim.advanceClock(10_000);
  const first = await startWorker(t, options);
  await first.cron();
  await until(() => sink.webhook.length >= 20 || undefined, "a slice under way, delivering");
  await first.dispose(); // the deploy: the slice dies holding its lease
  const cutAt = sink.webhook.length;
  const next = await startWorker(t, options);
  await next.cron();
  const h = await next.settled("acme", 1, 60_000);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.deepEqual(next.polls("acme").filter((p) => p.error?.kind === "busy"), [], "no slice met the dead slice's lease");
  const keys = sink.webhook.map((e) => e.body.idempotencyKey);
  assert.equal(new Set(keys).size, 600, `every user delivered (${cutAt} before the deploy)`);
  assert.ok(keys.length - 600 <= 1, `${keys.length - 600} delivered twice`);
  // Within one isolate a running slice's lease is not taken: a second "poll now" is refused.
  sim.configure({ latencyMs: 400 });
  sim.updateUser(sim.listAll()[0].id, { first_name: "Again" });
  sim.advanceClock(10_000);
  sim.clearLog();
  const running = next.call("POST", "/customers/acme/poll");
  await until(() => sim.log().length > 0 || undefined, "the slice under way");
  const second = await next.pollNow("acme");
  assert.equal(second.error?.kind, "busy", JSON.stringify(second));
  assert.equal((await running).status, 200);
});

test("POST /customers/:id/reconcile: one call of a customer at a time (409 busy while one runs, and after it answers the next runs), another customer's beside it", async (t) => {
  const { sim, sink } = await scenario(t, { users: 40, seed: 71, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "acme,globex", VOMO_BASE_URL: sim.url },
    secrets: { VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  assert.equal((await w.pollNow("acme")).result.complete, true);
  sim.deleteUser(sim.listAll()[5].id);
  sim.clearLog();
  sim.configure({ latencyMs: 400 });
  const first = w.call("POST", "/customers/acme/reconcile");
  // The first call's request is at VOMO, unanswered: the call runs.
  await until(() => sim.log().some((e) => e.status === 0) || undefined, "the first reconcile under way");
  const second = await w.call("POST", "/customers/acme/reconcile");
  assert.equal(second.status, 409, second.text);
  assert.deepEqual([second.body.error.kind, second.body.complete, second.body.more, second.body.requests], ["busy", false, false, 0]);
  const other = w.call("POST", "/customers/globex/reconcile"); // another object: not refused
  const done = await first;
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.missing.length, 1);
  assert.equal((await other).status, 200);
  sim.configure({ latencyMs: 0 });
  const third = await w.call("POST", "/customers/acme/reconcile");
  assert.deepEqual([third.status, third.body.missing], [200, done.body.missing], "the next call runs once the first has answered");
});

test("POST /customers/:id/reconcile: a kept place larger than one storage part (37,500 users listed by the first call) is kept in parts and read back whole: the next call goes on where the first stopped and answers exactly the deleted users", { timeout: 300_000 }, async (t) => {
  const { sim, sink } = await scenario(t, { users: 30, seed: 71, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, RECONCILE_MAX_REQUESTS: "2500" },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  assert.equal((await w.pollNow("acme")).result.complete, true);
  const gone = sim.listAll().filter((_, i) => i % 5 === 0).map((u) => u.id);
  for (const id of gone) sim.deleteUser(id);
  for (let i = 0; i < 40_000; i++) sim.createUser({ email: `bulk.${i}@example.org` });
  const first = await w.call("POST", "/customers/acme/reconcile");
  assert.deepEqual([first.status, first.body.more], [202, true], first.text);
  const kept = w.output.lines.filter((l) => l.msg === "vomo.reconcile").at(-1);
  assert.ok(kept.keptChars > 60_000, `a place of ${kept.keptChars} characters: more than one part of 60,000`);
  sim.clearLog();
  const second = await w.call("POST", "/customers/acme/reconcile");
  assert.equal(second.status, 200, second.text);
  assert.deepEqual(second.body.missing, [...gone].sort((a, b) => a - b));
  const pages = sim.log().filter((e) => e.path === "/v1/users").map((e) => Number(e.query.page ?? 1));
  assert.ok(pages.length > 0 && Math.min(...pages) > 2000, `went on from the kept place: pages from ${Math.min(...pages)}`);
  assert.ok(w.output.lines.some((l) => l.msg === "vomo.reconcile" && l.resumed === true && l.complete === true));
});

test("POST /customers/:id/reconcile: the users delivered that VOMO no longer lists, confirmed one by one; in slices of RECONCILE_MAX_REQUESTS, one a call (202 until the last, 200), each within its budget, going on across a restart; admin token and POST only", async (t) => {
  const { sim, sink, persist } = await scenario(t, { users: 60, seed: 67, now: "2026-01-01T00:00:00Z" }, "vomo-cf-persist-");
  const options = (more = {}) => ({
    sink, persist,
    vars: { ...FAST, CUSTOMERS: "acme,globex", VOMO_BASE_URL: sim.url, ...more },
    secrets: { VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: sim.token, ADMIN_TOKEN },
  });
  const w = await startWorker(t, options());
  sim.advanceClock(10_000);
  assert.equal((await w.pollNow("acme")).result.complete, true);
  const gone = sim.listAll().filter((_, i) => i % 20 === 3).map((u) => u.id);
  for (const id of gone) sim.deleteUser(id);
  sim.clearLog();
  const r = await w.call("POST", "/customers/acme/reconcile");
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.missing, [...gone].sort((a, b) => a - b));
  assert.equal(r.body.complete, true);
  assert.equal(r.body.error, null);
  const asked = sim.log();
  assert.equal(r.body.requests, asked.length, "every VOMO request counted");
  assert.deepEqual(asked.filter((e) => /^\/v1\/users\/\d+$/.test(e.path)).map((e) => Number(e.path.split("/").pop())).sort((a, b) => a - b),
    [...gone].sort((a, b) => a - b), "only the candidates are asked for by id");
  assert.ok(w.output.lines.some((l) => l.msg === "vomo.reconcile" && l.customerId === "acme" && l.missing === gone.length));
  assert.ok(!w.output.text.includes(sim.token));
  // Nothing was changed: the next slice delivers nothing, and reconciling again says the same.
  sim.advanceClock(10_000);
  assert.equal((await w.pollNow("acme")).result.processed, 0);
  assert.deepEqual((await w.call("POST", "/customers/acme/reconcile")).body.missing, r.body.missing);
  // A customer never polled knows no one: nothing is missing.
  const fresh = await w.call("POST", "/customers/globex/reconcile");
  assert.deepEqual([fresh.status, fresh.body.missing, fresh.body.complete], [200, [], true]);
  // The route's rules: the admin token, POST.
  assert.equal((await w.call("POST", "/customers/acme/reconcile", { token: "wrong" })).status, 401);
  const get = await w.call("GET", "/customers/acme/reconcile");
  assert.deepEqual([get.status, get.body.error], [405, "use POST"]);
  assert.equal((await w.call("POST", "/customers/nobody/reconcile")).status, 404);
  await w.dispose();

  // A budget of 3 requests a call: 60 users and 3 candidates take several calls, each going on
  // where the last stopped (across a restart of the runtime, too), with a user deleted between
  // two of them; the last one answers 200 with every deleted user.
  let small = await startWorker(t, options({ RECONCILE_MAX_REQUESTS: "3" }));
  const calls = [];
  let late = null;
  for (let n = 0; n < 12; n++) {
    sim.clearLog();
    const c = await small.call("POST", "/customers/acme/reconcile");
    calls.push([c.status, sim.log().length]);
    assert.ok(sim.log().length <= 3 && c.body.requests === sim.log().length, `call ${n}: ${sim.log().length} requests, ${c.body.requests} counted`);
    if (c.status === 200) { late = c; break; }
    assert.equal(c.status, 202, c.text);
    assert.deepEqual([c.body.complete, c.body.more, c.body.error], [false, true, null]);
    if (n === 0) sim.deleteUser(sim.listAll().at(-1).id); // on a page the listing has not reached
    if (n === 1) { // a restart between two calls (a deploy): the next goes on where this one stopped
      await small.dispose();
      small = await startWorker(t, options({ RECONCILE_MAX_REQUESTS: "3" }));
    }
  }
  assert.ok(late, `calls: ${JSON.stringify(calls)}`);
  assert.ok(calls.length >= 3, `calls: ${JSON.stringify(calls)}`);
  assert.ok(late.body.complete && late.body.more === false);
  assert.deepEqual(late.body.missing.filter((id) => !gone.includes(id)).length, 1, "the user deleted between two calls, too");
  for (const id of gone) assert.ok(late.body.missing.includes(id));
  assert.ok(small.output.lines.some((l) => l.msg === "vomo.reconcile" && l.resumed === true));
  // ?fresh starts over, and the next call after a complete one starts over too.
  sim.clearLog();
  const again = await small.call("POST", "/customers/acme/reconcile?fresh");
  assert.equal(again.status, 202);
  assert.ok(sim.log().every((e) => e.path === "/v1/users"), "a listing from its first page");
  // A ?fresh call that fails (VOMO refusing the token) has still dropped the kept place: the
  // next call starts over instead of going on from the run it was asked to forget.
  const onwards = await small.call("POST", "/customers/acme/reconcile");
  assert.equal(onwards.status, 202);
  const token = sim.token;
  sim.configure({ token: "another-token" });
  const refused = await small.call("POST", "/customers/acme/reconcile?fresh");
  assert.deepEqual([refused.status, refused.body.error?.kind], [502, "auth"], refused.text);
  sim.configure({ token });
  sim.clearLog();
  const after = await small.call("POST", "/customers/acme/reconcile");
  assert.equal(after.status, 202, after.text);
  assert.ok([undefined, "1"].includes(sim.log()[0].query.page), `started over: ${JSON.stringify(sim.log()[0])}`);
});
