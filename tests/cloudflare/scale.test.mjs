// The scale bench (bench/cloudflare-scale.bench.mjs) at smoke size: 12 customers in one
// workerd catch up after one cron in chained slices, and the figures it reports hold
// together (the full 200-customer run is in BENCHMARKS.md).
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repo } from "./example.mjs";

test("scale bench, smoke size: 12 customers x 90 users catch up; subrequests and CPU figures are consistent", { timeout: 240_000 }, async () => {
  const { runScale } = await import(pathToFileURL(join(repo, "bench/cloudflare-scale.bench.mjs")).href);
  const lines = [];
  const f = await runScale({ customers: 12, users: 90, maxRequests: 3, rps: 50, serial: 4, print: (l) => lines.push(l) });
  const { phase1, phase2 } = f;
  assert.equal(phase1.failedInvocations, 0);
  assert.equal(phase1.delivered, 12 * 90, "every user of every customer delivered once");
  // 6 pages (+ the first window's re-read) in slices of 3 requests: at least 3 slices each.
  assert.ok(phase1.invocationsPerCustomer >= 3, `${phase1.invocationsPerCustomer} slices per customer`);
  assert.ok(phase1.vomoRequests.max <= 3, "no slice over its request budget");
  assert.ok(phase1.subrequests.max <= 3 + 3 * 15, "subrequests: the requests plus at most 15 sends per page");
  assert.ok(phase1.catchUpSeconds > 0 && phase1.workerdCpuSeconds > 0 && phase1.cpuMsPerInvocationMean > 0);
  assert.ok(phase2.steady.ok && phase2.backfillSlice.ok);
  assert.ok(phase2.quiet.ok, `the polls after them find nothing: ${JSON.stringify(phase2.quiet.notQuiet)}`);
  assert.ok(phase2.quiet.storageWrites.median < phase2.steady.storageWrites.median, "a quiet poll writes less than one with changes");
  assert.equal(phase2.steady.processed, 5, "the steady-state polls see the 5 changed users");
  assert.equal(phase2.backfillSlice.requests.median, 3);
  // Counts, not CPU time: a CPU comparison is for the bench (it flipped once under load here).
  assert.ok(phase2.backfillSlice.storageWrites.median > phase2.steady.storageWrites.median, "a backfill slice writes more than a poll with 5 changes");
  assert.ok(phase2.backfillSlice.subrequests.median > phase2.steady.subrequests.median, "and sends more");
  assert.ok(phase2.backfillSlice.cpuMs.n > 0 && phase2.steady.cpuMs.n > 0, "CPU was measured for both (figures in the bench's output)");
  assert.ok(lines.some((l) => l.includes("time until all 12 caught up")));
});
