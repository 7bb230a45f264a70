// Requests a poll spends where windows must be narrowed for `maxWindowRows`, against the
// simulator on loopback with a frozen clock: a backfill of `base` users, then `rows` users
// created `perSecond` to a second (all of them in one second: a bulk update), then one poll.
// Prints the poll's requests beside the minimum (ceil(rows/15) pages); asserts nothing.
// BENCHMARKS.md, "Poller: narrowing windows".
//
//   node bench/narrowing.bench.mjs [PKG_DIR]     # default pkg/ (npm run build)
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { startSimulator } from "../sim/index.mjs";

const dir = resolve(process.argv[2] ?? "pkg");
const { VomoClient, UserPoller, MemoryStore } = createRequire(import.meta.url)(join(dir, "index.cjs"));

// The simulator's clock and ours move together, as in the tests (a frozen world).
const realNow = Date.now.bind(Date);
let skew = 0;
Date.now = () => realNow() + skew;

async function run({ base, rows, perSecond, maxWindowRows }) {
  const sim = await startSimulator({ port: 0, now: "2026-01-01T00:00:00Z", users: base, seed: 3 });
  const tick = (ms) => { sim.advanceClock(ms); skew += ms; };
  try {
    tick(10_000);
    const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
    const seen = new Set();
    let twice = 0;
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "bench", ...(maxWindowRows ? { maxWindowRows } : {}),
      onUser: ({ user }) => { const k = `${user.id}@${user.updatedAt}`; if (seen.has(k)) twice++; seen.add(k); } });
    const backfill = await poller.poll();
    tick(5 * 3600_000 + 400);
    for (let i = 0; i < rows; i++) {
      sim.createUser({ email: `bulk${i}@example.org` });
      if ((i + 1) % perSecond === 0) tick(1000);
    }
    tick(30_000);
    seen.clear();
    const r = await poller.poll();
    return { backfill: backfill.requests, requests: r.requests, delivered: seen.size, twice, complete: r.complete };
  } finally {
    await sim.close();
  }
}

console.log(`package: ${dir}`);
console.log("| base users | rows | written | maxWindowRows | backfill requests | poll requests | minimum | delivered | twice |");
console.log("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
const ONE_SECOND = Infinity;
for (const c of [
  { base: 20, rows: 73, perSecond: ONE_SECOND, maxWindowRows: 20 },
  { base: 2000, rows: 73, perSecond: ONE_SECOND, maxWindowRows: 20 },
  { base: 20, rows: 730, perSecond: ONE_SECOND, maxWindowRows: 200 },
  { base: 1000, rows: 300, perSecond: ONE_SECOND, maxWindowRows: 50 },
  { base: 20, rows: 6000, perSecond: ONE_SECOND, maxWindowRows: 0 },
  { base: 1, rows: 200, perSecond: 1, maxWindowRows: 20 },
  { base: 1, rows: 12000, perSecond: 4, maxWindowRows: 0 },
]) {
  const r = await run(c);
  const written = c.perSecond === ONE_SECOND ? "in one second" : `${c.perSecond} a second`;
  console.log(`| ${c.base} | ${c.rows} | ${written} | ${c.maxWindowRows || "5000 (default)"} | ${r.backfill} | ${r.requests} | ${Math.ceil(c.rows / 15)} | ${r.delivered}${r.complete ? "" : " (incomplete)"} | ${r.twice} |`);
}
