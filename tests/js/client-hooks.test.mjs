// What Octokit and stripe-node users expect (issue 10, item 8): a User-Agent, a `log` hook
// per HTTP attempt that never carries the token, and per-call `timeoutMs` / `maxRetries`
// on every method. Real HTTP against the simulator, through the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { VomoClient, UserPoller, MemoryStore, importRoster, findOrCreateUser, policy } from "vomo-users";
import { startSimulator } from "vomo-users/sim";
import { rejects, fastClient, sent } from "./helpers.mjs";

async function sim(t, options = {}) {
  const s = await startSimulator({ port: 0, users: 40, seed: 5, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => s.close());
  return s;
}
const installedVersion = () =>
  JSON.parse(readFileSync(join(process.cwd(), "node_modules/vomo-users/package.json"), "utf8")).version;

test("User-Agent: vomo-users/<version of the installed package> on every request, after the caller's own", async (t) => {
  const s = await sim(t);
  const version = installedVersion();
  assert.equal(policy().version, version, "the version the Rust core reports is the package's");
  await fastClient(s).listAllUsers();
  await fastClient(s).upsertUser({ firstName: "Ua", lastName: "Test", email: "ua@example.org" });
  await fastClient(s, { userAgent: "acme-sync/2.1" }).getUser(s.listAll()[0].id);
  const agents = sent(s).map((e) => e.userAgent);
  assert.equal(agents.length, 5); // 3 pages of 15 for 40 users, the upsert, the detail
  assert.deepEqual(agents.slice(0, 4), Array(4).fill(`vomo-users/${version}`));
  assert.equal(agents[4], `acme-sync/2.1 vomo-users/${version}`);
});

test("userAgent: anything a header cannot carry is refused when the client is made, before any request", async (t) => {
  const s = await sim(t);
  for (const [agent, what] of [["x\ny", '"\\n" at character 2'], ["acme™/1", '"™" at character 5'], ["é", '"é" at character 1'], [7, "must be a string"]]) {
    let e;
    try { fastClient(s, { userAgent: agent }); } catch (err) { e = err; }
    assert.equal(e?.kind, "invalid_input", String(agent));
    assert.ok(e.message.includes(what), e.message);
  }
  assert.equal(sent(s).length, 0);
  // Spaces and parentheses (a comment) are fine.
  await fastClient(s, { userAgent: "acme-sync/2.1 (ops@acme.example)" }).getUser(s.listAll()[0].id);
  assert.match(sent(s)[0].userAgent, /^acme-sync\/2\.1 \(ops@acme\.example\) vomo-users\//);
});

test("a VomoError written by JSON.stringify keeps its message (a saved import result keeps every reason); the token stays out", async (t) => {
  const s = await sim(t);
  const c = fastClient(s, { maxRetries: 0 });
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: 1 });
  const e = await rejects(c.getUser(s.listAll()[0].id), "server");
  assert.deepEqual(JSON.parse(JSON.stringify(e)), { name: "VomoError", kind: "server", message: e.message, status: 503, retryable: true, fields: null, retryAfterMs: null });
  assert.match(e.message, /503/);
  s.injectFault({ path: "/v1/users", method: "POST", type: "status", status: 422, times: 1,
    body: { message: "invalid", errors: { email: [`taken by ${s.token}`] } } });
  const result = await importRoster(c, [{ externalId: "x1", firstName: "A", lastName: "B", email: "ab@example.org" }]);
  const saved = JSON.parse(JSON.stringify(result));
  assert.equal(saved.failed.length, 1);
  assert.equal(saved.failed[0].error.kind, "validation");
  assert.equal(saved.failed[0].error.message, result.failed[0].error.message);
  assert.ok(saved.failed[0].error.message.length > 0);
  assert.deepEqual(saved.failed[0].error.fields, { email: ["taken by [redacted]"] });
  assert.ok(!JSON.stringify(result).includes(s.token));
});

