// Help, version and bad usage: exit 2 with one clear line and the usage on stderr; the
// token never in any of it.
import test from "node:test";
import { createServer } from "node:net";
import { createServer as httpServer } from "node:http";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cli, jsonLines, tempDir, VERSION, baseEnv, APP_DIR, world } from "./helpers.mjs";

const SECRET = "tok-never-print-7f3a9c";
const env = { VOMO_TOKEN: SECRET, VOMO_BASE_URL: "http://127.0.0.1:59/v1" }; // nothing listens: usage errors come first

test("--help lists every command and the exit codes, on stdout, exit 0", async () => {
  const r = await cli(["--help"], { env });
  assert.equal(r.code, 0);
  for (const c of ["list", "user", "find", "upsert", "import", "poll", "reconcile", "sim", "demo"]) {
    assert.match(r.stdout, new RegExp(`^  ${c} `, "m"), c);
  }
  assert.match(r.stdout, /VOMO_TOKEN/);
  assert.match(r.stdout, /https:\/\/api\.vomo\.org\/v1/, "names the default base URL");
  assert.match(r.stdout, /2 bad usage; 3 not found/);
  assert.equal(r.stderr, "");
});

test("a command's --help shows its options", async () => {
  const r = await cli(["import", "--help"], { env });
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: vomo-users import <roster\.csv \| -> \[--key KEY\] \[--state-dir DIR\]/);
  const poll = await cli(["--json", "poll", "-h"], { env });
  assert.match(poll.stdout, /--participations off\|changed-users\|full-scan/);
});

test("sim and demo run their own simulator: --base-url, --token-file, --rate and --verbose are bad usage there, not ignored, and their help does not list them", async () => {
  for (const [command, option] of [["demo", "--base-url"], ["demo", "--token-file"], ["demo", "--rate"], ["demo", "--verbose"], ["sim", "--base-url"], ["sim", "--rate"], ["sim", "--verbose"]]) {
    const value = option === "--base-url" ? "https://api.example.org/v1" : option === "--rate" ? "5" : "/tmp/token";
    const r = await cli([command, option, ...(option === "--verbose" ? [] : [value]), "--users", "5"]);
    assert.equal(r.code, 2, `${command} ${option}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^vomo-users: ${command}: ${option} is for the commands that call an API; ${command} runs its own simulator$`, "m"));
    assert.equal(r.stdout, "", "nothing started");
  }
  for (const command of ["demo", "sim"]) {
    const help = await cli([command, "--help"]);
    assert.doesNotMatch(help.stdout, /--base-url|--token-file|--rate N|--verbose/, help.stdout);
    assert.match(help.stdout, /--json/);
  }
  const list = await cli(["list", "--help"]);
  assert.match(list.stdout, /--base-url URL[\s\S]*--token-file PATH[\s\S]*--rate N/);
});

test("--version prints the package version", async () => {
  const r = await cli(["--version"], { env });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim(), VERSION);
});

