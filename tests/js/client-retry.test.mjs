// VomoClient retries, timeouts, aborts and the upsert's `uncertain` flag, over real HTTP
// against the simulator (issue 4, item 4). Timing asserts are lower bounds with a small
// tolerance; nothing sleeps to make them pass.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, VomoError } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent, gaps } from "./helpers.mjs";

const TOL = 5; // ms of machine noise allowed on lower bounds

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 40, seed: 3, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => s.close());
  return s;
}
const client = fastClient;
const NEW_USER = { firstName: "Una", lastName: "Certain", email: "una.certain@example.org" };

test("retry: a permanent 503 with maxRetries 2 -> exactly 3 requests, server 503 retryable, backoff between", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, body: { message: "Service Unavailable" }, times: "always" });
  const c = client(s, { maxRetries: 2 });
  const e = await rejects(c.getUser(1001), "server");
  assert.equal(e.status, 503);
  assert.equal(e.retryable, true);
  const log = sent(s);
  assert.equal(log.length, 3);
  assert.ok(log.every((x) => x.status === 503));
  const [g1, g2] = gaps(log);
  // backoff 250 ms x 2^(n-1) with jitter in [50%, 100%]
  assert.ok(g1 >= 125 - TOL, `first backoff ${g1} ms`);
  assert.ok(g2 >= 250 - TOL, `second backoff ${g2} ms`);
  assert.deepEqual(c.stats(), { requests: 3, retries: 2, rateLimited: 0, errors: 1 });
});

test("retry: the default maxRetries is 4 (5 requests at most)", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users", type: "status", status: 500, times: "always" });
  await rejects(client(s).listAllUsers(), "server");
  assert.equal(sent(s).length, 5);
});

test("retry: a passing 5xx is retried transparently", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users", page: 2, type: "status", status: 502, times: 2 });
  const users = await client(s).listAllUsers();
  assert.equal(users.length, 40);
  assert.deepEqual(sent(s).map((e) => e.status), [200, 502, 502, 200, 200]);
});

test("retry: 401, 403, 404 and 422 are never retried (exactly one request each)", async (t) => {
  const s = await sim(t);
  const c = client(s, { maxRetries: 3 });
  for (const [status, kind] of [[401, "auth"], [403, "forbidden"], [404, "not_found"], [422, "validation"], [400, "validation"]]) {
    s.clearLog();
    s.injectFault({ path: "/v1/users", type: "status", status, body: { message: `m${status}`, errors: { x: ["y"] } }, times: "always" });
    const e = await rejects(c.listAllUsers(), kind);
    assert.equal(e.status, status);
    assert.equal(e.retryable, false);
    assert.equal(sent(s).length, 1, `${status} sent once`);
    s.clearFaults();
  }
  s.clearLog();
  assert.equal(await c.getUser(987654), null);
  assert.equal(sent(s).length, 1, "getUser's 404 is not retried");
  s.clearLog();
  s.configure({ strict: true });
  await rejects(c.upsertUser(NEW_USER), "validation");
  assert.equal(sent(s).length, 1);
});

test("retry: a dropped connection is retried, then network after the retries", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "reset", times: "always" });
  const c = client(s, { maxRetries: 2 });
  const e = await rejects(c.getUser(1001), "network");
  assert.equal(e.status, null);
  assert.equal(e.retryable, true);
  assert.equal(sent(s).length, 3);
  assert.ok(sent(s).every((x) => x.status === 0));
  s.clearFaults();
  s.clearLog();
  s.injectFault({ path: "/v1/users/*", type: "reset" });
  assert.equal((await c.getUser(1001)).id, 1001);
  assert.equal(sent(s).length, 2);
});

