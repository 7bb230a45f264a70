// Behaviour 5: CORS for browser pages on another origin, including /__sim/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "../index.mjs";

let sim;
before(async () => { sim = await startSimulator({ users: 20, rateLimit: { requestsPerSecond: 1, burst: 1 } }); });
after(() => sim.close());

test("cors: preflight OPTIONS allows POST with Authorization and Content-Type (API and /__sim/)", async () => {
  for (const url of [`${sim.url}/users`, `${sim.origin}/__sim/log`, `${sim.origin}/__sim/users/1001/anonymize`]) {
    const r = await fetch(url, { method: "OPTIONS", headers: { Origin: "http://page.example",
      "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type" } });
    assert.ok(r.status === 204 || r.status === 200, url);
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.match(r.headers.get("access-control-allow-methods"), /POST/);
    const allowed = r.headers.get("access-control-allow-headers").toLowerCase();
    assert.ok(allowed.includes("authorization") && allowed.includes("content-type"), allowed);
  }
});

test("cors: every response (200, 401, 404, 429, control) carries Allow-Origin * and exposes Retry-After", async () => {
  const H = { Authorization: `Bearer ${sim.token}`, Origin: "http://page.example" };
  const responses = [
    await fetch(`${sim.url}/users`, { headers: H }),
    await fetch(`${sim.url}/users`, { headers: H }), // 429 (burst 1)
    await fetch(`${sim.url}/users`, { headers: { Origin: "http://page.example" } }), // 401
    await fetch(`${sim.origin}/__sim/info`, { headers: { Origin: "http://page.example" } }),
    await fetch(`${sim.origin}/__sim/users/1`, { headers: { Origin: "http://page.example" } }),
  ];
  sim.configure({ rateLimit: null });
  responses.push(await fetch(`${sim.url}/users/1`, { headers: H }));
  assert.deepEqual(responses.map((r) => r.status), [200, 429, 401, 200, 404, 404]);
  for (const r of responses) {
    assert.equal(r.headers.get("access-control-allow-origin"), "*");
    assert.match(r.headers.get("access-control-expose-headers"), /Retry-After/i);
  }
});
