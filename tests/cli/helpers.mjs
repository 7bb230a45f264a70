// Shared by the CLI tests. They run from a temp project that installed the packed tarball
// (scripts/test.sh copies tests/cli there), and run the installed bin as a user would:
// node_modules/.bin/vomo-users, a real process, against the package's simulator (real HTTP).
// Every run is checked for the token (never in stdout or stderr) and for escape codes
// (stdout and stderr are pipes here, not terminals).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startSimulator } from "vomo-users/sim";

const installed = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));
/** The installed bin links (node_modules/.bin), exactly what npm made of the package's `bin`. */
export const APP_DIR = join(installed, "..", "..");
export const BIN = join(installed, "..", ".bin", "vomo-users");
export const SIM_BIN = join(installed, "..", ".bin", "vomo-sim");
export const VERSION = createRequire(import.meta.url)("vomo-users/package.json").version;

// eslint-disable-next-line no-control-regex
export const ESCAPE = /\x1b/;

/** A fresh temp directory, removed after the test. */
export async function tempDir(t) {
  const dir = await mkdtemp(join(tmpdir(), "vomo-cli-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The environment of a run: nothing inherited but PATH (no NO_COLOR, no VOMO_* of the caller). */
export const baseEnv = (extra = {}) => ({ PATH: process.env.PATH, HOME: tmpdir(), ...extra });

/** Starts `bin args`; `done` resolves to { code, signal, stdout, stderr } once it exits. */
export function start(args, { env = {}, cwd, bin = BIN } = {}) {
  const child = spawn(bin, args, { env: baseEnv(env), cwd, stdio: ["ignore", "pipe", "pipe"] });
  const run = { child, stdout: "", stderr: "" };
  const waiters = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.re.test(run[w.stream])) {
        waiters.splice(waiters.indexOf(w), 1);
        w.ok();
      }
    }
  };
  child.stdout.setEncoding("utf8").on("data", (d) => { run.stdout += d; check(); });
  child.stderr.setEncoding("utf8").on("data", (d) => { run.stderr += d; check(); });
  run.done = new Promise((ok, fail) => {
    child.on("error", fail);
    child.on("close", (code, signal) => {
      for (const w of waiters) w.fail(new Error(`exited (${code ?? signal}) before ${w.stream} matched ${w.re}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`));
      ok({ code, signal, stdout: run.stdout, stderr: run.stderr });
    });
  });
  /** Resolves once `stream` ("stdout" or "stderr") matches `re` (an event of the process, not a sleep). */
  run.waitFor = (stream, re) => new Promise((ok, fail) => {
    waiters.push({ stream, re, ok, fail });
    check();
  });
  return run;
}

/**
 * Runs `vomo-users args` to the end. Asserts that `secret` (default: env.VOMO_TOKEN) appears
 * in neither stdout nor stderr, and that the non-terminal output has no escape codes.
 */
export async function cli(args, { env = {}, cwd, bin, secret = env.VOMO_TOKEN } = {}) {
  const r = await start(args, { env, cwd, bin }).done;
  if (secret) {
    assert.ok(!r.stdout.includes(secret), `the token appeared on stdout of ${args.join(" ")}`);
    assert.ok(!r.stderr.includes(secret), `the token appeared on stderr of ${args.join(" ")}`);
  }
  assert.doesNotMatch(r.stdout, ESCAPE, `escape codes on stdout (not a terminal) of ${args.join(" ")}`);
  assert.doesNotMatch(r.stderr, ESCAPE, `escape codes on stderr (not a terminal) of ${args.join(" ")}`);
  return r;
}

/** The JSON values of `--json` output, one per line (every line must be one). */
export const jsonLines = (text) => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));

/**
 * A simulator in this process (so the test can change its data and read its request log)
 * and the env that points the command at it. The clock is frozen unless `now: undefined`.
 */
export async function world(t, options = {}) {
  const sim = await startSimulator({ port: 0, users: 30, seed: 5, now: "2026-01-01T00:00:00Z", ...options });
  t.after(() => sim.close());
  const env = { VOMO_BASE_URL: sim.url, VOMO_TOKEN: sim.token };
  return { sim, env, dir: await tempDir(t) };
}

/** The POST /v1/users requests the simulator received. */
export const posts = (sim) => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users");

/**
 * `sim` mounted on a server of the test's own, so the test knows when a request is in:
 * returns the env pointing the command there, `arrival()`, which resolves once the server
 * has received a request (at once if it has), and `next()`, once it receives another.
 */
export async function mounted(t, sim) {
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