const BAD = [
  [[], /no command given/],
  [["frobnicate"], /unknown command "frobnicate"/],
  [["list", "--colour"], /unknown option --colour for list/],
  [["list", "--updated-after"], /--updated-after needs a value/],
  [["list", "--updated-after", "yesterday"], /--updated-after: not an ISO-8601 date or timestamp: "yesterday"/],
  [["list", "--created-before", "2025-02-30"], /--created-before: not an ISO-8601/],
  [["user"], /user: missing <id>/],
  [["user", "abc"], /not a user id: "abc"/],
  [["user", "1", "2"], /unexpected argument "2"/],
  [["upsert", "--first-name", "A", "--email", "a@b.org"], /upsert: missing --last-name/],
  [["poll", "--state-dir", "x"], /poll: missing --customer/],
  [["poll", "--customer", "c", "--state-dir", "x", "--participations", "some"], /--participations: expected one of off, changed-users, full-scan/],
  [["poll", "--customer", "c", "--state-dir", "x", "--every", "soon"], /--every: expected a duration/],
  [["poll", "--customer", "c", "--state-dir", "x", "--every", "1m30"], /--every: expected a duration such as 30s, 5m, 1h30m or 1500ms \(a bare number is seconds\), got "1m30"/],
  [["import", "does-not-exist.csv", "--lock-timeout", "1h30x"], /--lock-timeout: expected a duration/],
  [["reconcile", "--customer", "c"], /reconcile: missing --state-dir/],
  [["list", "--rate", "0"], /--rate: expected requests per second/],
  // One request in hours would look like a hang; a timer cannot wait past 24.8 days (Node runs it after 1 ms).
  [["list", "--rate", "0.0001"], /--rate: at least 0\.01 \(one request in 100 s\), got "0\.0001"/],
  [["poll", "--customer", "c", "--state-dir", "x", "--every", "600h"], /--every: at most 596h \(24\.8 days, the longest a timer waits\), got "600h"/],
  [["sim", "--now", "garbage"], /--now: not an ISO-8601 date or timestamp: "garbage"/],
  [["sim", "--rps", "0"], /--rps: expected a positive number of requests per second, got 0/],
  [["demo", "--users", "3"], /--users: at least 4 \(the demo changes four users\), got 3/],
  [["demo", "--users", "99999999999"], /--users: at most 100000, got 99999999999/],
  [["list", "--rate", "-1"], /^vomo-users: --rate needs a value; to give one that starts with "-", write --rate=VALUE$/m],
  [["list", "--rate=-1"], /--rate: expected requests per second .* got "-1"/],
  [["sim", "--port", "99999"], /^vomo-users: --port: a port is 0 to 65535, got 99999$/m],
  [["sim", "--port", "6000"], /^vomo-users: --port 6000: no client could reach it \(VomoClient: baseUrl: fetch refuses to connect to port 6000 /m],
  [["list", "--base-url", "http://api.vomo.org/v1"], /--base-url: VomoClient: baseUrl must use https outside loopback \(got http:\/\/api\.vomo\.org\); the token would travel in clear text/],
  [["list", "--base-url", "not a url"], /--base-url: VomoClient: baseUrl is not an http\(s\) URL/],
  [["list", "--token", SECRET], /unknown option --token for list/],
  [[`--token=${SECRET}`, "list"], /unknown option --token for list/],
  [["user", "-5"], /unknown option -5 for user; a value that starts with "-" goes after --: user -- -5/],
];

for (const [args, message] of BAD) {
  test(`bad usage: vomo-users ${args.join(" ").replace(SECRET, "<token>")} -> exit 2`, async () => {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, "");
    const [first, blank, usage] = r.stderr.split("\n");
    assert.match(first, message);
    assert.match(first, /^vomo-users: /);
    assert.equal(blank, "");
    assert.match(usage, /^Usage: vomo-users /);
  });
}

// Bad input that is not the command line's: exit 2 as bad usage, its line alone (the usage
// would bury it). Compound durations are read (the run then stops at the missing file).
for (const args of [["import", "does-not-exist.csv"], ["import", "does-not-exist.csv", "--lock-timeout", "1h30m15s"]]) {
  test(`bad input: vomo-users ${args.join(" ")} -> exit 2, one line`, async () => {
    const r = await cli(args, { env });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, "vomo-users: import: no such file: does-not-exist.csv\n");
  });
}

test("sim on a host this machine cannot listen on: exit 1 (the machine's, not the command line's; as sim/README.md says), one line", async () => {
  const r = await cli(["sim", "--port", "0", "--host", "no-such-host.invalid"], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^vomo-users: sim: cannot listen on --host no-such-host\.invalid \((ENOTFOUND|EAI_AGAIN)\)\n$/);
});

