// vomo-users sim and its alias vomo-sim: a simulator the other commands can use, stopped by
// Ctrl-C with exit 0.
import test from "node:test";
import assert from "node:assert/strict";
import { cli, jsonLines, start, SIM_BIN } from "./helpers.mjs";

for (const [label, bin, args] of [["vomo-users sim", undefined, ["sim"]], ["vomo-sim (alias)", SIM_BIN, []], ["vomo-users --json sim", undefined, ["--json", "sim"]]]) {
  test(`${label} --port 0 --users 7 serves 7 users to vomo-users list; SIGINT stops it`, async (t) => {
    const run = start([...args, "--port", "0", "--users", "7", "--seed", "3"], { bin });
    t.after(() => run.child.kill("SIGKILL"));
    await run.waitFor("stdout", /\n/);
    const { url, token } = JSON.parse(run.stdout);
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    if (!args.includes("--json")) await run.waitFor("stderr", /Ctrl-C stops it/);
    const list = await cli(["list", "--json", "--rate", "500"], { env: { VOMO_BASE_URL: url, VOMO_TOKEN: token } });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(jsonLines(list.stdout).length, 7);
    run.child.kill("SIGINT");
    const r = await run.done;
    assert.equal(r.code, 0);
    assert.equal(r.stdout.split("\n").filter(Boolean).length, 1, "one JSON line");
    if (args.includes("--json")) assert.equal(r.stderr, "", "--json: nothing for humans");
  });
}

test("vomo-sim --rps 2 --limiter fixed-window --window-ms 1000 --rate-headers: the limiter kinds sim/README.md documents, as the repository's sim/cli.mjs takes them; a limiter option without --rps is bad usage", async (t) => {
  const run = start(["--port", "0", "--users", "3", "--rps", "2", "--limiter", "fixed-window", "--window-ms", "1000", "--rate-headers"], { bin: SIM_BIN });
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /\n/);
  const { url, token } = JSON.parse(run.stdout);
  const statuses = [];
  let headers;
  for (let i = 0; i < 3; i++) { // three in a row, inside one window of 2
    const r = await fetch(`${url}/users`, { headers: { Authorization: `Bearer ${token}` } });
    statuses.push(r.status);
    headers ??= r.headers;
  }
  assert.deepEqual(statuses, [200, 200, 429], "a fixed window of 2 requests");
  assert.equal(headers.get("x-ratelimit-limit"), "2", "--rate-headers");
  run.child.kill("SIGINT");
  assert.equal((await run.done).code, 0);
  for (const [args, message] of [[["--limiter", "leaky"], /--limiter: expected one of token-bucket, sliding-window, fixed-window, got "leaky"/],
    [["--limiter", "fixed-window"], /--limiter applies to the rate limit, which needs --rps/]]) {
    const bad = await cli(["sim", "--port", "0", ...(args[1] === "leaky" ? ["--rps", "2"] : []), ...args]);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, message);
  }
});

test("sim: a bad option is bad usage; --help documents the handshake line", async () => {
  const bad = await cli(["sim", "--quirk", "nonsense=on"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--quirk: unknown quirk "nonsense"/);
  // Read as the repository's `node sim/cli.mjs` reads it (sim/lib/args.mjs): a 429 option without a limit is no limit.
  const no429 = await cli(["sim", "--port", "0", "--empty-429"]);
  assert.equal(no429.code, 2);
  assert.match(no429.stderr, /^vomo-users: --empty-429 applies to the rate limit, which needs --rps$/m);
  const maybe = await cli(["sim", "--port", "0", "--quirk", "stringHours=maybe"]);
  assert.equal(maybe.code, 2);
  assert.match(maybe.stderr, /--quirk: expected stringHours=on or stringHours=off, got "stringHours=maybe"/);
  const help = await cli(["--help"], { bin: SIM_BIN });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: vomo-users sim /);
  assert.match(help.stdout, /"url":\.\.\.,"token":\.\.\./);
});

test("sim on a port in use: exit 1 (the same command works once it is free), not bad usage", async () => {
  const { createServer } = await import("node:net");
  const taken = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => taken.once("listening", r));
  try {
    const r = await cli(["sim", "--port", String(taken.address().port)]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim(), `vomo-users: sim: port ${taken.address().port} is in use (--port 0 picks a free one)`);
    assert.equal(r.stdout, "");
  } finally {
    taken.close();
  }
});

test("sim --foreign-port N: the foreign listener on that port (a firewall that allows a range); taken: exit 1 naming it; a port no client could reach: bad usage", async (t) => {
  const { createServer } = await import("node:net");
  const free = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => free.once("listening", r));
  const port = free.address().port;
  await new Promise((r) => free.close(r));
  const run = start(["sim", "--port", "0", "--foreign-port", String(port), "--users", "2"]);
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /\n/);
  assert.equal(new URL(JSON.parse(run.stdout).foreignUrl).port, String(port));
  // Now taken (by the first): a second one on it fails naming the foreign port, not --port.
  const second = await cli(["sim", "--port", "0", "--foreign-port", String(port)]);
  assert.equal(second.code, 1, second.stderr);
  assert.equal(second.stderr.trim(), `vomo-users: sim: port ${port} is in use (--foreign-port 0 picks a free one)`);
  run.child.kill("SIGINT");
  assert.equal((await run.done).code, 0);
  const unreachable = await cli(["sim", "--foreign-port", "6000"]);
  assert.equal(unreachable.code, 2);
  assert.match(unreachable.stderr, /^vomo-users: --foreign-port 6000: no client could reach it/m);
});

