// Behaviour 9: the request log (method, path, query, status, time, t, authorization, userAgent).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
before(async () => { sim = await startSimulator({ users: 20, token: "sim-token-0123456789" }); });
after(() => sim.close());

test("log: /v1 requests with method, path, query, status, wall-clock time, hi-res t, authorization flag, User-Agent", async () => {
  const start = Date.now();
  await fetch(`${sim.url}/users?name_like=a&page=2`, { headers: { Authorization: "Bearer sim-token-0123456789", "User-Agent": "probe/1.0" } });
  await fetch(`${sim.url}/users`);
  await fetch(`${sim.url}/users`, { method: "POST", headers: { Authorization: "Bearer sim-token-0123456789", "Content-Type": "application/json" }, body: "{}" });
  await fetch(`${sim.url}/users`, { method: "OPTIONS", headers: { Origin: "http://x.example", "Access-Control-Request-Method": "POST" } });
  await fetch(`${sim.origin}/__sim/info`);
  await fetch(`${sim.origin}/__sim/clock`, { method: "POST", body: "{}" });
  const log = sim.log();
  assert.deepEqual(log.map((e) => [e.method, e.path, e.status, e.authorization]), [
    ["GET", "/v1/users", 200, true], ["GET", "/v1/users", 401, false], ["POST", "/v1/users", 422, true],
    ["OPTIONS", "/v1/users", 204, false]]);
  assert.deepEqual(log[0].query, { name_like: "a", page: "2" });
  assert.deepEqual(Object.keys(log[0]).sort(), ["authorization", "method", "path", "query", "status", "t", "time", "userAgent"]);
  assert.equal(log[0].userAgent, "probe/1.0");
  assert.equal(log[1].userAgent, "node", "Node's fetch sends its own");
  for (const e of log) {
    assert.ok(e.time >= start && e.time <= Date.now());
    assert.equal(typeof e.t, "number");
  }
  assert.ok(log[1].t > log[0].t && log[2].t > log[1].t);
  assert.ok(!JSON.stringify(log).includes("sim-token-0123456789"), "never the token");
  // the same over HTTP, and clearing it
  const viaHttp = await (await fetch(`${sim.origin}/__sim/log`)).json();
  assert.deepEqual(viaHttp, log);
  await fetch(`${sim.origin}/__sim/log`, { method: "DELETE" });
  assert.deepEqual(sim.log(), []);
  sim.clearLog();
});
