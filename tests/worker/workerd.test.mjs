// workerd smoke test: the installed package, bundled by name through its workerd export
// condition, runs inside Miniflare (real workerd) and parses pages there.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { LIST_PAGE } from "../js/helpers.mjs";
import { bundleWorker, Miniflare, COMPATIBILITY_DATE } from "./bundle.mjs";

test("a Worker importing vomo-users parses a fixture page and a simulator page in workerd", async (t) => {
  const worker = bundleWorker(t, "worker.mjs", { __FIXTURE_PAGE__: JSON.stringify(LIST_PAGE()) });
  const sim = await startSimulator({ port: 0, users: 25, seed: 11 });
  t.after(() => sim.close());
  const mf = new Miniflare({
    ...worker,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { SIM_TOKEN: sim.token },
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch(`http://worker.local/?sim=${encodeURIComponent(sim.url)}`);
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  assert.deepEqual(body.fixture, { ids: [12345, 12346], prev: null, total: 120, phone: null, warnings: 2 });
  assert.equal(body.error.isVomoError, true);
  assert.equal(body.error.isError, true);
  assert.equal(body.error.kind, "parse");
  assert.deepEqual(body.sim && body.sim.error, undefined, `simulator fetch from workerd: ${JSON.stringify(body.sim)}`);
  assert.equal(body.sim.status, 200);
  assert.equal(body.sim.total, 25);
  assert.ok(body.sim.count > 0 && Number.isInteger(body.sim.firstId));
});