test("log: one entry per attempt (method, path, status, duration, attempt), retries included, no token anywhere", async (t) => {
  const s = await sim(t, { latencyMs: 20 });
  s.injectFault({ path: "/v1/users", page: 2, type: "status", status: 503, times: 2 });
  s.injectFault({ path: "/v1/users/*", type: "reset", times: 1 });
  const entries = [];
  const c = fastClient(s, { log: (e) => entries.push(e) });
  const users = await c.listAllUsers({ emailLike: "example" });
  await c.getUser(users[0].id);
  const expected = [
    ["GET", 1, 200, null, 1], ["GET", 2, 503, null, 1], ["GET", 2, 503, null, 2], ["GET", 2, 200, null, 3],
    ["GET", 3, 200, null, 1],
  ];
  const listing = entries.slice(0, 5);
  assert.deepEqual(listing.map((e) => [e.method, Number(new URLSearchParams(e.path.split("?")[1]).get("page") ?? 1),
    e.status, e.error, e.attempt]), expected);
  assert.ok(listing.every((e) => e.path.startsWith("/v1/users?") && e.path.includes("email_like=example")), listing[0].path);
  assert.ok(listing.every((e) => e.durationMs >= 20 - 2), "duration covers the simulator's 20 ms latency");
  const [reset, detail] = entries.slice(5);
  assert.deepEqual([reset.path, reset.status, reset.error, reset.attempt], [`/v1/users/${users[0].id}`, null, "network", 1]);
  assert.deepEqual([detail.status, detail.error, detail.attempt], [200, null, 2]);
  assert.equal(entries.length, sent(s).length, "one entry per request the server saw");
  for (const e of entries) assert.deepEqual(Object.keys(e).sort(), ["attempt", "durationMs", "error", "method", "path", "status"]);
  assert.ok(!JSON.stringify(entries).includes(s.token), "the token is in no log entry");
});

test("log: failures and a throwing log hook; the token reaches no entry, message or warning", async (t) => {
  const s = await sim(t);
  const entries = [];
  const warnings = [];
  let calls = 0;
  const c = fastClient(s, {
    maxRetries: 1,
    onWarning: (w) => warnings.push(w),
    log: (e) => { calls++; entries.push(e); throw new Error("a log hook that throws changes nothing"); },
  });
  // A server that echoes the token back in a 5xx and a 422 body.
  s.injectFault({ path: "/v1/users", method: "POST", type: "status", status: 500, body: { message: `bad ${s.token}` }, times: 2 });
  const e1 = await rejects(c.upsertUser({ firstName: "A", lastName: "B", email: "ab@example.org" }), "server");
  s.injectFault({ path: "/v1/users", method: "POST", type: "status", status: 422,
    body: { message: "invalid", errors: { email: [`taken by ${s.token}`] } } });
  const e2 = await rejects(c.upsertUser({ firstName: "A", lastName: "B", email: "ab@example.org" }), "validation");
  const ok = await c.listAllUsers();
  assert.equal(ok.length, 40, "a throwing log hook does not break the calls");
  assert.equal(calls, 3 + 3);
  assert.deepEqual(entries.slice(0, 3).map((e) => [e.method, e.status, e.attempt]), [["POST", 500, 1], ["POST", 500, 2], ["POST", 422, 1]]);
  const everything = JSON.stringify({ entries, warnings, m1: e1.message, m2: e2.message, f2: e2.fields });
  assert.ok(!everything.includes(s.token), "no token in log entries, warnings or errors");
  assert.match(e1.message, /\[redacted\]/);
});

test("async log and onWarning hooks that reject (a logger whose sink is down) change nothing: no unhandled rejection ends the process, every call goes on", async (t) => {
  const s = await sim(t);
  const unhandled = [];
  const note = (reason) => unhandled.push(reason);
  process.on("unhandledRejection", note);
  t.after(() => process.off("unhandledRejection", note));
  let logged = 0, warned = 0;
  const c = fastClient(s, {
    log: async () => { logged++; throw new Error("log sink down"); },
    onWarning: () => { warned++; return Promise.reject(new Error("warning sink down")); },
  });
  const id = s.listAll()[0].id;
  s.updateUser(id, { user_status: "SUSPENDED" }); // a value the parser does not know: a warning
  const users = await c.listAllUsers();
  assert.equal(users.length, 40);
  assert.equal((await c.getUser(id)).id, id);
  await new Promise(setImmediate); // Node reports an unhandled rejection once the microtasks before it ran
  assert.ok(logged >= 4 && warned >= 2, `log ${logged}, onWarning ${warned}`);
  assert.deepEqual(unhandled.map(String), []);
});

