// Smoke run of the example exactly as a user starts it: `wrangler dev --local
// --test-scheduled` in the example's folder (with the packed tarball installed), secrets and
// the simulator's URL in .dev.vars; then the cron through /__scheduled and the health route.
import test from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WRANGLER, WRANGLER_ENV } from "./example.mjs";
import { ADMIN_TOKEN, CRON, example, startSimulator, until } from "./harness.mjs";

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
    const { port } = s.address();
    s.close(() => resolve(port));
  });
});

test("wrangler dev --local --test-scheduled: the cron polls the simulator, the health route reports it", { timeout: 150_000 }, async (t) => {
  const sim = await startSimulator({ port: 0, users: 45, seed: 91, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const dir = example();
  const persist = mkdtempSync(join(tmpdir(), "vomo-cf-dev-"));
  t.after(() => rmSync(persist, { recursive: true, force: true }));
  // .dev.vars: the secrets `wrangler secret put` would set in production, and a var override.
  writeFileSync(join(dir, ".dev.vars"), [
    `VOMO_TOKEN_ACME=${sim.token}`, `ADMIN_TOKEN=${ADMIN_TOKEN}`,
    `VOMO_BASE_URL=${sim.url}`, "CUSTOMERS=acme", "REQUESTS_PER_SECOND=1000", "",
  ].join("\n"));
  t.after(() => rmSync(join(dir, ".dev.vars"), { force: true }));

  const port = await freePort();
  const child = spawn(WRANGLER, ["dev", "--local", "--test-scheduled", "--ip", "127.0.0.1", "--port", String(port),
    "--persist-to", persist, "--show-interactive-dev-session=false"], { cwd: dir, env: WRANGLER_ENV, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (c) => { output += c; });
  child.stderr.on("data", (c) => { output += c; });
  const exited = new Promise((r) => child.once("exit", r));
  t.after(async () => {
    try { process.kill(-child.pid, "SIGTERM"); } catch { /* already gone */ }
    await exited;
  });

  const base = `http://127.0.0.1:${port}`;
  await until(() => /Ready on/.test(output) || child.exitCode !== null, "wrangler dev to be ready", 90_000);
  assert.equal(child.exitCode, null, `wrangler dev exited:\n${output}`);
  const health = async () => {
    const res = await fetch(`${base}/customers/acme/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.ok(!text.includes(sim.token), "no token in the health route");
    return JSON.parse(text);
  };
  assert.equal((await fetch(`${base}/customers/acme/health`)).status, 401);
  assert.equal((await health()).lastPoll, null);

  const cron = await fetch(`${base}/__scheduled?cron=${encodeURIComponent(CRON)}`);
  assert.equal(cron.status, 200, await cron.text());
  const h = await until(async () => {
    const x = await health();
    return x.metrics.invocations >= 1 && x.nextAlarm === null && x;
  }, "the cron's poll", 60_000);
  assert.equal(h.lastPoll.ok, true, JSON.stringify(h.lastPoll.error));
  assert.equal(h.lastPoll.trigger, "alarm");
  assert.equal(h.lastPoll.result.processed, 45);
  assert.equal(h.metrics.delivered, 45, "45 events sent to the local queue");
  assert.ok(sim.log().some((e) => e.path === "/v1/users" && e.status === 200));
  await until(() => /"msg":"vomo.poll"/.test(output), "the structured log line in wrangler's output", 10_000);
  assert.ok(!output.includes(sim.token), "no token in wrangler's output");
  if (process.env.SHOW_WRANGLER) console.log(output);
});
