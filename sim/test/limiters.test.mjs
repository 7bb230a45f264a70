// The three limiter kinds (token bucket with a burst, sliding window, fixed window as
// Laravel's throttle middleware), selectable per run through the options, the control API
// and the CLI, and the X-RateLimit-* headers on or off. The limiters themselves are driven
// on a virtual clock; the HTTP tests check what reaches the wire.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../index.mjs";
import { Limiters, normRateLimit } from "../lib/limiter.mjs";

/** Status of each request at the given virtual times (ms). */
function run(rateLimit, times) {
  const l = new Limiters(normRateLimit(rateLimit));
  return times.map((t) => l.take("k", t));
}
const oks = (verdicts) => verdicts.map((v) => (v.ok ? 200 : 429));

test("limiters: a token bucket passes its burst at once, then one request per 1/rps", () => {
  const v = run({ requestsPerSecond: 10, burst: 3 }, [0, 0, 0, 0, 99, 100, 150, 200]);
  assert.deepEqual(oks(v), [200, 200, 200, 429, 429, 200, 429, 200]);
  assert.equal(v[3].retryAfter, 1, "whole seconds, at least 1");
  assert.deepEqual([v[0].limit, v[0].remaining, v[2].remaining], [3, 2, 0]);
  // burst 1: every gap must be a full 1/rps
  assert.deepEqual(oks(run({ requestsPerSecond: 10, burst: 1 }, [0, 100, 199, 200, 300])), [200, 200, 429, 200, 200]);
});

test("limiters: a sliding window accepts at most `limit` in any windowMs span", () => {
  const rl = { kind: "sliding-window", requestsPerSecond: 5 };
  // 3 at t=0, 2 at t=600, the 6th refused; at 1050 the three from t=0 have left the window
  // but the two from 600 still count, so three more pass and the fourth is refused.
  const v = run(rl, [0, 0, 0, 600, 600, 600, 1050, 1050, 1050, 1050]);
  assert.deepEqual(oks(v), [200, 200, 200, 200, 200, 429, 200, 200, 200, 429]);
  assert.equal(v[5].retryAfter, 1);
  assert.deepEqual(v.slice(0, 5).map((x) => x.remaining), [4, 3, 2, 1, 0]);
  assert.equal(v[0].limit, 5);
  // The window's span is exact: 10 req/s evenly at 100 ms passes, at 99 ms the 11th fails.
  const even = (gap) => oks(run({ kind: "sliding-window", requestsPerSecond: 10 }, Array.from({ length: 12 }, (_, i) => i * gap)));
  assert.ok(even(100).every((s) => s === 200));
  assert.equal(even(99)[10], 429);
});

test("limiters: a fixed window (Laravel) opens at the first request and resets whole", () => {
  const rl = { kind: "fixed-window", requestsPerSecond: 5 };
  const v = run(rl, [0, 0, 0, 600, 600, 600, 1050, 1050, 1050, 1050, 1050, 1050]);
  // the window that opened at 0 ends at 1000: at 1050 a fresh one passes five
  assert.deepEqual(oks(v), [200, 200, 200, 200, 200, 429, 200, 200, 200, 200, 200, 429]);
  // refused requests are not counted: the window still ends 1000 ms after its first request
  assert.deepEqual(oks(run(rl, [100, 100, 100, 100, 100, 100, 500, 1099, 1100])), [200, 200, 200, 200, 200, 429, 429, 429, 200]);
  // windowMs sets the window; the limit is rps * windowMs / 1000
  const w = run({ kind: "fixed-window", requestsPerSecond: 2, windowMs: 5000 }, Array(11).fill(0));
  assert.equal(w[0].limit, 10);
  assert.deepEqual(oks(w), [...Array(10).fill(200), 429]);
  assert.equal(w[10].retryAfter, 5);
});

test("limiters: bad options are refused", () => {
  assert.throws(() => normRateLimit({ kind: "leaky", requestsPerSecond: 1 }), /kind must be one of/);
  assert.throws(() => normRateLimit({ kind: "sliding-window", requestsPerSecond: 1, windowMs: 0 }), /windowMs/);
  assert.equal(normRateLimit(null), null);
});

