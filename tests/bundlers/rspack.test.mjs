// Rspack (webpack's configuration, in Rust) with no loader or plugin for the package, as
// webpack: for pages it follows browser.mjs's `new URL(…, import.meta.url)` and emits the
// .wasm with the bundle (run in Chromium); for Node (`target: "node"`) it takes the `node`
// condition and emits the .wasm under a hashed name, which index.mjs's URL leads to (run with
// node outside the project).
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, FIXTURE_IDS } from "./helpers.mjs";

const { rspack } = repoRequire("@rspack/core");

/** Builds `entry` of `app` for `target` into `out`; fails on any error. */
async function build(app, entry, target, out) {
  const stats = await new Promise((resolve, reject) => rspack({
    mode: "production", target, context: app, entry, output: { path: out, filename: "main.js" },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString("errors-only"));
  assert.equal(readdirSync(out).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(out)}`);
}

test("rspack (target web): the .wasm is emitted with the bundle, which runs in Chromium", async (t) => {
  const app = makeApp(t, "rspack-web");
  const dist = join(app, "dist");
  await build(app, "./browser.js", "web", dist);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("rspack (target node): the emitted .wasm is found and the bundle runs with node, outside the project", async (t) => {
  const app = makeApp(t, "rspack-node", { "package.json": JSON.stringify({ type: "module" }) });
  const out = outsideDir(t, "rspack-node");
  await build(app, "./node.js", "node", out);
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const result = await runNode(join(out, "main.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});