test("log: a followed redirect or next link that carries the token logs it redacted, in every form a URL gives it", async (t) => {
  // A JWT needs no escaping; a token with characters a URL or JSON escapes must be hidden too.
  for (const token of ["eyJhbGciOi.J9.abc-_", `tok"Se\\Cr<et>'x{y}`]) {
    const s = await sim(t, { token });
    const entries = [];
    const c = fastClient(s, { log: (e) => entries.push(e) });
    const [first, second] = s.listAll();
    // A same-origin redirect whose Location carries the token in its query, as it is.
    s.injectFault({ path: `/v1/users/${first.id}`, type: "status", status: 302, body: "", times: 1,
      headers: { Location: `${s.url}/users/${second.id}?t=${token}` } });
    assert.equal((await c.getUser(first.id)).id, second.id);
    // A listing whose next link carries it percent-encoded, as encodeURIComponent writes it.
    s.injectFault({ path: "/v1/users", page: 1, type: "status", status: 200, times: 1, body: {
      data: [s.getUser(first.id)], links: { next: `${s.url}/users?page=2&token=${encodeURIComponent(token)}` },
      meta: { current_page: 1, per_page: 15, total: 16 } } });
    let n = 0;
    for await (const user of c.listUsers()) if (user && ++n === 2) break; // the second user is on the linked page
    const paths = entries.map((e) => e.path);
    assert.ok(paths.filter((p) => p.includes("[redacted]")).length >= 2, paths.join("\n"));
    const text = JSON.stringify(paths);
    for (const form of [token, encodeURIComponent(token), new URL(`http://h/?t=${token}`).search.slice(3)]) {
      assert.ok(!text.includes(form) && !paths.some((p) => p.includes(form)), `${form} in ${paths.join(" ")}`);
    }
  }
});

test("per-call maxRetries overrides the client's, both ways, on the same client", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: "always" });
  const c = fastClient(s, { maxRetries: 0 });
  const id = s.listAll()[0].id;
  await rejects(c.getUser(id), "server");
  assert.equal(sent(s).length, 1, "client maxRetries 0: one request");
  s.clearLog();
  const e = await rejects(c.getUser(id, { maxRetries: 2 }), "server");
  assert.equal(sent(s).length, 3, "the call's maxRetries 2: three requests");
  assert.match(e.message, /gave up after 2 retries/);
  s.clearLog();
  await rejects(fastClient(s, { maxRetries: 3 }).getUser(id, { maxRetries: 0 }), "server");
  assert.equal(sent(s).length, 1, "the call's maxRetries 0 beats the client's 3");
});

test("per-call timeoutMs overrides the client's 30 s for that call only", async (t) => {
  const s = await sim(t);
  const id = s.listAll()[0].id;
  s.injectFault({ path: "/v1/users/*", type: "stall", times: 1 });
  const c = fastClient(s, { maxRetries: 0 });
  const t0 = performance.now();
  const e = await rejects(c.getUser(id, { timeoutMs: 150 }), "timeout");
  const took = performance.now() - t0;
  assert.ok(took >= 145 && took < 5000, `gave up after ${took} ms`);
  assert.match(e.message, /within 150 ms/);
  // The next call (no override) waits past 150 ms for a response delayed by 400 ms.
  s.injectFault({ path: "/v1/users/*", type: "delay", ms: 400, times: 1 });
  assert.equal((await c.getUser(id)).id, id);
});

