// The installed package under the JavaScript runtimes that run npm packages: the Node.js
// releases in support besides the machine's own (22, 24 and 26: the official builds from npm,
// tests/node-versions), and Bun and Deno (their npm builds, devDependencies of the repository),
// as README.md and docs/api.md say. One program (app.mjs) runs under each from a folder of the
// project that installed the tarball; its results must equal those under the machine's Node.
// Then what a runtime's permissions do to the package (Deno's flags, Node's permission model
// in each release), and the command line under each runtime, whose output must equal the
// machine's Node's byte for byte.
import test from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createSimulator, startSimulator } from "vomo-users/sim";
import { UserPoller, VomoClient } from "vomo-users";
import { FileStore } from "vomo-users/stores/file";
import { LIST_PAGE, repo } from "../js/helpers.mjs";
import { startRegistry } from "./registry.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const BUN = join(repo, "node_modules/.bin/bun");
const DENO = join(repo, "node_modules/.bin/deno");
/** The machine's Node first, then each release of tests/node-versions, by name ("node22"). */
const NODES = { node: process.execPath,
  ...Object.fromEntries([22, 24, 26].map((v) => [`node${v}`, join(repo, `tests/node-versions/node_modules/node${v}/bin/node`)])) };
const installed = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));
const FIXTURE_IDS = [12345, 12346];
const ROSTER = "first_name,last_name,email\nAna,Lima,ana@example.org\nJos\u00e9,Silva,jose@example.org\n";

/** Runs `cmd args` with only `env` (and PATH, HOME); resolves to { code, stdout, stderr }. */
const run = (cmd, args, { env = {}, cwd } = {}) => new Promise((resolve) => {
  execFile(cmd, args, { cwd, timeout: 120_000, env: { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), NO_COLOR: "1",
    DENO_NO_UPDATE_CHECK: "1", ...env } }, (error, stdout, stderr) => resolve({ code: error ? error.code : 0, stdout, stderr }));
});

/** A folder of the consumer project (so "vomo-users" is the installed tarball) with app.mjs, its inputs and a state folder. */
function makeApp(t, name) {
  const dir = mkdtempSync(join(process.cwd(), `rt-${name}-`));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(here, "app.mjs"), join(dir, "app.mjs"));
  writeFileSync(join(dir, "page.json"), LIST_PAGE());
  writeFileSync(join(dir, "roster.csv"), ROSTER);
  return { dir, app: join(dir, "app.mjs"), state: join(dir, "state") };
}

async function simulator(t) {
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  return sim;
}

const appEnv = (a, sim) => ({ APP_DIR: a.dir, STATE_DIR: a.state, VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token });

