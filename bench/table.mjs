// `npm run bench`: measures every performance figure of issue 15 three times (min / median /
// max), each beside its target and beside its yardstick measured in the same run and process,
// and writes the table into BENCHMARKS.md between `<!-- bench:begin -->` and
// `<!-- bench:end -->` (the rest of the file is left alone; the file is created if missing).
//
//   npm run bench                               # everything (about 15 minutes)
//   npm run bench -- --only listing,auto        # some groups: size parse cold listing auto sync cpu memory
//   npm run bench -- --smoke                    # tiny sizes, one run, prints only (CI smoke)
//   BENCH_RUNS=5 npm run bench                  # runs per figure (default 3)
//   --out FILE writes there instead; --print prints the table without writing.
//
// The simulator runs in a child process (its CPU is not the client's). Uses pkg/ (npm run build).
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimProcess } from "./lib/sim-process.mjs";
import { clientListing, measureListing, octokitStyleListing } from "./lib/rate.mjs";
import { pollRequests, cpuPerPage } from "./lib/poller.mjs";
import { wasmSize, coldStart, listingMemory, pollingMemory } from "./lib/process.mjs";
import { BEGIN, END, tableRows as rowsIn } from "./lib/table-text.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pkgDir = join(root, "pkg");
if (!existsSync(join(pkgDir, "index.mjs"))) {
  console.error("pkg/ is missing: run `npm run build` first");
  process.exit(1);
}
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const SMOKE = flag("--smoke");
const RUNS = SMOKE ? 1 : Number(process.env.BENCH_RUNS ?? 3);
const ONLY = value("--only")?.split(",");
const OUT = value("--out") ?? join(root, "BENCHMARKS.md");
const WRITE = !flag("--print") && (!SMOKE || value("--out") !== undefined);
const want = (group) => !ONLY || ONLY.includes(group);

// Sizes: the issue's, or tiny ones for the smoke run.
const S = SMOKE
  ? { rps: 50, listUsers: 300, autoUsers: 300, syncSizes: [300], changed: 20, cpuUsers: 300, memUsers: 1500, coldPairs: 1, parseSeconds: 0.05, polls: 20 }
  : { rps: 10, listUsers: 3000, autoUsers: 10_000, syncSizes: [10_000, 1500], changed: 100, cpuUsers: 3000, memUsers: 100_000, coldPairs: 15, parseSeconds: 1.5, polls: 1000 };

const api = await import(join(pkgDir, "index.mjs"));
const rows = [];
const stats = (xs) => { const s = [...xs].sort((a, b) => a - b); return { min: s[0], med: s[Math.floor((s.length - 1) / 2)], max: s.at(-1) }; };
const fmt = (xs, digits, unit = "") => { const { min, med, max } = stats(xs); return `${min.toFixed(digits)} / **${med.toFixed(digits)}** / ${max.toFixed(digits)}${unit}`; };
async function repeat(fn) { const out = []; for (let i = 0; i < RUNS; i++) out.push(await fn(i)); return out; }
const log = (...a) => console.error("[bench]", ...a);
const reproduce = (group) => `\`npm run bench -- --only ${group}\``;

/** One table row. `met` is judged on the medians. */
function row(figure, before, target, measured, yardstick, met, group) {
  rows.push({ figure, before, target, measured, yardstick, met: met ? "met" : "**not met**", group });
}

if (want("size")) {
  log("wasm size");
  const s = wasmSize(pkgDir); // deterministic: one measurement
  row("`.wasm` size (gzip -9), the one file every entry of `vomo-users` loads", "249 KB gzip, two copies", "<= 150 KB gzip",
    `${s.gzipKiB.toFixed(1)} KiB gzip (${s.rawKiB.toFixed(1)} KiB raw)`, "—", s.gzipKiB <= 150, "size");
  // The stretch target, in KB (1000 bytes) as the issue writes it: judged on bytes, which is
  // the stricter reading (100 KiB would be 102,400 bytes).
  const p = wasmSize(pkgDir, "parse/web/vomo_users_parse_bg.wasm");
  const n = (x) => x.toLocaleString("en-US");
  row("`.wasm` size (gzip -9) of `vomo-users/parse`, all a page that only parses loads (parse/web/vomo_users_parse_bg.wasm)",
    "249 KB gzip, two copies", "<= 100 KB gzip (stretch; 100,000 bytes)",
    `${n(p.gzipBytes)} B = ${(p.gzipBytes / 1000).toFixed(1)} KB = ${p.gzipKiB.toFixed(1)} KiB gzip (${n(p.rawBytes)} B = ${p.rawKiB.toFixed(1)} KiB raw)`,
    `main \`.wasm\` ${n(s.gzipBytes)} B gzip: ${(100 * p.gzipBytes / s.gzipBytes).toFixed(0)}% of it`, p.gzipBytes <= 100_000, "size");
}

if (want("parse")) {
  log("parse");
  const { texts, jsNormalize, measure } = await import("./lib/corpus.mjs");
  const runs = await repeat(() => {
    const bare = measure((t) => JSON.parse(t), S.parseSeconds);
    const js = measure(jsNormalize, S.parseSeconds);
    const wasm = measure(api.parseUserPage, S.parseSeconds);
    return { ratio: wasm.mbps / bare.mbps, wasm: wasm.mbps, bare: bare.mbps, js: js.mbps, jsRatio: js.mbps / bare.mbps };
  });
  row(`\`parseUserPage\` on the ${texts.length}-page, 10k-user corpus, as a share of a bare \`JSON.parse\` (MB/s: wasm ${fmt(runs.map((r) => r.wasm), 0)})`,
    "0.17-0.34x", ">= 0.5x", fmt(runs.map((r) => r.ratio), 2, "x"),
    `JSON.parse ${fmt(runs.map((r) => r.bare), 0, " MB/s")}; JS normalizer ${fmt(runs.map((r) => r.jsRatio), 2, "x")} of JSON.parse`,
    stats(runs.map((r) => r.ratio)).med >= 0.5, "parse");
}

if (want("cold")) {
  log("cold start");
  const { texts } = await import("./lib/corpus.mjs");
  // Both entries in the same rounds of spawns, beside one JSON-only process.
  const runs = await repeat(() => coldStart(pkgDir, texts[0], S.coldPairs, ["index.mjs", "parse/index.mjs"]));
  for (const [entry, what] of [["index.mjs", "`import`"], ["parse/index.mjs", "`import` of `vomo-users/parse`"]]) {
    const extra = runs.map((r) => r[entry].extraMs);
    row(`cold start in Node: ${what} + first \`parseUserPage\`, beyond a process that only parses the JSON (fastest of ${S.coldPairs} spawns each)`, "about 28 ms more", "<= 15 ms more",
      fmt(extra, 1, " ms"), `JSON-only process ${fmt(runs.map((r) => r.plainMs), 1, " ms")}`, stats(extra).med <= 15, "cold");
  }
  // The main entry again under each other Node.js release the package is tested on, where
  // tests/node-versions has it (`scripts/setup.sh --tests`); the same spawns, run by that binary.
  for (const v of [22, 24, 26]) {
    const node = join(root, "tests/node-versions/node_modules", `node${v}`, "bin", "node");
    if (!existsSync(node)) continue;
    const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
    log(`cold start, Node ${version}`);
    const other = await repeat(() => coldStart(pkgDir, texts[0], S.coldPairs, ["index.mjs", "parse/index.mjs"], node));
    const extra = other.map((r) => r["index.mjs"].extraMs);
    row(`cold start in Node ${version} (tests/node-versions): \`import\` + first \`parseUserPage\`, beyond a process that only parses the JSON (fastest of ${S.coldPairs} spawns each)`,
      "about 28 ms more", "<= 15 ms more", fmt(extra, 1, " ms"),
      `JSON-only process ${fmt(other.map((r) => r.plainMs), 1, " ms")}; \`vomo-users/parse\` ${fmt(other.map((r) => r["parse/index.mjs"].extraMs), 1, " ms")}`,
      stats(extra).med <= 15, "cold");
  }
}

