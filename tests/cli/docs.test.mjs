// The command lines of docs/cli.md and of the README's "Command line" block, each run as the
// doc shows it (the installed bin for `npx vomo-users` / `vomo-users`), with the API given
// the way the docs tell users to give it: VOMO_BASE_URL and VOMO_TOKEN in the environment.
// Substituted only: `--port 4010` by `--port 0` (4010 may be taken) and `/var/lib/vomo-users`
// by a temp directory. Each run's exit code and some of the output the doc shows are checked;
// the last test checks that every command line of the docs' sh blocks was run here.
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { APP_DIR, cli, jsonLines, start, tempDir, world } from "./helpers.mjs";

const installed = join(APP_DIR, "node_modules/vomo-users");
const CLI_MD = readFileSync(join(installed, "docs/cli.md"), "utf8");
const README = readFileSync(join(installed, "README.md"), "utf8");
const run = new Set();

/** The command line `line` as the doc has it (it must still be there), as the bin's arguments. */
function documented(doc, line, subs = {}) {
  assert.ok(doc.includes(line), `the doc no longer has: ${line}`);
  run.add(line);
  return line.replace(/^(npx )?vomo-users /, "").replace(/ &$/, "").split(/\s+/).map((arg) => subs[arg] ?? arg);
}

/** The command lines of a doc's ```sh blocks (comments dropped). */
const shLines = (doc) => [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n"))
  .map((l) => l.replace(/\s+#.*$/, "").trim()).filter((l) => /^(npx )?vomo-users /.test(l));

/** The ```json example that follows `after` in the doc. */
const jsonAfter = (doc, after) => JSON.parse(doc.slice(doc.indexOf(after)).match(/```json\n\s*(.*)\n/)[1]);

/** A frozen simulator moved past the poller's safety margin, and the env that points the command at it. */
async function settled(t, options) {
  const w = await world(t, options);
  w.sim.advanceClock(60_000);
  return w;
}

/** A roster: `good` new users with External IDs crm-1..., two rows the client refuses, one unusable row. */
const roster = (good, email = (i) => `member${i}@example.org`) => ["First Name,Last Name,Email,External ID",
  ...Array.from({ length: good }, (_, i) => `Member,No${i + 1},${email(i + 1)},crm-${i + 1}`),
  "Bad,Email,not-an-email,crm-x", "Also,Bad,still@not,crm-y", "Short,Row"].join("\n") + "\n";

test("docs/cli.md: --help, and each command's --help, on stdout with exit 0", async () => {
  const help = await cli(documented(CLI_MD, "npx vomo-users --help"));
  assert.equal(help.code, 0, help.stderr);
  for (const command of ["list", "user", "find", "upsert", "import", "poll", "reconcile", "sim", "demo"]) {
    assert.ok(CLI_MD.includes(`\n  ${command}`), `the usage block lists ${command}`);
    assert.match(help.stdout, new RegExp(`^  ${command}\\b`, "m"), `--help lists ${command}`);
    const r = await cli(documented(CLI_MD, "npx vomo-users <command> --help", { "<command>": command }));
    assert.equal(r.code, 0, `${command} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`^Usage: vomo-users ${command}\\b`), command);
  }
  const importHelp = await cli(documented(CLI_MD, "vomo-users import --help"));
  assert.match(importHelp.stdout, /--accept-email-changes/);
});

test("docs/cli.md: list --json prints users in the documented shape, filtered as asked", async (t) => {
  const { env } = await settled(t, { users: 60 });
  const r = await cli(documented(CLI_MD, "vomo-users list --updated-after 2025-06-01 --email-like @example.org --json"), { env });
  assert.equal(r.code, 0, r.stderr);
  const users = jsonLines(r.stdout);
  assert.ok(users.length > 0);
  const sample = jsonAfter(CLI_MD, "with `--json`: one `User` per line");
  for (const user of users) {
    assert.deepEqual(Object.keys(user), Object.keys(sample), "the keys of the doc's sample line, in its order");
    assert.match(user.email, /@example\.org/i);
    assert.ok(user.updatedAt >= "2025-06-01", user.updatedAt);
  }
});

