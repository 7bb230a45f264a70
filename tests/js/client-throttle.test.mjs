// VomoClient throttling and Retry-After over real HTTP against the simulator (issue 4,
// item 3): request starts in the simulator's log (`t`, hi-res arrival time) are spaced
// >= 1000 / requestsPerSecond across concurrent calls; a Retry-After pauses the whole
// client; "auto" adapts to an unknown limit. Lower bounds with a small tolerance only.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent, gaps } from "./helpers.mjs";

const TOL = 5; // ms of machine noise allowed on lower bounds
// The simulator logs arrival times on the test's own event loop, so one arrival can be
// logged late while the client works (more so when node --test runs files in parallel on
// few cores): a late entry shortens the next gap by as much. Each gap is therefore checked
// with a 10 ms allowance and the total span, which such noise cannot shrink, with TOL.
function assertSpaced(log, ms) {
  for (const g of gaps(log)) assert.ok(g >= ms - 2 * TOL, `gap ${g.toFixed(1)} ms < ${ms} ms`);
  const span = log.at(-1).t - log[0].t;
  assert.ok(span >= (log.length - 1) * ms - TOL, `${log.length} starts within ${span.toFixed(1)} ms`);
}

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 60, seed: 5, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => s.close());
  // The first fetch of a process pays undici's start-up (~25 ms) between the client's
  // start and the server's arrival time; warm it so the log measures the client's spacing.
  await (await fetch(`${s.origin}/__sim/info`)).text();
  return s;
}
const client = fastClient;

test("throttle: requestsPerSecond 20 spaces consecutive request starts >= 50 ms", async (t) => {
  const s = await sim(t);
  const c = client(s, { requestsPerSecond: 20 });
  await c.getUser(1001); // warms the client's code paths (the first call runs cold)
  s.clearLog();
  await c.listAllUsers();
  const log = sent(s);
  assert.equal(log.length, 4);
  assertSpaced(log, 50);
});

test("throttle: the spacing holds across concurrent calls of one client", async (t) => {
  const s = await sim(t);
  const c = client(s, { requestsPerSecond: 20 });
  await c.getUser(1004); // warm
  s.clearLog();
  const results = await Promise.all([c.getUser(1001), c.getUser(1002), c.getUser(1003), c.listAllUsers(), c.findUserByEmail("a@example.org")]);
  assert.deepEqual(results.slice(0, 3).map((d) => d.id), [1001, 1002, 1003]);
  const log = sent(s).sort((a, b) => a.t - b.t);
  assert.ok(log.length >= 8, `${log.length} requests`);
  assertSpaced(log, 50);
});

test("throttle: a first request is not delayed, and two clients do not share a throttle", async (t) => {
  const s = await sim(t);
  const a = client(s, { requestsPerSecond: 1 });
  const b = client(s, { requestsPerSecond: 1 });
  const t0 = performance.now();
  await Promise.all([a.getUser(1001), b.getUser(1002)]);
  assert.ok(performance.now() - t0 < 900, "each client's first slot is immediate");
});

test("Retry-After: a 429 with Retry-After 1 pauses every request of the client for >= 1 s", async (t) => {
  const s = await sim(t, { rateLimit: { requestsPerSecond: 1, burst: 1 } });
  const c = client(s, { requestsPerSecond: 50 });
  const t0 = performance.now();
  const ids = await Promise.all([c.getUser(1001), c.getUser(1002), c.getUser(1003)]).then((r) => r.map((d) => d.id));
  assert.deepEqual(ids, [1001, 1002, 1003]);
  const log = sent(s);
  const first429 = log.findIndex((e) => e.status === 429);
  assert.ok(first429 > 0, JSON.stringify(log.map((e) => e.status)));
  const limited = log[first429];
  const later = log.slice(first429 + 1);
  assert.ok(later.length >= 2);
  // No request of the client, whichever call it belongs to, starts during the pause.
  for (const e of later) {
    assert.ok(e.t - limited.t >= 1000 - TOL, `a request started ${(e.t - limited.t).toFixed(0)} ms after the 429`);
  }
  assert.ok(performance.now() - t0 >= 1000 - TOL);
  const st = c.stats();
  assert.ok(st.rateLimited >= 1);
  assert.equal(st.rateLimited, log.filter((e) => e.status === 429).length);
  assert.equal(st.requests, log.length);
  assert.equal(st.errors, 0);
});