if (want("listing") || want("auto") || want("sync") || want("cpu") || want("memory")) {
  const sim = await startSimProcess(["--users", "10", "--now", "2026-06-01T00:00:00Z"]);
  await fetch(`${sim.origin}/__sim/info`).then((r) => r.text()); // warms this process's fetch
  try {
    const R = S.rps;
    const limiters = [["sliding-window", 97], ["fixed-window", 97], ["token-bucket", 90]];
    if (want("listing")) {
      for (const [kind, target] of limiters) {
        await sim.reset({ users: S.listUsers, seed: 42 });
        const rateLimit = { kind, requestsPerSecond: R, burst: 1 };
        const fresh = async () => { await sim.configure({ rateLimit }); };
        log(`listing, ${kind}`);
        const runs = await repeat(async () => {
          await fresh();
          const c = await measureListing(sim, R, clientListing(api, sim, R, "fixed"));
          await fresh();
          const y = await measureListing(sim, R, () => octokitStyleListing(sim, R));
          return { c, y };
        });
        const share = runs.map((r) => r.c.share), limited = runs.map((r) => r.c.limited);
        row(`listing ${S.listUsers} users at the server's limit R=${R} req/s, ${kind}${kind === "token-bucket" ? " (burst 1)" : " (1 s window)"}, no X-RateLimit headers: % of R; 429s`,
          "47-73% of R, 7-22 429s", `>= ${target}% of R, 0 429s`,
          `${fmt(share, 1, "%")}; 429s ${fmt(limited, 0)}`,
          `Octokit-style JS throttle: ${fmt(runs.map((r) => r.y.share), 1, "%")}; 429s ${fmt(runs.map((r) => r.y.limited), 0)}`,
          stats(share).med >= target && Math.max(...limited) === 0, "listing");
      }
    }
    if (want("auto")) {
      for (const [kind, headers] of [["token-bucket", false], ["sliding-window", false], ["fixed-window", true]]) {
        await sim.reset({ users: S.autoUsers, seed: 42 });
        const rateLimit = { kind, requestsPerSecond: R, burst: 1, headers };
        log(`auto, ${kind}${headers ? " with headers" : ""}`);
        const runs = await repeat(async () => {
          await sim.configure({ rateLimit });
          return measureListing(sim, R, clientListing(api, sim, R, "auto"));
        });
        const share = runs.map((r) => r.share), pct = runs.map((r) => r.limitedPct);
        row(`\`"auto"\` listing ${S.autoUsers} users against an unknown limit R=${R} req/s, ${kind}${kind === "token-bucket" ? " (burst 1)" : ""}, ${headers ? "with" : "no"} X-RateLimit headers: % of R; 429s as % of requests`,
          "72% of R, 3 429s", ">= 90% of R, < 1% 429s", `${fmt(share, 1, "%")}; 429s ${fmt(pct, 2, "%")} (${fmt(runs.map((r) => r.limited), 0)})`,
          "—", stats(share).med >= 90 && stats(pct).med < 1, "auto");
      }
    }
    if (want("sync")) {
      await sim.configure({ rateLimit: null });
      for (const n of S.syncSizes) {
        log(`poll requests, ${n} users`);
        const runs = await repeat(() => pollRequests(api, sim, n, S.changed));
        const min = Math.ceil(n / 15);
        const initial = runs.map((r) => r.initial);
        row(`initial sync of ${n} users, requests (every user delivered: ${runs.every((r) => r.seen === n) ? "yes" : "NO"})`,
          n === 10_000 ? "752 (minimum 667)" : n === 1500 ? "110 (minimum 100)" : "—", `<= ${Math.floor(1.02 * min)} (1.02 x ceil(n/15) = 1.02 x ${min})`,
          fmt(initial, 0), `minimum ceil(n/15) = ${min}`, stats(initial).max <= 1.02 * min, "sync");
        const inc = runs.map((r) => r.incremental), quiet = runs.map((r) => r.quiet);
        row(`incremental poll after ${S.changed} changes (of ${n}), requests; then a quiet poll`, "= ceil(changed/15), quiet poll 1",
          `${Math.ceil(S.changed / 15)}; quiet 1`, `${fmt(inc, 0)}; quiet ${fmt(quiet, 0)}`, `changes delivered ${fmt(runs.map((r) => r.incrementalProcessed), 0)}`,
          stats(inc).max <= Math.ceil(S.changed / 15) && stats(quiet).max === 1, "sync");
      }
    }
    if (want("cpu")) {
      await sim.configure({ rateLimit: null });
      log("poller CPU");
      // One round first, not counted: it would charge the JIT warm-up of undici and the
      // process's first fetches to the poller alone (the plain loop runs after it).
      await cpuPerPage(api, sim, S.cpuUsers);
      const runs = await repeat(() => cpuPerPage(api, sim, S.cpuUsers));
      row(`poller CPU per 15-user page (initial sync of ${S.cpuUsers}), as a multiple of a plain \`fetch\` + \`JSON.parse\` of the same pages`,
        "1.6-2.4x", "<= 1.2x", `${fmt(runs.map((r) => r.ratio), 2, "x")} (${fmt(runs.map((r) => r.pollerMs), 2, " ms")})`,
        `plain fetch loop ${fmt(runs.map((r) => r.plainMs), 2, " ms")} per page; the client's \`listUserPages()\` alone ${fmt(runs.map((r) => r.listRatio), 2, "x")} (${fmt(runs.map((r) => r.listMs), 2, " ms")})`,
        stats(runs.map((r) => r.ratio)).med <= 1.2, "cpu");
    }
    if (want("memory")) {
      await sim.configure({ rateLimit: null });
      log(`memory, ${S.memUsers} users`);
      const runs = await repeat(() => listingMemory(pkgDir, sim, S.memUsers));
      row(`heap growth listing ${S.memUsers} users with \`listUsers()\` (after a full GC, from 10% of the listing to its end; own process)`, "flat", "flat (< 16 MB growth)",
        fmt(runs.map((r) => r.growthMB), 1, " MB"), `heap at 10%: ${fmt(runs.map((r) => r.earlyMB), 1, " MB")}`,
        stats(runs.map((r) => r.growthMB)).med < 16, "memory");
      log(`memory, ${S.polls} polls`);
      const polled = await repeat(() => pollingMemory(pkgDir, sim, S.polls));
      row(`heap and wasm memory over ${S.polls} polls of one \`UserPoller\` (each with \`loadHealth()\` and \`reconcile()\`, a caller's signal; 30 users; after a full GC, from 10% of the polls to the end; own process)`,
        "—", "flat (< 2 MB heap growth, wasm memory not grown)",
        `heap ${fmt(polled.map((r) => r.heapGrowthMB), 2, " MB")}; wasm ${fmt(polled.map((r) => r.wasmGrowthMB), 2, " MB")}`,
        `${polled[0].requests} requests a run; heap at 10%: ${fmt(polled.map((r) => r.earlyMB), 1, " MB")}; wasm memory ${fmt(polled.map((r) => r.wasmMB), 2, " MB")}`,
        stats(polled.map((r) => r.heapGrowthMB)).med < 2 && stats(polled.map((r) => r.wasmGrowthMB)).max === 0, "memory");
    }
  } finally {
    await sim.close();
  }
}