test("docs/cli.md: user, find, upsert: exit 3 for no such user; the upsert creates; find then finds it", async (t) => {
  const { env } = await settled(t);
  const user = await cli(documented(CLI_MD, "vomo-users user 1001"), { env });
  assert.equal(user.code, 0, user.stderr);
  assert.match(user.stdout, /^id\s+1001$/m);
  assert.match(user.stdout, /^shifts\s+\d+ \(\d+ h\)$/m, "participations (shifts and hours)");
  const none = await cli(documented(CLI_MD, "vomo-users find ana@example.org"), { env });
  assert.equal(none.code, 3, "exit 3 when there is none");
  assert.match(none.stderr, /^vomo-users: not found: /m);
  const up = await cli(documented(CLI_MD, "vomo-users upsert --first-name Ana --last-name Lima --email ana@example.org --gender F --json"), { env });
  assert.equal(up.code, 0, up.stderr);
  const [result] = jsonLines(up.stdout);
  assert.deepEqual(Object.keys(result), ["user", "created", "uncertain"]); // {"user":{...},"created":true,"uncertain":false}
  assert.equal(result.created, true);
  assert.equal(result.uncertain, false);
  assert.equal(result.user.gender, "F");
  const found = await cli(documented(CLI_MD, "vomo-users find ana@example.org"), { env });
  assert.equal(found.code, 0, found.stderr);
  assert.match(found.stdout, new RegExp(`^id\\s+${result.user.id}$`, "m"));
  assert.match(found.stdout, /ana@example\.org/);
});

test("docs/cli.md: import with the default key, again after an email changed, then the email-changes file with --accept-email-changes", async (t) => {
  const { sim, env, dir } = await settled(t);
  const home = await tempDir(t); // the default state directory is ~/.local/state/vomo-users
  const files = { cwd: dir, env: { ...env, HOME: home } };
  writeFileSync(join(dir, "roster.csv"), roster(3));
  const first = await cli(documented(CLI_MD, "vomo-users import roster.csv"), files);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^imported roster\.csv \(key roster\.csv-[0-9a-f]{12}\): 3 created, 0 updated, 2 failed, 0 email changes, 1 unusable rows$/m);
  assert.ok(existsSync(join(dir, "roster.failed.csv")), "failed rows in roster.failed.csv");
  assert.ok(existsSync(join(home, ".local/state/vomo-users/mapping")), "the default state directory");

  // crm-1 now has another email: held back, as the row of the email-changes file (not of the failed one).
  writeFileSync(join(dir, "roster.csv"), roster(3, (i) => (i === 1 ? "member1.new@example.org" : `member${i}@example.org`)));
  const changed = await cli(documented(CLI_MD, "vomo-users import roster.csv"), files);
  assert.equal(changed.code, 0, changed.stderr);
  assert.match(changed.stdout, /: 0 created, 2 updated, 2 failed, 1 email changes, 1 unusable rows$/m);
  assert.match(changed.stdout, /^email changes held back: roster\.email-changes\.csv \(once VOMO has the new emails, import it with --accept-email-changes\)$/m);
  const held = readFileSync(join(dir, "roster.email-changes.csv"), "utf8");
  assert.match(held, /,email_changed,email changed from member1@example\.org to member1\.new@example\.org for VOMO user \d+; not sent\b/);
  assert.equal(held.trim().split("\n").length, 2, "the header and that row alone");
  assert.doesNotMatch(readFileSync(join(dir, "roster.failed.csv"), "utf8"), /email_changed/);

  // Changed in VOMO's admin too: the email-changes file, imported with --accept-email-changes, sends it alone.
  const id = sim.listAll().find((u) => u.email === "member1@example.org").id;
  sim.changeEmail(id, "member1.new@example.org");
  const accepted = await cli(documented(CLI_MD, "vomo-users import roster.email-changes.csv --accept-email-changes"), files);
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.match(accepted.stdout, /^imported roster\.email-changes\.csv .*: 0 created, 1 updated, 0 failed, 0 email changes, 0 unusable rows$/m);
  assert.equal(sim.count(), 30 + 3, "no second VOMO user for crm-1");

  // The same with the global option before the command.
  const before = await cli(documented(CLI_MD, "vomo-users --state-dir DIR import roster.csv", { DIR: join(dir, "other-state") }), files);
  assert.equal(before.code, 0, before.stderr);
  assert.ok(existsSync(join(dir, "other-state", "imports")));
});