test("Retry-After: an HTTP date is read against the response's Date header", async (t) => {
  const s = await sim(t);
  const date = new Date(Math.floor(Date.now() / 1000) * 1000);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, body: { message: "Too Many Requests" },
                  headers: { Date: date.toUTCString(), "Retry-After": new Date(date.getTime() + 1000).toUTCString() } });
  const attempts = [];
  const c = client(s, { log: (e) => attempts.push(e) });
  assert.equal((await c.getUser(1001)).id, 1001);
  const [g] = gaps(sent(s));
  // Failed once in CI under load (445 ms, in a test that took 1015 ms) and never since, alone
  // or under load: the message now says what the server and the client saw, to tell a wait
  // measured against the wrong clock from a lost response retried with backoff.
  const seen = () => JSON.stringify({ server: sent(s).map((e) => [e.status, Math.round(e.t)]), client: attempts,
    stats: c.stats(), date: date.toUTCString() });
  assert.ok(g >= 1000 - TOL, `waited ${g.toFixed(0)} ms: ${seen()}`);
  assert.ok(g < 3000, `waited ${g.toFixed(0)} ms: ${seen()}`);
});

test("Retry-After: longer than maxRetryAfterMs fails at once as rate_limited with one request", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, body: { message: "Too Many Requests" },
                  headers: { "Retry-After": "30" }, times: "always" });
  const c = client(s, { maxRetryAfterMs: 5000 });
  const t0 = performance.now();
  const e = await rejects(c.getUser(1001), "rate_limited");
  assert.ok(performance.now() - t0 < 1000, "no waiting");
  assert.equal(e.status, 429);
  assert.equal(e.retryable, true);
  assert.equal(sent(s).length, 1);
  assert.deepEqual(c.stats(), { requests: 1, retries: 0, rateLimited: 1, errors: 1 });
});

test("Retry-After: a 429 without the header and with an empty body is retried with backoff", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, body: "", times: 2 });
  const c = client(s);
  assert.equal((await c.getUser(1001)).id, 1001);
  const log = sent(s);
  assert.deepEqual(log.map((e) => e.status), [429, 429, 200]);
  const [g1, g2] = gaps(log);
  assert.ok(g1 >= 125 - TOL && g2 >= 250 - TOL, `backoffs ${g1.toFixed(0)}, ${g2.toFixed(0)} ms`);
  assert.equal(c.stats().rateLimited, 2);

  // the same from the simulator's own limiter (retryAfter off, empty body)
  s.clearLog();
  s.configure({ rateLimit: { requestsPerSecond: 5, burst: 1, retryAfter: false, emptyBody: true } });
  const c2 = client(s, { requestsPerSecond: 1000, maxRetries: 6 });
  const users = await c2.listAllUsers();
  assert.equal(users.length, 60);
  assert.ok(c2.stats().rateLimited >= 1);
  assert.equal(sent(s).filter((e) => e.status === 200).length, 4);
});

test("Retry-After: 429s after the retries are spent -> rate_limited", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, headers: { "Retry-After": "0" }, times: "always" });
  const c = client(s, { maxRetries: 2 });
  const e = await rejects(c.getUser(1001), "rate_limited");
  assert.equal(e.status, 429);
  assert.equal(sent(s).length, 3);
});

test("auto: requestsPerSecond \"auto\" completes a listing under a tight unknown limit with few 429s", async (t) => {
  const s = await sim(t, { rateLimit: { requestsPerSecond: 2, burst: 1 } });
  const warnings = [];
  const c = client(s, { requestsPerSecond: "auto", onWarning: (w) => warnings.push(w) });
  assert.equal(c.currentRate(), 3, "auto starts at the fixed default, 3 req/s");
  const users = await c.listAllUsers();
  assert.equal(users.length, 60);
  const log = sent(s);
  const limited = log.filter((e) => e.status === 429).length;
  assert.equal(log.length - limited, 4, "each page fetched once");
  assert.ok(limited <= 2, `${limited} 429s`);
  assert.equal(c.stats().rateLimited, limited);
  // starts stay spaced at the adaptive rate (<= 50 rps cap -> >= 20 ms)
  for (const g of gaps(log)) assert.ok(g >= 20 - TOL, `gap ${g.toFixed(1)} ms`);
});

