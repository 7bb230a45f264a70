// Behaviour 8: rate limit, injected faults, latency, resets, bad bodies, foreign links and
// redirects, and page triggers that mutate data while a listing pages.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
const H = () => ({ Authorization: `Bearer ${sim.token}` });
const get = (path, opts = {}) => fetch(sim.url + path, { headers: H(), ...opts });
before(async () => { sim = await startSimulator({ users: 60, seed: 5, now: "2026-03-01T12:00:00Z" }); });
after(() => sim.close());
beforeEach(() => { sim.clearFaults(); sim.configure({ rateLimit: null, latencyMs: 0 }); sim.clearLog(); });

test("adversity: token-bucket rate limit -> 429 with Retry-After (ceil delta seconds)", async () => {
  sim.configure({ rateLimit: { requestsPerSecond: 0.5, burst: 3 } });
  const statuses = [];
  let last;
  for (let i = 0; i < 5; i++) { last = await get("/users"); statuses.push(last.status); if (last.status === 429) break; }
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  assert.equal(last.headers.get("retry-after"), "2");
  assert.deepEqual(await last.json(), { message: "Too Many Requests" });
  // unauthenticated requests do not reach the limiter
  assert.equal((await fetch(`${sim.url}/users`)).status, 401);
  // fast refill: rps 1000, burst 1
  sim.configure({ rateLimit: { requestsPerSecond: 1000, burst: 1 } });
  assert.equal((await get("/users")).status, 200);
});

test("adversity: rate limit switch — 429 without Retry-After and with an empty body", async () => {
  sim.configure({ rateLimit: { requestsPerSecond: 0.1, burst: 1, retryAfter: false, emptyBody: true } });
  assert.equal((await get("/users")).status, 200);
  const r = await get("/users");
  assert.equal(r.status, 429);
  assert.equal(r.headers.get("retry-after"), null);
  assert.equal(await r.text(), "");
});

test("adversity: status faults with body/headers, matched by method/path/page/times", async () => {
  sim.injectFault({ path: "/v1/users", page: 2, type: "status", status: 503, headers: { "Retry-After": "1" }, times: 2 });
  sim.injectFault({ method: "GET", path: "/v1/users/*", type: "status", status: 500 });
  assert.equal((await get("/users")).status, 200);
  let r = await get("/users?page=2");
  assert.equal(r.status, 503);
  assert.equal(r.headers.get("retry-after"), "1");
  assert.deepEqual(await r.json(), { message: "Server Error" });
  assert.equal((await get("/users?page=2")).status, 503);
  assert.equal((await get("/users?page=2")).status, 200, "times exhausted");
  const id = sim.listAll()[0].id;
  assert.equal((await get(`/users/${id}`)).status, 500);
  assert.equal((await get(`/users/${id}`)).status, 200);
  sim.injectFault({ type: "status", status: 429, body: "", times: Infinity });
  for (let i = 0; i < 3; i++) assert.equal((await get("/users")).status, 429);
  sim.clearFaults();
  assert.equal((await get("/users")).status, 200);
  // fault does not apply before auth
  sim.injectFault({ type: "status", status: 500 });
  assert.equal((await fetch(`${sim.url}/users`)).status, 401);
  assert.equal((await get("/users")).status, 500);
  assert.deepEqual(sim.log().map((e) => e.status), [200, 503, 503, 200, 500, 200, 429, 429, 429, 200, 401, 500]);
});

test("adversity: reset destroys the socket; stall never answers; both logged with status 0", async () => {
  sim.injectFault({ type: "reset" });
  await assert.rejects(get("/users"));
  sim.injectFault({ type: "stall" });
  await assert.rejects(get("/users", { signal: AbortSignal.timeout(150) }), /abort|timeout/i);
  assert.equal((await get("/users")).status, 200);
  assert.deepEqual(sim.log().map((e) => e.status), [0, 0, 200]);
});