let sim;
const H = () => ({ Authorization: `Bearer ${sim.token}` });
const get = () => fetch(`${sim.url}/users`, { headers: H() });
before(async () => { sim = await startSimulator({ users: 30, seed: 5, now: "2026-03-01T12:00:00Z" }); });
after(() => sim.close());
beforeEach(() => sim.configure({ rateLimit: null }));

test("limiters over HTTP: X-RateLimit-* headers only when switched on; Reset with the 429", async () => {
  sim.configure({ rateLimit: { kind: "fixed-window", requestsPerSecond: 2, windowMs: 60_000 } });
  const quiet = await get();
  assert.equal(quiet.status, 200);
  assert.equal(quiet.headers.get("x-ratelimit-limit"), null);
  await quiet.text();

  assert.equal(sim.configure({ rateLimit: { kind: "fixed-window", requestsPerSecond: 2, windowMs: 60_000, headers: true } }).rateLimit.kind,
    "fixed-window");
  const rs = [];
  for (let i = 0; i < 121; i++) rs.push(await get().then(async (r) => (await r.text(), r)));
  assert.deepEqual(rs.slice(0, 2).map((r) => [r.status, r.headers.get("x-ratelimit-limit"), r.headers.get("x-ratelimit-remaining")]),
    [[200, "120", "119"], [200, "120", "118"]]);
  assert.equal(rs[119].headers.get("x-ratelimit-remaining"), "0");
  assert.equal(rs[119].headers.get("x-ratelimit-reset"), null, "no reset on a 200 (as Laravel)");
  const refused = rs[120];
  assert.equal(refused.status, 429);
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter >= 59 && retryAfter <= 60, `${retryAfter}`);
  const date = Date.parse(refused.headers.get("date")) / 1000;
  assert.equal(Number(refused.headers.get("x-ratelimit-reset")), date + retryAfter, "an epoch by the Date header's clock");
  assert.match(refused.headers.get("access-control-expose-headers"), /X-RateLimit-Remaining/);
});

test("limiters over HTTP: the control API selects the kind per run", async () => {
  const post = (body) => fetch(`${sim.origin}/__sim/config`, { method: "POST", body: JSON.stringify(body) });
  const cfg = await (await post({ rateLimit: { kind: "sliding-window", requestsPerSecond: 3 } })).json();
  assert.deepEqual(cfg.rateLimit, { kind: "sliding-window", requestsPerSecond: 3, retryAfter: true, emptyBody: false, headers: false,
    windowMs: 1000, limit: 3 });
  const statuses = [];
  for (let i = 0; i < 4; i++) statuses.push((await get().then(async (r) => (await r.text(), r))).status);
  assert.deepEqual(statuses, [200, 200, 200, 429]);
  const bad = await post({ rateLimit: { kind: "nope", requestsPerSecond: 3 } });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).message, /kind/);
});

test("limiters from the CLI: --limiter, --window-ms and --rate-headers", async () => {
  const cli = fileURLToPath(new URL("../cli.mjs", import.meta.url));
  const child = spawn(process.execPath, [cli, "--port", "0", "--users", "20", "--rps", "1", "--limiter", "fixed-window",
    "--window-ms", "60000", "--rate-headers"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const info = await new Promise((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (c) => { buf += c; if (buf.includes("\n")) resolve(JSON.parse(buf.split("\n")[0])); });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const cfg = await (await fetch(`${info.url.replace(/\/v1$/, "")}/__sim/config`)).json();
    assert.deepEqual([cfg.rateLimit.kind, cfg.rateLimit.limit, cfg.rateLimit.headers], ["fixed-window", 60, true]);
    const r = await fetch(`${info.url}/users`, { headers: { Authorization: `Bearer ${info.token}` } });
    assert.equal(r.headers.get("x-ratelimit-remaining"), "59");
  } finally {
    child.kill("SIGTERM");
  }
});
