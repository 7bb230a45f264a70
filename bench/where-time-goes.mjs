// Where the time of two unmet issue-15 figures goes (BENCHMARKS.md's notes cite it):
//
//   node bench/where-time-goes.mjs cold [SPAWNS]   # the main entry's load, step by step, beside the parse-only module's
//   node bench/where-time-goes.mjs cpu [USERS]     # the poller's CPU per page, by where V8's profiler saw it
//   --smoke: one spawn, 150 users (CI: it runs and prints; nothing is timed or checked)
//
// `cold` spawns Node SPAWNS times (default 15) and times, in each fresh process, requiring the
// façade, requiring the wasm-bindgen glue, reading the .wasm and `new WebAssembly.Module` of it
// (V8's decode and validation; functions compile lazily, at their first call), then the same
// compile of `vomo-users/parse`'s .wasm and of the main one with V8's --wasm-lazy-validation,
// which a package cannot set for its host. Min / median / max in ms.
//
// `cpu` runs the poller's initial sync of USERS users (default 3000, as the table's cpu row)
// four times against the simulator in a child process, under V8's sampling profiler in a child
// Node (--cpu-prof), and sums the samples' own time by where they ran: the package's wasm, its
// glue and façade, undici and Node's internals, socket writes, GC. Per page, ms.
// Uses pkg/ (npm run build).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkg = join(root, "pkg");
const args = process.argv.slice(2).filter((a) => a !== "--smoke");
const smoke = process.argv.includes("--smoke");
const [what, n] = args;
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return `${s[0].toFixed(2)} / ${s[(s.length - 1) >> 1].toFixed(2)} / ${s.at(-1).toFixed(2)}`; };

function cold(spawns) {
  const probe = `
    const t = () => Number(process.hrtime.bigint()) / 1e6, path = require("node:path"), fs = require("node:fs");
    const dir = process.argv[1], out = {};
    let a = t(); require(path.join(dir, "facade.cjs")); out.facade = t() - a;
    a = t(); require(path.join(dir, "web/vomo_users.cjs")); out.glue = t() - a;
    a = t(); const main = fs.readFileSync(path.join(dir, "web/vomo_users_bg.wasm")); out.read = t() - a;
    a = t(); new WebAssembly.Module(main); out.compile = t() - a;
    const parse = fs.readFileSync(path.join(dir, "parse/web/vomo_users_parse_bg.wasm"));
    a = t(); new WebAssembly.Module(parse); out.parseCompile = t() - a;
    console.log(JSON.stringify(out));`;
  const lazy = `const b = require("node:fs").readFileSync(process.argv[1]); const a = performance.now(); new WebAssembly.Module(b); console.log(performance.now() - a);`;
  const runs = [], lazyRuns = [];
  for (let i = 0; i < spawns; i++) {
    runs.push(JSON.parse(execFileSync(process.execPath, ["-e", probe, pkg], { encoding: "utf8" })));
    lazyRuns.push(Number(execFileSync(process.execPath, ["--wasm-lazy-validation", "-e", lazy, join(pkg, "web/vomo_users_bg.wasm")], { encoding: "utf8" })));
  }
  const size = (f) => `${(readFileSync(join(pkg, f)).length / 1024).toFixed(1)} KiB raw`;
  console.log(`Node ${process.version}, ${spawns} spawns, ms min / median / max:`);
  console.log(`  require facade.cjs                           ${stats(runs.map((r) => r.facade))}`);
  console.log(`  require web/vomo_users.cjs (the glue)        ${stats(runs.map((r) => r.glue))}`);
  console.log(`  read web/vomo_users_bg.wasm                  ${stats(runs.map((r) => r.read))}`);
  console.log(`  new WebAssembly.Module, main (${size("web/vomo_users_bg.wasm")})  ${stats(runs.map((r) => r.compile))}`);
  console.log(`    the same with --wasm-lazy-validation       ${stats(lazyRuns)}`);
  console.log(`  new WebAssembly.Module, parse (${size("parse/web/vomo_users_parse_bg.wasm")})  ${stats(runs.map((r) => r.parseCompile))}`);
}

