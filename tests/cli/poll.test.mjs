// poll and reconcile on a state directory: the first run syncs everything, a second run on
// the same directory prints only the changes; participations, dead letters, --max-requests
// slices, --every until SIGINT (a clean stop, exit 0).
import test from "node:test";
import assert from "node:assert/strict";
import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, jsonLines, start, world } from "./helpers.mjs";
import { smallMount } from "../js/read-only-mount.mjs";

const FAST = ["--rate", "500"];
const pollArgs = (dir, ...more) => ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), ...more, ...FAST];

/** A frozen simulator, its clock moved past the poller's safety margin. */
async function settled(t, options) {
  const w = await world(t, options);
  w.sim.advanceClock(60_000);
  return w;
}

test("poll --json twice on one state dir: every user, then only the changes", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 40 });
  const first = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(first.code, 0, first.stderr);
  const lines = jsonLines(first.stdout);
  const result = lines.at(-1);
  assert.equal(result.type, "result");
  assert.equal(result.processed, 40);
  assert.equal(result.failed, 0);
  assert.ok(Number.isInteger(result.durationMs) && result.durationMs >= 0, `whole milliseconds, as docs/cli.md shows: ${result.durationMs}`);
  const users = lines.slice(0, -1);
  assert.ok(users.every((l) => l.type === "user" && ["created", "updated"].includes(l.kind)));
  assert.deepEqual(users.map((l) => l.user.id).sort((a, b) => a - b), sim.listAll().map((u) => u.id));
  assert.ok((await readdir(join(dir, "state", "customers"))).includes("acme"), "the store is under the state dir, per customer");

  const [a] = sim.listAll();
  sim.advanceClock(10_000);
  sim.updateUser(a.id, { phone: "(555) 010-9999" });
  const created = sim.createUser({ first_name: "Nia", last_name: "Okafor", email: "nia@example.org" });
  sim.advanceClock(60_000);
  const second = jsonLines((await cli(pollArgs(dir, "--json"), { env })).stdout);
  assert.deepEqual(second.slice(0, -1).map((l) => [l.type, l.kind, l.user.id]).sort(),
    [["user", "created", created.id], ["user", "updated", a.id]].sort());
  assert.equal(second.find((l) => l.kind === "updated").user.phone, "(555) 010-9999");
  assert.deepEqual([second.at(-1).type, second.at(-1).processed, second.at(-1).created, second.at(-1).updated], ["result", 2, 1, 1]);

  const third = jsonLines((await cli(pollArgs(dir, "--json"), { env })).stdout);
  assert.equal(third.length, 1, "nothing changed: only the result line");
  assert.equal(third[0].processed, 0);
});

test("poll --forget removes the customer's saved state without a token or a request: the next poll is an initial sync again", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 12 });
  assert.equal((await cli(pollArgs(dir, "--json"), { env })).code, 0);
  assert.equal(jsonLines((await cli(pollArgs(dir, "--json"), { env })).stdout).at(-1).processed, 0, "caught up");
  const requests = sim.log().length;
  const noToken = { VOMO_BASE_URL: sim.url }; // no token (nothing is sent: counted below)
  const forget = await cli(["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--forget", "--json"], { env: noToken });
  assert.equal(forget.code, 0, forget.stderr);
  assert.match(forget.stderr, /forgot the saved state of customer acme in .*state: its next poll is an initial sync/);
  assert.deepEqual(jsonLines(forget.stdout), [{ customerId: "acme", forgotten: true }]);
  assert.equal(sim.log().length, requests, "nothing sent by --forget");
  const none = await cli(["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--forget"], { env: noToken });
  assert.match(none.stderr, /no saved state of customer acme in /);
  const misuse = await cli(pollArgs(dir, "--forget", "--every", "5m"), { env });
  assert.equal(misuse.code, 2);
  assert.match(misuse.stderr, /--forget polls nothing, so --every has no use with it/);

  const again = jsonLines((await cli(pollArgs(dir, "--json"), { env })).stdout);
  assert.equal(again.at(-1).processed, 12, "every user again");
  assert.deepEqual(again.slice(0, -1).map((l) => l.user.id).sort((a, b) => a - b), sim.listAll().map((u) => u.id));
});

test("poll without --json: a readable feed and a summary", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 5 });
  const r = await cli(pollArgs(dir), { env });
  assert.equal(r.code, 0, r.stderr);
  const u = sim.listAll()[0];
  assert.match(r.stdout, new RegExp(`^(created|updated) user ${u.id} ${u.full_name} <${u.email}>  updated \\S+Z$`, "m"));
  assert.match(r.stdout, /^poll: processed 5 \(created \d, updated \d, failed 0\), participation events 0; \d+ requests in \d+ ms; checkpoint \S+Z$/m);
});

