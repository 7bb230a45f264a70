// Memory while streaming a large listing: the simulator runs in its own process, the client
// iterates `listUsers()` and samples this process's heap and RSS. Prints figures only.
// BENCH_USERS (default 100000) users, unlimited server rate.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { VomoClient } from "../pkg/index.mjs";

const users = Number(process.env.BENCH_USERS ?? 100_000);
const cli = fileURLToPath(new URL("../sim/cli.mjs", import.meta.url));
const child = spawn(process.execPath, [cli, "--port", "0", "--users", String(users)], { stdio: ["ignore", "pipe", "inherit"] });
const info = await new Promise((resolve) => createInterface({ input: child.stdout }).once("line", (l) => resolve(JSON.parse(l))));
try {
  const client = new VomoClient({ token: info.token, baseUrl: info.url, requestsPerSecond: 10_000 });
  const mb = (n) => (n / 1048576).toFixed(1);
  const samples = [];
  let n = 0;
  const t0 = performance.now();
  for await (const user of client.listUsers()) {
    if (user.id > 0) n++;
    if (n % 10_000 === 0) {
      const m = process.memoryUsage();
      samples.push(`${String(n).padStart(7)} users  heapUsed ${mb(m.heapUsed).padStart(6)} MB  rss ${mb(m.rss).padStart(6)} MB  arrayBuffers ${mb(m.arrayBuffers).padStart(6)} MB`);
    }
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`listed ${n} users in ${client.stats().requests} requests, ${s.toFixed(1)} s (${Math.round(n / s)} users/s)`);
  for (const line of samples) console.log(line);
} finally {
  child.kill();
}
