// What a backfill costs while users keep changing, by `maxWindowRows`: a UserPoller's initial
// sync of 3,270 users in slices of 20 requests (as the Cloudflare example runs it) at 20
// requests a second against the simulator on loopback (its real clock), while one random user
// is edited every `editEveryMs` (2 s, then 250 ms, unless one is given). An edit that lands in
// the window being walked costs about three pages read again (docs/poller.md), and in one
// large window every edit does. Prints, per setting, the backfill's slices, requests and
// seconds, then checks that one more poll (once the edits stop and the margin has passed)
// leaves every user delivered and none twice; asserts nothing else. Real time: about 4
// minutes. examples/cloudflare/README.md, "Capacity plan".
//
//   node bench/churn-backfill.bench.mjs [PKG_DIR] [editEveryMs]   # default pkg/; 2000 and 250
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startSimulator } from "../sim/index.mjs";

const dir = resolve(process.argv[2] ?? "pkg");
const rates = process.argv[3] ? [Number(process.argv[3])] : [2000, 250];
const { VomoClient, UserPoller, MemoryStore } = createRequire(import.meta.url)(join(dir, "index.cjs"));
const USERS = 3270;

async function backfill(maxWindowRows, editEveryMs) {
  const sim = await startSimulator({ port: 0, users: USERS, seed: 7 });
  try {
    const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 20 });
    const seen = new Map();
    const poller = new UserPoller({ client, store: new MemoryStore(), customerId: "c", maxWindowRows,
      onUser: ({ user }) => { const k = `${user.id}@${user.updatedAt}`; seen.set(k, (seen.get(k) ?? 0) + 1); } });
    const ids = sim.listAll().map((u) => u.id);
    let edits = 0;
    const timer = editEveryMs ? setInterval(() => sim.updateUser(ids[(edits * 7919) % ids.length], { phone: `555-${edits++}` }), editEveryMs) : null;
    const started = performance.now();
    let slices = 0, requests = 0, r;
    do {
      r = await poller.poll({ maxRequests: 20 });
      slices++;
      requests += r.requests;
    } while (!r.complete);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(timer);
    // The versions of the last edits lie within the poll's margin (5 s): one more poll brings them.
    if (edits) await sleep(7000);
    do r = await poller.poll(); while (!r.complete);
    const users = new Set([...seen.keys()].map((k) => Number(k.split("@")[0]))).size;
    const twice = [...seen.values()].filter((n) => n > 1).length;
    return { maxWindowRows, editEveryMs, edits, slices, requests, seconds: Number(seconds.toFixed(1)), everyUser: users === USERS, twice };
  } finally {
    await sim.close();
  }
}

console.log(`backfill of ${USERS} users in slices of 20 requests at 20/s; one edit every ${rates.join(" or ")} ms, or none`);
for (const [rows, every] of [...rates.flatMap((ms) => [[5000, ms], [1000, ms], [500, ms]]), [5000, 0], [500, 0]]) {
  console.log(JSON.stringify(await backfill(rows, every)));
}
