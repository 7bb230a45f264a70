// list, user and find against the simulator, with and without --json; not found -> 3; a
// wrong token -> 1 with kind auth and the token nowhere.
import test from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, jsonLines, start, world } from "./helpers.mjs";

const FAST = ["--rate", "500"];

test("list --json: every user, one JSON value per line, in the package's shape; warnings on stderr", async (t) => {
  const { sim, env } = await world(t, { users: 40 });
  sim.updateUser(sim.listAll()[5].id, { membership_status: "WAITLISTED" });
  const r = await cli(["list", "--json", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  const users = jsonLines(r.stdout);
  assert.deepEqual(users.map((u) => u.id), sim.listAll().map((u) => u.id), "all 40, across 3 pages");
  assert.equal(users.length, 40);
  assert.match(users[0].updatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok("firstName" in users[0] && "membershipRole" in users[0]);
  assert.equal(users[5].membershipStatus, "WAITLISTED", "an unknown value is kept as sent");
  assert.match(r.stderr, /^warning: .*unknown value "WAITLISTED"/m);
});

test("list, poll and user print one warning per bad user, naming its request and the user: the same row of each page is not one line", async (t) => {
  const { sim, env, dir } = await world(t, { users: 45, quirks: { unknownEnums: false } }); // only the rows below warn
  const bad = [5, 20, 35].map((i) => sim.listAll()[i]); // row 5 of each of the 3 pages (15 a page)
  for (const u of bad) sim.updateUser(u.id, { user_status: "SUSPENDED", updated_at: "2025-12-31T12:00:00Z" }); // before the poll's margin
  const warnings = (r) => r.stderr.split("\n").filter((l) => l.startsWith("warning: "));
  const said = (u) => `data[5] (user ${u.id}): user_status: unknown value "SUSPENDED" kept as sent`;
  const list = await cli(["list", ...FAST], { env });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(warnings(list), [`warning: GET /v1/users: ${said(bad[0])}`, `warning: GET /v1/users?page=2: ${said(bad[1])}`,
    `warning: GET /v1/users?page=3: ${said(bad[2])}`]);
  // The poller's pages (time windows) the same way: each bad user named. A window's first page
  // that the poller asks for again (its end re-set by the server's clock) is two requests, so
  // a user on it may be named by both.
  const poll = await cli(["poll", "--customer", "acme", "--state-dir", dir, ...FAST], { env });
  assert.equal(poll.code, 0, poll.stderr);
  const named = warnings(poll).map((w) =>
    /^warning: GET \/v1\/users\?updated_after=\S+: data\[5\] \(user (\d+)\): user_status: unknown value "SUSPENDED" kept as sent$/.exec(w)?.[1]);
  assert.ok(named.length >= 3 && named.every(Boolean), poll.stderr);
  assert.deepEqual([...new Set(named)].sort(), bad.map((u) => String(u.id)).sort(), poll.stderr);
  // A detail's warning once, naming its request and user.
  const user = await cli(["user", String(bad[1].id), ...FAST], { env });
  assert.equal(user.code, 0, user.stderr);
  assert.deepEqual(warnings(user), [`warning: GET /v1/users/${bad[1].id}: data (user ${bad[1].id}): user_status: unknown value "SUSPENDED" kept as sent`]);
});

test("the token inside API data (a user's address holds it) is replaced in every output, JSON or text, of list, user and find", async (t) => {
  // A JWT, and a token with characters JSON escapes (its --json output would carry it as tok\"en\\...).
  for (const token of [undefined, 'tok"en\\secret<>&1234']) await tokenInData(t, token);
});

async function tokenInData(t, token) {
  const { sim, env } = await world(t, { users: 3, ...(token ? { token } : {}) });
  const target = sim.listAll()[1];
  sim.updateUser(target.id, { address: `under the mat: ${sim.token}` });
  for (const args of [["list", "--json"], ["list"], ["user", String(target.id)], ["user", String(target.id), "--json"], ["find", target.email, "--json"]]) {
    const r = await cli([...args, ...FAST], { env, secret: null });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(sim.token), `${args.join(" ")}: the token printed`);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(JSON.stringify(sim.token).slice(1, -1)), `${args.join(" ")}: the token printed as JSON escapes it`);
    if (args.includes("--json") || args[0] === "user") assert.match(r.stdout, /under the mat: \[redacted\]/, args.join(" "));
  }
}

test("a profile's control characters and bidirectional controls are printed written out, in every text output (list, user, find, poll, warnings), never raw: no escape sequence reaches the terminal, no line is forged; --json keeps the data as it is", async (t) => {
  const { sim, env, dir } = await world(t, { users: 3 });
  const target = sim.listAll()[1];
  const evil = "Evil\u001b[2J\u001b[31mRED";
  sim.updateUser(target.id, { first_name: evil, last_name: "Line\nBreak\rX\u202eY", user_status: "BAD\u001b]0;title\u0007",
    updated_at: "2025-12-31T12:00:00Z" }); // before the poll's margin behind the frozen clock
  const email = target.email;
  const runs = [["list"], ["user", String(target.id)], ["find", email], ["poll", "--customer", "acme", "--state-dir", dir]];
  for (const args of runs) {
    const r = await cli([...args, ...FAST], { env }); // cli() fails on any ESC in stdout or stderr
    assert.equal(r.code, 0, r.stderr);
    const text = `${r.stdout}${r.stderr}`;
    assert.doesNotMatch(text, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/, `${args[0]}: a raw control character`);
    assert.ok(r.stdout.includes("Evil\\x1b[2J\\x1b[31mRED"), `${args[0]}: the name written out: ${r.stdout}`);
    assert.ok(r.stdout.includes("Line\\x0aBreak\\x0dX\\u202eY"), `${args[0]}: ${r.stdout}`);
    // (The parser's warning quotes the value as Rust's Debug writes it: \u{1b}.)
    assert.match(r.stderr, /BAD\\u\{1b\}\]0;title\\u\{7\}/, `${args[0]}: the warning quoting the unknown status, written out`);
  }
  const list = await cli(["list", ...FAST], { env });
  assert.equal(list.stdout.trimEnd().split("\n").length, 1 + 3 + 1, "header, one line per user, count: no forged line");
  const json = await cli(["list", "--json", ...FAST], { env });
  assert.equal(jsonLines(json.stdout).find((u) => u.id === target.id).firstName, evil, "--json: the data as it is");
});

