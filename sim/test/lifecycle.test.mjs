// The simulator's life in a test process: what close() ends (a request's wait included), a
// listen that fails or is repeated, a simulator mounted on a server of the caller's, and the
// options and faults it refuses rather than bends.
import { test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import { startSimulator, createSimulator } from "../index.mjs";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
const auth = (sim) => ({ Authorization: `Bearer ${sim.token}` });

/** Resolves once `cond()` holds, checking at each turn of the event loop (at most 2,000). */
async function until(cond, what) {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`never: ${what}`);
}

test("close() ends the waits of requests in flight (latencyMs, a delay fault): no timer of a closed simulator is left to keep the process alive", async () => {
  for (const setup of [{ latencyMs: 600_000 }, { fault: { type: "delay", ms: 600_000 } }]) {
    const before = timers();
    const sim = await startSimulator({ users: 5, latencyMs: setup.latencyMs ?? 0 });
    if (setup.fault) sim.injectFault(setup.fault);
    const answer = fetch(`${sim.url}/users`, { headers: auth(sim) }).then((r) => r.status, (e) => e.cause?.code ?? e.name);
    await until(() => sim.waits.size === 1, "the request waits");
    await sim.close();
    assert.notEqual(await answer, 200, "the request got no answer");
    await until(() => timers() === before, `the wait's timer cleared (${JSON.stringify(setup)})`);
  }
});

test("a delay fault stops waiting when its client hangs up", async () => {
  const sim = await startSimulator({ users: 5 });
  try {
    sim.injectFault({ type: "delay", ms: 600_000 });
    const gone = new AbortController();
    const answer = fetch(`${sim.url}/users`, { headers: auth(sim), signal: gone.signal }).catch((e) => e.name);
    await until(() => sim.waits.size === 1, "the request waits");
    gone.abort();
    assert.equal(await answer, "AbortError");
    await until(() => sim.waits.size === 0, "the wait ended with its client");
    assert.equal(sim.log()[0].status, 0, "nothing was sent");
  } finally {
    await sim.close();
  }
});

test("mounted on a server of your own (sim.handle): what goes wrong while answering is a 500, logged as 500, never an unhandled rejection", async (t) => {
  const rejections = [];
  const seen = (e) => rejections.push(e);
  process.on("unhandledRejection", seen);
  t.after(() => process.off("unhandledRejection", seen));
  const sim = createSimulator({ users: 20, seed: 1 });
  const server = http.createServer((req, res) => sim.handle(req, res));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const base = `http://127.0.0.1:${server.address().port}`;
  // A trigger whose action names no user: it fails when it fires.
  sim.onPage({ page: 1, path: "/v1/users", actions: [{ type: "update", id: 999_999, patch: { phone: "1" } }] });
  const r = await fetch(`${base}/v1/users`, { headers: auth(sim) });
  assert.equal(r.status, 500);
  assert.equal((await r.json()).message, "Server Error");
  assert.equal(sim.log().at(-1).status, 500, "the log says what was sent");
  // A body over the 5 MB the simulator reads: the connection is dropped, the process lives on.
  const big = await fetch(`${base}/v1/users`, { method: "POST", headers: { ...auth(sim), "Content-Type": "application/json" },
    body: "x".repeat(6 * 1024 * 1024) }).then((res) => res.status, (e) => e.name);
  assert.notEqual(big, 201);
  assert.equal((await fetch(`${base}/v1/users/1001`, { headers: auth(sim) })).status, 200, "and the next request is answered");
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(rejections, []);
});

test("listen: a second listen() is refused and leaves the first listening (close() closes it); a foreign port that is taken leaves no API listener behind", async () => {
  const sim = await startSimulator({ users: 5 });
  await assert.rejects(sim.listen(), /^Error: simulator: already listening at http:\/\/127\.0\.0\.1:\d+\/v1; close\(\) it first$/);
  assert.equal((await fetch(`${sim.url}/users/1001`, { headers: auth(sim) })).status, 200);
  await sim.close();
  assert.equal(sim.server.listening, false, "closed by close()");

  const holder = await startSimulator({ users: 1 });
  const taken = Number(new URL(holder.foreignUrl).port);
  const second = createSimulator({ users: 1, foreignPort: taken });
  await assert.rejects(second.listen(), { code: "EADDRINUSE" });
  assert.equal(second.server.listening, false, "its API listener was closed again");
  await holder.close();
});