test("poll without --json, stopped by --max-requests in the middle of the initial sync: the summary says it did not finish, and that there is no checkpoint yet (not 1970)", async (t) => {
  const { env, dir } = await settled(t, { users: 40 });
  const r = await cli(pollArgs(dir, "--max-requests", "1"), { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^poll: processed \d+ .*; 1 requests in \d+ ms; checkpoint none yet; not finished \(--max-requests reached\): the next poll goes on from here$/m);
  const rest = await cli(pollArgs(dir), { env });
  assert.match(rest.stdout, /^poll: processed \d+ .*; checkpoint \S+Z$/m, "finished: no note");
});

test("--participations changed-users: a shift sign-up is a participation line; a bad record is a deadLetter line", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 6 });
  await cli(pollArgs(dir, "--participations", "changed-users", "--json"), { env });
  const [, b, c] = sim.listAll();
  sim.advanceClock(10_000);
  const shift = sim.addParticipation(b.id, { hours: "3.50" });
  sim.updateUser(b.id, { address: "12 Harbour Road" });
  sim.updateUser(c.id, { email: null }); // a record the parser cannot use
  sim.advanceClock(60_000);
  const r = await cli(pollArgs(dir, "--participations", "changed-users", "--json"), { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const p = lines.find((l) => l.type === "participation");
  assert.equal(p.kind, "added");
  assert.equal(p.userId, b.id);
  assert.equal(p.participation.projectDateId, Number(shift.project_date_id));
  assert.equal(p.participation.hours, 3.5);
  assert.equal(p.before, null);
  const dead = lines.find((l) => l.type === "deadLetter");
  assert.ok(dead, r.stdout);
  assert.equal(dead.userId, c.id);
  assert.equal(typeof dead.error.kind, "string");
  assert.equal(lines.at(-1).type, "result");
  assert.equal(lines.at(-1).participationEvents, 1);
});

test("--max-requests slices the initial sync; the next runs go on without repeating anyone", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 45 });
  const seen = [];
  for (let run = 0; run < 10; run++) {
    const lines = jsonLines((await cli(pollArgs(dir, "--json", "--max-requests", "1"), { env })).stdout);
    assert.ok(lines.at(-1).requests <= 1);
    seen.push(...lines.filter((l) => l.type === "user").map((l) => l.user.id));
    if (lines.at(-1).processed === 0 && seen.length) break;
  }
  assert.deepEqual([...seen].sort((a, b) => a - b), sim.listAll().map((u) => u.id), "each user once, across the slices");
});

test("--every keeps polling until Ctrl-C, which stops cleanly with exit 0", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 5 });
  const run = start(pollArgs(dir, "--json", "--every", "200ms"), { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /"type":"result"/);
  const created = sim.createUser({ first_name: "Late", last_name: "Comer", email: "late@example.org" });
  sim.advanceClock(60_000);
  // One line of type user, kind created, for that id (whatever order the user's keys have).
  await run.waitFor("stdout", new RegExp(`^(?=.*"type":"user")(?=.*"kind":"created")(?=.*"id":${created.id}[,}]).*$`, "m"));
  await run.waitFor("stdout", new RegExp(`"id":${created.id}[,}][^\\n]*\\n(.*\\n)*\\{"type":"result"`)); // that poll's result
  run.child.kill("SIGINT");
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /stopping \(Ctrl-C\)/);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.at(-1).type, "result");
  assert.ok(lines.filter((l) => l.type === "result").length >= 2, "more than one poll");
  assert.equal(lines.filter((l) => l.type === "user" && l.user.id === created.id).length, 1, "delivered once");
});

test("--every says each warning while it runs (after the poll that met it), once, not only at Ctrl-C", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 5, quirks: { unknownEnums: false } });
  const run = start(pollArgs(dir, "--json", "--every", "200ms"), { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /"type":"result"/);
  const odd = sim.createUser({ first_name: "Odd", last_name: "Status", email: "odd@example.org" });
  sim.updateUser(odd.id, { user_status: "SUSPENDED" });
  sim.advanceClock(60_000);
  const said = `data[0] (user ${odd.id}): user_status: unknown value "SUSPENDED" kept as sent`;
  await run.waitFor("stderr", new RegExp(`^warning: GET /v1/users\\?updated_after=\\S+: ${said.replace(/[[\]()]/g, "\\$&")}$`, "m"));
  await run.waitFor("stdout", /"type":"result"[^\n]*\n(.*\n)*\{"type":"result"/); // another poll after it
  run.child.kill("SIGINT");
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr.split("\n").filter((l) => l.includes(said)).length, 1, r.stderr);
});

