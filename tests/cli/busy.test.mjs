// Two runs that must not overlap cannot run at once: while the first holds the store's
// lease, a second fails with kind busy (exit 1). Two polls of one customer; two imports of
// one roster (the same key) into one state directory. Ctrl-C on the first aborts it (exit 1,
// aborted) and releases the lease, so the next run goes on at once.
import test from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { createSimulator } from "vomo-users/sim";
import { cli, jsonLines, start, tempDir } from "./helpers.mjs";

/**
 * `sim` mounted on a server of the test's own, so the test knows when a request is in:
 * returns the env pointing the command there, `arrival()`, which resolves once the server
 * has received a request (at once if it has), and `next()`, once it receives another.
 */
async function mounted(t, sim) {
  const arrivals = [];
  let arrived = () => {};
  const waiting = [];
  const server = createServer((req, res) => {
    arrivals.push(req.url);
    arrived();
    for (const ok of waiting.splice(0)) ok();
    sim.handle(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => { server.closeAllConnections(); server.close(); });
  const env = { VOMO_BASE_URL: `http://127.0.0.1:${server.address().port}/v1`, VOMO_TOKEN: sim.token };
  const arrival = () => new Promise((ok) => { arrived = ok; if (arrivals.length) ok(); });
  const next = () => new Promise((ok) => { waiting.push(ok); });
  return { env, arrival, next };
}

test("a second poll of the same customer while one runs: exit 1, busy; after Ctrl-C the lease is free", async (t) => {
  const sim = createSimulator({ users: 5, seed: 2, now: "2026-01-01T00:00:00Z" });
  sim.advanceClock(60_000);
  const { env, arrival } = await mounted(t, sim);
  const dir = await tempDir(t);
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "500"];

  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  const first = start(args, { env });
  t.after(() => first.child.kill("SIGKILL"));
  await arrival(); // it holds the lease and waits on the server

  const second = await cli(args, { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^vomo-users: busy error/m);
  assert.equal(second.stdout, "");

  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /^vomo-users: aborted error/m);

  const third = await cli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.equal(jsonLines(third.stdout).at(-1).processed, 5);
});

test("a second import of the same roster into the same state while one runs: exit 1, busy, nothing sent; after Ctrl-C the rerun finishes, each row sent once", async (t) => {
  const sim = createSimulator({ users: 0, seed: 2, now: "2026-01-01T00:00:00Z" });
  const { env, arrival } = await mounted(t, sim);
  const dir = await tempDir(t);
  const roster = join(dir, "roster.csv");
  writeFileSync(roster, `First Name,Last Name,Email\n${Array.from({ length: 12 }, (_, i) => `F${i},L${i},p${i}@example.org`).join("\n")}\n`);
  const args = ["import", roster, "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const upserts = () => sim.log().filter((e) => e.method === "POST").length;

  sim.injectFault({ method: "POST", path: "/v1/users", type: "stall", times: 1 });
  const first = start(args, { env });
  t.after(() => first.child.kill("SIGKILL"));
  await arrival(); // it holds the key's lease and waits on its first upsert
  const before = upserts();

  const second = await cli(args, { env });
  assert.equal(second.code, 1);
  assert.match(second.stderr, /^vomo-users: busy error: another import with this key holds the lease for \d+ s more/m);
  assert.equal(second.stdout, "");
  assert.equal(upserts(), before, "the refused run sent nothing");

  first.child.kill("SIGINT");
  const stopped = await first.done;
  assert.equal(stopped.code, 1);
  assert.match(stopped.stderr, /aborted/);

  const third = await cli(args, { env });
  assert.equal(third.code, 0, third.stderr);
  assert.deepEqual({ ...jsonLines(third.stdout).at(-1), key: undefined },
    { created: 12, updated: 0, failed: 0, emailChanged: 0, invalidRows: 0, retryable: 0, rows: 12, key: undefined, failedFile: null });
  assert.equal(upserts() - before, 12, "the rerun sent the 12 rows the aborted run had not settled, once each");
  assert.equal(sim.count(), 12);
});

test("--every: a poll that finds the lease held says busy and polls again; Ctrl-C while a poll is stalled mid-request stops cleanly with exit 0", async (t) => {
  const sim = createSimulator({ users: 5, seed: 3, now: "2026-01-01T00:00:00Z" });
  sim.advanceClock(60_000);
  const { env, arrival, next } = await mounted(t, sim);
  const dir = await tempDir(t);
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "500"];

  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  const holder = start(args, { env });
  t.after(() => holder.child.kill("SIGKILL"));
  await arrival(); // the first poll holds the lease, stalled

  const loop = start([...args, "--every", "200ms"], { env });
  t.after(() => loop.child.kill("SIGKILL"));
  await loop.waitFor("stderr", /busy error.*polling again in 200ms/);
  holder.child.kill("SIGINT");
  assert.equal((await holder.done).code, 1);
  // The lease is free: the loop's next poll runs and delivers everyone.
  await loop.waitFor("stdout", /"type":"result","processed":5/);
  // Then a poll stalls mid-request, and Ctrl-C arrives while it waits on the server.
  sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
  sim.advanceClock(10_000);
  await next(); // the loop's next poll is in, stalled
  assert.doesNotMatch(loop.stdout.split("\n").filter(Boolean).at(-1), /"processed":0/, "no poll finished since");
  loop.child.kill("SIGINT");
  const r = await loop.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /stopping \(Ctrl-C\)/);
});
