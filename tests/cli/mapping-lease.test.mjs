// The CLI's mapping lease (js/cli/mapping-lease.mjs, installed as the package ships it) over
// hours of a run, on mocked time (setInterval and Date; the FileStore's writes are real):
// renewed every 30 s, so a long import keeps the mapping past the 2-minute expiry; a run
// whose lease another import took (this one was stopped past its expiry) stops at its next
// renewal; a release frees it at once.
import test from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FileStore } from "vomo-users/stores/file";
import { APP_DIR, tempDir } from "./helpers.mjs";

const { holdMappingLease, MAPPING_LEASE_MS } = await import(pathToFileURL(join(APP_DIR, "node_modules/vomo-users/cli/mapping-lease.mjs")).href);

/** The lease as stored. */
const leaseIn = async (dir) => JSON.parse(await new FileStore(join(dir, "locks")).get("mapping"));
/** Lets the renewal's file writes (real I/O) finish: turns of the event loop until `done()`, at most 10,000. */
async function settled(done) {
  for (let i = 0; i < 10_000; i++) {
    if (await done()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail("the renewal never finished");
}

test("the CLI's mapping lease: renewed every 30 s for an hour; taken by another, the run is stopped at the next renewal; released, it is free", async (t) => {
  const dir = await tempDir(t);
  t.mock.timers.enable({ apis: ["setInterval", "Date"], now: Date.parse("2026-12-06T00:00:00Z") });
  const stop = new AbortController();
  const held = await holdMappingLease(dir, { signal: stop.signal });
  const start = Date.now();
  assert.equal((await leaseIn(dir)).expiresAt, start + MAPPING_LEASE_MS);
  assert.equal((await leaseIn(dir)).pid, process.pid);
  // An hour of renewals: each 30 s moves the expiry on; the lease is never expired for others.
  for (let step = 1; step <= 120; step++) {
    t.mock.timers.tick(30_000);
    await settled(async () => (await leaseIn(dir)).expiresAt === start + step * 30_000 + MAPPING_LEASE_MS);
    assert.ok((await leaseIn(dir)).expiresAt > Date.now(), `after ${step * 30} s`);
  }
  assert.equal(held.signal.aborted, false);
  // Another import took it (this process was stopped past its expiry, and a process on another
  // machine sharing the directory took it over): the next renewal finds out and stops the run.
  const other = { pid: 1, host: "another-machine", token: "other", expiresAt: Date.now() + MAPPING_LEASE_MS };
  await new FileStore(join(dir, "locks")).set("mapping", JSON.stringify(other));
  t.mock.timers.tick(30_000);
  await settled(() => held.signal.aborted);
  assert.equal(held.signal.reason.kind, "busy");
  assert.match(held.signal.reason.message, /was taken by another import: this one stops/);
  await held.release();
  assert.deepEqual(await leaseIn(dir), other, "the release leaves the other's lease alone");

  // A run that ends releases it: the next import takes it at once, long before the expiry.
  await new FileStore(join(dir, "locks")).set("mapping", JSON.stringify({ ...other, expiresAt: Date.now() - 1 }));
  const first = await holdMappingLease(dir, { signal: stop.signal });
  await first.release();
  assert.equal((await leaseIn(dir)).expiresAt, 0);
  const next = await holdMappingLease(dir, { signal: stop.signal });
  assert.equal(next.signal.aborted, false);
  await next.release();
  // The caller's own stop (Ctrl-C) reaches the run through the lease's signal.
  const last = await holdMappingLease(dir, { signal: stop.signal });
  stop.abort(new Error("interrupted"));
  assert.equal(last.signal.aborted, true);
  await last.release();
});