// What was tried for each figure and what stands in the way where a target is not met
// (kept here, beside the code that measures it, so that the table and its notes travel together).
const NOTES = [
  "Notes (issue 15):",
  "",
  "**Where the three unmet targets stand** (the table's runs of 2026-12-07 at 19:42Z, and 23:2xZ for the size; each says what was tried, what it gave, and",
  "what stands in the way; the figures behind it are in the log and the details below):",
  "",
  "- **Main `.wasm`: 386.5 KiB gzip (911.2 KiB raw) against <= 150 KB.**",
  "  - Tried and kept: six size changes took the file from 318.2 to 262.1 KiB gzip (741.5 -> 613.0 KiB raw; listed under",
  "    **Size** below); `vomo-users/parse`, the parse-only build, is 99.3 KB gzip (the stretch target, met by 0.7 KB; 96.0 on 2026-12-03); a Rust wasm app",
  "    that leaves the crate's `js` feature off carries none of the JS bindings (104.6 KiB gzip for an app that lists and parses).",
  "  - Tried and not kept: wasm-opt `-Oz --converge` (-0.1 KiB gzip); `opt-level = \"z\"` (ruled out by the issue: half the",
  "    parse speed for 5% of size); `opt-level = 3` (+9% gzip); exact `{:.0}` formatting by hand (nothing: f64 `Display` is",
  "    linked anyway); the `csv` crate's writer for `toRosterCsv` (3.6 / 8.1 KiB against the hand-rolled 1.5 / 3.2).",
  "  - What happened since: every fix and feature added to it, each measured (the log below): 262.1 -> 386.5 KiB gzip.",
  "  - In the way: the code itself. The code section is 680,722 of the file's 751,336 bytes, in 1,326 functions (the",
  "    parse-only module: 169,374 bytes in 385). Measured on 2026-12-03, with the whole file at 269 KiB gzip: the same build",
  "    without the poller, `importRoster`, `findOrCreateUser` and the roster CSV was still 167.0 KiB gzip. A second, lazily",
  "    loaded `.wasm` for them would need its own copy of the client (a poller takes one, and one client's throttle paces all",
  "    its requests), so the two files together would outweigh today's one. Only a package with fewer features would meet it.",
  "  - Where its 910,825 bytes (this build, 2026-12-07 at 16:0xZ) go, by twiggy 0.8 over the same build with names (commands",
  "    under **Size** below): the crate's own functions 419.8 KB (the poll's async body alone 35.3 KB, as wasm-opt inlines the",
  "    walk into it; the import's 31.0 KB; the client's `exchange` 22.0 KB), serde's derived readers and writers of about 45",
  "    types 132.8 KB (10.8 KB of it in the crate), `core` (formatting, floats, slices, sorts) 97.0 KB, strings and tables",
  "    (data segments) 66.8 KB, the wasm-bindgen export shims 62.6 KB (wasm-opt inlines the options' reading into them),",
  "    the poller state's `BTreeMap` instances 56.1 KB in 156 functions, the allocator and `Vec` 24.5 KB, the rest 51.2 KB.",
  "    No part is near the 60% of the file the target asks to remove. (Taken by `cargo install twiggy`, then `wasm-bindgen",
  "    --target web --keep-debug --out-name vomo_users --out-dir /tmp/sz target/wasm32-unknown-unknown/release/vomo_users.wasm`,",
  "    `node_modules/binaryen/bin/wasm-opt` with Cargo.toml's flags and `-g` into /tmp/sz/named.wasm, the shipped file plus",
  "    its 145.7 KB names section, and `twiggy top -n 100000 -f csv /tmp/sz/named.wasm`.)",
  "- **Cold start under Node 20: 23.0 ms against <= 15 ms** (its JSON-only yardstick 61.5 ms, right after a CI run; 21.0 and 18.4 ms at 17:26Z and 17:25Z, yardsticks 60.5 and 57.3 ms: single runs of this row spread by more than its margin; 21.8 then 17.6 ms at 16:36Z and 16:37Z, 20.6 ms at 14:19Z, 17.5 at 10:19Z, 17.4 at 08:08Z, 20.5 at 05:01Z, 18.9 at 01:17Z; 26.3 and 28.2 ms in the runs of 2026-12-06 22:4x, on a machine whose yardstick took 76.6 ms). An A/B alternated in one process at 14:2xZ (4 rounds of the fastest of 8 spawns each) gave the build of 6f2a344 21.9 ms (median) against d3b56d4's 20.8, and under Node 22 15.7 against 15.1: the machine, not the build. Under Node 22, 24 and 26: 15.0, 13.2 and 12.8 ms in this run (met, Node 22 at the edge; 16.1, 13.1 and 12.9 at 17:26Z, 14.4, 10.7 and 10.9 at 17:25Z; 13.6, 11.7 and 13.0 at 16:37Z), the releases",
  "  in support (Node 20's support ended in April 2026), and by `vomo-users/parse` under every version (14.3 ms under Node 20 in this run; 13.4 and 11.4 at 17:26Z and 17:25Z).",
  "  - What the 17 ms is made of, measured on 2026-12-05 at 13:5xZ under Node 20 (the fastest of 21 spawns of each, beyond",
  "    a JSON-only process of 62.6 ms): importing an empty ES module file costs 1.6 ms; an empty package of this package's",
  "    shape (an `index.mjs` that imports its `index.cjs`, so that `import` and `require` share one wasm instance) 3.7 ms",
  "    (Node 22: 1.4 and 1.4); the main entry's `import` without a call 13.9 ms; with the first `parseUserPage` 20.0 ms in",
  "    that set. In process, the first `parseUserPage` takes 3.7-4.8 ms and the second 0.2 ms: V8 compiles lazily the 107",
  "    wasm functions the call reaches, 59,023 bytes of code (the page scanner's page function 15 KB and a listed user's",
  "    10 KB, as wasm-opt inlines them, dlmalloc's `malloc` 5 KB, serde_json's `Value`), the same on the sub-path; with",
  "    `--no-liftoff` that call takes 65 ms.",
  "  - Tried and kept: the page scanner split so that a first page runs in V8's baseline tier (its first version made the",
  "    row about 45 ms); the row taken as the fastest of 15 spawns, since single spawns on this host spread by tens of ms.",
  "  - Tried and not kept: compiling the module with `WebAssembly.compile` while the JS loads (no gain over 31 spawns); an ES",
  "    module entry that bundles the glue and façade (no gain the spread would show, and two wasm instances in one process);",
  "    the façade and glue minified (0.0-0.2 ms); `index.mjs` loading `index.cjs` by `createRequire` (0.7-1.0 ms on",
  "    2026-12-04; 1.3 ms on 2026-12-05, 18.0 -> 16.7 ms over 21 spawns; not enough, and bundlers follow an `import`",
  "    statement, not a `createRequire` call); V8's `--wasm-lazy-validation` (1.1 ms, but a package cannot set its host's V8",
  "    flags); wasm-opt inlining more, so that a first call compiles fewer functions (`--always-inline-max-function-size` 8:",
  "    47 functions fewer, +7.8 KB raw and +0.6 KiB gzip; 16: +35 KB raw; the cold start 0.5-0.6 ms lower over 21 spawns",
  "    on 2026-12-05, within the spread).",
  "  - In the way: Node 20's own cost of loading a package of this shape (3.7 ms, 1.4 under Node 22), the first call's lazy",
  "    compile of the parse path (about 4 ms, also paid by the sub-path), and the compile and instantiation of a 733 KiB",
  "    module (the size row's decision again).",
  "  - Measured step by step on 2026-12-07 at 16:0xZ (`node bench/where-time-goes.mjs cold`, 15 spawns, median): requiring",
  "    the façade 2.4 ms, the glue 1.5, reading the `.wasm` 1.3, `new WebAssembly.Module` of it 6.8 (4.7 with V8's",
  "    `--wasm-lazy-validation`); the same compile of the parse-only module (208.5 KiB raw) 1.5. Compile time follows the",
  "    size: a main module at the size target (about 350 KiB raw) would compile in about 3 ms, which leaves this row",
  "    at about 17 ms under Node 20 even if the size target were met.",
  "- **Poller CPU per 15-user page: 2.11x (1.50 ms against the plain loop's 0.67 ms; the median ratio of the rounds, not a ratio of these medians; 1.87-2.23x across its rounds; 2.14x at 17:25Z; nothing the sync runs changed since, but the request budget's one type and a counter of deferred retries) against <= 1.2x.** Across the runs",
"  since 2026-12-04 21:58Z: 1.52-2.55x; the client's `listUserPages()` alone 1.07-1.89x in the same runs (1.28x in this one).",
  "  - Tried and kept: a handler that returns no promise is settled without one; the global `fetch` gets `(url, init)`",
  "    instead of a `Request` that undici rebuilds; request labels and log entries are built only when an error or a `log`",
  "    hook needs them; the lease is written once every 30 s instead of after every page; the client's listing reads pages",
  "    by the page scanner (the parse row's route; the poller reads them into typed users).",
  "  - Tried and not kept: the store calls' error labels built only on an error (nothing beyond the order in which two",
  "    builds were measured; +494 B).",
  "  - A lower bound measured on 2026-12-03: a build whose poller delivers nothing and writes no journal (not shippable)",
  "    cost 1.76x against the shipped build's 2.19x, alternated in one process.",
  "  - In the way: the listing the poller runs is itself above 1.2x in most runs. Its JS-side steps alone (an",
  "    `AbortController` with its timeout timer, `Headers`, `redirect: \"manual\"`, seven header reads, `arrayBuffer()` and a",
  "    decode), measured in plain JS over the same pages, cost 1.09x the plain loop; they carry the request timeout, the",
  "    check that the token never follows a redirect, and the rate-limit headers. What the listing costs beyond them is the",
  "    crossings into and out of wasm and the promise traffic of each await. On top, the poller's own walk (typed users,",
  "    the state save after each page, the lease check) and, by the delivery contract of docs/poller.md, one event and one",
  "    durable journal write per delivered user. 1.2x leaves all of it, the listing's own steps included, 0.2 x 0.47 = 0.09",
  "    ms a page.",
  "  - Profiled on 2026-12-07 at 16:0xZ (`node bench/where-time-goes.mjs cpu`: 4 initial syncs of 3,000 users under V8's",
  "    profiler beside 4 plain loops over the same 800 pages; CPU ms a page, the poller's then the plain loop's): the",
  "    package's wasm 0.372 / 0, its glue 0.120 / 0.001, its façade 0.058 / 0; socket writes 0.454 / 0.249, Node's",
  "    internals 0.411 / 0.319, undici 0.339 / 0.282 (with llhttp 0.013 / 0.012), V8 natives and `JSON.parse` 0.128 /",
  "    0.117, GC 0.069 / 0.060; in all 1.964 / 1.041. The package's own code alone (0.55 ms) is above the 0.21 ms a page",
  "    that 1.2x leaves. Socket writes spread from 0.17 to 0.30 ms a page between plain-loop variants (a signal, manual",
  "    redirects, `arrayBuffer()`; one write a request in each, as the poller's), so their gap here is partly noise.",
  "",
  "**Every measurement of the three since the full run of 2026-12-04 18:38Z** (the command, what had changed since the",
  "previous row, the main `.wasm` in KiB gzip / raw, the cold start under Node 20 with Node 22 / 24 / 26 and the sub-path in",
  "brackets, the poller's CPU with the listing alone in brackets; \"—\" where a row did not measure it):",
  "",
  "| when (UTC) | command | after | main `.wasm` | cold start, ms | poller CPU |",
  "| --- | --- | --- | --- | --- | --- |",
  "| 12-04 21:58 and 21:59 | `--only size,cold,cpu` (twice) | an outside review's fixes: the panic trap guard, every attempt raced against its abort signal, log-path and escaped-token redaction, the import's per-run outcomes and record indexes, reconcile's error, the roster rows' cells | 297.9 / 690.8 (+6.0 / +12.7) | 16.7 then 18.5 (11.8 / 10.4 / 9.6 then 11.7 / 11.1 / 11.3; 11.5 then 12.9) | 2.04x then 1.52x (1.41x then 1.07x) |",
  "| 12-05 01:0x | `--only size` | reconcile's progress callback, window ends put by row counts, `policy().poller.leastMaxRequests`, the roster CSV's formula guard | 302.3 / 700.2 (+4.4 / +9.4) | — | — |",
  "| 12-05 03:0x | `--only cold,cpu`, `--only size` | `toRosterCsv` (1.5 / 3.2 of it), an import record's key over its request body, state directories made level by level | 304.1 / 704.1 (+1.8 / +3.9) | 18.4 (12.2 / 11.5 / 11.3; 12.0) | 1.86x (1.22x) |",
  "| 12-05 07:0x | `--only size` | the token redaction rewritten and `redactToken`, `policy().poller.leaseMs`, the import's outage stop and reused-email check, `importRoster.forget`, the roster CSV's `sep=` line and stray-quote check | 311.0 / 719.9 (+6.9 / +15.8) | — | — |",
  "| 12-05 09:13, 09:2x | full run; then `--only size,cpu,memory` | review mends, `UserPoller.forget`; then the leak fix below | 312.8 / 726.3 (+1.8 / +6.4) | 16.8 (12.6 / 10.3 / 9.7; 11.0) | 2.33x, 2.18x after the fix (1.28x, 1.38x) |",
  "| 12-05 12:0x | `--only size,cold,cpu` | a forget records the log segments it deletes (as lines: 1.6 / 3.8; a sorted JSON set measured 3.5 / 8.4), a forget's own lease token | 314.4 / 730.2 (+1.6 / +3.9) | 17.7 (11.6 / 11.0 / 11.0; 12.1) | 1.82x (1.40x) |",
  "| 12-05 12:4x | `--only size` | `reconcile()` refused while a forget holds the lease | 315.3 / 732.3 (+0.9 / +2.1) | — | — |",
  "| 12-05 13:59 | `--only size,cold,cpu` | a forget's lease handling in one place (`store::lease::while_forgetting`) | 315.8 / 732.7 (+0.5 / +0.4) | 17.0 (13.1 / 11.2 / 10.8; 12.3) | 2.44x (1.45x) |",
  "| 12-05 14:27 | `--only size,cold,cpu` (the table) | each of an attempt's waits raced against its abort (the leak fix for an injected fetch that ignores its signal) | 316.1 / 733.7 (+0.3 / +1.0) | 16.7 (11.0 / 9.9 / 9.3; 11.5) | 2.11x (1.75x; the builds before and after that fix alternated in one process, 12 rounds: the listing 0.484 and 0.485 ms a page, the poller 0.698 and 0.679) |",
  "| 12-05 17:0x | `--only size,cold,cpu` (the table) | a forget's first write marks the state (a poll finishes a forget cut short), an abort checked before each change a poll offers, 16-digit ids as strings, request labels cut at 300 characters and reason phrases, `timeoutMs` and `maxRetryAfterMs` checked apart | 317.5 / 738.1 (+1.4 / +4.4) | 16.1 (10.0 / 8.9 / 9.1; 10.5) | 2.07x (1.64x) |",
  "| 12-05 19:5x | `--only size,cold,cpu` (the table) | an import's forget marks the progress log first, `policy().dateFilterKeys`, a full dead-letter queue takes a run of failures whole, no checkpoint (null) before the first watermark and the window margin left out of `stalled`, `pollIntervalMs` checked as a whole number, `toRosterCsv`'s row kinds, an import's `externalId` trimmed and `etaMs` rounded, `findOrCreateUser`'s defaults checked first | 319.1 / 742.0 (+1.6 / +3.9) | 16.5 (10.7 / 10.1 / 9.4; 11.3) | 1.92x (1.42x) |",
  "| 12-05 20:3x | `--only size,cold,cpu`, then `--only size` (the table) | a new customer's first poll that gets nowhere saves nothing (compared as the text a save writes: a derived `==` over the state's types measured 320.1 / 743.9, +0.4 / +0.6 more) | 319.7 / 743.3 (+0.6 / +1.3) | 17.0 (10.6 / 10.1 / 8.7; 11.2) | 2.06x (1.60x) |",
  "| 12-05 20:5x | `--only size` (the table) | a roster row's cells past its header named in its error (they reach the failed rows' file) | 320.4 / 745.1 (+0.7 / +1.8) | — | — |",
  "| 12-05 23:3x | `--only size,cold,cpu` twice: right after a CI run (load average 2.7), then on a quiet machine (the table) | a `Retry-After` beyond `maxRetryAfterMs` names its end (`until <ISO>`); the rest of the stop was JS (the CLI, the admin page, the bundler conditions) | 320.6 / 745.2 (+0.2 / +0.1) | 18.2 then 16.9 (11.8 / 10.3 / 10.3 then 11.2 / 11.2 / 9.7; 11.3 then 11.6) | 2.14x then 1.89x (1.55x then 1.40x) |",
  "| 12-06 00:0x | `--only size` (the table) | `Client::new` caps `max_retries`; the international-host check made the crate's own on every target | 320.7 / 745.6 (+0.1 / +0.4) | — | — |",
  "| 12-06 02:2x, 02:3x | `--only size,cold,cpu`, then `--only cold` (the table) | the imports' mapping lease (taken, renewed while the mapping is read, an abort-aware mapping call) and the parsers' 0-page warning (+1.9 KB gzip by `gzip -9` of the file, measured per commit); warnings naming request and user (+2.6); the Rust API's `Debug`, `Display` and docs (-0.1); every body streamed (0.0); a superseded dead letter, the 404 hint, `ImportOptions::default` (+2.9) | 327.8 / 762.2 (+7.1 / +16.6) | 18.3 then 17.5 (11.5 / 11.1 / 10.2 then 11.0 / 11.2 / 9.7; 11.9 then 12.0) | 2.07x (1.38x) |",
  "| 12-06 04:3x, 04:5x | `--only size` twice (the table keeps the second; cold start and CPU not measured again: CI runs used the machine) | a reopened window's first page reports its warnings once, the leases record their holder and ask the store whether it is gone, `totalHours` rounded to a millionth (330.7 / 767.9, +2.9 / +5.7); then `ImportedUser.uncertain` and the import's run marks (+1.8 / +4.5) | 332.5 / 772.4 (+4.7 / +10.2) | — | — |",
  "| 12-06 05:5x | `--only size` (the table; cold start and CPU not measured again: CI runs used the machine) | `VomoError.retry_after_ms`, the token's secret part redacted, the import's wider run mark, a `links.next` error naming its request, the roster's ZIP check | 333.1 / 775.6 (+0.6 / +3.2) | — | — |",
  "| 12-06 08:28 | `--only size,cold,cpu` (the table; load average 1.6 at its start, after a CI run) | the lease read back before each page, save and record (one or two store reads a page); the import's sent marks by record identity (a sorted `Vec`: a `BTreeSet` measured +5.0 / +2.7 KiB), the aborted send and the outage's record counted, `UserPayload::user()`, \"1 cell\" | 336.4 / 785.4 (+3.3 / +9.8) | 17.0 (11.7 / 12.4 / 10.5; 10.3) | 1.87x (1.21x) |",
  "| 12-06 11:3x | `--only size,cold,cpu` (the table; load average 2.9 at its start, right after the test layers ran) | a request the runtime refuses (Deno's `NotCapable`, Node's `ERR_ACCESS_DENIED`) as `forbidden` at once, the redaction's forms an outside pass found missed (a cut inside an escape, `%25` nesting, HTML5 names, `&#NN` without `;`, `+` as a space), a repeated roster row's message, page links trimmed as fetch trims | 337.6 / 788.4 (+1.2 / +3.0) | 17.5 (11.5 / 10.9 / 10.7; 11.7) | 2.02x (1.44x) |",
  "| 12-06 12:0x | `--only size` (the table) | the redaction in either letter case | 337.7 / 788.6 (+0.1 / +0.2) | — | — |",
  "| 12-06 14:3x | `--only size,cold,cpu` (the table; load average 0.2-1.1, no helper or test running) | escapes read within escapes in the redaction, its readings kept in a window of the text (+1.5 KB gzip by `gzip -9` of the file per commit; a `HashMap` and a sort had cost +6.9), `retryForMs` (+0.5), `PollerConfig::check` and the parser's two new JSON messages | 340.3 / 795.3 (+2.6 / +6.7) | 18.5 (11.5 / 9.8 / 9.7; 11.3) | 2.00x (1.27x) |",
  "| 12-06 17:48, 17:53 | `--only size,cold,cpu`, then `--only cold` (the table; load average 1.1 at the first, two minutes after a CI run, 0.0 at the second; no helper running) | chunks of merged log segments deleted with them (`store::delete_unnamed`), a refused string named by its field (`parse/string_error.rs`, hand-rolled: `serde_path_to_error` measured +2.1 KiB gzip more), the dead-letter queue's turns and retries after each walk page, `maxRequests` holding with retries, `durationMs` and `lagMs` on the monotonic clock | 343.2 / 801.8 (+2.9 / +6.5) | 18.6 then 17.9 (12.6 / 11.6 / 10.3 then 11.8 / 10.6 / 9.7; 12.9 then 11.7) | 2.02x (1.48x) |",
  "| 12-06 20:21, 20:23 | `--only size,cold,cpu`, then `--only cold` (the table; load average 1.1 at the first, a minute after a CI run, 0.4 at the second; no helper running) | a poller's own leftover lease taken back (`lease::take`), `Poller::new` and `import_roster` refusing what the JS options refuse, `410 Gone`, a repeat naming the row it repeats (`RosterRecord.line`), `with_max_retries(u32)` and `max_response_bytes: u64` | 346.0 / 807.3 (+2.8 / +5.5) | 21.2 then 20.3 (11.7 / 11.1 / 10.6 then 14.1 / 12.6 / 12.2; 13.5 then 13.6); the JSON-only yardstick 15% slower than the run before | 2.15x (1.52x) |",
  "| 12-06 22:42, 22:43 | `--only size,cold,cpu`, then `--only cold` (the table; load average 4.9 over the five minutes before the first, as three helpers' passes ended, 3.8 at the second; none running) | a short last page read again (`walk.rs`, `short`: a write between a page's count and its rows), a lease that reads back as absent named so, a mapping's wrong shape without a Rust type's name, the import's ETA from its first send, the busy message of a live run | 347.2 / 809.6 (+1.2 / +2.3) | 28.2 then 26.3 (16.4 / 13.6 / 15.4 then 18.1 / 15.5 / 13.6; 17.8 then 17.8); the JSON-only yardstick 18% slower than the run before; an A/B right after: 82b60fe 27.8, this build 27.4 | 1.98x (1.38x) |",
  "| 12-07 01:17 | `--only size,cold,cpu,sync` (the table; load average 0.3 at its start, no helper or test running) | the poller's walk steps back past the pages a row that left can have slid across, instead of walking the window again (`poller/page_reads.rs`); pages read by the `page` parameter | 348.2 / 813.0 (+1.0 / +3.4) | 18.9 (12.6 / 10.9 / 11.1; 12.6); the JSON-only yardstick 22% faster than the run before | 2.06x (1.89x); sync rows unchanged: 674 for 10,000, 100 for 1,500, 7 and 1 |",
  "| 12-07 05:01 | `--only size,cold,cpu,sync` (the table; right after a CI run, no helper or test running) | a listing's page warnings that the list changed while it was read (`client/list_changes.rs`), a page of unreadable records no longer ending a listing, each read's page size kept in `PageReads`, expanded years in timestamps, participation id and flag warnings | 349.7 / 815.4 (+1.5 / +2.4) | 20.5 (12.8 / 12.5 / 12.7; 13.8); the JSON-only yardstick 68.8 ms against 59.7 the run before | 2.55x (1.62x); sync rows unchanged: 674 for 10,000, 100 for 1,500, 7 and 1 |",
  "| 12-07 08:08 | `--only size,cold,cpu` (the table; load average 0.5 at its start, after the test layers ran; no helper running) | `stats().errors` counting calls refused before a request, the throttle's above-the-limit warning, the decomposed-accent email check, an unreadable record's version settled once offered, `reconcile()` going on with the last listing of a list that keeps changing | 350.7 / 817.4 (+1.0 / +2.0) | 17.4 (12.0 / 11.2 / 9.9; 11.4); the JSON-only yardstick 56.1 ms against 68.8 the run before | 1.82x (1.37x) |",
  "| 12-07 10:19 | `--only size,cold,cpu` (the table; load average 1.1 at its start, after the test layers ran; the helpers done) | participation events journaled one by one and the owed ones offered again (`poller/owed_participations.rs`; +16.7 KiB gzip of the code before wasm-opt: the poll's state machine, `PollerState::load`'s journal reading, serde for the journal's records and the state's new fields, by a name-section diff of the two builds), unreadable records whose dead letter the sink refused kept and offered again (+3.8), `reconcile()` reading a stretch a grown page size skipped (+1.7); then, by `--only size` at 11:1x, the kept unreadable records bounded by `maxDeadLetters` (370.5 / 867.9: +0.0 / +0.2) | 370.5 / 867.7 (+19.8 / +50.3) | 17.5 (11.4 / 10.7 / 10.0; 11.1) | 1.94x (1.45x) |",
  "| 12-07 14:18, 14:19 | `--only size,cold,cpu`, then `--only cold` (the table; load average 0.3 at the first, two minutes after a CI run; no helper running) | owed participation events' refusals no outage of their own, the owed users' turns, the event in doubt first wherever a detail is diffed, `DeadLetterEvent.participation` (+0.4 KiB by the gzip -9 command on each commit's file, which puts the whole stop at +8.3 where the bench's zlib says +7.8), refused participation events given up after `maxAttempts` (`PartsRefused`, `give_up_participations`: +6.5), an unreadable record kept until the sink takes it, its version recognized from the journal at load (+1.3) | 378.3 / 888.9 (+7.8 / +21.0) | 21.1 then 20.6 (15.5 / 14.0 / 11.8 then 15.2 / 13.5 / 12.5; 13.9 then 11.4); the JSON-only yardstick 65.1 and 63.4 ms against 53.7 the run before; alternated with 6f2a344's build in one process: 21.9 against 20.8 ms (Node 20), 15.7 against 15.1 (Node 22) | 2.02x (1.45x) |",
  "| 12-07 16:36, 16:37 | `--only size`, `--only cold,cpu`, then `--only cold` (the table; load average 0.1-0.8, an outside pass's helper idle between its scripts) | a first failure the wall clock puts in the future counts as no time, and each poll moves such first failures to its start (`rebase_future_failures`); `offer_participation`'s flags in one struct (no code change) | 378.5 / 889.5 (+0.2 / +0.6) | 21.8 then 17.6 (14.0 / 14.2 / 12.7 then 13.6 / 11.7 / 13.0; 14.1 then 12.4); the JSON-only yardstick 63.0 and 61.5 ms | 2.04x (1.36x) |",
  "| 12-07 17:25, 17:26 | `--only size,cold,cpu`, then `--only cold` (the table; load average 1.8 at the first, right after the Cloudflare tests; no helper running) | `DeadLetterEvent.version` (+0.2 KiB by the gzip -9 command on each commit's file), `reconcile()` in slices (`maxRequests`, `resume`: +5.7; its `Resume` text's serde derive and the budgeted page reads), `health()`'s lag from the last `Date` (0.0) | 384.1 / 905.2 (+5.6 / +15.7) | 18.4 then 21.0 (14.4 / 10.7 / 10.9 then 16.1 / 13.1 / 12.9; 11.4 then 13.4); the JSON-only yardstick 57.3 and 60.5 ms | 2.14x (1.45x) |",
  "| 12-07 19:42 | `--only size,cold,cpu` (the table; load average 0.7 at its start, right after a CI run; no helper running) | one request-budget type for `poll` and `reconcile` (`poller/budget.rs`), `PollResult.retriesDeferred`, a sliced reconcile's progress total (`Resume.present`); not split per commit | 384.7 / 907.0 (+0.6 / +1.8) | 23.0 (15.0 / 13.2 / 12.8; 14.3); the JSON-only yardstick 61.5 ms | 2.11x (1.28x) |",
  "| 12-07 20:0x | `--only size` (the table) | fresh changes' failures in a row counted across polls (`CoreState.failures_in_a_row`) | 384.9 / 907.5 (+0.2 / +0.5) | — | — |",
  "| 12-07 20:1x | `--only size` (the table) | a number beyond a 64-bit float named by its field (`parse/refused_value.rs`): the parse-only module 99,061 -> 99,317 B gzip (0.7 KB under its 100,000 B target now) | 384.8 / 907.5 (-0.1 / +0.0) | — | — |",
  "| 12-07 22:2x | `--only size` (the table) | `retryIntervalMs`: each queued change's and refused user's last refusal stored, a waiting change skipped and not counted as deferred | 386.5 / 911.2 (+1.7 / +3.7) | — | — |",
  "| 12-07 22:5x | `--only size` (the table) | a user's refused participation events wait from their last counted refusal, and not when they are to be given up | 386.5 / 911.3 (+0.0 / +0.1) | — | — |",
  "| 12-07 23:2x | `--only size` (the table) | a refused change waits from its last counted refusal only (one not judged is offered at the next poll) | 386.5 / 911.2 (+0.0 / -0.1) | — | — |",
  "",
  "The same build measured a minute apart (12-04 21:58 and 21:59) moved by 1.8 ms of cold start and by 0.5x of CPU: changes",
  "smaller than that cannot be shown by one run of these rows on this shared host; the size column does not move.",
  "",
  "**Details, in the order they were found** (each with the date of its figures; later figures are in the log above).",
  "",
  "**A leak, found by the memory row of the run of 2026-12-05 09:13Z.** 4.9 MB of heap growth listing 100,000 users (0.2 MB at 2026-12-04 18:38Z);",
  "measured by hand at 20,000 / 100,000 / 200,000 users, 1.8 / 5.1 / 8.7 MB: linear, about 45 bytes a user. A diff of two",
  "heap snapshots (at 10% of a 60,000-user listing and at its end) named it: two closures (wasm-bindgen's `real`), with their",
  "contexts and WeakCells, per page. Each attempt's abort wait (0f85373, 2026-12-04 21:12Z, after that memory row) left a",
  "promise that never settles when the attempt is not aborted, and js-sys' `JsFuture` frees its two callbacks only when its",
  "promise settles; the throttle's sleeps with a caller's signal did the same. The wait's promise is now settled when the wait",
  "is dropped (src/web/signal.rs): 0.9 / 0.4 / -0.3 MB at the same sizes, 0.4 MB in the row. A wasm-bindgen test in Node and",
  "Chromium counts the glue's live JS values over 60 requests (267 -> 449 before the fix; no growth after). The row's target",
  "(< 16 MB) let the leak pass; its figure moving from 0.2 to 4.9 MB is what showed it. A new row now watches the",
  "long-running case, where such a leak adds up: 1,000 polls of one `UserPoller`, each with `loadHealth()` and `reconcile()` and",
  "a caller's signal (3,032 requests). The build with the leak, measured by hand the same way: heap +2.73 MB, wasm memory",
  "+0.375 MB (not met); the fixed build: +0.84 MB and +0 MB.",
  "",
  "- **Main `.wasm` size, as summed up on 2026-12-04: 291.1 KiB gzip (676.7 KiB raw) against <= 150 KB.** 284.2 / 659.5 KiB at 2026-12-04 00:30Z; the",
  "  two changes since (an import's saved outcomes keyed by a digest of each record's fields, 9b02d16; the state's API",
  "  binding, 75ae28e) added 9.5 KiB raw / 3.8 KiB gzip, `client.baseUrl` (4ccc385) 0.4 / 0.2 more (669.4 / 288.2",
  "  KiB), `UserPoller.storedBaseUrl` 2.2 / 0.6 more (671.6 / 288.8 KiB), and the lease-less reads made",
  "  consistent with the compare-and-set lease 5.0 / 2.3 more (676.6 / 291.1 KiB), `importRoster.storedBaseUrl` 2.1 / 0.8 more (678.8 / 291.9 KiB, after this table's size row; 678.1 / 291.9 once the two `storedBaseUrl` reads shared one export). Done: six size changes (741.5 -> 613.0 KiB raw, 318.2 -> 262.1 KiB",
  "  gzip; listed under **Size** below) and `vomo-users/parse` for what only parses (99.3 KB gzip on 2026-12-07: the stretch target, met by 0.7 KB).",
  "  Since then every fix and feature has added to it (each measured, below). Tried and not kept: wasm-opt `-Oz --converge`",
  "  (-0.1 KiB gzip); `opt-level = \"z\"` is ruled out by the issue (half the parse speed for 5% of size). In the way: the code",
  "  section is 625,272 of the file's 692,871 bytes, in 1,248 functions (the parse-only module: 169,374 bytes in 387): the",
  "  features themselves. Without the poller, `importRoster`, `findOrCreateUser` and the roster CSV the build was still 167.0",
  "  KiB gzip; a second, lazily loaded `.wasm` for them would need its own copy of the client, so the two files together would",
  "  outweigh today's one. Only fewer features would do it.",
  "- **Cold start of the main entry under the machine's Node 20, as summed up on 2026-12-04: 16.5 ms median (15.2 / 17.0 min / max) against <= 15 ms: not met;",
  "  `vomo-users/parse` 11.4 ms in the same spawns (met). Under Node 22, 24 and 26, the releases in support (Node 20's ended in April",
  "  2026), in the same run: 11.2, 9.8 and 9.4 ms (met), the sub-path 8.8, 7.7 and 7.5 ms, beside JSON-only processes of 24-25 ms",
  "  against Node 20's 61 ms.** On Node 20: 18.2 ms at 18:38Z (13.3 for the sub-path, the JSON-only process 62.6 ms), 15.0 ms at 13:10Z (11.2; 51.3 ms), 18.0 ms on",
  "  2026-12-03 20:3x UTC, 24.4 at 07:07 UTC: the row moves with the host by more than its margin. In process on",
  "  2026-12-04 13:2x UTC (15 spawns, medians, ms), main / parse-only: requiring the façade 0.90 / 0.60, the glue 1.09 / 0.64,",
  "  reading the `.wasm` 0.69 / 0.45, `new WebAssembly.Module` 4.31 / 1.78, instantiating 1.32 / 0.56, `createApi` 0.23 /",
  "  0.13, the first `parseUserPage` 2.13 / 2.41. So the 4 ms between the entries is the compile and instantiation of the",
  "  larger code section (the size row again) and its larger glue. V8's `--wasm-lazy-validation` takes 1.1 ms off the compile",
  "  (9 spawns), but a package cannot set its host's V8 flags. Tried and not kept earlier: compiling off the main thread while",
  "  the JS loads (no gain over 31 spawns); an ES module entry that bundles the glue and façade (no gain the spread would show,",
  "  and two wasm instances in one process); the façade and glue minified (0.0-0.2 ms); index.mjs loading index.cjs by",
  "  `createRequire` (0.7-1.0 ms, but bundlers follow an `import` statement, not a `createRequire` call).",
  "- **Poller CPU per page, as summed up on 2026-12-04: 2.25x median (1.06 ms against the plain loop's 0.48 ms) against <= 1.2x; the client's listing",
  "  alone 1.30x (0.58 ms). Under Node 24 (`--only cpu --print` run by tests/node-versions' binary at 19:1xZ): 2.37x (0.84 against 0.36 ms).** At 13:10Z that day: 2.43x (0.80 against 0.32 ms), the listing 1.56x (0.50 ms); on 2026-12-03 20:3x UTC: 1.88x (1.23 against 0.61 ms), the listing 1.50x (0.91 ms). The poller's",
  "  own work beyond the listing is 0.3-0.5 ms a page on these hosts, and the listing's beyond the plain loop 0.1-0.3 ms; a",
  "  faster host shrinks undici's share (the plain loop) more than ours, so the ratio rises as the absolute figure falls.",
  "  1.2x today would mean a poller within 0.06 ms a page of a bare `fetch` + `JSON.parse`. Done: handlers that return no",
  "  promise settled without one, the global `fetch` called as `fetch(url, init)`, request labels and log entries built only",
  "  when needed, the lease written once every 30 s instead of after every page. Tried and not kept: the store calls' error",
  "  labels built only on an error (no gain beyond the order effect). In the way: a poller that delivers nothing and writes no",
  "  journal (not a shippable build) still cost 1.76x on 2026-12-03, so batching events and the journal (a change of the",
  "  delivery contract and of its exactly-once argument) would not reach 1.2x either; what is left is the crossings into and",
  "  out of wasm, the promise traffic of each await, reading each page into typed users, and the state save after each page,",
  "  all of which 1.2x would need to cost next to nothing.",
  "",
  "- **Listing at the limit.** The throttle (src/client/throttle.rs) counts each gap from the previous request's actual send time on",
  "  `performance.now`, sleeps again when a timer fires early, serves concurrent calls in order, and adds to the next gap the previous",
  "  response's latency beyond the smallest of the last 64 (how late that request may have arrived: a new connection, a busy server).",
  "  The margin is 0.5% + 0.5 ms; each 429 in fixed mode widens it by 2% (back after 100 clean responses). `X-RateLimit-Remaining: 0`",
  "  with an `X-RateLimit-Reset` holds every request until the reset (Octokit's rule); a 429 without `Retry-After` waits for the reset.",
  "  The yardstick spaces starts by `minTime = 1000 / R` from the previous slot and waits `Retry-After` on a 429, as Bottleneck and",
  "  Octokit's throttling plugin do; against a burst-1 token bucket every late arrival costs it a whole second.",
  "  In the run of 15:32 UTC one of the three token-bucket runs met one 429 (92.5% of R that run). Found at 20:50 UTC with the",
  "  server's arrival log beside a spy on the client's `fetch`: each 429 followed a request that reached the server 3-15 ms late",
  "  while its measured latency was normal; the client had been held up (GC, a busy CPU) after the throttle noted the send time",
  "  and before `fetch` was called, and the latency was counted from the latter. It now runs from the throttle's own send time",
  "  (src/client/mod.rs; native test `a_stall_between_the_throttles_send_time_and_the_wire_delays_the_next_request_as_much`).",
  "  On a loaded machine (two builds running), 3,000 users at 10 req/s against a burst-1 bucket: 4 429s in 8 runs before",
  "  (smallest arrival gap 95.2 ms), 0 in 6 runs after (smallest gap 101.2 ms). The sliding-window figure is unchanged by it:",
  "  alternating the previous build and this one, 97.1 / 97.8 / 98.0% against 97.8 / 97.8 / 97.8%, 0 429s each.",
  "- **`\"auto\"`.** With `X-RateLimit-Limit` / `-Remaining` that behave like a fixed window (the fixed-window row), the limit comes from",
  "  the headers instead of from 429s (src/client/rate_limit_headers.rs): `Remaining` counts down by one per request and starts over at",
  "  `Limit - 1` on a window's first request; a Laravel window opens at the first request after the last one expired, so the time between",
  "  two window starts bounds the window's length from above (the longest countdown bounds it from below), and `Limit` spread evenly",
  "  over that bound never overfills a window. Learned after the first window at 3 req/s (about 1 s; by arithmetic, 3 gaps of 335.5 ms plus latency, about 1007 ms for the",
  "  real 1000 ms; not logged), then run at that rate with fixed mode's margin; a `Remaining: 0` before the learned window is over holds the next request",
  "  until it is. 85.8% with one 429 before, 94.4% and 94.8% (0 429s) in two runs of `--only auto` at 14:05 and 14:30 UTC; the rest to",
  "  fixed mode's figure is the first second at 3 req/s and the ~0.7% by which the first restart overestimates the window. A sliding",
  "  window (Remaining level or creeping up) or a token bucket with room (Limit - 1 every time) shows no such countdown, and a 429 at",
  "  the learned rate counts against it: then the search below runs as without headers. Without headers: slow start (x1.5 per clean",
  "  second) until a 429 or an exhausted `X-RateLimit-Remaining`, then steps up from the last",
  "  clean rate (4%, doubling while clean, at most half way to the ceiling), stopping within 4% of it and re-probing after about two",
  "  minutes. Each refused probe costs the simulator's whole-second `Retry-After`, so the figure depends on the run's length: the",
  "  first 429 and the climb cost about 5 s, which 10,000 users (667 requests, about 70 s) amortize and 3,000 would not.",
  "- **Parse.** One pass over the page text (src/parse/page_scan.rs, rules in src/parse/clean_user.rs): strict JSON validation as it",
  "  goes, clean users copied field by field without reparsing (canonical UTC timestamps rewritten, not recomputed), any other user",
  "  through the model route's reader, any unusual page (invalid JSON, odd envelope) through the model route whole; a property test",
  "  (tests/page_json_matches_model.rs, 10,000 adversarial page texts) checks both routes give equal pages, warnings included.",
  "  The wasm export over pre-encoded pages went from 33.5 to 14.5 ms per 3.96 MB corpus (118 to about 270 MB/s, best of 21",
  "  rounds, same process as a 12 ms bare `JSON.parse`). The façade now encodes the text straight into wasm memory",
  "  (`TextEncoder.encodeInto` at an address from `pageInput`) instead of a `Uint8Array` per page (0.5 against 3-9 ms per corpus,",
  "  mostly GC). That build: 0.45x median in the quiet run of 15:32 UTC (wasm route 152 MB/s against `JSON.parse` at 338 MB/s),",
  "  the Rust pass plus both crossings about as long as the final `JSON.parse` of the output. `listUsers`/`listUserPages` take the",
  "  same route (`Client::next_page_json`). Then, profiled (`perf` with V8's `--perf-prof` jitdump on a names-kept build, wasm-opt",
  "  `-ocimfs 0` to keep functions apart) and measured A/B in one process, alternating builds round by round (Rust pass plus",
  "  crossings per 3.96 MB corpus, fastest of 60 rounds; from 18.9 to 9.4 ms in all): (1) `clean_user::write` copies pieces as",
  "  8-byte words (at opt-level s an element loop stayed a byte loop and `copy_from_slice` is a `memory.copy`, a C call in V8),",
  "  keys as constant words, enum values by packed words, dates digit by digit, canonical timestamps in place: -11%, -4%, -5%;",
  "  (2) `links` and `meta` read from their text (src/parse/page_envelope.rs; serde_json values only when not plain) and the tail",
  "  written by hand: about -10%; (3) string ends found 16 bytes a step with wasm simd128 (`#[target_feature]` on the scanner's",
  "  functions, SWAR natively): -5%; (4) UTF-8 checked by the scanner inside strings, so neither the input nor each user's output",
  "  is checked again, and the JSON text left in wasm memory for the façade's `TextDecoder` (`pageOutput`): -3%; (5) whitespace",
  "  skipped after one compare, null and integers read in place, key lookup without an iterator call: -8%, -4%, -3%. In this",
  "  evening's runs the machine ran `JSON.parse` at 150-200 MB/s instead of 338: there, alternating corpus by corpus in one",
  "  process (60 rounds), the ratio went from 0.41 (q10 0.35) to 0.58 (q10 0.50) median. The table's row is the merged build at",
  "  22:2x UTC, on a host that ran `JSON.parse` at 169 MB/s (half the 15:32 figure) with nothing else running: 0.56 / 0.61 / 0.65x;",
  "  in the full run of 2026-12-03 02:51 UTC (`JSON.parse` at 175 MB/s) 0.59 / 0.63 / 0.65x; in that of 07:07 UTC (182 MB/s)",
  "  0.60 / 0.65 / 0.83x.",
  "  Output, warnings and errors are unchanged (the property test, now with plain and odd `links`/`meta` and a byte route test",
  "  against `from_utf8` on broken bytes; a page ten times the usual size in src/parse/page_scan.rs). Size: 627.2 KiB raw (-1.1),",
  "  268.8 KiB gzip (+0.3). What is left: the scan of a user's keys and values (about 40% of the wasm time) and its checks and",
  "  output (about 45%). Tried and not kept: `opt-level = 3` (0.52-0.63x in two runs, but +9% gzip and a 14 KB scanner function",
  "  whose optimizing compile delayed process exit by 22-36 ms, see cold start); `serde_json::from_slice` for links/meta (+10 KB:",
  "  a second copy of serde_json's reader); the 19-byte timestamp copy as a loop of words (slower); wasm-opt without one-caller",
  "  inlining (same speed, +10 KB).",
  "- **Size.** 741.5 -> 613.0 KiB raw, 318.2 -> 262.1 KiB gzip -9 by the changes below; with the page scanner and the rate-limit",
  "  header learner merged after them, 628.3 KiB raw / 268.5 KiB gzip in the final run; not met. Each change, measured one after the other as the build",
  "  makes the file (wasm-bindgen, then wasm-opt -Os; `opt-level = \"s\"` kept), raw / gzip: (1) on wasm32 links and redirects go",
  "  through the host's WHATWG `URL` (src/web/whatwg_url.rs; the `url` crate only natively, src/client/url.rs decides): -57.2 / -25.1;",
  "  (2) roster records and saved import outcomes read through plain structs instead of serde `flatten` / internally tagged,",
  "  which buffer every value: -26.0 / -9.3; (3) emails lower-cased by the host's `toLowerCase` on wasm32 (src/case.rs; both are",
  "  Unicode's default case mapping), which drops core's 11 KB lower-case table: -18.0 / -10.7; (4) loopback read from the",
  "  serialized host instead of std::net's address parsers: -3.5 / -1.5; (5) no stable sort for three small jobs (field errors",
  "  redacted by insert, the duplicate-email pick by `max_by_key`, missing ids by `sort_unstable` + `dedup`; same results): -15.6 /",
  "  -7.3; (6) every async export's future through one boxed `future_to_promise` (src/glue/runtime.rs): -8.2 / -2.2. Tried and not",
  "  kept: wasm-opt `-Oz --converge` (-2.6 / -0.1); exact `{:.0}` formatting by hand (nothing: f64 `Display` links it anyway).",
  "  Checked: no name or debug sections ship (0.2 KiB of custom sections); LTO, one codegen unit and `panic = \"abort\"` are in",
  "  effect. The stretch (<= 100 KB gzip for what a page that only parses must load) is met by the sub-path `vomo-users/parse`:",
  "  the crate without its `full` feature (models, parsers, the panic hook and the error conversion; src/lib.rs and",
  "  src/glue/mod.rs gate the rest), built by the same wasm-pack and wasm-opt flags into parse/web/vomo_users_parse_bg.wasm:",
  "  206,610 B raw (201.8 KiB), 96,032 B gzip -9 (Node's zlib) = 96.0 KB = 93.8 KiB on 2026-12-03, after the two unused exports",
  "  `parseUserPageJson` and `parseUserPageBytes` were removed (208,111 / 96,962 B before; 95,032 B gzip before the faster scanner), met whether KB means 1,000 or 1,024 bytes. (182.9 / 86.4 KiB when first measured, before the page scanner.) A",
  "  page, Worker or Node process that imports only the sub-path never loads the main file: the tests check Playwright's network",
  "  log, the workerd bundle's imports, webpack's and Vite's output and Node's module cache. The one-file target stays not met for",
  "  the main `.wasm` that `vomo-users` loads (626.8 KiB raw / 269.0 KiB gzip on 2026-12-03 after that removal;",
  "  627.8 / 269.2 KiB before it; 632.2 / 271.8 KiB after the input checks of 09:2x-09:4x UTC; 641.3 / 275.7 KiB after the fixes of 11:5x-14:0x UTC, see the summary above). Its other ~176 KiB gzip are the client, poller, import, CSV and helpers: their async state",
  "  machines (poll 26 KiB raw, importRoster 19 KiB, the exchange 18 KiB, next_page 16 KiB, the poller state's save and load",
  "  23 KiB), one serde_json deserializer per type (51 KiB) and BTreeMap code (35 KiB). Float formatting, f64 parsing and `{:?}`",
  "  string escaping (about 37 KiB raw together) stay: serde's own error messages use them, and f64 parsing is also in",
  "  src/client/throttle.rs and the parse path. 150 KB in one file means about half the code out of it (a lazily loaded second",
  "  `.wasm` for the networked half, or fewer features): a design decision, not a tuning one.",
  "  Measured on 2026-12-03 (06:1x UTC) to see what such a split would give: the same build with the poller, `importRoster`,",
  "  `findOrCreateUser` and roster-CSV exports left out (what a first, eagerly loaded `.wasm` of parsers and client would be)",
  "  is 376.7 KiB raw / 167.0 KiB gzip, still above 150; the other 102 KiB gzip would be a second file that also needs the",
  "  client (a poller takes one, and one client's throttle must pace all its requests), so the two together would be larger",
  "  than today's one. Its compile (`new WebAssembly.Module`, 15 fresh processes each, min / median) is 4.2 / 5.4 ms against",
  "  5.8 / 7.3 ms for the whole module: about 2 ms of the cold start row. Not built, for those figures. Found on the way and",
  "  fixed (CHANGELOG): a Rust wasm app that depended on the crate carried the package's JS bindings and all their code",
  "  (263.9 KiB gzip for an app that lists and parses); behind the crate's `js` feature now, such an app is 104.6 KiB gzip",
  "  (examples/rust_app.rs, wasm-bindgen then `wasm-opt -Os`). That also measures the package's JS bindings (options and",
  "  results as JSON, the listing object, `policy()`, the errors) and its wider client surface at about 60 KiB gzip of the",
  "  167.",
  "- **Memory.** Flat. A regression found by this row was fixed: the façade raced every call against one shared, never-settling",
  "  promise (issue 9's panic watch), which kept each call's result alive (about 37 MB over 90,000 users); each call now races its own.",
  "- **Cold start.** 19.1 ms over a JSON-only process at 11:17 UTC; the first version of the page scanner made it about 45 ms:",
  "  its one 11 KB function was compiled by V8's optimizing tier (22-34 ms, `--trace-wasm-compilation-times`) on a background",
  "  thread after the first page, and Node waits for that before the process exits. One user's scan and its output are now",
  "  functions of their own (src/parse/page_scan.rs), a first page runs in the baseline tier only, and the row is 16.9 ms median",
  "  (15.7 fastest); not met by about 2 ms. What is left, from a `--cpu-prof` of the cold process: compiling the 628 KiB module",
  "  (about 7-9 ms, it scales with the size above), instantiating it (about 1.5 ms), loading the glue and façade JS (about 3 ms)",
  "  and the first call in the baseline tier (about 3 ms). A smaller `.wasm` is what would close it. A run at 22:01",
  "  UTC with the faster scanner (see Parse) on a loaded machine (a JSON-only process took 110 ms instead of 63); alternating that",
  "  build and the previous one in 40 spawns each: import plus first page 18.0 + 2.9 ms against 18.9 + 3.5 ms (fastest), the",
  "  process wall times equal within noise, and neither cold process compiles a function with TurboFan. Note: wasm-opt -Os inlines",
  "  functions with one caller, so in the shipped `.wasm` the scan of a user and its output sit inside the page function again.",
  "  `vomo-users/parse` has its own row; both rows now come from the same rounds of spawns (main, parse-only, JSON-only), so",
  "  they see the same machine. Its rows of 2026-12-02 21:4x UTC were measured while another job kept one of the two cores busy",
  "  (the JSON-only yardstick at 80-130 ms in that half hour against 63 ms in the quiet run of 15:32): both are high and spread. In",
  "  process (`performance.now` around `import` and the calls, 21 processes each, min / median): `import` of the sub-path",
  "  13.7 / 18.6 ms against 20.3 / 29.1 ms for the main entry (the compile of a 200 KiB module instead of a 629 KiB one); the",
  "  first `parseUserPage` 5.4 / 8.1 ms for either (V8 compiles a wasm function on its first call: with",
  "  `--no-wasm-lazy-compilation` that call takes 0.5-0.8 ms and the module's compile 17-22 ms instead of 4-5 ms); the second",
  "  0.1-0.2 ms. What would close 15 ms for the sub-path: less code on a first page's path, not a smaller file alone. The rows",
  "  in the table are from 22:2x UTC with nothing else running but a slow host (the JSON-only process 109-118 ms against 63 ms at",
  "  15:32): main 17.7 / 22.4 / 46.8 ms, sub-path 15.7 / 16.1 / 23.3 ms; both not met.",
  "  Tried for the main entry and not kept: an ES module entry for Node that bundles the glue and façade instead of re-exporting",
  "  index.cjs (the ESM-to-CJS bridge): on a loaded machine the spread (tens of ms) hid any gain, and it would give `import` and",
  "  `require` in one process two wasm instances (a client from one passed to a poller from the other would break).",
  "  2026-12-03: the row now takes the fastest of 15 spawns per entry and run (was 9), because single spawns on this host spread",
  "  by tens of ms (the JSON-only yardstick's median over 31 spawns was 106-123 ms, its fastest 78-86 ms). The full run of",
  "  02:51 UTC gave main 11.0 / 17.3 / 19.0 ms (not met) and the sub-path 10.2 / 13.0 / 18.9 ms (met on this run; 16.1 median at",
  "  22:2x UTC the day before, so it sits near the line). In process, 15 spawns of the main entry's steps one by one (min / median",
  "  ms): requiring the web glue 2.6 / 3.4, the façade 0.9 / 1.3, reading the `.wasm` 0.9 / 1.4, `new WebAssembly.Module` 6.9 / 8.9,",
  "  instantiating 1.9 / 2.3, `createApi` 0.4 / 0.6, the first `parseUserPage` 3.0 / 4.4. Tried and not kept: compiling the module",
  "  with `WebAssembly.compile` (off the main thread) while the glue and façade load, awaiting it before the first call: 31",
  "  spawns each, process start to end of the first call, fastest 96.0 against 95.6 ms synchronous, medians 126.8 against 129.0",
  "  ms, no gain that the spread would show; it would also need index.cjs to defer its own synchronous load for the ES module",
  "  entry, with a window in which a `require` gets an unloaded module. What the main entry's 17 ms is made of is the compile",
  "  and instantiation of the 627 KiB module and the first call's lazy compile: the size row's design decision again.",
  "  The full run of 07:07 UTC the same day (the JSON-only process at 82-85 ms, faster than at 02:51) gave main 24.0 / 24.4 /",
  "  26.5 ms and the sub-path 15.5 / 22.2 / 27.7 ms: both not met, the sub-path's row flipped from met with no change to its",
  "  code. Its JS files were byte for byte those of 02:51 and its `.wasm` the same size; the builds before and after that",
  "  session's only build change (the crate's `js` feature), alternated in 21 spawns each, started in 120.1 / 151.2 ms (old) and",
  "  117.4 / 151.9 ms (new; fastest / median). 45 spawns of each entry at 07:1x UTC, split in thirds, gave main minus JSON-only",
  "  22.9, 27.9 and 45.0 ms and the sub-path 14.3, 22.2 and 13.5 ms (fastest of each third): on this shared host the row moves",
  "  by more than its margin from one quarter hour to the next.",
  "- **CPU per page.** Not met: 2.06x median (1.39 fastest), 1.42 ms against 0.81 ms per page in the full run of 07:07 UTC;",
  "  2.44x (2.19 fastest) in that of 02:51 UTC on a slow host; 2.83x at 15:32 UTC the day before.",
  "  Since 2026-12-03 one round runs before the three counted ones: in the first",
  "  round of a process the poller alone paid for undici's JIT warm-up and the process's first fetches (first round 3.5-3.7x, later",
  "  rounds 1.5-3.1x, in 10- and 16-round runs of the same measurement in one process). Done earlier: a handler that returns no promise",
  "  is settled without one, the global `fetch` gets `(url, init)` instead of a `Request` that undici rebuilds, and request labels",
  "  and log entries are built only when an error or a `log` hook needs them. Measured on 2026-12-03 (02:1x UTC), 16 rounds in",
  "  one process, the last 8 (ms of CPU per page): the poller 0.9-1.45, `listUserPages` alone 0.55-0.77, the plain loop 0.36-0.56;",
  "  so the client's listing is already about 1.4x the plain loop, and the poller adds about 0.45 ms per page on top. A",
  "  `--cpu-prof` of 12 polls / 12 listings / 12 plain loops of 3,000 users (2,400 pages each, names-kept `.wasm` built by",
  "  wasm-opt -Os -g; profiled time, so inflated) gave 5,436 / 3,866 / 2,494 ms of non-idle time. Inside the poll, per page:",
  "  undici's synchronous part of `fetch` 0.75 ms (the plain loop pays it too), the exchange's own work around it 0.21 ms",
  "  (`Headers`, `RequestInit`, `AbortController`, the timeout timer, the body copy), reading the page into typed users on the",
  "  model route 0.12 ms, link checks 0.03 ms, the events 0.16 ms (the JSON serialization in Rust 0.06, the call into the",
  "  façade with its `JSON.parse` and dispatch 0.08), the state save 0.08 ms, the journal writes 0.06 ms, the lease 0.02 ms; the",
  "  rest is promise and closure traffic outside wasm (JsFuture, microtasks) and GC. An A/A run of the harness (the same build",
  "  twice, 12 rounds) differs by 4%, so single micro-changes of a few % cannot be shown here. What stands in the way of 1.2x:",
  "  the listing's own crossings already cost more than the margin, and the poller's per-user work (one event across the",
  "  boundary, one durable journal write per delivery, by the delivery contract of docs/poller.md) would have to cost nearly",
  "  nothing; events handed over a page at a time and a journal written per page change that contract and the exactly-once",
  "  argument. Not attempted. Tried and not kept: the store calls' error labels (a `format!` per call, about 17 calls per page)",
  "  built only on an error: alternating the two builds in one process, 27 counted rounds each, 1.442 against 1.571 ms per page",
  "  with the new build measured second and 1.361 against 1.355 with it first, so nothing beyond the order effect; +494 B raw.",
  "  A lower bound for the page-at-a-time contract, measured on 2026-12-03 (06:2x UTC): a build whose poller delivers",
  "  nothing and writes no journal (each user only counted; not a shippable build) against the shipped one, alternated in",
  "  one process, 17 counted rounds each: 1.138 against 1.416 ms per page (medians), 1.76x against 2.19x the plain loop's",
  "  0.647 ms. So even events and journal writes that cost nothing leave the poller near 1.8x: the listing and the poller's",
  "  own walk around it (reading each page into typed users on the model route, the state save after each page, the lease),",
  "  not the delivery contract, are what stand between it and 1.2x. The exchange's own JS-side steps, measured in",
  "  plain JS over the same pages (a `Headers`, an `AbortController` with its timeout timer, `redirect: \"manual\"`, seven",
  "  header reads, `arrayBuffer()` and a decode), cost 1.09x the plain loop. The client's listing alone is the row's",
  "  yardstick since 2026-12-03 (measured after the plain loop in each round): three runs of `--only cpu` at 06:3x UTC gave",
  "  medians of 1.17x, 1.38x and 1.14x for it and 1.94x, 1.73x and 2.11x for the poller; what the listing costs beyond the",
  "  plain loop's JS-side steps is the crossings into and out of wasm and the promise traffic of each await (a",
  "  `--cpu-prof` puts 0.55 ms per page in undici's synchronous `fetch`, the same in both loops, 0.33 ms of it the socket",
  "  write).",
];

