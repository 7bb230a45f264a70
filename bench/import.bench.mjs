// `node bench/import.bench.mjs [rps...]`: importRoster throughput against the simulator (no
// server-side limit, loopback) at the client's requestsPerSecond R: records per second
// achieved, as a share of R. Each run imports about 6 s worth of new records with a
// MemoryStore (checkpointEvery 50) and a mapping. Prints figures; asserts nothing.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "pkg/index.cjs"))) {
  console.error("pkg/ is missing: run `npm run build` first");
  process.exit(1);
}
const { VomoClient, MemoryStore, importRoster } = createRequire(import.meta.url)(join(root, "pkg/index.cjs"));
const { startSimulator } = await import(join(root, "sim/index.mjs"));

const rates = process.argv.slice(2).map(Number).filter((n) => n > 0);
const SECONDS = 6;
console.log(`importRoster throughput (simulator on loopback, no server limit, ~${SECONDS} s per rate)`);
console.log("  R (rps)   records   seconds   records/s   share of R   POSTs");
for (const rps of rates.length ? rates : [3, 10, 30]) {
  const sim = await startSimulator({ port: 0, users: 100, seed: 1 });
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: rps });
  const n = rps * SECONDS;
  const records = Array.from({ length: n }, (_, i) => ({ externalId: `b-${i}`, firstName: `F${i}`, lastName: `L${i}`, email: `bench${i}@example.org` }));
  const mapping = new Map();
  const t0 = performance.now();
  const r = await importRoster(client, records, { store: new MemoryStore(), key: "bench", checkpointEvery: 50,
    mapping: { get: (k) => mapping.get(k) ?? null, set: (k, v) => mapping.set(k, v) } });
  const secs = (performance.now() - t0) / 1000;
  const posts = sim.log().filter((e) => e.method === "POST").length;
  const perSec = n / secs;
  console.log(`  ${String(rps).padStart(7)}   ${String(n).padStart(7)}   ${secs.toFixed(2).padStart(7)}   ${perSec.toFixed(2).padStart(9)}   ${(100 * perSec / rps).toFixed(1).padStart(9)} %   ${posts}` +
    (r.created.length === n ? "" : `  (created ${r.created.length}!)`));
  await sim.close();
}
