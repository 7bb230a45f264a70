// DurableObjectStore.setMany in workerd (Miniflare v4, real Durable Object storage): a value
// over 100 KiB (an import's progress) goes to the platform as ONE put(object) of its chunks
// and header, which Durable Objects apply atomically, and reads back on a rerun.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

test("workerd: a value over 100 KiB is written by one atomic put(object) and reads back", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 61, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const mf = new Miniflare({
    ...bundleWorker(t, "setmany-worker.mjs"), compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIM_TOKEN: sim.token }, durableObjects: { IMPORTER: "ImportObject" },
  });
  t.after(() => mf.dispose());
  const run = async () => (await mf.dispatchFetch(`http://worker.local/import?${new URLSearchParams({ sim: sim.url, n: "700" })}`)).json();

  const first = await run();
  assert.equal(first.error, undefined, JSON.stringify(first.error));
  assert.equal(first.created, 700);
  assert.ok(first.largest <= 100 * 1024, `largest stored value ${first.largest}`);
  // 700 settled records are ~250 KB of progress: chunks + header in one put(object).
  const batch = first.puts.find((keys) => keys.length > 1);
  assert.ok(batch, `no multi-key put among ${JSON.stringify(first.puts)}`);
  assert.ok(batch.includes("vomo-users/v1/import/roster") && batch.length >= 3, JSON.stringify(batch));
  assert.ok(batch.every((k) => k.startsWith("vomo-users/v1/import/roster")), JSON.stringify(batch));

  // A rerun reads the progress back: every record settled, nothing sent again.
  const posts = () => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
  assert.equal(posts(), 700);
  const second = await run();
  assert.equal(second.error, undefined, JSON.stringify(second.error));
  assert.equal(second.created, 700, "the rerun reports the saved outcomes");
  // It writes only the import's lease (taken, then released), no progress.
  assert.deepEqual(second.puts, [["vomo-users/v1/import/roster/lease"], ["vomo-users/v1/import/roster/lease"]],
    `the rerun wrote ${JSON.stringify(second.puts)}`);
  assert.equal(posts(), 700, "nothing sent again");
});
