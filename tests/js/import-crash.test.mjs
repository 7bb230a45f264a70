// importRoster's saved progress survives a store that dies after ANY single set (issue 9,
// item 4): a rerun never fails with "unreadable import progress", and sends only what the
// dead run had not saved. Over real HTTP against the simulator, through the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { VomoClient, MemoryStore, importRoster } from "vomo-users";
import { startSimulator } from "vomo-users/sim";

const posts = (sim) => sim.log().filter((e) => e.method === "POST" && e.path === "/v1/users").length;
const records = Array.from({ length: 450 }, (_, i) => ({
  externalId: `crash-${i}`, firstName: `First${i}`, lastName: `Last${i}`, email: `crash${i}@roster.example.org`,
}));

/** A MemoryStore whose process "dies" after `limit` sets: every later write fails. */
function dyingStore(store, limit) {
  let left = limit;
  return {
    get: (k) => store.get(k),
    delete: (k) => store.delete(k),
    set: (k, v) => {
      if (left <= 0) throw new Error("the process died");
      left--;
      store.set(k, v);
    },
    get died() { return left <= 0; },
  };
}

test("importRoster: after a death at each set of a run whose progress spans 100 KiB chunks, the rerun reads the progress and finishes", async (t) => {
  const sim = await startSimulator({ port: 0, users: 5, seed: 9, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const client = new VomoClient({ token: sim.token, baseUrl: sim.url, requestsPerSecond: 1000 });
  const options = (store) => ({ store, key: "crash", checkpointEvery: 150 });
  let checked = 0;
  let resumed = 0;
  let diedHolding = 0;
  for (let k = 0; ; k++) {
    const saved = new MemoryStore();
    const dying = dyingStore(saved, k);
    sim.clearLog();
    const first = await importRoster(client, records, options(dying)).then(() => "done", (e) => e);
    const largest = Math.max(0, ...saved.keys().map((key) => Buffer.byteLength(saved.get(key))));
    assert.ok(largest <= 100 * 1024, `a stored value holds ${largest} bytes`);
    sim.clearLog();
    // The rerun: the same store, healthy. Its progress must read back, old or new. A run that
    // died holding the key's lease keeps it for 2 minutes, and the rerun is refused until then:
    // the test lets it expire at once by removing it.
    const rerun = await importRoster(client, records, options(saved)).catch((e) => {
      if (e.kind !== "busy") throw e;
      assert.match(e.message, /^another import with this key holds the lease for 1[12]\d s more/);
      diedHolding++;
      for (const key of saved.keys()) if (key.endsWith("/lease")) saved.delete(key);
      return importRoster(client, records, options(saved));
    });
    assert.equal(rerun.created.length + rerun.updated.length, 450, `death after set ${k}`);
    if (posts(sim) < 450) resumed++;
    checked++;
    if (first === "done" && !dying.died) {
      assert.equal(posts(sim), 0, "after a complete run nothing is sent again");
      assert.ok(saved.keys().some((key) => /\.g[01]\.\d+$/.test(key)), `the progress spans chunks: ${saved.keys().join(" ")}`);
      break;
    }
    assert.ok(k < 60, "the first run never completed");
  }
  assert.ok(checked >= 4 && resumed >= 2, `only ${checked} death points, ${resumed} reruns resumed from saved progress`);
  assert.ok(diedHolding >= checked / 2, `a run that died mid-way held its lease (${diedHolding} of ${checked})`);
});