test("retry: a stalled response times out per attempt (timeoutMs 200, maxRetries 0 -> timeout)", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "stall", times: "always" });
  const c = client(s, { timeoutMs: 200, maxRetries: 0 });
  const t0 = performance.now();
  const e = await rejects(c.getUser(1001), "timeout");
  const took = performance.now() - t0;
  assert.ok(took >= 200 - TOL && took < 3000, `took ${took} ms`);
  assert.equal(e.retryable, true);
  assert.equal(e.status, null);
  assert.equal(sent(s).length, 1);
  s.clearLog();
  const c2 = client(s, { timeoutMs: 150, maxRetries: 1 });
  await rejects(c2.getUser(1001), "timeout");
  assert.equal(sent(s).length, 2, "a timeout is retried");
});

test("abort: a signal fired during a stall ends the call at once with aborted", async (t) => {
  const s = await sim(t);
  s.injectFault({ type: "stall", times: "always" });
  const c = client(s, { timeoutMs: 20000 });
  for (const call of [(signal) => c.getUser(1001, { signal }), (signal) => c.listAllUsers({}, { signal }),
                      (signal) => c.upsertUser(NEW_USER, { signal }), (signal) => c.findUserByEmail("a@b.org", { signal })]) {
    const ac = new AbortController();
    const t0 = performance.now();
    setTimeout(() => ac.abort(), 100);
    const e = await rejects(call(ac.signal), "aborted");
    const took = performance.now() - t0;
    assert.ok(took < 1000, `aborted after ${took} ms`);
    assert.equal(e.retryable, false);
  }
  assert.equal(sent(s).length, 4, "no retry after an abort");
});

test("abort: an already-aborted signal sends nothing", async (t) => {
  const s = await sim(t);
  const c = client(s);
  const signal = AbortSignal.abort();
  await rejects(c.getUser(1001, { signal }), "aborted");
  await rejects(c.listAllUsers({}, { signal }), "aborted");
  await rejects(c.upsertUser(NEW_USER, { signal }), "aborted");
  await rejects(c.findUserByEmail("x@example.org", { signal }), "aborted");
  await rejects((async () => { for await (const _ of c.listUsers({}, { signal })); })(), "aborted");
  assert.equal(sent(s).length, 0);
  assert.equal(c.stats().requests, 0);
});

test("abort: the error's cause is the signal's reason (a user's stop, AbortSignal.timeout's TimeoutError), for every call that takes a signal", async (t) => {
  const s = await sim(t);
  s.injectFault({ type: "stall", times: "always" });
  const c = client(s, { timeoutMs: 20000 });
  const { UserPoller, MemoryStore, importRoster, findOrCreateUser } = await import("vomo-users");
  const poller = new UserPoller({ client: c, store: new MemoryStore(), customerId: "acme", onUser() {} });
  const calls = {
    getUser: (signal) => c.getUser(1001, { signal }),
    listAllUsers: (signal) => c.listAllUsers({}, { signal }),
    listUsers: async (signal) => { for await (const _ of c.listUsers({}, { signal })); },
    upsertUser: (signal) => c.upsertUser(NEW_USER, { signal }),
    findUserByEmail: (signal) => c.findUserByEmail("a@b.org", { signal }),
    poll: (signal) => poller.poll({ signal }),
    reconcile: (signal) => poller.reconcile({ signal }),
    importRoster: (signal) => importRoster(c, [NEW_USER], { signal }),
    findOrCreateUser: (signal) => findOrCreateUser(c, NEW_USER.email, NEW_USER, { signal }),
  };
  for (const [name, call] of Object.entries(calls)) {
    const stop = new Error("the operator pressed stop");
    const ac = new AbortController();
    setTimeout(() => ac.abort(stop), 30);
    assert.equal((await rejects(call(ac.signal), "aborted")).cause, stop, `${name}: in flight`);
    const timedOut = await rejects(call(AbortSignal.timeout(30)), "aborted");
    assert.equal(timedOut.cause?.name, "TimeoutError", `${name}: AbortSignal.timeout`);
    const before = AbortSignal.abort();
    assert.equal((await rejects(call(before), "aborted")).cause, before.reason, `${name}: aborted before the call`);
  }
});