test("vomo-users demo from the installed package: the main job, no token needed", async () => {
  const r = await cli(["demo", "--users", "20"]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^== First poll: the initial sync/m);
  assert.match(r.stdout, /processed 20 \(created \d+, updated \d+, failed 0\)/);
  assert.match(r.stdout, /processed 5 \(created 2, updated 3, failed 0\), participation events 1/);
  assert.match(r.stdout, /Reconciliation: complete listing; known but not visible: \[\d+\]/);
});

test("vomo-users demo: the initial sync shows its progress on stderr (100,000 users take minutes), the last line at 100 %", async () => {
  // 300 users: a page request per 15 and a detail request each, at 100 a second: over 3 s, so
  // plain lines come (every 5 % at most once a second) before the last.
  const r = await cli(["demo", "--users", "300"]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("progress: "));
  assert.equal(lines.at(-1), "progress: 300/300 (100%), users delivered, done");
  assert.ok(lines.length >= 2, r.stderr);
  assert.match(lines[0], /^progress: \d+\/300 \(\d+%\), users delivered, ETA \d+:\d\d$/);
});

test("vomo-users demo --json: the same walkthrough as one JSON value per line, each naming its step", async () => {
  const r = await cli(["demo", "--users", "20", "--json"]);
  assert.equal(r.code, 0, r.stderr);
  const values = r.stdout.trim().split("\n").map((l) => JSON.parse(l)); // every line is JSON
  const steps = values.map((v) => v.step);
  assert.deepEqual([...new Set(steps)], ["simulator", "poll", "event", "changes", "reconcile", "health", "client", "store"]);
  const [first, second] = values.filter((v) => v.step === "poll");
  assert.deepEqual([first.poll, first.result.processed, second.poll, second.result.processed], ["first", 20, "second", 5]);
  const later = values.filter((v) => v.step === "event" && v.poll === "second");
  assert.deepEqual(later.filter((e) => e.type === "user").map((e) => e.event.kind).sort(), ["created", "created", "updated", "updated", "updated"]);
  assert.equal(later.filter((e) => e.type === "participation").length, 1);
  const { deleted } = values.find((v) => v.step === "changes");
  assert.deepEqual(values.find((v) => v.step === "reconcile").result.missing, [deleted], "the deleted user is missing");
  assert.doesNotMatch(r.stdout, /== |Simulated VOMO/, "no text lines among the JSON");
});

test("sim prints its own token even when VOMO_TOKEN (from an earlier sim) is that token: `jq -r .token` gets it, not [redacted]", async (t) => {
  const first = start(["sim", "--port", "0", "--users", "2"]);
  t.after(() => first.child.kill("SIGKILL"));
  await first.waitFor("stdout", /\n/);
  const { token } = JSON.parse(first.stdout);
  first.child.kill("SIGINT");
  await first.done;
  const second = start(["sim", "--port", "0", "--users", "2"], { env: { VOMO_TOKEN: token } });
  t.after(() => second.child.kill("SIGKILL"));
  await second.waitFor("stdout", /\n/);
  const line = JSON.parse(second.stdout);
  assert.equal(line.token, token);
  const list = await cli(["list", "--json", "--rate", "500"], { env: { VOMO_BASE_URL: line.url, VOMO_TOKEN: line.token } });
  assert.equal(list.code, 0, list.stderr);
  second.child.kill("SIGINT");
  await second.done;
});

test("vomo-users sim --latency 600000, stopped (SIGTERM) while a request waits out its latency: it exits 0 at once, not when the wait's timer fires", async (t) => {
  const run = start(["sim", "--port", "0", "--users", "3", "--latency", "600000"]);
  t.after(() => run.child.kill("SIGKILL"));
  await run.waitFor("stdout", /\n/);
  const { url, token } = JSON.parse(run.stdout);
  const waiting = fetch(`${url}/users`, { headers: { Authorization: `Bearer ${token}` } }).then((r) => r.status, (e) => e.cause?.code ?? e.name);
  // The request has arrived (the simulator logs it before its latency): the control API says so.
  for (let i = 0; i < 200; i++) {
    const log = await (await fetch(`${new URL(url).origin}/__sim/log`)).json();
    if (log.length) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  run.child.kill("SIGTERM");
  assert.equal((await run.done).code, 0, "exited (else the test runner's timeout ends it, minutes before the 10-minute timer)");
  assert.notEqual(await waiting, 200);
});
