// The example Worker in real workerd against the simulator: two customers isolated from each
// other, a 401 that stops a poll without moving the checkpoint, a 2,000-user backfill done in
// alarm-chained slices without redelivery, and a 429 storm.
import test from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN, FAST, scenario, startWorker, until } from "./harness.mjs";

const sent = (sim) => sim.log().filter((e) => e.method === "GET");

test("two customers are isolated; a 401 stops a poll, keeps the checkpoint, and chains no alarm", async (t) => {
  const { sim, sink, persist } = await scenario(t, { users: 30, seed: 71, now: "2026-01-01T00:00:00Z" }, "vomo-cf-persist-");
  const vars = { ...FAST, CUSTOMERS: "acme,globex", VOMO_BASE_URL: sim.url };
  // globex's token was revoked (the simulator refuses it with 401).
  const w = await startWorker(t, { sink, persist, vars, secrets: { VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: "eyJrevoked", ADMIN_TOKEN } });

  sim.advanceClock(10_000);
  await w.cron();
  const acme = await w.settled("acme", 1);
  const globex = await w.settled("globex", 1);
  assert.equal(acme.lastPoll.ok, true);
  assert.equal(acme.lastPoll.result.processed, 30);
  assert.equal(globex.lastPoll.ok, false);
  assert.equal(globex.lastPoll.error.kind, "auth");
  assert.equal(globex.lastPoll.error.status, 401);
  assert.equal(globex.lastPoll.nextAlarm, null, "an auth error chains no alarm: it waits for a fixed token and the next cron");
  // Nothing stored by a first poll that got nowhere (not the epoch with a 56-year lag), and
  // no API bound: a changed VOMO_BASE_URL would need no accept-base-url for globex.
  assert.deepEqual(globex.health, { stalled: false, lagMs: null, checkpoint: null }, "globex's checkpoint did not move");
  assert.equal(globex.baseUrl, null, "bound to no API");
  assert.equal(globex.metrics.consecutiveErrors, 1);
  await until(() => sink.events().length >= 30, "acme's 30 messages");
  assert.ok(sink.events().every((e) => e.customerId === "acme"), "globex delivered nothing");
  assert.ok(!JSON.stringify(globex).includes("eyJrevoked") && !w.output.text.includes("eyJrevoked"), "no token in health or logs");

  // acme, caught up, meets a 401 (a revoked token) in the middle of its next poll.
  const ids = sim.listAll().map((u) => u.id);
  sim.updateUser(ids[5], { last_name: "Changed" });
  sim.advanceClock(10_000);
  sim.injectFault({ path: "/v1/users", type: "unauthorized", times: 1 });
  const failed = await w.pollNow("acme");
  assert.equal(failed.ok, false);
  assert.equal(failed.error.kind, "auth");
  assert.equal(failed.nextAlarm, null);
  const after401 = await w.health("acme");
  assert.equal(after401.health.checkpoint, acme.health.checkpoint, "the 401 did not move acme's checkpoint");
  assert.equal(sink.events().length, 30, "and delivered nothing");
  // The token works again: the next poll delivers the change, once.
  const retried = await w.pollNow("acme");
  assert.equal(retried.ok, true, JSON.stringify(retried.error));
  assert.equal(retried.result.processed, 1);
  await until(() => sink.events().length >= 31, "the change");
  assert.equal(sink.events().at(-1).id, ids[5]);

  // globex gets a valid token (a restart with the new secret): its own backfill; acme's
  // state is untouched by it.
  await w.dispose();
  const fixed = await startWorker(t, { sink, persist, vars, secrets: { VOMO_TOKEN_ACME: sim.token, VOMO_TOKEN_GLOBEX: sim.token, ADMIN_TOKEN } });
  sim.advanceClock(10_000);
  await fixed.cron();
  const g2 = await fixed.settled("globex", 2);
  const a2 = await fixed.settled("acme", 4);
  assert.equal(g2.lastPoll.result.processed, 30, "globex backfills on its own");
  assert.equal(a2.lastPoll.result.processed, 0, "acme has nothing new");
  await until(() => sink.events().filter((e) => e.customerId === "globex").length >= 30, "globex's 30 messages");
  const byCustomer = (c) => sink.events().filter((e) => e.customerId === c).map((e) => e.idempotencyKey);
  assert.equal(new Set(byCustomer("globex")).size, 30);
  assert.equal(byCustomer("acme").length, 31, "acme: 30 + 1 change, nothing redelivered");
});

