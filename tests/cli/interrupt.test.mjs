// Ctrl-C, SIGTERM and SIGHUP end a one-call command (list, user, find, upsert) as they end
// every command: the package's `aborted` error on stderr and exit 1, not a process killed by
// the signal without a word (exit 130 or 143: an outside pass, 2026-12-06). An upsert cut
// off may have been applied: the command says so, and how to find out.
import test from "node:test";
import assert from "node:assert/strict";
import { createSimulator } from "vomo-users/sim";
import { mounted, start } from "./helpers.mjs";

/** `args` run against a simulator whose first `method` request to `path` stalls; the run, once that request is in. */
async function stalled(t, args, method, path) {
  const sim = createSimulator({ users: 20, seed: 3, now: "2026-01-01T00:00:00Z" });
  const { env, arrival } = await mounted(t, sim);
  sim.injectFault({ method, path, type: "stall", times: 1 });
  const run = start([...args, "--rate", "500"], { env });
  t.after(() => run.child.kill("SIGKILL"));
  await arrival();
  return { sim, run };
}

const cases = [
  { args: ["list"], method: "GET", path: "/v1/users", signal: "SIGINT" },
  { args: ["list", "--json"], method: "GET", path: "/v1/users", signal: "SIGTERM" },
  { args: ["user", "1"], method: "GET", path: "/v1/users/1", signal: "SIGINT" },
  { args: ["find", "someone@example.org"], method: "GET", path: "/v1/users", signal: "SIGHUP" },
  { args: ["upsert", "--first-name", "Ann", "--last-name", "Lee", "--email", "ann@example.org"], method: "POST", path: "/v1/users", signal: "SIGINT" },
];

for (const { args, method, path, signal } of cases) {
  test(`${args.slice(0, 2).join(" ")}: ${signal} while its request is under way ends it with exit 1 and the reason on stderr`, async (t) => {
    const { run } = await stalled(t, args, method, path);
    run.child.kill(signal);
    const r = await run.done;
    assert.deepEqual([r.code, r.signal], [1, null], `exited by itself with 1: ${r.stderr}`);
    assert.match(r.stderr, /^vomo-users: aborted/m, r.stderr);
    assert.equal(r.stdout.trim().split("\n").filter((l) => l.startsWith("{")).length, 0, "no result line");
    if (args[0] === "upsert") assert.match(r.stderr, /^vomo-users: note: the upsert may have reached VOMO before it was interrupted; vomo-users find ann@example.org shows whether it did$/m);
    else assert.doesNotMatch(r.stderr, /may have reached/);
  });
}

test("list: Ctrl-C between pages stops at once; the users already printed stay printed", async (t) => {
  const sim = createSimulator({ users: 40, seed: 3, now: "2026-01-01T00:00:00Z" });
  const { env } = await mounted(t, sim);
  sim.injectFault({ method: "GET", path: "/v1/users", page: 2, type: "stall", times: 1 });
  const run = start(["list", "--json", "--rate", "500"], { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /(.*\n){15}/); // the first page's 15 users
  run.child.kill("SIGINT");
  const r = await run.done;
  assert.deepEqual([r.code, r.signal], [1, null], r.stderr);
  assert.equal(r.stdout.trim().split("\n").length, 15);
  assert.match(r.stderr, /^vomo-users: aborted/m);
});
