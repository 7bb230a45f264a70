// Item 8 of issue 10 inside workerd (Miniflare): the User-Agent a Worker sends, the log hook
// and per-call overrides, against a simulator in this process over real loopback HTTP.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

test("workerd: User-Agent vomo-users/<version> after the caller's, one log entry per attempt, per-call maxRetries and timeoutMs", async (t) => {
  const sim = await startSimulator({ port: 0, users: 20, seed: 8, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const mf = new Miniflare({ ...bundleWorker(t, "hooks-worker.mjs"), compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIM_TOKEN: sim.token } });
  t.after(() => mf.dispose());
  const [first, second] = sim.listAll();
  sim.injectFault({ path: `/v1/users/${first.id}`, type: "status", status: 503, times: 1 });
  sim.injectFault({ path: `/v1/users/${second.id}`, type: "stall", times: 1 });
  const res = await mf.dispatchFetch(`http://worker.local/?${new URLSearchParams({ sim: sim.url })}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  assert.ok(!text.includes(sim.token), "no token in the log entries, errors or stats");
  const out = JSON.parse(text);

  assert.equal(out.detail, first.id);
  assert.deepEqual(out.errors.map((e) => e.kind), ["timeout"]);
  assert.match(out.errors[0].message, /within 150 ms/);
  const requests = sim.log().filter((e) => e.method !== "OPTIONS");
  assert.equal(requests.length, 5, "2 pages, the 503 and its retry, the stalled call");
  for (const e of requests) assert.equal(e.userAgent, `acme-worker/1.0 vomo-users/${out.version}`);
  assert.deepEqual(out.log.map((e) => [e.method, e.status, e.error, e.attempt]), [
    ["GET", 200, null, 1], ["GET", 200, null, 1], ["GET", 503, null, 1], ["GET", 200, null, 2], ["GET", null, "timeout", 1],
  ]);
  assert.ok(out.log.at(-1).durationMs >= 140, `the timed-out attempt took ${out.log.at(-1).durationMs} ms`);
  assert.deepEqual(out.stats, { requests: 5, retries: 1, rateLimited: 0, errors: 1 });
});