test("a 2,000-user backfill completes over several alarm-chained slices, each within its request budget, without redelivery", async (t) => {
  const { sim, sink } = await scenario(t, { users: 2000, seed: 72, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "big", VOMO_BASE_URL: sim.url, MAX_REQUESTS_PER_SLICE: "20" },
    secrets: { VOMO_TOKEN_BIG: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  await w.cron();
  const h = await w.caughtUp("big", "the backfill to complete", 120_000);
  const polls = w.polls("big");
  const pages = Math.ceil(2000 / 15);
  assert.ok(polls.length >= Math.ceil(pages / 20), `${polls.length} slices for ${pages} pages at 20 requests each`);
  assert.ok(polls.every((p) => p.ok && p.requests <= 20), JSON.stringify(polls.map((p) => p.requests)));
  assert.ok(polls.slice(0, -1).every((p) => p.complete === false && p.nextAlarm), "each incomplete slice chained an alarm");
  assert.ok(polls.every((p) => p.trigger === "alarm"));
  assert.equal(h.metrics.processed, 2000);
  assert.equal(h.metrics.invocations, polls.length);
  await until(() => sink.events().length >= 2000, "2,000 messages", 60_000);
  const keys = sink.events().map((e) => e.idempotencyKey);
  assert.equal(keys.length, 2000, "no message twice");
  assert.equal(new Set(keys).size, 2000);
  assert.deepEqual([...new Set(sink.events().map((e) => e.id))].sort(), sim.listAll().map((u) => u.id).sort());
  assert.ok(sink.queue.every((m) => m.attempts === 1), "the queue delivered every message on its first attempt");
});

test("a 429 storm: the client honours Retry-After, a slice that runs out of retries is retried by alarm, nothing lost or repeated", async (t) => {
  const { sim, sink } = await scenario(t, { users: 150, seed: 73, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink,
    vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, MAX_REQUESTS_PER_SLICE: "40" },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  // A tight server limit (the client asks for 1000/s), and a burst of 429s on page 2 that
  // outlasts the client's retries (1 try + 4 re-sends).
  sim.configure({ rateLimit: { requestsPerSecond: 8, burst: 4 } });
  sim.injectFault({ path: "/v1/users", page: 2, type: "status", status: 429, times: 5, headers: { "Retry-After": "0" }, body: { message: "Too Many Requests" } });
  sim.advanceClock(10_000);
  await w.cron();
  const h = await w.caughtUp("acme", "the poll to get through the storm", 60_000);
  const polls = w.polls("acme");
  const limited = polls.find((p) => !p.ok);
  assert.ok(limited, "one slice ran out of retries");
  assert.equal(limited.error.kind, "rate_limited");
  assert.ok(limited.nextAlarm, "and chained a retry by alarm");
  assert.ok(sent(sim).filter((e) => e.status === 429).length >= 5, "the storm happened");
  assert.equal(h.metrics.errors, 1);
  assert.equal(h.metrics.consecutiveErrors, 0);
  assert.equal(h.metrics.delivered, 150, "every change delivered (15 of them by the slice that then failed)");
  await until(() => sink.events().length >= 150, "150 messages");
  assert.equal(new Set(sink.events().map((e) => e.idempotencyKey)).size, 150);
  assert.equal(sink.events().length, 150, "nothing delivered twice");
});

test("a page cut off or not JSON is retried by alarm, not left to the next cron; a 429 whose Retry-After the client will not wait out sets the alarm no sooner than it asks", async (t) => {
  const { sim, sink } = await scenario(t, { users: 40, seed: 74, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, RETRY_DELAY_MS: "200" },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  // A proxy's error page once, then a body cut short once, on page 2.
  sim.injectFault({ path: "/v1/users", page: 2, type: "nonjson", times: 1 });
  sim.injectFault({ path: "/v1/users", page: 2, type: "truncated", times: 1 });
  sim.advanceClock(10_000);
  await w.cron();
  const h = await w.caughtUp("acme", "the poll to get past both faults", 30_000);
  const failed = w.polls("acme").filter((p) => !p.ok);
  assert.deepEqual(failed.map((p) => [p.error.kind, p.error.status]), [["parse", 200], ["parse", 200]], "answers that came, unreadable");
  assert.ok(failed.every((p) => p.nextAlarm && Date.parse(p.nextAlarm) - Date.parse(p.at) <= 400), JSON.stringify(failed.map((p) => [p.at, p.nextAlarm])));
  assert.equal(h.metrics.delivered, 40);
  await until(() => sink.events().length >= 40, "40 messages");
  assert.equal(new Set(sink.events().map((e) => e.idempotencyKey)).size, 40, "nothing twice");

  // A 429 asking for 2 minutes, beyond what the client waits (maxRetryAfterMs, 30 s).
  sim.updateUser(sim.listAll()[3].id, { last_name: "Later" });
  sim.advanceClock(10_000);
  sim.injectFault({ path: "/v1/users", type: "status", status: 429, times: 1, headers: { "Retry-After": "120" } });
  const limited = await w.pollNow("acme");
  assert.equal(limited.error.kind, "rate_limited");
  assert.ok(limited.error.retryAfterMs > 110_000 && limited.error.retryAfterMs <= 120_000, String(limited.error.retryAfterMs));
  const wait = Date.parse(limited.nextAlarm) - Date.parse(limited.at);
  assert.ok(wait >= 110_000, `the retry alarm in ${wait} ms, not RETRY_DELAY_MS's 200`);
});

test("MAX_WINDOW_ROWS reaches the poller: a 150-user backfill in windows of at most 40 rows, every user once", async (t) => {
  const { sim, sink } = await scenario(t, { users: 150, seed: 75, now: "2026-01-01T00:00:00Z" });
  const w = await startWorker(t, {
    sink, vars: { ...FAST, CUSTOMERS: "acme", VOMO_BASE_URL: sim.url, MAX_WINDOW_ROWS: "40" },
    secrets: { VOMO_TOKEN_ACME: sim.token, ADMIN_TOKEN },
  });
  sim.advanceClock(10_000);
  await w.cron();
  await w.caughtUp("acme", "the backfill", 30_000);
  // The windows walked: each a distinct updated_before of the listing requests.
  const windows = new Set(sent(sim).map((e) => e.query.updated_before).filter(Boolean));
  assert.ok(windows.size >= 4, `150 users in windows of at most 40 rows: ${windows.size} windows`);
  await until(() => sink.events().length >= 150, "150 messages");
  assert.equal(new Set(sink.events().map((e) => e.idempotencyKey)).size, 150);
  assert.equal(sink.events().length, 150, "nothing twice");
});