test("timeoutMs and signal end a call even when an injected fetch ignores init.signal, before the headers or while the body streams", async (t) => {
  const s = await sim(t);
  const id = s.listAll()[0].id;
  s.injectFault({ path: "/v1/users/*", type: "stall", times: "always" });
  // A wrapper that forwards everything but the signal (a common mistake): the request stalls for good.
  const dropsSignal = (url, init) => fetch(url, { method: init.method, headers: init.headers, body: init.body, redirect: init.redirect });
  // A response whose body never ends and never looks at the signal.
  const endlessBody = async () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"data":')); } }),
    { status: 200, headers: { "Content-Type": "application/json" } });
  for (const fetchFn of [dropsSignal, endlessBody]) {
    const c = fastClient(s, { maxRetries: 0, fetch: fetchFn });
    const e = await rejects(c.getUser(id, { timeoutMs: 300 }), "timeout");
    assert.match(e.message, /within 300 ms/);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    // The abort settles the call; were it ignored, the call would end 20 s later as a timeout.
    await rejects(c.getUser(id, { signal: controller.signal, timeoutMs: 20_000 }), "aborted");
  }
});

test("every client, poller and import method takes { maxRetries } and applies it to its own requests", async (t) => {
  const s = await sim(t);
  const id = s.listAll()[0].id;
  const c = fastClient(s); // default maxRetries 4: a 503 would be sent 5 times without the override
  const once = { maxRetries: 0 };
  const poller = new UserPoller({ client: c, store: new MemoryStore(), customerId: "acme" });
  const record = { firstName: "Im", lastName: "Port", email: "im.port@example.org" };
  const calls = {
    listUsers: async () => { for await (const _ of c.listUsers({}, once)); },
    listUserPages: async () => { for await (const _ of c.listUserPages({}, once)); },
    listAllUsers: () => c.listAllUsers({}, once),
    getUser: () => c.getUser(id, once),
    upsertUser: () => c.upsertUser(record, once),
    findUserByEmail: () => c.findUserByEmail("x@example.org", once),
    findOrCreateUser: () => findOrCreateUser(c, record.email, record, once),
    poll: () => poller.poll(once),
    // reconcile reports an unfinished listing as complete: false instead of throwing
    reconcile: async () => {
      const r = await poller.reconcile(once);
      if (r.complete === false) throw Object.assign(new Error("incomplete"), { kind: "server" });
      return r;
    },
  };
  for (const [name, call] of Object.entries(calls)) {
    s.clearFaults(); s.clearLog();
    s.injectFault({ type: "status", status: 503, times: "always" });
    const outcome = await call().then((value) => ({ value }), (error) => ({ error }));
    assert.equal(outcome.error?.kind, "server", `${name}: ${JSON.stringify(outcome.value ?? outcome.error?.message)}`);
    assert.equal(sent(s).length, 1, `${name}: one request`);
  }
  s.clearFaults(); s.clearLog();
  s.injectFault({ type: "status", status: 503, times: "always" });
  const result = await importRoster(c, [record], once);
  assert.equal(result.failed[0].error.kind, "server");
  assert.equal(sent(s).length, 1, "importRoster: one request");
});

test("bad per-call overrides are invalid_input and send nothing", async (t) => {
  const s = await sim(t);
  const c = fastClient(s);
  for (const bad of [{ maxRetries: -1 }, { maxRetries: 1.5 }, { maxRetries: policy().client.maxRetriesLimit + 1 },
    { timeoutMs: 0 }, { timeoutMs: "fast" }, { maxRetries: "3" }]) {
    const e = await rejects(c.listAllUsers({}, bad), "invalid_input");
    assert.match(e.message, /timeoutMs|maxRetries/);
  }
  await rejects(c.getUser(1, "fast"), "invalid_input");
  assert.equal(sent(s).length, 0);
});

test("an AbortSignal still works inside the options bag next to the overrides", async (t) => {
  const s = await sim(t);
  s.injectFault({ path: "/v1/users/*", type: "stall", times: 1 });
  const ac = new AbortController();
  const pending = fastClient(s).getUser(s.listAll()[0].id, { signal: ac.signal, timeoutMs: 10_000, maxRetries: 2 });
  setTimeout(() => ac.abort(), 50);
  await rejects(pending, "aborted");
  assert.equal(sent(s).length, 1);
});