test("docs/cli.md: import --key --state-dir --json ends with the documented summary line", async (t) => {
  const { env, dir } = await settled(t);
  const state = join(dir, "var-lib-vomo-users");
  writeFileSync(join(dir, "roster.csv"), roster(20));
  const r = await cli(documented(CLI_MD, "vomo-users import roster.csv --key roster-2026-11 --state-dir /var/lib/vomo-users --json",
    { "/var/lib/vomo-users": state }), { cwd: dir, env });
  assert.equal(r.code, 0, r.stderr);
  const sample = jsonAfter(CLI_MD, "with `--json` the last stdout line is");
  // The doc's roster: 20 new users, 2 refused rows, 1 unusable row; its key is ours.
  assert.deepEqual(jsonLines(r.stdout).at(-1), { ...sample, key: "roster-2026-11" });
  assert.ok(existsSync(join(state, "imports")));
});

test("docs/cli.md: poll --json, poll --every until Ctrl-C (exit 0), reconcile --json as documented", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 20, seed: 1 }); // a seed that has user 1003, as the doc's output
  const first = await cli(documented(CLI_MD, "vomo-users poll --customer acme --state-dir ./state --json"), { cwd: dir, env });
  assert.equal(first.code, 0, first.stderr);
  const lines = jsonLines(first.stdout);
  const result = lines.at(-1);
  assert.equal(result.type, "result");
  for (const key of ["processed", "created", "updated", "failed", "participationEvents", "requests", "checkpoint", "durationMs"]) {
    assert.ok(key in result, key);
  }
  assert.equal(result.processed, 20);
  assert.equal(lines.filter((l) => l.type === "user").length, 20);

  // A shift sign-up and an edit in VOMO; the loop's first poll reports both, Ctrl-C stops it.
  const [a] = sim.listAll();
  sim.updateUser(a.id, { phone: "555-0199" });
  sim.addParticipation(a.id, { project_date_id: 5012, hours: 3.5 });
  sim.advanceClock(60_000);
  const every = start(documented(CLI_MD, "vomo-users poll --customer acme --state-dir ./state --participations changed-users --every 5m"), { cwd: dir, env });
  t.after(() => every.child.kill("SIGKILL"));
  await every.waitFor("stdout", /^poll: processed 1 \(created 0, updated 1, failed 0\), participation events \d+;/m);
  assert.match(every.stdout, new RegExp(`^updated user ${a.id} `, "m"));
  assert.match(every.stdout, new RegExp(`^added +participation of user ${a.id}, project 700 date 5012: 3\\.5 h$`, "m"));
  every.child.kill("SIGINT");
  const stopped = await every.done;
  assert.equal(stopped.code, 0, stopped.stderr);
  // The cron line: nothing else runs, so it polls at once (tests/cli/busy.test.mjs has it wait).
  sim.updateUser(a.id, { phone: "555-0100" });
  sim.advanceClock(60_000);
  const cron = await cli(documented(CLI_MD, "vomo-users poll --customer acme --state-dir ./state --json --lock-timeout 5m"), { cwd: dir, env });
  assert.equal(cron.code, 0, cron.stderr);
  assert.equal(cron.stderr, "");
  assert.deepEqual(jsonLines(cron.stdout).filter((l) => l.type === "user").map((l) => [l.kind, l.user.id, l.user.phone]), [["updated", a.id, "555-0100"]]);

  assert.ok(sim.deleteUser(1003));
  const reconcile = await cli(documented(CLI_MD, "vomo-users reconcile --customer acme --state-dir ./state --json"), { cwd: dir, env });
  assert.equal(reconcile.code, 0, reconcile.stderr);
  assert.ok(CLI_MD.includes(`--json\n${reconcile.stdout}`), `the doc shows this very line: ${reconcile.stdout}`);
});