test("a filter the server refuses as too long (Node's own 431 for a 100,000-character URL): one short line naming the status's reason, the URL cut to its first 300 characters", async (t) => {
  const { env } = await world(t, { users: 3 });
  const r = await cli(["list", "--name-like", "a".repeat(100_000), ...FAST], { env });
  assert.equal(r.code, 1, r.stderr);
  const line = r.stderr.split("\n").find((l) => l.startsWith("vomo-users:"));
  assert.match(line, /^vomo-users: validation error \(HTTP 431\): GET \/v1\/users\?name_like=a+\.\.\. \(1000\d\d characters\): 431 Request Header Fields Too Large \(the server sent no message\)$/);
  assert.ok(line.length < 500, `${line.length} characters`);
});

test("list filters go to the API: --email-like, --updated-after, --name-like", async (t) => {
  const { sim, env } = await world(t, { users: 40 });
  const target = sim.listAll()[7];
  const part = target.email.split("@")[0].toUpperCase();
  const byEmail = jsonLines((await cli(["list", "--json", "--email-like", part, ...FAST], { env })).stdout);
  assert.deepEqual(byEmail.map((u) => u.id), [target.id]);

  sim.advanceClock(60_000);
  const edited = sim.updateUser(sim.listAll()[3].id, { phone: "(555) 000-1111" });
  const after = new Date(sim.now() - 1000).toISOString();
  const recent = jsonLines((await cli(["list", "--json", "--updated-after", after, ...FAST], { env })).stdout);
  assert.deepEqual(recent.map((u) => u.id), [edited.id]);
  const q = sim.log().filter((e) => e.method === "GET").at(-1).query;
  assert.equal(q.updated_after, after);

  const byName = jsonLines((await cli(["list", "--json", "--name-like", target.last_name, ...FAST], { env })).stdout);
  assert.ok(byName.some((u) => u.id === target.id));
  assert.ok(byName.every((u) => `${u.firstName} ${u.lastName}`.toLowerCase().includes(target.last_name.toLowerCase())));
});

test("list without --json: a readable table and a count", async (t) => {
  const { sim, env } = await world(t, { users: 16 });
  const r = await cli(["list", ...FAST], { env });
  assert.equal(r.code, 0);
  const lines = r.stdout.trimEnd().split("\n");
  assert.match(lines[0], /ID\s+UPDATED \(UTC\)\s+NAME <EMAIL>/);
  const first = sim.listAll()[0];
  assert.match(lines[1], new RegExp(`^\\s*${first.id}\\s+\\S+Z\\s+${first.full_name} <${first.email}>$`));
  assert.equal(lines.at(-1), "16 users");
});

