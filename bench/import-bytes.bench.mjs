// `node bench/import-bytes.bench.mjs [PKG_DIR] [RECORDS...]`: bytes importRoster writes to
// its store (checkpointEvery 10) against what the store holds at the end, over loopback
// HTTP to the simulator. PKG_DIR defaults to ./pkg (run `npm run build` first); pass another
// built package (e.g. the starting commit's) to compare. Prints figures; asserts nothing.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const pkgDir = args[0] && !/^\d+$/.test(args[0]) ? resolve(args.shift()) : join(root, "pkg");
if (!existsSync(join(pkgDir, "index.cjs"))) {
  console.error(`${pkgDir}/index.cjs is missing: run \`npm run build\` first`);
  process.exit(1);
}
const { VomoClient, MemoryStore, importRoster } = createRequire(import.meta.url)(join(pkgDir, "index.cjs"));
const { startSimulator } = await import(join(root, "sim/index.mjs"));

console.log(`importRoster store writes (checkpointEvery 10), package ${pkgDir}`);
console.log("  records   bytes written   kept at the end   ratio");
for (const n of args.length ? args.map(Number) : [500, 2000, 5000]) {
  const sim = await startSimulator({ port: 0, users: 5, seed: 1 });
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 5000 });
  const inner = new MemoryStore();
  let written = 0;
  const store = {
    get: (k) => inner.get(k),
    set: (k, v) => { written += Buffer.byteLength(v); inner.set(k, v); },
    delete: (k) => inner.delete(k),
  };
  const records = Array.from({ length: n }, (_, i) => ({ externalId: `b-${i}`, firstName: `F${i}`, lastName: `L${i}`, email: `bytes${i}@example.org` }));
  await importRoster(client, records, { store, key: "bench", checkpointEvery: 10 });
  const kept = inner.keys().reduce((sum, k) => sum + Buffer.byteLength(inner.get(k)), 0);
  console.log(`  ${String(n).padStart(7)}   ${String(written).padStart(13)}   ${String(kept).padStart(15)}   ${(written / kept).toFixed(1).padStart(5)}x`);
  await sim.close();
}