test("auto: the rate backs off on 429 and probes back up on success", async (t) => {
  const s = await sim(t, { users: 150 });
  const c = client(s, { requestsPerSecond: "auto" });
  s.injectFault({ path: "/v1/users", page: 1, type: "status", status: 429, headers: { "Retry-After": "0" } });
  await c.getUser(1001).catch(() => {});
  const start = c.currentRate();
  await c.listAllUsers();
  const after429 = c.currentRate();
  assert.ok(after429 < start + 1.2, `rate ${after429}`);
  const before = c.currentRate();
  await c.listAllUsers();
  assert.ok(c.currentRate() > before, "probes up after successes");
});

test("X-RateLimit: a 2xx with Remaining 0 and a Reset holds the client's next request until the reset", async (t) => {
  const s = await sim(t);
  const c = client(s, { requestsPerSecond: 50 });
  await c.getUser(1002); // warm
  const date = new Date(Math.floor(Date.now() / 1000) * 1000);
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 200, body: { data: s.getUser(1001) },
                  headers: { Date: date.toUTCString(), "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                             "X-RateLimit-Reset": String(date.getTime() / 1000 + 2) } });
  s.clearLog();
  assert.equal((await c.getUser(1001)).id, 1001);
  assert.equal((await c.getUser(1003)).id, 1003);
  const [g] = gaps(sent(s));
  assert.ok(g >= 2000 - TOL && g < 3500, `the next request waited ${g.toFixed(0)} ms for the reset`);
  assert.equal(c.stats().rateLimited, 0);
});

test("X-RateLimit: a spent budget whose reset is beyond maxRetryAfterMs holds nothing; a 429 then fails at once", async (t) => {
  const s = await sim(t);
  const c = client(s, { requestsPerSecond: 50, maxRetryAfterMs: 2000 });
  const date = new Date(Math.floor(Date.now() / 1000) * 1000);
  // An hour away, as an epoch in seconds and (a server that sends milliseconds) in milliseconds.
  for (const reset of [date.getTime() / 1000 + 3600, date.getTime() + 3_600_000]) {
    s.injectFault({ path: "/v1/users/1001", type: "status", status: 200, body: { data: s.getUser(1001) }, times: 1,
                    headers: { Date: date.toUTCString(), "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                               "X-RateLimit-Reset": String(reset) } });
    assert.equal((await c.getUser(1001)).id, 1001);
    // Held for the hour, this call would be aborted by its signal (kind "aborted").
    assert.equal((await c.getUser(1003, { signal: AbortSignal.timeout(10_000) })).id, 1003, "the next request went out");
  }
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, body: { message: "Too Many Requests" }, times: 1,
                  headers: { Date: date.toUTCString(), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(date.getTime() / 1000 + 3600) } });
  s.clearLog();
  const before = Date.now();
  const e = await c.getUser(1001).then(() => assert.fail("resolved"), (err) => err);
  assert.equal(e.kind, "rate_limited");
  assert.match(e.message, /beyond maxRetryAfterMs 2000: not waited for; try again then$/);
  // The reset named as the time to try again, on this machine's clock: an hour (the reset's
  // distance from the response's Date header) after the answer came.
  const until = Date.parse(/\(until (\S+)\)/.exec(e.message)?.[1]);
  assert.ok(until >= before + 3_600_000 && until <= Date.now() + 3_600_000, e.message);
  // ... and as a number for a program: the hour, from when the answer came.
  assert.ok(e.retryAfterMs > 3_600_000 - (Date.now() - before) - 1000 && e.retryAfterMs <= 3_600_000, String(e.retryAfterMs));
  assert.equal(JSON.parse(JSON.stringify(e)).retryAfterMs, e.retryAfterMs);
  assert.equal(sent(s).length, 1, "one request, no wait");
});

test("retryAfterMs: a Retry-After beyond maxRetryAfterMs, and the last of the retries' 429s, carry the server's wait; a 429 without one, and other errors, null", async (t) => {
  const s = await sim(t);
  const c = client(s, { requestsPerSecond: 50, maxRetryAfterMs: 2000, maxRetries: 1 });
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 429, headers: { "Retry-After": "30" }, times: 1 });
  const far = await c.getUser(1001).then(() => null, (err) => err);
  assert.deepEqual([far.kind, far.retryAfterMs], ["rate_limited", 30_000]);
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 429, headers: { "Retry-After": "1" }, times: "always" });
  const last = await c.getUser(1001).then(() => null, (err) => err);
  assert.deepEqual([last.kind, last.retryAfterMs], ["rate_limited", 1000], "waited once, then the last 429's wait");
  s.clearFaults();
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 429, times: "always" });
  assert.equal((await c.getUser(1001).then(() => null, (err) => err)).retryAfterMs, null, "no Retry-After: nothing to say");
  s.clearFaults();
  s.injectFault({ path: "/v1/users/1001", type: "status", status: 503, times: "always" });
  assert.equal((await c.getUser(1001).then(() => null, (err) => err)).retryAfterMs, null);
});