test("reconcile: ids the poller knows that are no longer listed", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 8 });
  await cli(pollArgs(dir, "--json"), { env });
  const gone = sim.listAll()[3].id;
  sim.deleteUser(gone);
  const args = ["reconcile", "--customer", "acme", "--state-dir", join(dir, "state"), ...FAST];
  const r = await cli([...args, "--json"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout), [{ missing: [gone], complete: true, error: null }]);
  // Progress on stderr (plain lines: stderr is not a terminal here), the listing then the candidate.
  assert.match(r.stderr, new RegExp(`^progress: ${sim.count()}/${sim.count()} \\(100%\\), users listed, done$`, "m"));
  assert.match(r.stderr, /^progress: 1\/1 \(100%\), unlisted ids confirmed, done$/m);
  const text = await cli(args, { env });
  assert.match(text.stdout, new RegExp(`^complete listing; known but not listed: ${gone}$`, "m"));
  const before = sim.log().length;
  const fresh = await cli(["reconcile", "--customer", "other", "--state-dir", join(dir, "state"), "--json", ...FAST], { env });
  assert.deepEqual(jsonLines(fresh.stdout), [{ missing: [], complete: true, error: null }]);
  assert.match(fresh.stderr, /no poll of customer other has run/);
  const freshText = await cli(["reconcile", "--customer", "other", "--state-dir", join(dir, "state"), ...FAST], { env });
  assert.equal(freshText.code, 0);
  assert.match(freshText.stdout, /^nothing known of customer other yet \(no poll of it in .*\), so nothing can be missing; nothing was listed$/m);
  assert.doesNotMatch(freshText.stdout, /complete listing/, "no listing ran: the text does not claim one");
  const typo = await cli(["reconcile", "--customer", "acme", "--state-dir", join(dir, "stat"), ...FAST], { env });
  assert.equal(typo.code, 2, "a state directory that does not exist is a mistyped path");
  assert.match(typo.stderr, /reconcile: --state-dir .*stat does not exist/);
  assert.equal(sim.log().length, before, "nothing known, nothing sent");

  // A listing that fails for good (after the retries): partial, with the reason, exit 1.
  sim.injectFault({ method: "GET", path: "/v1/users", type: "status", status: 503, times: "always" });
  const failed = await cli([...args, "--json"], { env });
  assert.equal(failed.code, 1);
  const [out] = jsonLines(failed.stdout);
  assert.deepEqual([out.missing, out.complete, out.error.kind, out.error.status], [[], false, "server", 503]);
  assert.match(failed.stderr, /^vomo-users: reconcile did not finish: server error \(HTTP 503\): /m);
});

test("--every goes on after a poll that failed with a retryable error; a non-retryable one ends it (exit 1)", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 5 });
  sim.injectFault({ method: "GET", path: "/v1/users", type: "status", status: 503, times: 5 }); // outlasts the client's retries
  const run = start(pollArgs(dir, "--json", "--every", "200ms"), { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stderr", /^vomo-users: server error \(HTTP 503\): .*; polling again in 200ms$/m);
  await run.waitFor("stdout", /"type":"result","processed":5,/);
  sim.injectFault({ type: "unauthorized", times: "always" }); // the token was revoked
  const r = await run.done;
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^vomo-users: auth error \(HTTP 401\)/m);
  // A script reading stdout sees each failed poll too, and whether another comes.
  const lines = jsonLines(r.stdout);
  const failed = lines.filter((l) => l.type === "error");
  assert.ok(failed.length >= 2, r.stdout);
  assert.deepEqual([failed[0].error.kind, failed[0].error.status, failed[0].nextPollInMs], ["server", 503, 200]);
  assert.equal(lines.indexOf(failed[0]) < lines.findIndex((l) => l.type === "result"), true, "the outage's line came before the poll that went on");
  assert.deepEqual([lines.at(-1).type, lines.at(-1).error.kind, lines.at(-1).error.status, lines.at(-1).nextPollInMs], ["error", "auth", 401, null]);
  assert.equal(typeof lines.at(-1).error.message, "string");
  assert.ok(!r.stdout.includes(env.VOMO_TOKEN), "no token on stdout");
});

