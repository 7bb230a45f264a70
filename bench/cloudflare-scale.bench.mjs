// The edge poller at scale: the example Worker (examples/cloudflare, its deploy bundle) in
// one workerd (Miniflare), C customers, each its own Durable Object, all polling one
// simulator over HTTP. Prints figures; asserts nothing (tests/cloudflare/scale.test.mjs runs
// a small size and checks them).
//
//   node bench/cloudflare-scale.bench.mjs               # 200 customers x 150 users, slices of 4 requests
//   BENCH_CUSTOMERS=20 BENCH_USERS=100 BENCH_DELIVERY=webhook node bench/cloudflare-scale.bench.mjs
//   (needs pkg/ built; or VOMO_CF_APP=<folder prepared by tests/cloudflare/example.mjs>)
//
// Phase 1, catch-up: one cron; every customer backfills in alarm-chained slices of
//   MAX_REQUESTS_PER_SLICE at REQUESTS_PER_SECOND, all at once. Measured: the time from the
//   cron until every customer's last slice reported complete, the invocations, the
//   subrequests per invocation (from the structured logs) and workerd's CPU for the phase.
// Phase 2, CPU per invocation: a new workerd (in-memory storage) with request spacing off
//   (otherwise the runtime's idle-time work during the waits between requests, GC and
//   storage upkeep, lands in the measurement: 148 instead of 56 ms for a 4-page slice)
//   runs invocations one at a time (the "poll now" route), each measured as the CPU time
//   workerd's threads used meanwhile (/proc/<pid>/task/*/schedstat, ns): S customers'
//   steady-state polls (5 changed users each, after an unmeasured catch-up), the same S
//   polling again with nothing changed, then S fresh customers' first backfill slices. Includes what the route, Miniflare's loopback, local SQLite storage and the
//   local queue broker cost, so it is an upper bound on what Cloudflare bills as CPU time.
import { readFileSync, readdirSync } from "node:fs";
import { pathToFileURL, fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const harness = await import(pathToFileURL(join(repo, "tests/cloudflare/harness.mjs")).href);

/** CPU nanoseconds used so far by every thread of process `pid`. */
function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try { total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]); } catch { /* thread ended */ }
  }
  return total;
}

/** The workerd process Miniflare started (a child of this process). */
function workerdPid() {
  const found = [];
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("workerd")) found.push(Number(pid));
    } catch { /* gone */ }
  }
  if (found.length !== 1) throw new Error(`expected one workerd child, found ${found.length}`);
  return found[0];
}

const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] : NaN;
};
const summary = (xs) => ({ n: xs.length, median: quantile(xs, 0.5), p99: quantile(xs, 0.99), max: Math.max(...xs), mean: xs.reduce((a, b) => a + b, 0) / xs.length });