const cell = (s) => String(s).replace(/\|/g, "\\|");
const lines = [
  "## Performance targets of issue 15 (`npm run bench`)",
  "",
  `Measured by \`npm run bench\` (bench/table.mjs) on ${new Date().toISOString().slice(0, 16)}Z, Node ${process.version}, ` +
    `${RUNS} run${RUNS > 1 ? "s" : ""} per figure shown as min / **median** / max; yardsticks measured in the same run and process; ` +
    `the simulator in a child process.${SMOKE ? " SMOKE RUN: tiny sizes, figures mean nothing." : ""}`,
  "",
  "| figure | before (issue 15) | target | measured | yardstick, same run | | reproduce |",
  "| --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map((r) => `| ${[r.figure, r.before, r.target, r.measured, r.yardstick, r.met, reproduce(r.group)].map(cell).join(" | ")} |`),
];
const freshRows = lines.slice(6);
lines.push("", ...NOTES);
const table = lines.join("\n");
console.log(table);

if (WRITE) {
  const old = existsSync(OUT) ? readFileSync(OUT, "utf8") : "# Benchmarks\n\n";
  const a = old.indexOf(BEGIN), b = old.indexOf(END);
  let body = table;
  if (ONLY && a >= 0 && b > a) {
    // A partial run (--only) replaces its own groups' rows and keeps the others, in order.
    const kept = rowsIn(old);
    const group = (l) => /--only (\w+)/.exec(l)?.[1];
    const fresh = new Map(rows.map((r) => [r.group, []]));
    for (const l of freshRows) fresh.get(group(l))?.push(l);
    const merged = [];
    for (const l of kept) {
      const g = group(l);
      if (!fresh.has(g)) merged.push(l);
      else if (fresh.get(g).length) { merged.push(...fresh.get(g)); fresh.set(g, []); }
    }
    for (const ls of fresh.values()) merged.push(...ls);
    const head = old.slice(a + BEGIN.length, b).split("\n").filter((l) => l && !l.startsWith("|") && !l.startsWith("Notes") && !l.startsWith("- ") && !l.startsWith("  ") && !l.startsWith("##"));
    // An earlier "measured again" sentence whose groups are all re-measured now is dropped.
    const earlier = (head[0] ?? "").replace(/ Rows of ([\w, ]+) measured again on [^ ]+ with `--only`[^.]*\./g,
      (sentence, groups) => (groups.split(", ").every((g) => ONLY.includes(g)) ? "" : sentence));
    body = [lines[0], "", `${earlier} Rows of ${ONLY.join(", ")} measured again on ${new Date().toISOString().slice(0, 16)}Z with \`--only\`.`, "",
      lines[4], lines[5], ...merged, "", ...NOTES].join("\n");
  }
  const block = `${BEGIN}\n${body}\n${END}`;
  const text = a >= 0 && b > a ? old.slice(0, a) + block + old.slice(b + END.length) : `${old.replace(/\n*$/, "\n\n")}${block}\n`;
  writeFileSync(OUT, text);
  console.error(`[bench] wrote the table into ${OUT}`);
}
