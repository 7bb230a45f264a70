// Rspack (webpack's configuration, in Rust) with docs/bundlers.md's webpack.config.js blocks as
// they stand, as rspack.config.js ("Rspack takes the same configuration"): no loader or plugin
// for the package. For pages (Rspack's default target, as in the recipe) it follows
// browser.mjs's `new URL(…, import.meta.url)` and emits the .wasm with the bundle (run in
// Chromium); for Node (`target: "node"`) it takes the `node` condition and emits the .wasm
// under a hashed name, which index.mjs's URL leads to (dist/ copied out of the project and run
// with node there). The test scaffolding (helpers.mjs, buildWebpackRecipe): the app folder as
// `context`, its dist/ as `output.path`, where the command line run in that folder works and writes.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, buildWebpackRecipe, WEBPACK_WEB, WEBPACK_NODE, FIXTURE_IDS } from "./helpers.mjs";

const { rspack } = repoRequire("@rspack/core");

/** Builds the recipe's block `pattern` with `files` under src/; one .wasm in dist/. */
async function build(t, name, pattern, files) {
  const { dist } = await buildWebpackRecipe(t, { name, bundler: rspack, configFile: "rspack.config.js", pattern, files });
  assert.equal(readdirSync(dist).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(dist)}`);
  return dist;
}

test("rspack (target web): the .wasm is emitted with the bundle, which runs in Chromium", async (t) => {
  const dist = await build(t, "rspack-web", WEBPACK_WEB, { "main.js": "browser.js" });
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("rspack (target node): the emitted .wasm is found and the bundle runs with node, outside the project", async (t) => {
  const dist = await build(t, "rspack-node", WEBPACK_NODE, { "server.js": "node.js" });
  const out = outsideDir(t, "rspack-node");
  cpSync(dist, out, { recursive: true });
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const result = await runNode(join(out, "main.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});
