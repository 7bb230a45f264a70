#!/usr/bin/env node
// `npm run admin`: the browser admin page (www/) in one command. Sets up what is missing
// (scripts/setup.sh, idempotent), builds pkg/ only when it is missing or older than its
// sources, starts the simulator with demo data, serves the page on its own origin and
// prints its URL. The token is never printed.
//
//   npm run admin                                   the page + the simulator (the default)
//   npm run admin -- --base-url https://api.vomo.org/v1   the page against a real API
//   npm run admin -- --static dist/admin            a static folder, hostable anywhere
//   options: --port 8080  --sim-port 4010  --users 200  --seed 42  --no-setup
import { spawnSync } from "node:child_process";
import { readdirSync, statSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startAdminServer } from "./admin-server.mjs";
import { buildStatic } from "./admin-static.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const PKG = join(ROOT, "pkg");
const WWW = join(ROOT, "www");
/** What pkg/ is built from. */
const SOURCES = ["src", "js", "sim", "Cargo.toml", "Cargo.lock", "scripts/build-pkg.mjs"];

const USAGE = "usage: npm run admin [-- --base-url URL] [--static DIR] [--port N] [--sim-port N] [--users N] [--seed N] [--no-setup]";
const log = (msg) => console.error(`[admin] ${msg}`);
/** Bad usage, as the vomo-users command reports it: the message and the usage, exit 2. */
function usageError(message) {
  log(message);
  console.error(USAGE);
  process.exit(2);
}

let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      "base-url": { type: "string" }, static: { type: "string" }, port: { type: "string", default: "8080" },
      "sim-port": { type: "string", default: "4010" }, users: { type: "string", default: "200" },
      seed: { type: "string", default: "42" }, "no-setup": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (e) {
  usageError(e.message);
}
if (opts.help) {
  console.log(USAGE);
  process.exit(0);
}

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let newest = s.mtimeMs;
  for (const e of readdirSync(path)) if (e !== "node_modules" && e !== "test") newest = Math.max(newest, newestMtime(join(path, e)));
  return newest;
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ["ignore", process.stderr, process.stderr] });
  if (r.status !== 0) { log(`\`${cmd} ${args.join(" ")}\` failed (exit ${r.status})`); process.exit(1); }
}

function prepare() {
  if (!opts["no-setup"]) run("bash", ["scripts/setup.sh"]);
  const built = existsSync(join(PKG, "browser.mjs")) ? statSync(join(PKG, "browser.mjs")).mtimeMs : 0;
  const sources = Math.max(...SOURCES.map((s) => newestMtime(join(ROOT, s))));
  if (built === 0 || built < sources) {
    log(built === 0 ? "pkg/ is missing: building it (npm run build)" : "pkg/ is older than its sources: rebuilding it");
    run("npm", ["run", "build", "--silent"]);
  }
}

/** Listens on `port`, or on any free port when that one is taken. */
async function withFallback(start, port) {
  try {
    return await start(port);
  } catch (e) {
    if (e?.code !== "EADDRINUSE" || port === 0) throw e;
    log(`port ${port} is taken; using a free one`);
    return start(0);
  }
}

prepare();
// The values, by the vomo-users command's rules (pkg/cli/values.mjs): ports and the base URL
// as the client takes them, so a page that could never reach them is refused here.
const check = await import(pathToFileURL(join(PKG, "cli/values.mjs")).href);
let port, simPort, users, seed, baseUrl;
try {
  port = check.listenPort("port", opts.port);
  simPort = check.listenPort("sim-port", opts["sim-port"]);
  users = check.nonNegativeInt("users", opts.users);
  seed = check.nonNegativeInt("seed", opts.seed);
  baseUrl = opts["base-url"] === undefined ? null : check.baseUrl(opts["base-url"]);
} catch (e) {
  if (!(e instanceof check.UsageError)) throw e;
  usageError(e.message);
}

if (opts.static !== undefined) {
  // Relative to the folder the command was run from: npm runs scripts in the package's root,
  // and says where the user was in INIT_CWD (`npm run admin -- --static out` in www/ is www/out).
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), opts.static || "dist/admin");
  await buildStatic({ www: WWW, pkg: PKG, out, config: baseUrl ? { baseUrl, requestsPerSecond: 3 } : null });
  console.log(`static admin page written to ${out} (host the folder on any web server; open index.html through it)`);
  process.exit(0);
}

let sim = null;
let config = { baseUrl, requestsPerSecond: 3 };
if (!baseUrl) {
  const { startSimulator } = await import("../sim/index.mjs");
  sim = await withFallback((p) => startSimulator({ port: p, users, seed }), simPort);
  // The simulator's accepted token is a public test credential: filled in for convenience.
  config = { baseUrl: sim.url, token: sim.token, requestsPerSecond: 10,
    note: "ready: the demo simulator is filled in; press Connect" };
}
const site = await withFallback((p) => startAdminServer({ www: WWW, pkg: PKG, config, port: p }), port);

console.log(`admin page: ${site.url}`);
if (sim) console.log(`simulator:  ${sim.url} (${users} demo users; control API at ${sim.origin}/__sim/, see sim/README.md)`);
else console.log(`API:        ${baseUrl} (enter its token on the page)`);
console.log("Ctrl-C stops.");

const stop = async () => {
  await site.close();
  await sim?.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