test("a non-loopback http:// base URL from VOMO_BASE_URL is bad usage too; loopback and https are accepted; a failed connection names the host and port tried", async (t) => {
  const r = await cli(["find", "a@b.org"], { env: { ...env, VOMO_BASE_URL: "http://10.0.0.8/v1" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--base-url: VomoClient: baseUrl must use https outside loopback/);
  // localhost passes the check and then fails to connect: a server of the test's own that
  // drops every connection (held, so no other process on the machine can take the port and
  // answer): exit 1, kind network.
  const dropping = createServer().on("connection", (socket) => socket.destroy());
  await new Promise((resolve) => dropping.listen(0, "127.0.0.1", resolve));
  t.after(() => dropping.close());
  const local = await cli(["user", "1", "--rate", "1000"], { env: { ...env, VOMO_BASE_URL: `http://localhost:${dropping.address().port}/v1` } });
  assert.equal(local.code, 1);
  assert.match(local.stderr, /^vomo-users: network error: GET \/v1\/users\/1: fetch failed/m);
  assert.doesNotMatch(local.stderr, /network error.*network error/, "the kind said once");
  // The message names the request's path alone; a note names the host and port tried.
  assert.match(local.stderr, new RegExp(`^vomo-users: note: the connection was (reset|closed) by localhost:${dropping.address().port} \\(--base-url http://localhost:${dropping.address().port}/v1\\); check the URL`, "m"));
  // A port nothing listens on (one this test held, then closed).
  const closed = createServer();
  await new Promise((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const { port } = closed.address();
  await new Promise((resolve) => closed.close(resolve));
  const refused = await cli(["user", "1", "--rate", "1000"], { env: { ...env, VOMO_BASE_URL: `http://127.0.0.1:${port}/v1` } });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^vomo-users: network error: GET \/v1\/users\/1: fetch failed \(ECONNREFUSED\)/m);
  assert.match(refused.stderr, new RegExp(`^vomo-users: note: nothing accepts connections at 127\\.0\\.0\\.1:${port} \\(--base-url http://127\\.0\\.0\\.1:${port}/v1\\)`, "m"));
  // https:// to a server that speaks http://.
  const plain = httpServer((req, res) => res.end("{}"));
  await new Promise((resolve) => plain.listen(0, "127.0.0.1", resolve));
  t.after(() => plain.close());
  const tls = await cli(["user", "1", "--rate", "1000"], { env: { ...env, VOMO_BASE_URL: `https://127.0.0.1:${plain.address().port}/v1` } });
  assert.equal(tls.code, 1);
  assert.match(tls.stderr, /^vomo-users: note: the TLS handshake with 127\.0\.0\.1:\d+ failed \(\w+\), as with a server that speaks http:\/\/, not https:\/\/ \(--base-url https:/m);
  // Port 9 (discard) is one fetch refuses to connect to: bad usage at once, not four retries.
  const blocked = await cli(["user", "1", "--rate", "1000"], { env: { ...env, VOMO_BASE_URL: "http://localhost:9/v1" } });
  assert.equal(blocked.code, 2);
  assert.match(blocked.stderr, /^vomo-users: --base-url: VomoClient: baseUrl: fetch refuses to connect to port 9 /m);
});

test("no token: exit 2 naming VOMO_TOKEN and --token-file; an unreadable token file likewise", async (t) => {
  const r = await cli(["list"], { env: { VOMO_BASE_URL: "http://127.0.0.1:59/v1" } });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no token: set VOMO_TOKEN or pass --token-file PATH/);
  const dir = await tempDir(t);
  const missing = await cli(["list", "--token-file", join(dir, "nope")], { env });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--token-file: cannot read .*nope \(ENOENT\)/);
  // The token pasted where its file belongs: not echoed (a token holds no '/').
  const pasted = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2VjcmV0LXBhc3RlZA";
  for (const value of [pasted, `42|${pasted}`]) {
    const r = await cli(["list", "--token-file", value], { env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--token-file: cannot read the file given \(its name is not repeated: .*\) \(ENOENT\)/);
    assert.ok(!r.stderr.includes(pasted.slice(0, 12)) && !r.stdout.includes(pasted.slice(0, 12)), r.stderr);
  }
  // A base64 token holds '/': not echoed either (no such folder before it); a path is.
  const b64 = "12|Qw3rTy9uIoPa/SdFgHj+KlZxCvBnM0a1s2D3f4G5h6";
  const b64Run = await cli(["list", "--token-file", b64], { env });
  assert.match(b64Run.stderr, /--token-file: cannot read the file given \(its name is not repeated: .*\) \(ENOENT\)/);
  assert.ok(!b64Run.stderr.includes("Qw3rTy9u"), b64Run.stderr);
  // One that begins with '/' (one base64 token in 64): the root is no folder a token file is in.
  for (const value of ["/Zm9vYmFyc2VjcmV0dG9rZW4xMjM0NTY3ODkw", "//Zm9vYmFyc2VjcmV0dG9rZW4xMjM0NTY3ODkw"]) {
    const r = await cli(["list", "--token-file", value], { env });
    assert.match(r.stderr, /--token-file: cannot read the file given \(its name is not repeated: .*\) \(ENOENT\)/, value);
    assert.ok(!r.stderr.includes("Zm9vYmFy"), r.stderr);
  }
  // The token read from the file, pasted as an argument: hidden in the usage errors that quote arguments.
  await writeFile(join(dir, "token"), `${b64}\n`);
  for (const args of [["user", b64], ["list", "--updated-after", b64], ["list", "--rate", b64], [b64]]) {
    const r = await cli(["--token-file", join(dir, "token"), ...args], { env: { VOMO_BASE_URL: "http://127.0.0.1:59/v1" }, secret: b64 });
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(!r.stderr.includes("Qw3rTy9u") && !r.stderr.includes("SdFgHj"), `${args[0]}: ${r.stderr}`);
  }
  await writeFile(join(dir, "empty"), "\n");
  const empty = await cli(["list", "--token-file", join(dir, "empty")], { env: { VOMO_BASE_URL: "http://127.0.0.1:59/v1" } });
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /is empty/);
});

test("npx vomo-users works in the project that installed the tarball", async () => {
  const { stdout } = await promisify(execFile)("npx", ["--no-install", "vomo-users", "--version"], { cwd: APP_DIR, env: baseEnv({ npm_config_update_notifier: "false" }) });
  assert.equal(stdout.trim(), VERSION);
  const help = await promisify(execFile)("npx", ["--no-install", "vomo-users", "--help"], { cwd: APP_DIR, env: baseEnv({ npm_config_update_notifier: "false" }) });
  assert.match(help.stdout, /^Usage: vomo-users <command> \[options\]/);
});

test("help and help <command> as gh has them; help of an unknown command is bad usage", async () => {
  const all = await cli(["help"], { env });
  assert.equal(all.code, 0);
  assert.match(all.stdout, /^Usage: vomo-users <command> \[options\]/);
  const one = await cli(["help", "reconcile"], { env });
  assert.equal(one.code, 0);
  assert.match(one.stdout, /^Usage: vomo-users reconcile --customer ID --state-dir DIR/);
  for (const asked of ["--help", "-h"]) { // help's own help (an outside pass got "unknown command")
    const self = await cli(["help", asked], { env });
    assert.equal(self.code, 0, self.stderr);
    assert.match(self.stdout, /^Usage: vomo-users <command> \[options\]/);
  }
  const bad = await cli(["help", "nope"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^vomo-users: unknown command "nope"\n\nUsage: vomo-users <command>/);
});

test("options may come before the command, a command's own valued options too: --state-dir DIR import FILE, --customer ID poll", async (t) => {
  const { sim, env, dir } = await world(t, { users: 4 });
  const file = join(dir, "roster.csv");
  await writeFile(file, "First Name,Last Name,Email\r\nAna,Lima,ana@example.org\r\n");
  const state = join(dir, "state");
  const imported = await cli(["--state-dir", state, "--rate", "500", "import", file, "--json"], { env });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(jsonLines(imported.stdout).at(-1).created, 1);
  sim.advanceClock(60_000);
  const polled = await cli(["--customer", "acme", "--state-dir", state, "poll", "--json", "--rate", "500"], { env });
  assert.equal(polled.code, 0, polled.stderr);
  assert.equal(jsonLines(polled.stdout).filter((l) => l.type === "user").length, 5);
  const bad = await cli(["--customer", "acme", "nonsense"], { env });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /unknown command "nonsense"/);
});

test("a reader of stderr that went away loses the messages, not the exit code: 2 for bad usage, 3 for not found, 1 for an API error", async (t) => {
  const { spawn } = await import("node:child_process");
  const { BIN } = await import("./helpers.mjs");
  const { env: simEnv } = await world(t);
  /** Runs the bin with its stderr pipe closed by this end before the child writes to it. */
  const withStderrGone = (args, extra) => new Promise((ok, fail) => {
    const child = spawn(BIN, args, { env: baseEnv(extra), stdio: ["ignore", "pipe", "pipe"] });
    child.stderr.destroy();
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
    child.on("error", fail);
    child.on("close", (code, signal) => ok({ code, signal, stdout }));
  });
  const usage = await withStderrGone(["list", "--bogus"], env);
  assert.deepEqual([usage.code, usage.signal], [2, null], "bad usage is still exit 2");
  const missing = await withStderrGone(["user", "999999", "--rate", "500"], simEnv);
  assert.deepEqual([missing.code, missing.stdout], [3, ""], "not found is still exit 3");
  const denied = await withStderrGone(["user", "1", "--rate", "500"], { ...simEnv, VOMO_TOKEN: "wrong-token-1234" });
  assert.equal(denied.code, 1, "an API error (401) is still exit 1");
});

test("a token given with its `Bearer ` prefix (VOMO_TOKEN, --token-file) is hidden as the client sends it, when a server echoes it back", async (t) => {
  const http = await import("node:http");
  const bare = "42|Sk9xQ2vR7tLmNpWz/Ab+Cd=EfGh";
  // Echoes the credential in its 401 body, raw and as a URL would carry it.
  const server = http.createServer((req, res) => {
    const sent = String(req.headers.authorization ?? "").replace(/^Bearer /, "");
    res.writeHead(401, { "content-type": "application/json" });
    res.end(JSON.stringify({ message: `bad token ${sent} (${encodeURI(sent)})` }));
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  t.after(() => new Promise((ok) => { server.closeAllConnections(); server.close(ok); }));
  const base = `http://127.0.0.1:${server.address().port}/v1`;
  const dir = await tempDir(t);
  const file = join(dir, "token");
  await writeFile(file, `Bearer ${bare}\n`);
  for (const [args, extra] of [[[], { VOMO_TOKEN: `Bearer ${bare}` }], [["--token-file", file], {}], [["--token-file", file, "--json"], {}]]) {
    const r = await cli(["user", "7", "--base-url", base, ...args], { env: extra, secret: bare });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^vomo-users: auth error \(HTTP 401\): .*bad token \[redacted\] \(\[redacted\]\)/m);
    assert.ok(!r.stderr.includes(encodeURI(bare)), r.stderr);
  }
});

test("an empty VOMO_BASE_URL counts as unset, as an empty VOMO_TOKEN does (CI exports empty variables): not 'Invalid URL'", async () => {
  const r = await cli(["user", "1"], { env: { VOMO_BASE_URL: "", VOMO_TOKEN: "" } });
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.split("\n")[0], "vomo-users: no token: set VOMO_TOKEN or pass --token-file PATH");
});

test("a refused token wrapped in quotes (docker --env-file keeps them) gets a note saying so; a refused token without them does not", async (t) => {
  const { startSimulator } = await import("vomo-users/sim");
  const sim = await startSimulator({ port: 0, users: 2 });
  t.after(() => sim.close());
  const quoted = await cli(["user", "1", "--rate", "500"], { env: { VOMO_BASE_URL: sim.url, VOMO_TOKEN: `"${sim.token}"` }, secret: sim.token });
  assert.equal(quoted.code, 1);
  assert.match(quoted.stderr, /^vomo-users: auth error/m);
  assert.match(quoted.stderr, /^vomo-users: note: the token begins and ends with a quote; if they are not part of it \(docker's --env-file keeps the quotes of VOMO_TOKEN="\.\.\."\), pass it without them$/m);
  const wrong = await cli(["user", "1", "--rate", "500"], { env: { VOMO_BASE_URL: sim.url, VOMO_TOKEN: "not-the-token" } });
  assert.equal(wrong.code, 1);
  assert.doesNotMatch(wrong.stderr, /note: the token begins/);
});

// An outside pass: with no token configured (nothing for the output to hide), a token pasted
// where a command or an argument belongs was quoted back.
const PASTED = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNlY3JldC00Mg";
const SANCTUM = "42|Sk9xQ7pL2mN4vB8wR1tY6uI3oP5aS0dF";
for (const [args, message] of [
  [[PASTED], /^vomo-users: unknown command \(64 characters, not shown: it may be a token\)$/m],
  [["help", SANCTUM], /^vomo-users: unknown command \(35 characters, not shown: it may be a token\)$/m],
  [["list", PASTED], /^vomo-users: list: unexpected argument \(64 characters, not shown: it may be a token\)$/m],
  [["import", SANCTUM], /^vomo-users: import: no such file: \(35 characters, not shown: it may be a token\)$/m],
]) {
  test(`a pasted token is not quoted back with none configured: vomo-users ${args.join(" ").replace(PASTED, "<jwt>").replace(SANCTUM, "<sanctum>")}`, async () => {
    const r = await cli(args, { env: { VOMO_BASE_URL: env.VOMO_BASE_URL } });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, message);
    for (const secret of [PASTED, SANCTUM, SANCTUM.split("|")[1], PASTED.split(".")[2]]) assert.ok(!r.stderr.includes(secret), r.stderr);
  });
}

test("a file name or a word is still quoted as given", async () => {
  for (const [args, shown] of [[["import", "volunteers_export_2026_12.csv"], "no such file: volunteers_export_2026_12.csv"], [["frobnicate2026"], '"frobnicate2026"']]) {
    const r = await cli(args, { env });
    assert.ok(r.stderr.includes(shown), r.stderr);
  }
});