test("--every goes on after a page that could not be read (a proxy's error page), with no advice to forget the saved state; a single poll still ends with exit 1", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 5 });
  sim.injectFault({ method: "GET", path: "/v1/users", type: "nonjson", times: 1 });
  const single = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(single.code, 1);
  assert.match(single.stderr, /^vomo-users: parse error \(HTTP 200\): GET \/v1\/users(\?\S*)?: \$: not JSON/m);
  assert.doesNotMatch(single.stderr, /--forget/, "an answer that could not be read is not the saved state");
  sim.injectFault({ method: "GET", path: "/v1/users", type: "truncated", times: 1 });
  const run = start(pollArgs(dir, "--json", "--every", "200ms"), { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stderr", /^vomo-users: parse error \(HTTP 200\): .*; polling again in 200ms$/m);
  await run.waitFor("stdout", /"type":"result","processed":5,/);
  run.child.kill("SIGINT");
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /--forget/);
  const failed = jsonLines(r.stdout).filter((l) => l.type === "error");
  assert.deepEqual(failed.map((l) => [l.error.kind, l.error.status, l.nextPollInMs]), [["parse", 200, 200]]);
});

test("poll --json refused by the API ends stdout with an error line and exit 1 (Ctrl-C: busy.test.mjs)", async (t) => {
  const { env, dir } = await settled(t, { users: 5 });
  const refused = await cli(pollArgs(dir, "--json"), { env: { ...env, VOMO_TOKEN: "not-the-token" } });
  assert.equal(refused.code, 1);
  assert.deepEqual(jsonLines(refused.stdout).map((l) => [l.type, l.error?.kind, l.error?.status, l.nextPollInMs]), [["error", "auth", 401, null]]);
});

test("--every with a state directory that is a file ends at once, naming it (no retry could mend it)", async (t) => {
  const { env, dir } = await settled(t, { users: 5 });
  const file = join(dir, "state");
  await writeFile(file, "not a directory\n");
  const r = await cli(["poll", "--customer", "acme", "--state-dir", file, "--every", "200ms", ...FAST], { env });
  assert.notEqual(r.code, 0);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vomo-users: --state-dir .*\/state is not a directory \(ENOTDIR\)/m);
  assert.doesNotMatch(r.stderr, /polling again/, "not retried as a network fault");
});

test("poll --json --every whose reader goes away between polls: the loop stops with exit 1, said on stderr, not exit 0", async (t) => {
  const { env, dir } = await settled(t, { users: 5 });
  const run = start(pollArgs(dir, "--json", "--every", "300ms"), { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /"type":"result"/);
  run.child.stdout.destroy(); // the consumer exits while the loop waits; the next (quiet) poll's result line fails
  const r = await run.done;
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^vomo-users: stdout was closed \(its reader went away\): the poll stops; /m);
  const again = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(again.code, 0, again.stderr); // the lease was released
});

test("poll --json whose reader goes away: the poll stops cleanly (exit 1, said on stderr), its lease is free at once, and the next poll delivers the rest with nothing the reader saw twice", async (t) => {
  const { sim, env, dir } = await settled(t, { users: 60 });
  // 2 requests a second: a page of 15 users at a time, so the reader leaves after the first page.
  const args = ["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", "--rate", "2"];
  const first = start(args, { env });
  t.after(() => first.child.kill("SIGKILL"));
  await first.waitFor("stdout", /\n/);
  const seen = first.stdout.split("\n").slice(0, -1).map((l) => JSON.parse(l).user.id); // whole lines only
  first.child.stdout.destroy(); // the consumer exits: the pipe's read end closes
  const stopped = await first.done;
  assert.equal(stopped.code, 1, stopped.stderr);
  assert.match(stopped.stderr, /^vomo-users: stdout was closed \(its reader went away\): the poll stops; /m);
  assert.ok(seen.length >= 1);

  const second = await cli(["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--json", ...FAST], { env });
  assert.equal(second.code, 0, second.stderr); // not busy: the first poll released its lease
  const rest = jsonLines(second.stdout).filter((l) => l.type === "user").map((l) => l.user.id);
  assert.deepEqual(rest.filter((id) => seen.includes(id)), [], "nothing the reader saw is delivered again");
  // Lines the OS pipe had taken but the reader never read are gone with the pipe: at most the
  // rest of the first page here (docs/cli.md says so).
  const lost = sim.listAll().map((u) => u.id).filter((id) => !seen.includes(id) && !rest.includes(id));
  assert.ok(lost.length <= 15 - seen.length, `${lost.length} changes lost with the pipe`);
});

