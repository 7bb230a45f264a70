// VomoClient at a real rate: a full listing of N simulated users while the simulator
// enforces exactly R requests per second (token bucket, burst 1), first with the client
// told R (requestsPerSecond: R), then in "auto" mode with R unknown to it.
// Prints figures; asserts nothing.
//
//   node bench/client.bench.mjs                       # N = 10,000, R = 10 (~2 x 67 s)
//   BENCH_USERS=1500 BENCH_RPS=20 node bench/client.bench.mjs
//   BENCH_MODES=fixed|auto|both (default both); VOMO_PKG=path/to/index.mjs picks the build
import { startSimulator } from "../sim/index.mjs";

const N = Number(process.env.BENCH_USERS ?? 10000);
const R = Number(process.env.BENCH_RPS ?? 10);
const MODES = (process.env.BENCH_MODES ?? "both") === "both" ? ["fixed", "auto"] : [process.env.BENCH_MODES];

// VOMO_PKG=/path/to/index.mjs picks a build; else the installed package, else ../pkg.
let api;
if (process.env.VOMO_PKG) api = await import(new URL(process.env.VOMO_PKG, `file://${process.cwd()}/`).href);
else {
  try {
    api = await import("vomo-users");
  } catch {
    api = await import("../pkg/index.mjs"); // the repository build (npm run build)
  }
}
const { VomoClient } = api;

const minimal = Math.ceil(N / 15);
console.log(`VomoClient listing bench: ${N} users, simulator limit ${R} req/s (burst 1), minimum ${minimal} requests`);
console.log(`(expected duration per mode at the limit: ~${(minimal / R).toFixed(0)} s)\n`);

for (const mode of MODES) {
  const sim = await startSimulator({ port: 0, users: N, seed: 42, rateLimit: { requestsPerSecond: R, burst: 1 } });
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: mode === "auto" ? "auto" : R,
                                  maxRetries: 8 });
  const t0 = performance.now();
  let users = 0, error = null;
  const rates = [];
  try {
    for await (const page of client.listUserPages()) {
      users += page.data.length;
      if (mode === "auto") rates.push(client.currentRate());
    }
  } catch (e) {
    error = e;
  }
  const seconds = (performance.now() - t0) / 1000;
  const log = sim.log().filter((e) => e.method === "GET");
  const ok = log.filter((e) => e.status === 200).length;
  const limited = log.filter((e) => e.status === 429).length;
  const span = log.length > 1 ? (log.at(-1).t - log[0].t) / 1000 : seconds;
  const achieved = ok / seconds;
  const stats = client.stats();
  console.log(`mode ${mode === "auto" ? '"auto" (limit unknown to the client)' : `fixed ${R} req/s`}`);
  console.log(`  users listed          ${users}${error ? `  (stopped: ${error.kind}: ${error.message})` : ""}`);
  console.log(`  requests made         ${log.length}  (minimum ${minimal}; 200s ${ok}; extra ${log.length - minimal})`);
  console.log(`  429s seen             ${limited}  (${((100 * limited) / Math.max(1, log.length)).toFixed(1)}% of requests)`);
  console.log(`  wall time             ${seconds.toFixed(1)} s  (first to last request ${span.toFixed(1)} s)`);
  console.log(`  achieved rate         ${achieved.toFixed(2)} pages/s = ${((100 * achieved) / R).toFixed(1)}% of R (utilisation)`);
  console.log(`  all requests rate     ${(log.length / seconds).toFixed(2)} req/s`);
  if (mode === "auto" && rates.length) {
    const tail = rates.slice(Math.floor(rates.length / 2));
    console.log(`  auto rate             start ${rates[0].toFixed(2)} (after the first request), end ${rates.at(-1).toFixed(2)}, mean of 2nd half ${(tail.reduce((a, b) => a + b, 0) / tail.length).toFixed(2)} req/s`);
  }
  console.log(`  client.stats()        ${JSON.stringify(stats)}\n`);
  await sim.close();
}
