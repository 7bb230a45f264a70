// The JS <-> wasm boundary of the package, for issue 14's before/after: the .wasm size, one
// page's parse through the façade (`parseUserPage`, JSON text both ways), a listing through
// the façade against the simulator over loopback HTTP (`listAllUsers`: fetch, body to Rust,
// parse, result back to JS), and a log hook's entry per attempt. Prints figures; asserts nothing.
//
//   node bench/boundary.bench.mjs [PKG_DIR]     # default pkg/ (npm run build); e.g. a built base
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { gzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { startSimulator } from "../sim/index.mjs";

const dir = resolve(process.argv[2] ?? "pkg");
const api = createRequire(import.meta.url)(join(dir, "index.cjs"));
const { VomoClient, parseUserPage } = api;

const wasm = readFileSync(join(dir, "web/vomo_users_bg.wasm"));
console.log(`package: ${dir}`);
console.log(`wasm: ${(wasm.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(1)} KiB gzip`);

function time(label, rounds, fn) {
  for (let i = 0; i < Math.min(rounds, 50); i++) fn(); // warm-up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  const us = Number(process.hrtime.bigint() - t0) / 1e3 / rounds;
  console.log(`  ${label.padEnd(44)} ${us.toFixed(1).padStart(8)} µs`);
  return us;
}

const USERS = 3000;
const sim = await startSimulator({ port: 0, users: USERS, seed: 7 });
try {
  const headers = { Authorization: `Bearer ${sim.token}` };
  const page = await (await fetch(`${sim.url}/users?page=2`, { headers })).text();
  console.log(`\nparse (a live simulator page of 15 users, ${page.length} bytes):`);
  time("parseUserPage(text) -> Page", 5000, () => parseUserPage(page));

  console.log(`\nlisting through the façade (${USERS} users, ${Math.ceil(USERS / 15)} pages, loopback HTTP):`);
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100000 });
  await client.listAllUsers(); // warm-up
  const runs = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    const all = await client.listAllUsers();
    runs.push(performance.now() - t0);
    if (all.length !== USERS) throw new Error(`listed ${all.length}`);
  }
  runs.sort((a, b) => a - b);
  const [best, median] = [runs[0], runs[4]];
  const perPage = (ms) => (ms / Math.ceil(USERS / 15)).toFixed(2);
  console.log(`  listAllUsers: best ${best.toFixed(1)} ms (${perPage(best)} ms per page), median ${median.toFixed(1)} ms (${perPage(median)} ms per page) of ${runs.length} runs`);
  const pages = [];
  const t0 = performance.now();
  for await (const p of client.listUserPages()) pages.push(p.data.length);
  const ms = performance.now() - t0;
  console.log(`  listUserPages (async iterator): ${ms.toFixed(1)} ms = ${(ms / pages.length).toFixed(2)} ms per page`);

  let entries = 0;
  const logged = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 100000, log: (e) => { entries += e.attempt; } });
  const t1 = performance.now();
  await logged.listAllUsers();
  console.log(`  listAllUsers with a log hook: ${(performance.now() - t1).toFixed(1)} ms (${entries} entries)`);
} finally {
  await sim.close();
}
