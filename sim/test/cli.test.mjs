// Starting from the shell: node sim/cli.mjs prints one JSON line, serves, exits on SIGTERM.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../cli.mjs", import.meta.url));

test("cli: starts from the shell, prints {url, token, foreignUrl}, honours flags, stops on SIGTERM", async () => {
  const child = spawn(process.execPath, [CLI, "--port", "0", "--users", "40", "--seed", "3", "--per-page", "10",
    "--rps", "100", "--burst", "100", "--strict"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const line = await new Promise((resolve, reject) => {
      let buf = "";
      child.stdout.on("data", (c) => { buf += c; if (buf.includes("\n")) resolve(buf.split("\n")[0]); });
      child.on("exit", (code) => reject(new Error(`exited ${code}`)));
    });
    const info = JSON.parse(line);
    assert.deepEqual(Object.keys(info), ["url", "token", "foreignUrl"]);
    assert.match(info.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const page = await (await fetch(`${info.url}/users`, { headers: { Authorization: `Bearer ${info.token}` } })).json();
    assert.equal(page.meta.total, 40);
    assert.equal(page.meta.per_page, 10);
    const r = await fetch(`${info.url}/users`, { method: "POST", headers: { Authorization: `Bearer ${info.token}`,
      "Content-Type": "application/json" }, body: JSON.stringify({ first_name: "A", last_name: "B", email: "a@b.example" }) });
    assert.equal(r.status, 422, "--strict");
    const exited = new Promise((resolve) => child.on("exit", (code, sig) => resolve(code ?? sig)));
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
});

test("cli: --help", () => {
  const out = execFileSync(process.execPath, [CLI, "--help"], { encoding: "utf8" });
  assert.match(out, /--port/);
  assert.match(out, /--rps/);
});

// The flags are read by sim/lib/args.mjs, which the package's `vomo-users sim` uses too
// (tests/cli/sim.test.mjs runs the installed command): bad usage here is exit 2 with the
// flag named, before anything listens.
test("cli: a bad flag or value is exit 2 naming it; the reading is parseSimulatorArgs'", async () => {
  const { parseSimulatorArgs } = await import("../index.mjs");
  for (const [args, message] of [
    [["--rps", "0"], /^--rps: expected a positive number of requests per second, got 0$/],
    [["--rps", "2", "--limiter", "leaky"], /^--limiter: expected one of token-bucket, sliding-window, fixed-window, got "leaky"$/],
    [["--empty-429"], /^--empty-429 applies to the rate limit, which needs --rps$/],
    [["--burst", "3"], /^--burst applies to the rate limit, which needs --rps$/],
    [["--quirk", "nonsense=on"], /^--quirk: unknown quirk "nonsense"; known: stringHours, /],
    [["--quirk=stringHours=maybe"], /^--quirk: expected stringHours=on or stringHours=off, got "stringHours=maybe"$/],
    [["--now", "garbage"], /^--now: not an ISO-8601 date or timestamp: "garbage"/],
    [["--port", "70000"], /^--port: a port is 0 to 65535, got 70000$/],
    [["--users", "-3"], /^Option '--users' argument is ambiguous/],
    [["--users", "many"], /^--users: expected a non-negative integer, got "many"$/],
    [["--bogus"], /^Unknown option '--bogus'/],
    [["--token", "tok en"], /^--token: a bearer token is visible ASCII without spaces \(no client could send this one\)$/],
    [["--forbidden-token", "caf\u00e9"], /^--forbidden-token: a bearer token is visible ASCII without spaces/],
  ]) {
    assert.throws(() => parseSimulatorArgs(args), (e) => e.name === "SimulatorArgsError" && message.test(e.message), args.join(" "));
    let r;
    try {
      execFileSync(process.execPath, [CLI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      r = e;
    }
    assert.equal(r?.status, 2, `${args.join(" ")}: exit 2`);
    assert.match(r.stderr.split("\n")[0], message);
  }
  const { options } = parseSimulatorArgs(["--port=0", "--rps", "2", "--limiter", "fixed-window", "--rate-headers", "--quirk", "stringMeta=on", "--quirk=stringHours=off", "--now", "2026-01-01"]);
  assert.deepEqual(options, { port: 0, now: "2026-01-01", quirks: { stringMeta: true, stringHours: false },
    rateLimit: { requestsPerSecond: 2, burst: 2, retryAfter: true, emptyBody: false, headers: true, kind: "fixed-window" } });
});

test("cli: a port in use is exit 1 (not bad usage), naming the address", async () => {
  const { createServer } = await import("node:net");
  const taken = createServer().listen(0, "127.0.0.1");
  await new Promise((r) => taken.once("listening", r));
  try {
    execFileSync(process.execPath, [CLI, "--port", String(taken.address().port)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    assert.fail("started on a taken port");
  } catch (e) {
    assert.equal(e.status, 1);
    assert.match(e.stderr, new RegExp(`^sim/cli\\.mjs: cannot listen on 127\\.0\\.0\\.1:${taken.address().port}: EADDRINUSE$`, "m"));
  } finally {
    taken.close();
  }
});
