// Memory of a first backfill by `UserPoller` with a MemoryStore: the simulator in a child
// process (so that its users are not counted), `users` seeded users, one poll to the end.
// Prints the process's peak RSS (sampled every 50 ms), then, after a full GC, the JS heap
// in use, the store's values (their total length) and the wasm linear memory; asserts
// nothing. BENCHMARKS.md, "Poller: memory of a backfill".
//
//   node --expose-gc bench/poller-memory.bench.mjs [PKG_DIR] [USERS] [MODE]
//   (one backfill per process; default pkg/, 20000, off)
import { spawn } from "node:child_process";
import { once } from "node:events";
import { loadWithWasmMemory } from "./lib/wasm-memory.mjs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

if (!globalThis.gc) throw new Error("run with node --expose-gc");
const dir = resolve(process.argv[2] ?? "pkg");
const users = Number(process.argv[3] ?? 20_000);
const participations = process.argv[4] ?? "off";

const { api: { VomoClient, UserPoller, MemoryStore }, memory: wasmBytes } = loadWithWasmMemory(dir);

const cli = fileURLToPath(new URL("../sim/cli.mjs", import.meta.url));
const sim = spawn(process.execPath, [cli, "--port", "0", "--users", String(users), "--seed", "5"], { stdio: ["ignore", "pipe", "inherit"] });
const { url, token } = JSON.parse(String((await once(sim.stdout, "data"))[0]));
try {
  const client = new VomoClient({ token, baseUrl: url, requestsPerSecond: 10_000 });
  const store = new MemoryStore();
  let delivered = 0;
  const poller = new UserPoller({ client, store, customerId: "bench", participations,
    onUser: () => { delivered++; }, onParticipation: () => {} });
  let peak = 0;
  const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const r = await poller.poll();
  clearInterval(sample);
  peak = Math.max(peak, process.memoryUsage().rss);
  globalThis.gc();
  const m = process.memoryUsage();
  let storeBytes = 0;
  for (const k of store.keys()) storeBytes += store.get(k).length;
  const mb = (n) => (n / 1e6).toFixed(1);
  console.log(`| ${users} | ${participations} | ${r.requests} | ${delivered}${r.complete ? "" : " (incomplete)"} | ${mb(peak)} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${mb(storeBytes)} (${store.size} keys) | ${mb(wasmBytes())} |`);
} finally {
  sim.kill();
}