test("X-RateLimit: a 429 with X-RateLimit-Reset but no Retry-After waits for the reset", async (t) => {
  const s = await sim(t);
  const date = new Date(Math.floor(Date.now() / 1000) * 1000);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, body: { message: "Too Many Requests" },
                  headers: { Date: date.toUTCString(), "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                             "X-RateLimit-Reset": String(date.getTime() / 1000 + 1) } });
  const c = client(s);
  assert.equal((await c.getUser(1001)).id, 1001);
  const [g] = gaps(sent(s));
  assert.ok(g >= 1000 - TOL && g < 2500, `waited ${g.toFixed(0)} ms`);
});

test("X-RateLimit: \"auto\" learns a fixed window from Limit and Remaining and runs at its rate without a 429", async (t) => {
  // A fixed window of 6 per second with headers: auto starts at 3 req/s; Remaining counts
  // down 5, 4, 3 and jumps back to 5 about a second after the window's first request, which
  // gives the window and so 6 per second, before the window refuses anything.
  const s = await sim(t, { users: 150, rateLimit: { kind: "fixed-window", requestsPerSecond: 6, headers: true } });
  const c = client(s, { requestsPerSecond: "auto" });
  for (let i = 0; i < 4; i++) assert.equal((await c.listAllUsers()).length, 150);
  const log = sent(s);
  assert.equal(log.filter((e) => e.status === 429).length, 0, "no 429");
  assert.equal(log.length, 40);
  assert.ok(c.currentRate() > 5.5 && c.currentRate() <= 6, `runs at ${c.currentRate()} of 6 per second`);
});

test("throttle: a fixed rate that keeps meeting 429s at its widest margin says so once through onWarning", async (t) => {
  const s = await sim(t);
  const warnings = [];
  // 429s with Retry-After 0: the throttle widens by 2% each, up to 25% (13 of them from 0.5%).
  s.injectFault({ path: "/v1/users/*", type: "status", status: 429, headers: { "Retry-After": "0" }, times: 30 });
  const c = client(s, { requestsPerSecond: 200, maxRetries: 40, onWarning: (m) => warnings.push(m) });
  assert.equal((await c.getUser(1001)).id, 1001);
  assert.equal(c.stats().rateLimited, 30);
  assert.deepEqual(warnings, ["requestsPerSecond 200: the server still answers 429 with requests spaced 25% wider than 1000 / 200 ms apart, " +
    'so its limit is lower: set a lower requestsPerSecond, or "auto" when the limit is not known']);
  const log = sent(s);
  // Told at the 429 that came with the margin already at its widest: the 13th widened it there.
  assert.equal(log.length, 31);
  for (const g of gaps(log.slice(20))) assert.ok(g >= 1000 / 200 * 1.25 - 2 * TOL, `gap ${g.toFixed(1)} ms`);
});
