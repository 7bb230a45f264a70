// workerd smoke test: the installed package, bundled by name through its workerd export
// condition, runs inside Miniflare (real workerd) and parses pages there.
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "vomo-users/sim";
import { LIST_PAGE, repoRequire } from "../js/helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const { buildSync } = repoRequire("esbuild");
const { Miniflare } = repoRequire("miniflare");

test("a Worker importing vomo-users parses a fixture page and a simulator page in workerd", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "vomo-worker-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const result = buildSync({
    entryPoints: [join(here, "worker.mjs")], bundle: true, format: "esm", platform: "neutral",
    conditions: ["workerd", "worker", "browser"], external: ["*.wasm"], write: false,
    outfile: join(out, "worker.mjs"), define: { __FIXTURE_PAGE__: JSON.stringify(LIST_PAGE()) }, logLevel: "error",
  });
  const bundle = result.outputFiles[0].text;
  const wasmImport = bundle.match(/from\s*"(\.\/[^"]+\.wasm)"/);
  assert.ok(wasmImport, "the bundle imports the .wasm as a module (workerd entry chosen)");
  // The .wasm comes from the installed package, as a user's bundler would find it.
  const pkgDir = dirname(createRequire(import.meta.url).resolve("vomo-users/package.json"));
  const wasmPath = join(out, wasmImport[1]);
  const sim = await startSimulator({ port: 0, users: 25, seed: 11 });
  t.after(() => sim.close());
  const mf = new Miniflare({
    modulesRoot: out,
    modules: [
      { type: "ESModule", path: join(out, "worker.mjs"), contents: bundle },
      { type: "CompiledWasm", path: wasmPath, contents: readFileSync(join(pkgDir, "web/vomo_users_bg.wasm")) },
    ],
    compatibilityDate: "2024-09-23",
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