test("user <id>: the detail with participations; --json is one line; unknown id -> exit 3", async (t) => {
  const { sim, env } = await world(t);
  const id = sim.listAll()[2].id;
  const p = sim.addParticipation(id, { hours: "2.50", project_id: 9 });
  const json = await cli(["user", String(id), "--json", ...FAST], { env });
  assert.equal(json.code, 0);
  const [detail] = jsonLines(json.stdout);
  assert.equal(detail.id, id);
  const shift = detail.participations.find((x) => x.projectDateId === Number(p.project_date_id));
  assert.equal(shift.hours, 2.5, "hours as a number, not \"2.50\"");
  const text = await cli(["user", String(id), ...FAST], { env });
  assert.match(text.stdout, new RegExp(`^email\\s+${sim.getUser(id).email}$`, "m"));
  assert.match(text.stdout, /project 9 date \d+: 2\.5 h/);

  const missing = await cli(["user", "999999", ...FAST], { env });
  assert.equal(missing.code, 3);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /^vomo-users: not found: user 999999$/m);
  assert.equal((await cli(["user", "999999", "--json", ...FAST], { env })).code, 3);
});

test("find <email>: exact and case-insensitive; a partial match or none -> exit 3", async (t) => {
  const { sim, env } = await world(t);
  const u = sim.listAll()[4];
  const r = await cli(["find", `  ${u.email.toUpperCase()} `, "--json", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(jsonLines(r.stdout)[0].id, u.id);
  const text = await cli(["find", u.email, ...FAST], { env });
  assert.match(text.stdout, new RegExp(`^id\\s+${u.id}$`, "m"));
  const partial = await cli(["find", u.email.slice(1), "--json", ...FAST], { env });
  assert.equal(partial.code, 3, "a substring is not the user");
  assert.equal(partial.stdout, "");
  assert.match(partial.stderr, /not found: no user with the email/);
});

test("a wrong token: exit 1, kind auth on stderr, the token in neither stream, for every API command", async (t) => {
  const { sim, env, dir } = await world(t);
  const secret = "wrong-token-b7e1d2c9f00d";
  const roster = join(dir, "r.csv");
  await writeFile(roster, "First Name,Last Name,Email\nA,B,ab@example.org\n");
  const state = join(dir, "state");
  // A customer polled once (reconcile of one never polled lists nothing: nothing is known).
  assert.equal((await cli(["poll", "--customer", "c", "--state-dir", state, ...FAST], { env })).code, 0);
  for (const args of [["list"], ["list", "--json"], ["user", "1001"], ["user", "1001", "--json"], ["find", "a@b.org", "--json"],
    ["upsert", "--first-name", "A", "--last-name", "B", "--email", "ab@example.org"],
    ["import", roster, "--state-dir", state], ["import", roster, "--state-dir", state, "--json"],
    ["poll", "--customer", "c", "--state-dir", state], ["poll", "--customer", "c", "--state-dir", state, "--json"],
    ["reconcile", "--customer", "c", "--state-dir", state, "--json"]]) {
    const r = await cli([...args, ...FAST], { env: { ...env, VOMO_TOKEN: secret } });  // cli() asserts the token is absent
    assert.equal(r.code, 1, args.join(" "));
    assert.match(r.stderr, /^vomo-users: auth error \(HTTP 401\): /m);
    if (args[0] === "import" && args.includes("--json")) {
      // An import that stops says so on stdout too, for a script (docs/cli.md): nothing done.
      const [line] = jsonLines(r.stdout);
      assert.deepEqual([line.stopped.kind, line.stopped.status, line.done, line.created], ["auth", 401, 0, 0]);
    } else if (args[0] === "poll" && args.includes("--json")) {
      // A poll that fails says so on stdout too: one error line, no next poll.
      assert.deepEqual(jsonLines(r.stdout).map((l) => [l.type, l.error.kind, l.error.status, l.nextPollInMs]), [["error", "auth", 401, null]]);
    } else {
      assert.equal(r.stdout, "", args.join(" "));
    }
  }
  assert.equal(sim.count(), 30, "nothing was created");
});

test("--token-file: the token read from a file works, and a wrong one stays hidden", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "token");
  await writeFile(file, `${sim.token}\n`, { mode: 0o600 });
  const r = await cli(["find", sim.listAll()[0].email, "--token-file", file, "--json", ...FAST],
    { env: { VOMO_BASE_URL: env.VOMO_BASE_URL }, secret: sim.token });
  assert.equal(r.code, 0, r.stderr);
  await writeFile(file, "file-secret-0c4ad1\n");
  const bad = await cli(["list", "--token-file", file, ...FAST], { env: { VOMO_BASE_URL: env.VOMO_BASE_URL }, secret: "file-secret-0c4ad1" });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /auth error/);
});