test("docs/cli.md: sim prints its JSON line and serves; Ctrl-C stops it; demo runs the main job", async (t) => {
  const sim = start(documented(CLI_MD, "vomo-users sim --port 4010 --users 500 --seed 42", { 4010: "0" }));
  t.after(() => sim.child.kill("SIGKILL"));
  await sim.waitFor("stdout", /\n/);
  const handshake = JSON.parse(sim.stdout);
  assert.deepEqual(Object.keys(handshake), ["url", "token", "foreignUrl"]);
  const list = await cli(["list", "--json", "--rate", "500"], { env: { VOMO_BASE_URL: handshake.url, VOMO_TOKEN: handshake.token } });
  assert.equal(jsonLines(list.stdout).length, 500);
  sim.child.kill("SIGINT");
  assert.equal((await sim.done).code, 0);
  const help = await cli(documented(CLI_MD, "vomo-users sim --help"));
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--latency/);
  const demo = await cli(documented(CLI_MD, "vomo-users demo"));
  assert.equal(demo.code, 0, demo.stderr);
  assert.match(demo.stdout, /^== First poll: the initial sync/m);
  assert.match(demo.stdout, /Reconciliation: /);
});

test("README: the command line block, in order, against the simulator it starts", async (t) => {
  const dir = await tempDir(t);
  const sim = start(documented(README, "npx vomo-users sim --port 4010 &", { 4010: "0" }));
  t.after(() => sim.child.kill("SIGKILL"));
  await sim.waitFor("stdout", /\n/);
  const { url, token } = JSON.parse(sim.stdout);
  assert.ok(README.includes("export VOMO_BASE_URL=http://127.0.0.1:4010/v1 VOMO_TOKEN=..."));
  const env = { VOMO_BASE_URL: url, VOMO_TOKEN: token, HOME: dir };
  const list = await cli(documented(README, "npx vomo-users list --updated-after 2025-01-01 --json"), { env });
  assert.equal(list.code, 0, list.stderr);
  assert.ok(jsonLines(list.stdout).every((u) => u.updatedAt >= "2025-01-01"));
  const none = await cli(documented(README, "npx vomo-users find ana@example.org"), { env });
  assert.equal(none.code, 3);
  const up = await cli(documented(README, "npx vomo-users upsert --first-name Ana --last-name Lima --email ana@example.org"), { env });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stdout, /ana@example\.org/);
  assert.equal((await cli(["find", "ana@example.org"], { env })).code, 0);
  writeFileSync(join(dir, "roster.csv"), roster(2));
  const imported = await cli(documented(README, "npx vomo-users import roster.csv"), { cwd: dir, env });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /: 2 created, 0 updated, 2 failed/);
  const poll = start(documented(README, "npx vomo-users poll --customer acme --state-dir ./state --every 5m"), { cwd: dir, env });
  t.after(() => poll.child.kill("SIGKILL"));
  await poll.waitFor("stdout", /^poll: processed \d+/m);
  poll.child.kill("SIGINT");
  assert.equal((await poll.done).code, 0);
  sim.child.kill("SIGINT");
  assert.equal((await sim.done).code, 0);
});

test("every command line of the sh blocks of docs/cli.md and the README's was run above", () => {
  const lines = [...shLines(CLI_MD), ...shLines(README)];
  assert.ok(lines.length >= 15, `command lines found: ${lines.length}`);
  for (const line of lines) assert.ok(run.has(line), `not run: ${line}`);
});