test("abort: a signal fired during a backoff or between pages stops the call", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: "always" });
  const c = client(s, { maxRetries: 10 });
  const ac = new AbortController();
  const t0 = performance.now();
  setTimeout(() => ac.abort(), 300);
  await rejects(c.getUser(1001, { signal: ac.signal }), "aborted");
  assert.ok(performance.now() - t0 < 1500);
  const before = sent(s).length;
  assert.ok(before >= 1 && before <= 4, `${before} requests before the abort`);
  s.clearFaults();
  s.clearLog();
  const ac2 = new AbortController();
  const seen = [];
  const e = await rejects((async () => {
    for await (const page of c.listUserPages({}, { signal: ac2.signal })) {
      seen.push(page);
      ac2.abort();
    }
  })(), "aborted");
  assert.equal(seen.length, 1);
  assert.equal(sent(s).length, 1, "no page after the abort");
  assert.equal(e.kind, "aborted");
});

test("abort: listUsers hands out no further user once its signal fired, not even the rest of the page it has; poll() offers no further change, keeps what it delivered, and the next poll delivers the rest once", async (t) => {
  const s = await sim(t); // 40 users: 15 a page
  const { UserPoller, MemoryStore } = await import("vomo-users");
  const c = client(s);
  const ac = new AbortController();
  const listed = [];
  const e = await rejects((async () => {
    for await (const user of c.listUsers({}, { signal: ac.signal })) {
      listed.push(user.id);
      if (listed.length === 3) ac.abort(new Error("stop"));
    }
  })(), "aborted");
  assert.equal(listed.length, 3, "nothing after the abort");
  assert.equal(e.cause?.message, "stop", "the signal's reason is the cause");

  const store = new MemoryStore();
  const ac2 = new AbortController();
  const offered = [];
  let afterAbort = 0;
  const poller = new UserPoller({ client: c, store, customerId: "acme", onUser: ({ user }) => {
    if (ac2.signal.aborted) afterAbort++;
    offered.push(user.id);
    if (offered.length === 4) ac2.abort();
  } });
  await rejects(poller.poll({ signal: ac2.signal }), "aborted");
  assert.deepEqual([offered.length, afterAbort], [4, 0], "the rest of the page is not offered");
  await poller.poll();
  assert.equal(offered.length, 40, "the next poll delivers the other 36");
  assert.equal(new Set(offered).size, 40, "each once");
});

test("upsert: uncertain is false on a clean call and after a 429, true after a 503 or a reset", async (t) => {
  const s = await sim(t);
  const c = client(s);
  let r = await c.upsertUser(NEW_USER);
  assert.deepEqual([r.created, r.uncertain], [true, false]);

  s.injectFault({ method: "POST", type: "status", status: 429, headers: { "Retry-After": "0" } });
  r = await c.upsertUser({ ...NEW_USER, email: "after.429@example.org" });
  assert.deepEqual([r.created, r.uncertain], [true, false], "a 429 was not processed");

  s.injectFault({ method: "POST", type: "status", status: 503 });
  r = await c.upsertUser({ ...NEW_USER, email: "after.503@example.org" });
  assert.deepEqual([r.created, r.uncertain], [true, true]);

  s.injectFault({ method: "POST", type: "reset" });
  r = await c.upsertUser(NEW_USER);
  assert.deepEqual([r.created, r.uncertain], [false, true]);

  s.injectFault({ method: "POST", type: "stall" });
  const c2 = client(s, { timeoutMs: 150 });
  r = await c2.upsertUser({ ...NEW_USER, email: "after.timeout@example.org" });
  assert.deepEqual([r.created, r.uncertain], [true, true]);
  assert.deepEqual(sent(s).map((e) => e.status), [201, 429, 201, 503, 201, 0, 200, 0, 201]);
});