test("options the simulator would bend are refused: ports and hosts, configure's values (all of a configure or none), fault counts and statuses", async () => {
  for (const [opts, re] of [
    [{ port: "abc" }, /^simulator: port must be a port number 0-65535 \(got "abc"\)$/],
    [{ foreignPort: 70000 }, /^simulator: foreignPort must be a port number/],
    [{ host: "" }, /^simulator: host must be a host name or address/],
    [{ token: null }, /^token must be a non-empty string \(got null\)$/],
  ]) assert.throws(() => createSimulator(opts), (e) => re.test(e.message), JSON.stringify(opts));

  const sim = createSimulator({ users: 5 });
  const before = sim.config();
  for (const [partial, re] of [
    [{ perPage: 5, rateLimit: { requestsPerSecond: 0 } }, /requestsPerSecond must be > 0/],
    [{ quirks: { stringHours: false, nope: true } }, /unknown quirk nope/],
    [{ strict: "false" }, /^strict must be true or false \(got "false"\)$/],
    [{ latencyMs: "abc" }, /^latencyMs must be a number of milliseconds/],
    [{ token: "", perPage: 7 }, /^token must be a non-empty string/],
    [{ forbiddenToken: 5 }, /^forbiddenToken must be a non-empty string or null/],
  ]) {
    assert.throws(() => sim.configure(partial), (e) => re.test(e.message), JSON.stringify(partial));
    assert.deepEqual(sim.config(), before, `${JSON.stringify(partial)}: nothing of it applied`);
  }
  assert.equal(sim.configure({ strict: true, latencyMs: 0, forbiddenToken: null }).strict, true);

  for (const [fault, re] of [
    [{ type: "status", times: "twice" }, /times must be a whole number of times, 1 or more, or "always" \(got "twice"\)/],
    [{ type: "status", times: 0 }, /times must be/],
    [{ type: "status", status: 99 }, /status must be a whole number 200-599 \(got 99\)/],
    [{ type: "delay", ms: -1 }, /ms must be a whole number/],
    [{ type: "status", statsu: 503 }, /injectFault: unknown option "statsu"/],
    // Another type's parameter would be ignored without a word (a nonjson fault answered 200).
    [{ type: "nonjson", status: 500, body: "x" }, /^injectFault: a nonjson fault takes no parameters, not status, body \(/],
    [{ type: "reset", ms: 5 }, /^injectFault: a reset fault takes no parameters, not ms/],
    [{ type: "delay", status: 503 }, /^injectFault: a delay fault takes ms, not status/],
    [{ type: "status", ms: 5, headers: {} }, /^injectFault: a status fault takes status, body, headers, not ms/],
  ]) assert.throws(() => sim.injectFault(fault), (e) => re.test(e.message), JSON.stringify(fault));
  assert.deepEqual(sim.faults, []);
  sim.injectFault({ type: "status", status: 503, times: "always" });
  assert.equal(JSON.parse(JSON.stringify(sim.faults))[0].times, "always", "listed as it was given, not as null");
});

test("the wire as Laravel's router answers it: HEAD as GET without a body, a trailing slash on the list; the foreign log has the User-Agent", async () => {
  const sim = await startSimulator({ users: 20, seed: 2 });
  try {
    const get = await fetch(`${sim.url}/users?page=2`, { headers: auth(sim) });
    const head = await fetch(`${sim.url}/users?page=2`, { method: "HEAD", headers: auth(sim) });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    assert.equal(head.headers.get("content-length"), get.headers.get("content-length"));
    const slash = await fetch(`${sim.url}/users/`, { headers: auth(sim) });
    assert.equal(slash.status, 200);
    assert.deepEqual((await slash.json()).data.map((u) => u.id), sim.listAll().slice(0, 15).map((u) => u.id));
    assert.equal((await fetch(`${sim.url}/users/1001/`, { method: "HEAD", headers: auth(sim) })).status, 200);
    await fetch(`${sim.foreignUrl}/v1/users`, { headers: { "User-Agent": "probe/1" } });
    assert.equal(sim.foreignLog()[0].userAgent, "probe/1");
  } finally {
    await sim.close();
  }
});

test("a user without an email (set so through the control API) matches no email filter, and the list keeps answering; reset() refuses a misspelt option", async () => {
  const sim = await startSimulator({ users: 5, seed: 3 });
  try {
    const [first] = sim.listAll();
    sim.updateUser(first.id, { email: null });
    const r = await fetch(`${sim.url}/users?email_like=example`, { headers: auth(sim) });
    assert.equal(r.status, 200);
    assert.equal((await r.json()).data.some((u) => u.id === first.id), false);
    assert.throws(() => sim.reset({ user: 5 }), /^Error: reset: unknown option "user"; the options are users, seed$/);
  } finally {
    await sim.close();
  }
});

test("a fault's page, status and ms may be given as digits (a page read from a URL), and match as numbers", async () => {
  const sim = await startSimulator({ users: 40, seed: 3 });
  try {
    sim.injectFault({ path: "/v1/users", page: "2", type: "status", status: "503", times: 1 });
    assert.equal((await fetch(`${sim.url}/users?page=1`, { headers: auth(sim) })).status, 200);
    assert.equal((await fetch(`${sim.url}/users?page=2`, { headers: auth(sim) })).status, 503);
    assert.equal(sim.faults[0].page, 2);
  } finally {
    await sim.close();
  }
});