test("a forbidden token: exit 1, kind forbidden", async (t) => {
  const { sim, env } = await world(t);
  const r = await cli(["list", ...FAST], { env: { ...env, VOMO_TOKEN: sim.forbiddenToken } });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^vomo-users: forbidden error \(HTTP 403\)/m);
});

test("a 404 that is not 'no such user' (a base URL without /v1) is an API error, exit 1", async (t) => {
  const { env } = await world(t);
  const r = await cli(["list", "--base-url", env.VOMO_BASE_URL.replace(/\/v1$/, "/v2"), ...FAST], { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^vomo-users: not_found error \(HTTP 404\): GET \/v2\/users/m);
  assert.match(r.stderr, /^vomo-users: note: --base-url \S+\/v2 does not end in \/v1, where the API's routes are/m);
});

test("user <id> against a base URL without /v1: exit 3 as the 404 says, with a note naming the base URL; none with /v1", async (t) => {
  const { sim, env } = await world(t);
  const id = sim.listAll()[0].id;
  const bare = env.VOMO_BASE_URL.replace(/\/v1$/, "");
  for (const base of [bare, `${bare}/`]) {
    const r = await cli(["user", String(id), "--base-url", base, ...FAST], { env });
    assert.equal(r.code, 3);
    assert.match(r.stderr, new RegExp(`^vomo-users: not found: user ${id}\nvomo-users: note: --base-url ${bare.replace(/[.]/g, "\\.")}/ does not end in /v1`, "m"));
  }
  for (const base of [env.VOMO_BASE_URL, `${env.VOMO_BASE_URL}/`]) {
    const r = await cli(["user", "999999", "--base-url", base, ...FAST], { env });
    assert.equal(r.code, 3);
    assert.doesNotMatch(r.stderr, /note:/);
  }
});

test("user and list to a full disk (/dev/full): 'cannot write the output: ENOSPC' on stderr and exit 1, no stack trace", async (t) => {
  const { sim, env } = await world(t, { users: 3 });
  const { openSync, closeSync } = await import("node:fs");
  const { spawn } = await import("node:child_process");
  const { baseEnv, BIN } = await import("./helpers.mjs");
  for (const args of [["user", String(sim.listAll()[0].id)], ["list", "--json"]]) {
    const full = openSync("/dev/full", "w");
    const child = spawn(BIN, [...args, ...FAST], { env: baseEnv(env), stdio: ["ignore", full, "pipe"] });
    closeSync(full);
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    const code = await new Promise((ok) => child.on("close", ok));
    assert.equal(code, 1, `${args[0]}: ${stderr}`);
    assert.equal(stderr, "vomo-users: cannot write the output: ENOSPC\n", args[0]);
  }
});

test("a short token (a test token such as \"example\") is not cut out of the data it happens to be in; a real one is, and out of every message", async (t) => {
  const { sim, env } = await world(t, { users: 3, token: "example" });
  const target = sim.listAll()[0];
  assert.match(target.email, /example/, "the simulator's emails hold the token by chance");
  const r = await cli(["list", "--json", ...FAST], { env, secret: null });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(jsonLines(r.stdout).map((u) => u.email), sim.listAll().map((u) => u.email), "the emails as the API sent them");
  // In a message it is still cut out, short or not: a refused token quoted back by the server.
  const refused = await cli(["user", "999999", ...FAST], { env: { ...env, VOMO_TOKEN: "exampl" }, secret: null });
  assert.equal(refused.code, 1);
  assert.doesNotMatch(refused.stderr, /exampl(?!e)/, refused.stderr);
});

test("list --json whose reader goes away (| head -1): it ends quietly, exit 0, no stack trace, and stops listing", async (t) => {
  const { sim, env } = await world(t, { users: 150 });
  // 2 requests a second: ten pages would take 5 s; the reader leaves after the first line.
  const run = start(["list", "--json", "--rate", "2"], { env });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /\n/);
  sim.clearLog();
  run.child.stdout.destroy();
  const r = await run.done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "", "nothing on stderr");
  assert.ok(sim.log().length <= 1, `it stopped listing: ${sim.log().length} requests after the reader left`);
});

