// VomoClient inside workerd (Miniflare): the installed package, bundled by name through its
// workerd export condition, runs in a Worker whose global fetch reaches a simulator
// started in this test process over real loopback HTTP (no fetch mock).
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

async function worker(t, sim) {
  const mf = new Miniflare({
    ...bundleWorker(t, "client-worker.mjs"),
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIM_TOKEN: sim.token },
  });
  t.after(() => mf.dispose());
  return async (params) => {
    const qs = new URLSearchParams({ sim: sim.url, ...params });
    const res = await mf.dispatchFetch(`http://worker.local/?${qs}`);
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    return body;
  };
}

test("workerd: VomoClient lists, fetches details, upserts and finds users against the simulator", async (t) => {
  const sim = await startSimulator({ port: 0, users: 70, seed: 21, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const call = await worker(t, sim);
  const gets = () => sim.log().filter((e) => e.method === "GET" && e.path === "/v1/users");

  const listed = await call({ do: "list" });
  assert.equal(listed.error, undefined, JSON.stringify(listed.error));
  assert.equal(listed.list.count, 70);
  assert.deepEqual(listed.list.ids, sim.listAll().map((u) => u.id));
  assert.equal(listed.list.pages, 5);
  assert.equal(listed.list.streamed, 70);
  assert.equal(gets().length, 10, "ceil(70/15) = 5 requests per listing, two listings");
  assert.deepEqual(listed.stats, { requests: 10, retries: 0, rateLimited: 0, errors: 0 });

  const id = sim.listAll()[7].id;
  const got = await call({ do: "get", id: String(id) });
  assert.equal(got.error, undefined, JSON.stringify(got.error));
  assert.equal(got.get.id, id);
  assert.equal(got.get.email, sim.getUser(id).email);
  assert.equal(got.get.participations, sim.getUser(id).participations.length);
  assert.match(got.get.updatedAt, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(got.missing, null);

  const up = await call({ do: "upsert", email: "worker.made@example.org" });
  assert.equal(up.error, undefined, JSON.stringify(up.error));
  assert.deepEqual([up.upsert.created, up.upsert.uncertain], [true, false]);
  assert.equal(up.found, up.upsert.id);
  assert.equal(sim.getUser(up.upsert.id).email, "worker.made@example.org");
});

test("workerd: throttling, retries and the foreign-origin guard hold in workerd", async (t) => {
  const sim = await startSimulator({ port: 0, users: 60, seed: 22 });
  t.after(() => sim.close());
  const call = await worker(t, sim);
  await call({ do: "get", id: "1001" }); // warm the isolate
  sim.clearLog();

  const spaced = await call({ do: "list", rps: "20" });
  assert.equal(spaced.list.count, 60);
  const log = sim.log().filter((e) => e.method === "GET");
  for (let i = 1; i < log.length; i++) {
    assert.ok(log[i].t - log[i - 1].t >= 50 - 5, `gap ${(log[i].t - log[i - 1].t).toFixed(1)} ms in workerd`);
  }

  sim.clearLog();
  sim.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: "always" });
  const failed = await call({ do: "get", id: "1001", retries: "2" });
  assert.deepEqual([failed.error.kind, failed.error.status, failed.error.isVomoError], ["server", 503, true]);
  assert.equal(sim.log().length, 3);
  sim.clearFaults();

  sim.injectFault({ path: "/v1/users", page: 1, type: "foreign_next" });
  const foreign = await call({ do: "default" });
  assert.equal(foreign.error.kind, "unsafe_link");
  sim.injectFault({ path: "/v1/users", type: "redirect" });
  const redirected = await call({ do: "default" });
  assert.equal(redirected.error.kind, "unsafe_link");
  assert.deepEqual(sim.foreignLog(), [], "the foreign origin received nothing from workerd");
});