test("poll --json to a full disk (/dev/full): one line on stderr, not a stack trace; exit 1; the lease is free and the next poll delivers every user once", async (t) => {
  const { env, dir } = await settled(t, { users: 20 });
  const { openSync, closeSync } = await import("node:fs");
  const { spawn } = await import("node:child_process");
  const { baseEnv, BIN } = await import("./helpers.mjs");
  const full = openSync("/dev/full", "w");
  t.after(() => closeSync(full));
  const child = spawn(BIN, pollArgs(dir, "--json"), { env: baseEnv(env), stdio: ["ignore", full, "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
  const code = await new Promise((ok) => child.on("close", ok));
  assert.equal(code, 1, stderr);
  assert.match(stderr, /^vomo-users: cannot write the output: ENOSPC$/m);
  assert.match(stderr, /^vomo-users: stdout cannot be written: the poll stops; a change whose line was not written is delivered by the next poll$/m);
  assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace");
  const again = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(again.code, 0, again.stderr); // not busy: the lease was given back
  const ids = jsonLines(again.stdout).filter((l) => l.type === "user").map((l) => l.user.id);
  assert.equal(ids.length, 20, "nothing was written before: every user now");
  assert.equal(new Set(ids).size, 20);
});

test("a saved state that cannot be read (a file overwritten): exit 1 with a note naming the --forget that gets past it; after it the next poll is a full sync", async (t) => {
  const { env, dir } = await settled(t, { users: 6 });
  const customerDir = join(dir, "state", "customers", "acme");
  const first = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(first.code, 0, first.stderr);
  const { readdir: list } = await import("node:fs/promises");
  const stateFile = (await list(customerDir)).find((f) => f.endsWith("%2Fstate"));
  assert.ok(stateFile, "the state file");
  await writeFile(join(customerDir, stateFile), "garbage\n");
  const broken = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(broken.code, 1);
  assert.match(broken.stderr, /^vomo-users: parse error: vomo-users\/v1\/acme\/state: unreadable state header/m);
  const note = `vomo-users: note: the saved poll state of customer acme in ${join(dir, "state")} cannot be read; if it cannot be mended, \`vomo-users poll --customer acme --state-dir ${join(dir, "state")} --forget\` removes it, and the next poll is an initial sync (every user delivered again)`;
  assert.ok(broken.stderr.split("\n").includes(note), broken.stderr);
  const forgot = await cli(["poll", "--customer", "acme", "--state-dir", join(dir, "state"), "--forget"], { env });
  assert.equal(forgot.code, 0, forgot.stderr);
  const again = await cli(pollArgs(dir, "--json"), { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(jsonLines(again.stdout).filter((l) => l.type === "user").length, 6);
});

// An outside pass: a disk that filled up mid-poll was reported as "network error: store.set(...)
// failed: ENOSPC" and nothing else. The kind stays the package's (a store's failure is
// `network`); the note says what the file system said and that nothing was lost, and after
// space is freed the next poll delivers the rest.
test("poll to a state directory whose disk fills up mid-poll: exit 1, a note that the disk is full and nothing was lost; once there is room, the next poll delivers every user", async (t) => {
  const disk = smallMount(t, "24k");
  if (!disk) return;
  const { sim, env } = await settled(t, { users: 400 });
  const state = join(disk.at, "state");
  const args = ["poll", "--customer", "acme", "--state-dir", state, "--json", ...FAST];
  const full = await cli(args, { env });
  assert.equal(full.code, 1, full.stderr);
  assert.match(full.stderr, /^vomo-users: network error: store\.\w+\(.*ENOSPC/m);
  assert.match(full.stderr, /^vomo-users: note: the disk of the state directory is full( \(.*\))?; mend that and run the same command again: what was delivered or sent stays saved, and the rest comes again$/m);
  const lines = jsonLines(full.stdout);
  assert.equal(lines.at(-1).type, "error");
  const first = lines.filter((l) => l.type === "user").map((l) => l.user.id);
  disk.grow("4m");
  const next = await cli(args, { env });
  assert.equal(next.code, 0, next.stderr);
  const second = jsonLines(next.stdout).filter((l) => l.type === "user").map((l) => l.user.id);
  assert.deepEqual([...new Set([...first, ...second])].sort((a, b) => a - b), sim.listAll().map((u) => u.id), "every user delivered");
  const repeated = first.length + second.length - sim.count();
  assert.ok(repeated <= 15, `at most the page whose save failed comes again (${repeated} of ${first.length} before the disk filled)`);
});