test("adversity: delay and latency slow responses down, then answer normally", async () => {
  sim.injectFault({ type: "delay", ms: 120 });
  let t0 = performance.now();
  let r = await get("/users");
  assert.equal(r.status, 200);
  assert.ok(performance.now() - t0 >= 110);
  sim.configure({ latencyMs: 80 });
  t0 = performance.now();
  r = await get("/users");
  assert.equal(r.status, 200);
  assert.ok(performance.now() - t0 >= 75);
});

test("adversity: non-JSON and truncated bodies", async () => {
  sim.injectFault({ type: "nonjson" });
  let r = await get("/users");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /text\/html/);
  assert.equal(await r.text(), "<html>oops</html>");
  sim.injectFault({ type: "truncated" });
  r = await get("/users");
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.throws(() => JSON.parse(text));
  assert.ok(text.startsWith('{"data":['));
});

test("adversity: links.next to a foreign origin, and a 302 redirect to a foreign origin", async () => {
  sim.injectFault({ type: "foreign_next" });
  let body = await (await get("/users?name_like=a")).json();
  assert.equal(body.links.next, `${sim.foreignUrl}/v1/users?name_like=a&page=2`);
  assert.equal(body.data.length, 15);
  sim.injectFault({ type: "redirect" });
  const r = await get("/users?page=3", { redirect: "manual" });
  assert.equal(r.status, 302);
  assert.equal(r.headers.get("location"), `${sim.foreignUrl}/v1/users?page=3`);
  assert.equal(sim.foreignLog().length, 0);
  const f = await fetch(r.headers.get("location"));
  assert.equal(f.status, 200);
  assert.deepEqual((await f.json()).data, []);
  assert.deepEqual(sim.foreignLog().map((e) => [e.method, e.path, e.query.page]), [["GET", "/v1/users", "3"]]);
});

test("adversity: page triggers mutate data just before a page is served (once)", async () => {
  sim.reset({ users: 60, seed: 5 });
  const ids = sim.listAll().map((u) => u.id);
  sim.onPage({ page: 2, actions: [
    { type: "delete", id: ids[0] },
    { type: "update", id: ids[1], patch: { phone: "(555) 019-9999" } },
    { type: "advanceClock", ms: 2000 },
    { type: "create", count: 3, sharedTimestamp: true },
    { type: "anonymize", id: ids[40] },
  ] });
  const p1 = await (await get("/users")).json();
  assert.equal(p1.meta.total, 60);
  const p2 = await (await get("/users?page=2")).json();
  assert.equal(p2.meta.total, 62, "-1 deleted +3 created");
  assert.equal(p2.data[0].id, ids[16], "the page shifted by one after the deletion");
  const created = sim.listAll().slice(-3);
  assert.equal(new Set(created.map((u) => Date.parse(u.created_at))).size, 1);
  assert.ok(created.every((u) => Date.parse(u.created_at) === Date.parse(u.updated_at)));
  assert.equal(sim.getUser(ids[1]).phone, "(555) 019-9999");
  assert.equal(sim.getUser(ids[40]).full_name, "Deleted User");
  assert.equal(sim.getUser(ids[0]), null);
  const again = await (await get("/users?page=2")).json();
  assert.equal(again.meta.total, 62, "fires once");
});

test("adversity: a page trigger at \"between\" fires after the count and before the page's rows (Laravel's paginate()): the last page is one row short of its total", async () => {
  sim.reset({ users: 40, seed: 5 });
  const ids = sim.listAll().map((u) => u.id);
  sim.onPage({ page: 3, at: "between", actions: [{ type: "delete", id: ids[0] }] });
  const p3 = await (await get("/users?page=3")).json();
  assert.equal(p3.meta.total, 40, "counted before the delete");
  assert.deepEqual(p3.data.map((u) => u.id), ids.slice(31), "selected after it: row 31 slid onto page 2");
  assert.equal((await (await get("/users?page=3")).json()).meta.total, 39, "fires once");
  assert.throws(() => sim.onPage({ page: 1, at: "after", actions: [] }), /trigger\.at must be one of before, between \(got "after"\)/);
});