// Keeps the require-based CommonJS entry honest too: same policy object shape, same version.
test("CommonJS sees the same policy", () => {
  const require = createRequire(join(process.cwd(), "package.json"));
  const cjs = require("vomo-users");
  assert.deepEqual(cjs.policy(), policy());
});

// The `fetch` option (docs/api.md: "called as fetch(url, init)", `init.headers` a Headers,
// `redirect: "manual"`, a signal): every request of the client goes through it, the poller's
// and importRoster's too when they are given that client, and none through globalThis.fetch.
// The test's fetch forwards to the real one, to the simulator over HTTP.
test("fetch option: every request of every method, the poller's and importRoster's included, goes through the given fetch with the token, to the API's origin only", async (t) => {
  const s = await sim(t);
  s.advanceClock(10_000); // the poller's windows end 5 s behind the server's clock
  const realFetch = globalThis.fetch;
  let globalCalls = 0;
  globalThis.fetch = (...args) => { globalCalls++; return realFetch(...args); };
  t.after(() => { globalThis.fetch = realFetch; });
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, method: init?.method ?? "GET", authorization: init?.headers?.get("authorization") ?? null,
      headers: init?.headers instanceof Headers, redirect: init?.redirect, signal: init?.signal instanceof AbortSignal });
    return realFetch(url, init);
  };
  const c = fastClient(s, { fetch });
  const id = s.listAll()[0].id;
  const ana = { firstName: "Ana", lastName: "Lima", email: "ana.fetch@example.org" };
  const poller = new UserPoller({ client: c, store: new MemoryStore(), customerId: "acme", onUser() {}, participations: "changed-users" });
  const runs = [
    ["listAllUsers", () => c.listAllUsers()],
    ["getUser", () => c.getUser(id)],
    ["upsertUser", () => c.upsertUser(ana)],
    ["findUserByEmail", () => c.findUserByEmail(ana.email)],
    ["findOrCreateUser", () => findOrCreateUser(c, "bo.fetch@example.org", { firstName: "Bo", lastName: "Li" })],
    ["poll", () => poller.poll()],
    ["reconcile", () => poller.reconcile()],
    ["importRoster", () => importRoster(c, [{ externalId: "c1", ...ana, phone: "555" }, { externalId: "c2", firstName: "Cy", lastName: "Ro", email: "cy.fetch@example.org" }])],
  ];
  for (const [name, run] of runs) {
    s.clearLog();
    calls.length = 0;
    await run();
    const seen = sent(s);
    assert.ok(seen.length > 0, name);
    // One call of the given fetch per request the server saw, for the same method, path and query.
    assert.deepEqual(calls.map((call) => { const u = new URL(call.url); return [call.method, u.pathname, Object.fromEntries(u.searchParams)]; }),
      seen.map((e) => [e.method, e.path, e.query]), name);
    for (const call of calls) {
      assert.equal(new URL(call.url).origin, s.origin, `${name}: ${call.url}`);
      assert.deepEqual([call.authorization, call.headers, call.redirect, call.signal], [`Bearer ${s.token}`, true, "manual", true], `${name}: ${call.url}`);
    }
  }
  assert.ok(runs.length >= 8 && s.listAll().some((u) => u.email === "cy.fetch@example.org"), "the roster was imported");
  // The API redirecting to another origin, and a links.next there: the given fetch is never
  // called for that origin, so the token never goes there; nothing reaches it.
  calls.length = 0;
  s.injectFault({ path: "/v1/users/*", type: "redirect" });
  await rejects(c.getUser(id), "unsafe_link");
  s.injectFault({ path: "/v1/users", page: 1, type: "foreign_next" });
  await rejects(c.listAllUsers(), "unsafe_link");
  assert.deepEqual(calls.map((call) => new URL(call.url).origin), [s.origin, s.origin]);
  assert.deepEqual(s.foreignLog(), []);
  assert.equal(globalCalls, 0, "globalThis.fetch was never called");
});