/** app.mjs's one line of JSON, after checking it exited 0. */
function result(r) {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

const EXPECTED = { ids: FIXTURE_IDS, parseIds: FIXTURE_IDS, sameInstance: true, error: { isVomoError: true, kind: "parse" },
  roster: ["Ana", "Jos\u00e9"], users: 7, polled: { complete: true, delivered: 7, distinct: 7 } };

/** Deno's flags for app.mjs: what it needs and nothing more (`read`: whether it may read the project). */
const denoFlags = (a, sim, { read = true } = {}) => ["run", "--no-prompt", ...(read ? [`--allow-read=${a.dir},${process.cwd()}`] : []),
  `--allow-write=${a.state}`, `--allow-net=${new URL(sim.url).host}`, `--allow-env=${Object.keys(appEnv(a, sim)).join(",")}`];

test("node 22, 24 and 26 beside the machine's, bun and deno: the same program gives the same results (both entries, require beside import, the client, a poller over FileStore that delivers each user once)", async (t) => {
  const sim = await simulator(t);
  for (const [name, cmd, args] of [...Object.entries(NODES).map(([n, bin]) => [n, bin, []]), ["bun", BUN, []], ["deno", DENO, null]]) {
    const a = makeApp(t, name);
    const r = await run(cmd, [...(args ?? denoFlags(a, sim)), a.app], { env: appEnv(a, sim), cwd: a.dir });
    assert.deepEqual(result(r), EXPECTED, `${name}: ${r.stderr}`);
  }
});

test("the package's simulator runs under each node release, bun and deno as under the machine's node (an app's own tests there), and the client against it gives the same results", async (t) => {
  const runs = {};
  for (const [name, cmd, args] of [...Object.entries(NODES).map(([n, bin]) => [n, bin, []]), ["bun", BUN, []], ["deno", DENO, ["run", "--allow-net=127.0.0.1", "--allow-read"]]]) {
    runs[name] = result(await run(cmd, [...args, join(here, "sim-app.mjs")], { cwd: process.cwd() }));
  }
  assert.equal(runs.node.users, 30);
  assert.equal(runs.node.created, true);
  assert.equal(runs.node.sameUser, true);
  assert.equal(runs.node.detail, true);
  assert.equal(runs.node.missing, null);
  for (const name of Object.keys(runs)) assert.deepEqual(runs[name], runs.node, name);
});

test("deno with npm: specifiers (no node_modules: the package fetched from a registry into Deno's own cache): parses and lists with --allow-read of that cache only; without it, forbidden naming the flag", async (t) => {
  const sim = await simulator(t);
  const registry = await startRegistry(process.env.VOMO_TGZ, JSON.parse(readFileSync(join(installed, "package.json"), "utf8")));
  t.after(() => registry.close());
  const dir = mkdtempSync(join(tmpdir(), "vomo-deno-npm-"));   // outside the project: no node_modules, no package.json
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cache = join(dir, "deno-cache");
  writeFileSync(join(dir, "app.ts"), `import { parseUserPage, VomoClient } from "npm:vomo-users";
const out: Record<string, unknown> = {};
try {
  out.ids = parseUserPage(${JSON.stringify(LIST_PAGE())}).data.map((u) => u.id);
  const client = new VomoClient({ token: Deno.env.get("VOMO_SIM_TOKEN"), baseUrl: Deno.env.get("VOMO_SIM_URL"), requestsPerSecond: 1000 });
  out.users = (await client.listAllUsers()).length;
} catch (e) {
  out.failure = { kind: e.kind, message: e.message };
}
console.log(JSON.stringify(out));
`);
  const env = { DENO_DIR: cache, NPM_CONFIG_REGISTRY: registry.url, VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
  const flags = ["run", "--no-prompt", `--allow-net=${new URL(sim.url).host}`, "--allow-env=VOMO_SIM_URL,VOMO_SIM_TOKEN"];
  const granted = result(await run(DENO, [...flags, `--allow-read=${cache}`, join(dir, "app.ts")], { env, cwd: dir }));
  assert.deepEqual(granted, { ids: FIXTURE_IDS, users: 7 });
  assert.ok(registry.requests.some((u) => u.endsWith(".tgz")), "Deno fetched the tarball from the registry");
  const { failure } = result(await run(DENO, [...flags, join(dir, "app.ts")], { env, cwd: dir }));
  assert.equal(failure.kind, "forbidden", failure.message);
  assert.ok(failure.message.includes(cache), "the message names the file in Deno's cache");
  assert.match(failure.message, /--allow-read/);
});

test("deno without --allow-read: every call fails with a forbidden VomoError naming the .wasm and the flag, not 'copy the file'", async (t) => {
  const sim = await simulator(t);
  const a = makeApp(t, "deno-noread");
  const { failure } = result(await run(DENO, [...denoFlags(a, sim, { read: false }), a.app], { env: appEnv(a, sim), cwd: a.dir }));
  assert.equal(failure.kind, "forbidden", failure.message);
  assert.ok(failure.message.includes(join(installed, "web", "vomo_users_bg.wasm")), failure.message);
  assert.match(failure.message, /--allow-read/);
  assert.doesNotMatch(failure.message, /copy the package/);
});

test("node's permission model in each release, the .wasm not readable: forbidden, naming --allow-fs-read", async (t) => {
  const a = makeApp(t, "node-permission");
  // Every file of the app and the package but the .wasm files.
  const readable = [a.app, join(process.cwd(), "package.json"),
    ...readdirSync(installed, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.endsWith(".wasm")).map((e) => join(e.parentPath, e.name))];
  for (const [name, bin] of Object.entries(NODES)) {
    // --experimental-permission until Node 22.13 and 23.5, --permission since.
    const probe = await run(bin, ["-p", "process.allowedNodeEnvironmentFlags.has('--permission')"]);
    const flag = probe.stdout.trim() === "true" ? "--permission" : "--experimental-permission";
    const r = await run(bin, [flag, ...readable.map((f) => `--allow-fs-read=${f}`), a.app], { cwd: a.dir, env: { APP_DIR: a.dir } });
    const { failure } = result(r);
    assert.equal(failure?.kind, "forbidden", `${name} ${flag}: ${failure?.message}`);
    assert.match(failure.message, /vomo_users_bg\.wasm: ERR_ACCESS_DENIED/, name);
    assert.match(failure.message, /--allow-fs-read/, name);
  }
});

test("a runtime's permission refusals: Deno without --allow-net, forbidden at once (one attempt, logged \"refused\"), not a network fault retried (Node 25+ without --allow-net too); without --allow-write (and Node's permission model without --allow-fs-write) a FileStore is invalid_input naming the flags, and a poll on it stops, not retryable", async (t) => {
  const sim = await simulator(t);
  const dir = mkdtempSync(join(process.cwd(), "rt-permission-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(here, "permission-app.mjs"), join(dir, "app.mjs"));
  const env = { STATE_DIR: join(dir, "state"), VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
  const storeRefused = (r, name, flags) => {
    for (const what of ["store", "poll"]) {
      assert.equal(r[what]?.kind, "invalid_input", `${name} ${what}: ${r[what]?.message}`);
      assert.equal(r[what].retryable, false, name);
      assert.ok(flags.every((f) => r[what].message.includes(f)), `${name} ${what}: ${r[what].message}`);
    }
  };
  const sent = sim.log().length;
  const deno = result(await run(DENO, ["run", "--no-prompt", `--allow-read=${dir},${process.cwd()}`,
    `--allow-env=${Object.keys(env).join(",")}`, join(dir, "app.mjs")], { env, cwd: dir }));
  assert.deepEqual([deno.list?.kind, deno.list?.retryable, deno.list?.status], ["forbidden", false, null], deno.list?.message);
  assert.match(deno.list.message, /^GET \/v1\/users[^:]*: this process may not send it \(Deno: --allow-net; .*Requires net access/);
  assert.deepEqual(deno.logged, ["refused"], "one attempt, not four retries of a 'network' fault");
  storeRefused(deno, "deno", ["--allow-write", "Requires write access"]);
  assert.equal(sim.log().length, sent, "nothing reached the server");

  for (const [name, bin] of Object.entries(NODES)) {
    const probe = await run(bin, ["-p", "process.allowedNodeEnvironmentFlags.has('--permission')"]);
    const flag = probe.stdout.trim() === "true" ? "--permission" : "--experimental-permission";
    const node = result(await run(bin, [flag, "--allow-fs-read=*", join(dir, "app.mjs")], { env, cwd: dir }));
    if (node.list) {
      // Node 25+ restricts the network too without --allow-net: refused as Deno's.
      assert.deepEqual([node.list.kind, node.list.retryable, node.logged], ["forbidden", false, ["refused"]], `${name}: ${node.list.message}`);
      assert.match(node.list.message, /--allow-net.*ERR_ACCESS_DENIED/, name);
    } else {
      assert.equal(node.users, 7, name);
    }
    storeRefused(node, name, ["--allow-fs-write"]);
  }
});

test("node 26's own localStorage (--localstorage-file) behind LocalStorageStore: a poll's state outlives the process, the next process delivers nothing again; without the flag, the error names it", async (t) => {
  const sim = await simulator(t);
  const dir = mkdtempSync(join(process.cwd(), "rt-localstorage-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(here, "local-storage-app.mjs"), join(dir, "app.mjs"));
  const env = { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token };
  const withFile = [`--localstorage-file=${join(dir, "storage.db")}`, join(dir, "app.mjs")];
  assert.deepEqual(result(await run(NODES.node26, withFile, { env, cwd: dir })), { complete: true, delivered: 7, stored: true });
  assert.deepEqual(result(await run(NODES.node26, withFile, { env, cwd: dir })), { complete: true, delivered: 0, stored: true },
    "a second process on the same file continues from the first one's state");
  const { failure } = result(await run(NODES.node26, [join(dir, "app.mjs")], { env, cwd: dir }));
  assert.equal(failure.kind, "invalid_input");
  assert.match(failure.message, /no localStorage: pass a Web Storage object .*--localstorage-file=PATH/);
});

test("the vomo-users command under each node release, bun and deno prints what it prints under the machine's node, byte for byte, and exits the same", async (t) => {
  const sim = await simulator(t);
  const cli = join(installed, "cli", "main.mjs");
  const env = { VOMO_TOKEN: sim.token, VOMO_BASE_URL: sim.url };
  const runtimes = { ...Object.fromEntries(Object.entries(NODES).map(([n, bin]) => [n, [bin]])), bun: [BUN, "--bun"], deno: [DENO, "run", "--allow-all"] };
  for (const args of [["list", "--json"], ["list"], ["user", "1003"], ["user", "999999"], ["find", "nobody@example.org"], ["list", "--bogus"]]) {
    const runs = {};
    for (const [name, cmd] of Object.entries(runtimes)) runs[name] = await run(cmd[0], [...cmd.slice(1), cli, ...args], { env });
    for (const name of Object.keys(runtimes)) {
      assert.deepEqual(runs[name], runs.node, `${name} ${args.join(" ")}`);
    }
    for (const r of Object.values(runs)) assert.ok(!`${r.stdout}${r.stderr}`.includes(sim.token), "the token is never printed");
    if (args.join(" ") === "list --json") assert.equal(runs.node.stdout.trim().split("\n").length, 7, "every user, one per line");
    if (args[1] === "999999") assert.equal(runs.node.code, 3, "not found");
  }
});

test("the vomo-users command under deno without the rights it needs: one line naming the variable or the flag, exit 1, no stack trace and no token", async (t) => {
  const sim = await simulator(t);
  const cli = join(installed, "cli", "main.mjs");
  const env = { VOMO_TOKEN: sim.token, VOMO_BASE_URL: sim.url };
  const cases = [
    [[], /^vomo-users: forbidden error: this process may not read the environment variable VOMO_BASE_URL \(Deno: --allow-env=VOMO_BASE_URL\)$/],
    [["--allow-env=VOMO_BASE_URL", "--allow-read"], /^vomo-users: forbidden error: this process may not read the environment variable VOMO_TOKEN \(Deno: --allow-env=VOMO_TOKEN\); or give the token with --token-file PATH$/],
    [["--allow-env"], /^vomo-users: forbidden error: vomo-users could not load its \.wasm .*--allow-read/],
    [["--allow-env", "--allow-read"], /^vomo-users: forbidden error: GET \/v1\/users\?email_like=\S+: this process may not send it \(Deno: --allow-net; .*Requires net access/],
  ];
  for (const [flags, expected] of cases) {
    const r = await run(DENO, ["run", "--no-prompt", ...flags, cli, "find", "nobody@example.org"], { env });
    assert.equal(r.code, 1, `${flags.join(" ")}: ${r.stderr}`);
    assert.equal(r.stdout, "");
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, `${flags.join(" ")}: one line, not a stack trace:\n${r.stderr}`);
    assert.match(lines[0], expected);
    assert.ok(!r.stderr.includes(sim.token), "the token is never printed");
  }
  // What needs no right at all still works.
  const version = await run(DENO, ["run", "--no-prompt", cli, "--version"], { env });
  assert.deepEqual([version.code, version.stdout.trim()], [0, createRequire(import.meta.url)("vomo-users/package.json").version]);
});

test("a Deno poll killed while it holds a FileStore lease: with -A a Node poll takes the lease over at once (Deno's holder names its boot, PID namespace and start); with only --allow-sys=hostname and --allow-run it is waited out (busy)", async (t) => {
  for (const [flags, takenOver] of [[["-A"], true], [["--allow-sys=hostname", "--allow-run"], false]]) {
    const sim = createSimulator({ users: 5, now: "2026-01-01T00:00:00Z" });
    sim.advanceClock(60_000);
    // The simulator on a server of the test's own, to know when the Deno poll's request is in.
    let arrived;
    const arrival = new Promise((ok) => { arrived = ok; });
    const server = createServer((req, res) => { arrived(); sim.handle(req, res); });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    t.after(() => { server.closeAllConnections(); server.close(); });
    const url = `http://127.0.0.1:${server.address().port}/v1`;
    const dir = mkdtempSync(join(process.cwd(), "rt-held-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(join(here, "hold-app.mjs"), join(dir, "app.mjs"));
    const state = join(dir, "state");
    sim.injectFault({ method: "GET", path: "/v1/users", type: "stall", times: 1 });
    const narrow = flags[0] === "-A" ? [] : [`--allow-read=${dir},${process.cwd()}`, `--allow-write=${state}`,
      `--allow-net=${new URL(url).host}`, "--allow-env=STATE_DIR,VOMO_SIM_URL,VOMO_SIM_TOKEN"];
    const deno = spawn(DENO, ["run", "--no-prompt", ...flags, ...narrow, join(dir, "app.mjs")], { cwd: dir, stdio: "ignore",
      env: { PATH: process.env.PATH, HOME: process.env.HOME ?? tmpdir(), DENO_NO_UPDATE_CHECK: "1", STATE_DIR: state, VOMO_SIM_URL: url, VOMO_SIM_TOKEN: sim.token } });
    t.after(() => deno.kill("SIGKILL"));
    await arrival; // it holds the lease and waits on the server
    deno.kill("SIGKILL");
    await once(deno, "exit");
    const holder = JSON.parse(JSON.parse(readFileSync(join(state, readdirSync(state).find((f) => f.endsWith("lease"))), "utf8")).holder ?? "null");
    assert.equal(holder !== null && holder.boot !== null && holder.pidns !== null, takenOver, `${flags}: ${JSON.stringify(holder)}`);
    const poller = new UserPoller({ client: new VomoClient({ token: sim.token, baseUrl: url, requestsPerSecond: 1000 }),
      store: new FileStore(state), customerId: "held", onUser() {} });
    if (takenOver) {
      assert.equal((await poller.poll()).processed, 5, "the dead Deno poll's lease taken over at once");
    } else {
      await assert.rejects(poller.poll(), (e) => e.kind === "busy" && /holds the lease for 1\d\d s more/.test(e.message), flags.join(" "));
    }
  }
});
