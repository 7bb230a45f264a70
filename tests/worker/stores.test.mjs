// Store adapters in workerd (Miniflare v4): UserPoller on DurableObjectStore inside a Durable
// Object, polling a simulator in this process over loopback HTTP, twice (the second poll
// delivers only the changes), then again after workerd restarts on the same persisted
// storage; and KvStore over a real KV binding. Everything through the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

const bundle = (t) => bundleWorker(t, "stores-worker.mjs");

function miniflare(t, worker, sim, persist) {
  const mf = new Miniflare({
    ...worker, compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIM_TOKEN: sim.token },
    durableObjects: { POLLER: "PollerObject" },
    kvNamespaces: ["KV"],
    durableObjectsPersist: persist, kvPersist: persist,
  });
  let disposed = false;
  t.after(() => (disposed ? undefined : mf.dispose()));
  return {
    mf,
    dispose: async () => { disposed = true; await mf.dispose(); },
    call: async (path, params) => {
      const res = await mf.dispatchFetch(`http://worker.local${path}?${new URLSearchParams(params)}`);
      const body = await res.json();
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    },
  };
}

test("workerd: UserPoller on DurableObjectStore: backfill, then only the changes, then a restarted workerd continues", async (t) => {
  const sim = await startSimulator({ port: 0, users: 50, seed: 51, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const persist = mkdtempSync(join(tmpdir(), "vomo-stores-persist-"));
  t.after(() => rmSync(persist, { recursive: true, force: true }));
  const built = bundle(t);
  const first = miniflare(t, built, sim, persist);
  const poll = (w, customer = "acme") => w.call("/poll", { sim: sim.url, customer });

  const b1 = await poll(first);
  assert.equal(b1.error, undefined, JSON.stringify(b1.error));
  assert.equal(b1.result.processed, 50);
  assert.deepEqual(b1.events.map((e) => e.id).sort(), sim.listAll().map((u) => u.id).sort());
  assert.ok(b1.keys.length >= 2 && b1.keys.every((k) => k.startsWith("vomo-users/v1/acme/")), b1.keys.join(" "));

  const ids = sim.listAll().map((u) => u.id);
  sim.updateUser(ids[7], { first_name: "Edge" });
  const made = sim.createUser({ email: "from.edge@example.org" }).id;
  sim.advanceClock(10_000);
  const b2 = await poll(first);
  assert.equal(b2.error, undefined, JSON.stringify(b2.error));
  assert.equal(b2.result.processed, 2, "the second poll delivers only the changes");
  assert.deepEqual(b2.events.map((e) => [e.id, e.kind]).sort(), [[ids[7], "updated"], [made, "created"]].sort());

  // Another customer has its own Durable Object and its own state.
  const other = await poll(first, "globex");
  assert.equal(other.result.processed, 51);

  // workerd goes away; a new one on the same persisted Durable Object storage redelivers nothing.
  await first.dispose();
  const second = miniflare(t, built, sim, persist);
  sim.advanceClock(10_000);
  const b3 = await poll(second);
  assert.equal(b3.error, undefined, JSON.stringify(b3.error));
  assert.equal(b3.result.processed, 0, "no redelivery after the restart");
  sim.updateUser(made, { last_name: "Again" });
  sim.advanceClock(10_000);
  const b4 = await poll(second);
  assert.deepEqual(b4.events.map((e) => [e.id, e.kind]), [[made, "updated"]]);
});

test("workerd: two overlapping polls of one Durable Object: the lease turns the second away as busy", async (t) => {
  const sim = await startSimulator({ port: 0, users: 60, seed: 52, now: "2026-01-01T00:00:00Z", latencyMs: 40 });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const w = miniflare(t, bundle(t), sim, false);
  const [a, b] = await Promise.all([0, 1].map(() => w.call("/poll", { sim: sim.url, customer: "acme" })));
  const outcomes = [a, b].map((r) => (r.error ? r.error.kind : "ok")).sort();
  assert.deepEqual(outcomes, ["busy", "ok"], JSON.stringify([a.error, b.error]));
  assert.equal([a, b].find((r) => !r.error).result.processed, 60);
  assert.equal([...a.events, ...b.events].length, 60, "each user delivered once");
});

test("workerd: KvStore round trip over a real KV binding, with its prefix", async (t) => {
  const sim = await startSimulator({ port: 0, users: 1, seed: 53 });
  t.after(() => sim.close());
  const w = miniflare(t, bundle(t), sim, false);
  assert.deepEqual(await w.call("/kv", { op: "get", key: "a/b" }), { value: null });
  assert.deepEqual(await w.call("/kv", { op: "roundtrip", key: "a/b", value: "one" }), { before: null, after: "one" });
  await w.call("/kv", { op: "set", key: "a/b", value: "two ✓" });
  assert.deepEqual(await w.call("/kv", { op: "get", key: "a/b" }), { value: "two ✓" });
  const kv = await w.mf.getKVNamespace("KV");
  assert.equal(await kv.get("kv-test/a/b"), "two ✓", "stored under the prefix");
  assert.deepEqual((await kv.list()).keys.map((k) => k.name), ["kv-test/a/b"]);
  await w.call("/kv", { op: "delete", key: "a/b" });
  assert.deepEqual(await w.call("/kv", { op: "get", key: "a/b" }), { value: null });
});