export async function runScale({ customers = 200, users = 150, maxRequests = 4, rps = 3, serial = 50, delivery = "queue", timeoutMs = 600_000, print = console.log } = {}) {
  const cleanups = [];
  const t = { after: (fn) => cleanups.push(fn) };
  try {
    const sim = await harness.startSimulator({ port: 0, users, seed: 200, now: "2026-01-01T00:00:00Z" });
    cleanups.push(() => sim.close());
    const sink = await harness.startSink(t);
    const ids = Array.from({ length: customers }, (_, i) => `c${String(i + 1).padStart(4, "0")}`);
    const fresh = Array.from({ length: serial }, (_, i) => `fresh${String(i + 1).padStart(3, "0")}`);
    const secrets = { ADMIN_TOKEN: harness.ADMIN_TOKEN, WEBHOOK_SECRET: harness.WEBHOOK_SECRET };
    const deliveryVars = delivery === "webhook" ? { DELIVERY: "webhook", WEBHOOK_URL: `${sink.url}/webhook` } : { DELIVERY: "queue" };
    // One simulator token for every customer here; in production each has its own secret.
    for (const id of [...ids, ...fresh]) secrets[`VOMO_TOKEN_${id.toUpperCase()}`] = sim.token;
    // No queue consumer: its CPU would count in workerd's (the messages stay queued).
    const start = (requestsPerSecond) => harness.startWorker(t, {
      sink, consumer: false,
      vars: { CUSTOMERS: [...ids, ...fresh].join(","), VOMO_BASE_URL: sim.url, MAX_REQUESTS_PER_SLICE: String(maxRequests),
              REQUESTS_PER_SECOND: String(requestsPerSecond), CHAIN_DELAY_MS: "1000", RETRY_DELAY_MS: "1000", ...deliveryVars },
      secrets,
    });
    let w = await start(rps);
    let pid = workerdPid();
    const pages = Math.ceil(users / 15);
    print(`edge poller scale run: ${customers} customers x ${users} users (${pages} pages each), slices of ${maxRequests} requests, ${rps} req/s per customer, delivery: ${delivery}`);

    // Phase 1: one cron, all customers catch up concurrently (the fresh ones are not kicked:
    // they are polled in phase 2; a cron kicks every configured customer, so kick by hand).
    sim.advanceClock(10_000);
    const cpu0 = cpuNs(pid);
    const t0 = Date.now();
    await Promise.all(ids.map((id) => w.mf.getDurableObjectNamespace("POLLER", "poller")
      .then((ns) => ns.get(ns.idFromName(id)).kick(id))));
    const doneAt = new Map();
    await harness.until(() => {
      for (const l of w.output.lines) if (l.msg === "vomo.poll" && l.complete && !doneAt.has(l.customerId)) doneAt.set(l.customerId, Date.parse(l.at));
      return ids.every((id) => doneAt.has(id));
    }, `all ${customers} customers to catch up`, timeoutMs);
    const catchUpMs = Math.max(...doneAt.values()) - t0;
    const cpu1 = cpuNs(pid);
    const slices = w.output.lines.filter((l) => l.msg === "vomo.poll" && ids.includes(l.customerId));
    const failed = slices.filter((l) => !l.ok);
    const sub = summary(slices.map((l) => l.subrequests));
    const req = summary(slices.map((l) => l.requests ?? 0));
    const delivered = slices.reduce((a, l) => a + l.delivered, 0);
    const phase1 = {
      catchUpSeconds: catchUpMs / 1000, invocations: slices.length, failedInvocations: failed.length,
      invocationsPerCustomer: slices.length / customers, delivered,
      subrequests: sub, vomoRequests: req,
      workerdCpuSeconds: (cpu1 - cpu0) / 1e9, cpuMsPerInvocationMean: (cpu1 - cpu0) / 1e6 / slices.length,
    };
    print(`\nphase 1: catch-up after one cron (concurrent)`);
    print(`  time until all ${customers} caught up   ${phase1.catchUpSeconds.toFixed(1)} s`);
    print(`  invocations (alarm slices)       ${slices.length} (${phase1.invocationsPerCustomer.toFixed(2)} per customer; ${failed.length} failed)`);
    print(`  events delivered ( ${delivery.padEnd(7)})      ${delivered} (expected ${customers * users})`);
    print(`  subrequests per invocation       median ${sub.median}, p99 ${sub.p99}, max ${sub.max} (VOMO requests median ${req.median}, max ${req.max}; the rest queue sends)`);
    print(`  workerd CPU for the phase        ${phase1.workerdCpuSeconds.toFixed(2)} s = ${phase1.cpuMsPerInvocationMean.toFixed(1)} ms per invocation (mean, all threads)`);

    // Phase 2 on a new workerd, request spacing off; the steady customers catch up first.
    await w.dispose();
    w = await start(1000);
    pid = workerdPid();
    for (const id of ids.slice(0, serial)) {
      for (let i = 0; i < 50 && !(await w.pollNow(id)).result?.complete; i++);
    }
    // Phase 2, baseline: the health route (Worker -> Durable Object RPC -> storage reads).
    const overhead = [];
    for (const id of ids.slice(0, serial)) {
      const before = cpuNs(pid);
      await w.health(id);
      overhead.push((cpuNs(pid) - before) / 1e6);
    }
    // Phase 2a: steady state, one invocation at a time: 5 users changed since the catch-up.
    for (const u of sim.listAll().slice(0, 5)) sim.updateUser(u.id, { last_name: `${u.last_name}x` });
    sim.advanceClock(10_000);
    const steady = [];
    for (const id of ids.slice(0, serial)) {
      const before = cpuNs(pid);
      const out = await w.pollNow(id);
      steady.push({ cpuMs: (cpuNs(pid) - before) / 1e6, out });
    }
    // Phase 2a': the same customers again, nothing changed: a quiet poll.
    const quiet = [];
    sim.advanceClock(10_000);
    for (const id of ids.slice(0, serial)) {
      const before = cpuNs(pid);
      const out = await w.pollNow(id);
      quiet.push({ cpuMs: (cpuNs(pid) - before) / 1e6, out });
    }
    // Phase 2b: backfill slices, one at a time (fresh customers; each one slice).
    const backfill = [];
    for (const id of fresh) {
      const before = cpuNs(pid);
      const out = await w.pollNow(id);
      backfill.push({ cpuMs: (cpuNs(pid) - before) / 1e6, out });
    }
    const steadyCpu = summary(steady.map((s) => s.cpuMs));
    const sliceCpu = summary(backfill.map((s) => s.cpuMs));
    const slicePages = summary(backfill.map((s) => s.out.result?.requests ?? 0));
    const sliceEvents = summary(backfill.map((s) => s.out.result?.processed ?? 0));
    const writes = (runs) => summary(runs.map((r) => r.out.storageWrites));
    const routeCpu = summary(overhead);
    const quietCpu = summary(quiet.map((s) => s.cpuMs));
    const phase2 = {
      healthRouteCpuMs: routeCpu,
      quiet: { cpuMs: quietCpu, subrequests: summary(quiet.map((s) => s.out.subrequests)), storageWrites: writes(quiet), ok: quiet.every((s) => s.out.ok && s.out.result.processed === 0),
        // The outcomes that were not quiet, whole: what a failed smoke test shows.
        notQuiet: quiet.filter((s) => !(s.out.ok && s.out.result.processed === 0)).map((s) => s.out) },
      steady: { cpuMs: steadyCpu, subrequests: summary(steady.map((s) => s.out.subrequests)), storageWrites: writes(steady), ok: steady.every((s) => s.out.ok), processed: steady[0]?.out.result?.processed },
      backfillSlice: { cpuMs: sliceCpu, requests: slicePages, events: sliceEvents, subrequests: summary(backfill.map((s) => s.out.subrequests)), storageWrites: writes(backfill), ok: backfill.every((s) => s.out.ok) },
    };
    // CPU per page of 15 users (a list request, 15 sends, the poller's state writes): over the
    // whole concurrent catch-up, and in a first slice alone (less a quiet poll's fixed cost).
    const pagesDelivered = delivered / 15;
    phase2.cpuMsPerPage = {
      catchUpAmortized: (cpu1 - cpu0) / 1e6 / pagesDelivered,
      firstSlice: (sliceCpu.median - quietCpu.median) / (sliceEvents.median / 15),
    };
    print(`\nphase 2: CPU per invocation, one at a time (workerd, all threads; a new workerd, request spacing off)`);
    print(`  baseline: the health route     median ${routeCpu.median.toFixed(2)} ms, p99 ${routeCpu.p99.toFixed(2)} ms (n=${routeCpu.n})`);
    print(`  quiet poll (no change)         median ${quietCpu.median.toFixed(2)} ms, p99 ${quietCpu.p99.toFixed(2)} ms (n=${quietCpu.n}); subrequests median ${phase2.quiet.subrequests.median}, storage writes median ${phase2.quiet.storageWrites.median}`);
    print(`  steady-state poll (${phase2.steady.processed} changes)   median ${steadyCpu.median.toFixed(2)} ms, p99 ${steadyCpu.p99.toFixed(2)} ms (n=${steadyCpu.n}); subrequests median ${phase2.steady.subrequests.median}, storage writes median ${phase2.steady.storageWrites.median}`);
    print(`  backfill slice (${slicePages.median} requests, ${sliceEvents.median} events)  median ${sliceCpu.median.toFixed(2)} ms, p99 ${sliceCpu.p99.toFixed(2)} ms (n=${sliceCpu.n}); subrequests median ${phase2.backfillSlice.subrequests.median}, storage writes median ${phase2.backfillSlice.storageWrites.median}`);
    print(`  => CPU per page of 15 users (a list request, 15 sends, state writes): ${phase2.cpuMsPerPage.catchUpAmortized.toFixed(1)} ms over the whole catch-up (phase 1 CPU / ${pagesDelivered} pages), ${phase2.cpuMsPerPage.firstSlice.toFixed(1)} ms in a first slice alone`);
    const figures = { customers, users, maxRequests, rps, delivery, phase1, phase2 };
    print(`\n${JSON.stringify(figures)}`);
    return figures;
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await runScale({
    customers: Number(process.env.BENCH_CUSTOMERS ?? 200), users: Number(process.env.BENCH_USERS ?? 150),
    maxRequests: Number(process.env.BENCH_MAX_REQUESTS ?? 4), rps: Number(process.env.BENCH_RPS ?? 3),
    serial: Number(process.env.BENCH_SERIAL ?? 50), delivery: process.env.BENCH_DELIVERY ?? "queue",
  });
}