/** One child Node running `body` (after the simulator's start) under V8's profiler: the samples' own ms by `where`, and what it printed last. */
function profiled(users, body) {
  const dir = mkdtempSync(join(tmpdir(), "vomo-prof-"));
  const script = join(dir, "run.mjs");
  writeFileSync(script, `
    import { startSimProcess } from ${JSON.stringify(pathToFileURL(join(root, "bench/lib/sim-process.mjs")).href)};
    const api = await import(${JSON.stringify(pathToFileURL(join(pkg, "index.mjs")).href)});
    const sim = await startSimProcess();
    await sim.reset({ users: ${users}, seed: 42 });
    let pages = 0;
    for (let i = 0; i < 4; i++) { ${body} }
    await sim.close();
    console.log(pages);`);
  const pages = Number(execFileSync(process.execPath, ["--cpu-prof", "--cpu-prof-dir", dir, script], { encoding: "utf8" }).trim().split("\n").at(-1));
  const prof = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith(".cpuprofile"))), "utf8"));
  rmSync(dir, { recursive: true, force: true });
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const ms = new Map();
  prof.samples.forEach((id, i) => { const k = where(byId.get(id)); if (k) ms.set(k, (ms.get(k) ?? 0) + prof.timeDeltas[i] / 1000); });
  return { pages, ms };
}

function where({ callFrame: { url, functionName: fn } }) {
  if (fn === "(idle)") return null;
  if (fn === "(garbage collector)") return "garbage collector";
  if (fn === "writeLatin1String") return "socket writes (the request's syscalls)";
  if (url.startsWith("wasm")) return url; // the package's or undici's HTTP parser's (cpu() tells them apart)
  if (url.includes("facade")) return "the package's façade";
  if (url.includes("vomo_users.cjs")) return "the package's wasm-bindgen glue";
  if (url.includes("undici")) return "undici (fetch)";
  if (url.startsWith("node:")) return "Node's internals (streams, timers, AbortController, ...)";
  return "V8 natives and the rest (JSON.parse among them)";
}

function cpu(users) {
  const poller = profiled(users, `
    const client = new api.VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100000 });
    const poller = new api.UserPoller({ client, store: new api.MemoryStore(), customerId: "bench", onUser: () => {} });
    pages += (await poller.poll()).requests;`);
  const plain = profiled(users, `
    let url = sim.url + "/users";
    while (url) {
      const body = JSON.parse(await (await fetch(url, { headers: { Authorization: "Bearer " + sim.token, Accept: "application/json" } })).text());
      pages++;
      url = body.links.next;
    }`);
  // The plain loop calls no function of the package's wasm: a module it ran is undici's llhttp.
  const llhttp = new Set([...plain.ms.keys()].filter((k) => k.startsWith("wasm")));
  for (const r of [poller, plain]) {
    for (const [k, v] of [...r.ms].filter(([k]) => k.startsWith("wasm"))) {
      r.ms.delete(k);
      const name = llhttp.has(k) ? "undici's HTTP parser (llhttp, wasm)" : "the package's wasm";
      r.ms.set(name, (r.ms.get(name) ?? 0) + v);
    }
  }
  const sum = (m) => [...m.values()].reduce((a, b) => a + b, 0);
  const per = (r, k) => ((r.ms.get(k) ?? 0) / r.pages).toFixed(3).padStart(7);
  console.log(`Node ${process.version}: 4 initial syncs of ${users} users (${poller.pages} pages), beside a plain fetch + JSON.parse`);
  console.log(`loop over the same listing 4 times (${plain.pages} pages); CPU ms per page by where V8's profiler saw it:`);
  console.log("   poller    plain");
  for (const [k] of [...poller.ms].sort((a, b) => b[1] - a[1])) console.log(`  ${per(poller, k)}  ${per(plain, k)}  ${k}`);
  console.log(`  ${(sum(poller.ms) / poller.pages).toFixed(3).padStart(7)}  ${(sum(plain.ms) / plain.pages).toFixed(3).padStart(7)}  in all (the first sync includes the wasm's first compiles)`);
}

if (what === "cold") cold(Number(n ?? (smoke ? 1 : 15)));
else if (what === "cpu") cpu(Number(n ?? (smoke ? 150 : 3000)));
else {
  console.error("usage: node bench/where-time-goes.mjs cold [SPAWNS] | cpu [USERS] [--smoke]");
  process.exit(2);
}