test("--verbose: one line per HTTP attempt on stderr, retries by their attempt, as the simulator received them; never the token; none without it", async (t) => {
  const { sim, env, dir } = await world(t, { users: 40 });
  sim.injectFault({ method: "GET", path: "/v1/users", page: 2, type: "status", status: 503, times: 1 });
  sim.clearLog();
  const r = await cli(["list", "--json", "--verbose", "--email-like", "@", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  const said = r.stderr.split("\n").filter((l) => l.startsWith("request: "));
  const received = sim.log().map((e) => `request: ${e.method} ${e.path}${e.query.page ? `?email_like=%40&page=${e.query.page}` : "?email_like=%40"}: ${e.status}`);
  assert.deepEqual(said.map((l) => l.replace(/ in \d+ ms( \(attempt \d\))?$/, "")), received, "each attempt, as the server saw it");
  assert.match(said[1], /^request: GET \/v1\/users\?email_like=%40&page=2: 503 in \d+ ms$/);
  assert.match(said[2], /^request: GET \/v1\/users\?email_like=%40&page=2: 200 in \d+ ms \(attempt 2\)$/);
  assert.equal(said.length, 4, "3 pages and one retry");
  assert.equal(jsonLines(r.stdout).length, 40, "stdout holds the data alone");
  // The upsert.
  const up = await cli(["upsert", "--first-name", "Ana", "--last-name", "Lee", "--email", "ana.lee@example.org", "--verbose", ...FAST], { env });
  assert.equal(up.code, 0, up.stderr);
  assert.match(up.stderr, /^request: POST \/v1\/users: 201 in \d+ ms$/m);
  const quiet = await cli(["list", ...FAST], { env });
  assert.doesNotMatch(quiet.stderr, /request: /, "nothing without --verbose");
  // The import's lines, on a pipe, come between its plain progress lines.
  const file = join(dir, "r.csv");
  await writeFile(file, "First Name,Last Name,Email\n" + Array.from({ length: 3 }, (_, i) => `V${i},W${i},v${i}@example.org\n`).join(""));
  const imp = await cli(["import", file, "--state-dir", join(dir, "state"), "--verbose", ...FAST], { env });
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.stderr.split("\n").filter((l) => /^request: POST \/v1\/users: 201 in \d+ ms$/.test(l)).length, 3, imp.stderr);
});

test("list: a user deleted while the pages are read makes a warning that the list changed (offset pages); an unchanged listing has none", async (t) => {
  const { sim, env } = await world(t, { users: 40 });
  const quiet = await cli(["list", "--json", ...FAST], { env });
  assert.doesNotMatch(quiet.stderr, /list changed/);
  const [first] = sim.listAll();
  sim.onPage({ page: 2, actions: [{ type: "delete", id: first.id }] });
  const r = await cli(["list", "--json", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: GET \/v1\/users\?page=2: meta\.total: 39 here, 40 on the page before: the list changed while it was read, so a user may be missing or listed twice$/m);
  const ids = jsonLines(r.stdout).map((u) => u.id);
  assert.equal(ids.length, 39, "one row slid onto page 1, read already: the warning is why");
});

test("list: a user deleted between the last page's count and its rows (a last page short of its own total) makes the warning too", async (t) => {
  const { sim, env } = await world(t, { users: 40 });
  const [first] = sim.listAll();
  // 40 users, 15 a page: page 3 counts 40 and then holds 9 rows; user 31 slid onto page 2.
  sim.onPage({ page: 3, at: "between", actions: [{ type: "delete", id: first.id }] });
  const r = await cli(["list", "--json", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^warning: GET \/v1\/users\?page=3: data: 9 records where meta\.total \(40\) says this page holds 10: the list changed while it was read, so a user may be missing$/m);
  assert.equal(jsonLines(r.stdout).length, 39, "40 less user 31, which slid past (the deleted one was listed before it went)");
});

test("list: the warning that the list changed is printed after more warnings about single users than are shown; those are cut, with their count", async (t) => {
  const { sim, env } = await world(t, { users: 40, quirks: { unknownEnums: false } });
  // 14 users with an unknown status (a warning about each) on pages 1 and 2, then a delete before page 3.
  for (const u of sim.listAll().slice(0, 28).filter((_, i) => i % 2 === 0)) sim.updateUser(u.id, { user_status: "SUSPENDED" });
  sim.onPage({ page: 3, actions: [{ type: "delete", id: sim.listAll()[0].id }] });
  const r = await cli(["list", "--json", ...FAST], { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.filter((l) => /^warning: GET \S+: data\[\d+\] \(user \d+\): user_status: unknown value "SUSPENDED"/.test(l)).length, 10, r.stderr);
  assert.match(r.stderr, /^warning: GET \/v1\/users\?page=3: meta\.total: 39 here, 40 on the page before: the list changed while it was read/m);
  assert.equal(lines.at(-1), "warning: ... and 4 more about one user each");
});
