// The CLI at ten times the size of the other CLI tests, killed (-9) part-way, as an operator's
// machine is: a 3,040-row roster (External IDs, repeats, bad emails) whose import is killed
// three times, then finished; a 3,000-user initial sync killed twice, then finished, then an
// incremental poll of 100 changes. What docs/cli.md promises is checked from outside: every
// usable row settled once with its own names (re-sends only of the records a kill left
// without a saved answer, at most the checkpoint's 10 each, marked `uncertain` where they came
// back `updated`), no repeat sent over the row it repeats, the failed file naming each failed
// row's line; every user delivered, a line
// printed again at most once per kill.
import test from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer } from "node:http";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRosterCsv } from "vomo-users";
import { cli, jsonLines, posts, start, world } from "./helpers.mjs";

const ROWS = 3000;
const CHECKPOINT_EVERY = 10; // js/cli/commands/import.mjs

/**
 * `sim` behind a server of the test's own that kills the running command (`victim()`) with
 * SIGKILL when the request `when(req, n)` picks arrives (`n`: how many such requests so far):
 * `"before"` kills it before the simulator sees the request, `"after"` once the simulator's
 * answer has been written (the command may or may not have read it).
 */
async function killingMount(t, sim, pick) {
  let victim = null;
  let seen = 0;
  const server = createServer((req, res) => {
    const when = victim && pick(req) ? pick(req)(++seen) : null;
    const kill = () => { victim?.kill("SIGKILL"); victim = null; };
    if (when === "before") {
      kill();
      res.destroy();
      return;
    }
    if (when === "after") res.on("finish", kill);
    sim.handle(req, res);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => { server.closeAllConnections(); server.close(); });
  const env = { VOMO_BASE_URL: `http://127.0.0.1:${server.address().port}/v1`, VOMO_TOKEN: sim.token };
  return { env, aim: (child) => { victim = child; } };
}

/** Runs `args` and waits for it to end, killed or not. */
async function runAimed(args, env, aim) {
  const run = start(args, { env });
  aim(run.child);
  return run.done;
}

test("import at 10x: 3,040 rows killed three times (before a request, after two answers), then finished: every usable row settled once, re-sends bounded and marked, no repeat sent, failed rows named by line", { timeout: 600_000 }, async (t) => {
  const { sim, dir } = await world(t, { users: 0 });
  const lines = ["External ID,First Name,Last Name,Email"];
  const failedLines = new Map(); // roster line -> why
  for (let i = 1; i <= ROWS; i++) {
    lines.push(`crm-${i},Först${i},Łast${i},scale${i}@example.org`);
    if (i % 120 === 0) {
      lines.push(`dup-${i},Repeat,Row,SCALE${i - 7}@example.org`); // an earlier row's email, other case
      failedLines.set(lines.length, "repeat");
    }
    if (i % 200 === 0) {
      lines.push(`bad-${i},Bad,Email,not-an-email-${i}`);
      failedLines.set(lines.length, "invalid");
    }
  }
  const file = join(dir, "roster.csv");
  await writeFile(file, `${lines.join("\r\n")}\r\n`);
  const args = ["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "1000"];

  const isPost = (req) => req.method === "POST" && req.url === "/v1/users";
  const kills = { 500: "before", 1400: "after", 2300: "after" };
  const { env, aim } = await killingMount(t, sim, (req) => (isPost(req) ? (n) => kills[n] ?? null : null));
  const killed = [];
  for (;;) {
    const r = await runAimed(args, env, aim);
    if (r.signal !== "SIGKILL") {
      assert.equal(r.code, 0, r.stderr);
      var summary = jsonLines(r.stdout).at(-1); // eslint-disable-line no-var
      break;
    }
    killed.push(r);
    assert.ok(killed.length <= 3, "killed more often than aimed");
  }
  assert.equal(killed.length, 3);

  // Every usable row is a VOMO user with its own names; no repeat overwrote one.
  const users = sim.listAll().filter((u) => u.email.endsWith("@example.org"));
  assert.equal(users.length, ROWS);
  const byEmail = new Map(users.map((u) => [u.email, u]));
  for (let i = 1; i <= ROWS; i++) assert.equal(byEmail.get(`scale${i}@example.org`)?.first_name, `Först${i}`, `row ${i}`);
  // Sent: each usable row once, and again at most the records a kill left without a saved answer.
  const sent = posts(sim).length;
  assert.ok(sent >= ROWS && sent <= ROWS + 3 * (CHECKPOINT_EVERY + 1), `${sent} POSTs for ${ROWS} rows and 3 kills`);
  t.diagnostic(`${sent} POSTs; summary ${JSON.stringify(summary)}`);
  // The summary covers the whole roster, over the four runs.
  assert.equal(summary.created + summary.updated, ROWS);
  assert.equal(summary.failed, failedLines.size);
  assert.equal(summary.retryable, 0);
  assert.ok(summary.updated <= sent - ROWS, `an update is only a re-sent create: ${summary.updated} of ${sent - ROWS} re-sends`);
  assert.equal(summary.uncertain, summary.updated, "each such update is marked uncertain");
  // The failed file names each failed row by its line, and reads back as a roster of them.
  const failed = await readFile(join(dir, "roster.failed.csv"), "utf8");
  const named = failed.trim().split(/\r?\n/).slice(1).map((l) => Number(l.split(",")[0]));
  assert.deepEqual(named, [...failedLines.keys()]);
  assert.deepEqual(parseRosterCsv(failed).records.map((r) => r.externalId),
    [...failedLines.keys()].map((line) => lines[line - 1].split(",")[0]));
  // A rerun sends nothing and says the same.
  const before = posts(sim).length;
  const again = await cli(args, { env });
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(jsonLines(again.stdout).at(-1), summary);
  assert.equal(posts(sim).length, before);
});

test("poll at 10x: a 3,000-user initial sync killed twice, then finished: every user delivered, a line printed again at most once per kill; then 100 changes, each once", { timeout: 600_000 }, async (t) => {
  const { sim, dir } = await world(t, { users: ROWS, seed: 17 });
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "1000"];
  const isList = (req) => req.method === "GET" && req.url.startsWith("/v1/users?");
  const kills = { 60: "after", 140: "before" };
  const { env, aim } = await killingMount(t, sim, (req) => (isList(req) ? (n) => kills[n] ?? null : null));
  const delivered = [];
  let runs = 0;
  for (;;) {
    const r = await runAimed(args, env, aim);
    runs++;
    // Whole lines only: a line cut by the kill was not delivered.
    const whole = r.stdout.slice(0, r.stdout.lastIndexOf("\n") + 1);
    delivered.push(...jsonLines(whole).filter((l) => l.type === "user"));
    if (r.signal !== "SIGKILL") {
      assert.equal(r.code, 0, r.stderr);
      assert.equal(jsonLines(r.stdout).at(-1).complete, true);
      break;
    }
    assert.ok(runs <= 3, "killed more often than aimed");
  }
  assert.equal(runs, 3);
  const ids = sim.listAll().map((u) => u.id).sort((a, b) => a - b);
  assert.deepEqual([...new Set(delivered.map((l) => l.user.id))].sort((a, b) => a - b), ids, "every user, none missing");
  const again = delivered.length - new Set(delivered.map((l) => `${l.user.id}@${l.user.updatedAt}`)).size;
  t.diagnostic(`${delivered.length} lines over ${runs} runs, ${again} printed again`);
  assert.ok(again <= 2, `${again} lines printed again for 2 kills`);

  const quiet = await cli(args, { env });
  assert.equal(quiet.code, 0, quiet.stderr);
  assert.deepEqual(jsonLines(quiet.stdout).filter((l) => l.type === "user"), [], "caught up");

  const changed = ids.filter((_, i) => i % 30 === 7).slice(0, 100);
  sim.advanceClock(10_000);
  for (const id of changed) sim.updateUser(id, { last_name: `Changed${id}` });
  sim.advanceClock(60_000); // past the poll's window margin
  const next = await cli(args, { env });
  assert.equal(next.code, 0, next.stderr);
  const users = jsonLines(next.stdout).filter((l) => l.type === "user");
  assert.deepEqual(users.map((l) => l.user.id).sort((a, b) => a - b), changed, "exactly the 100 changed users");
  assert.ok(users.every((l) => l.kind === "updated" && l.user.lastName === `Changed${l.user.id}`));
});
