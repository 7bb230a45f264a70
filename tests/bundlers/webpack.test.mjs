// webpack 5 with docs/bundlers.md's webpack.config.js, taken from the page as it stands (one
// block for pages, one for Node) and loaded as webpack's command line loads it, in an app laid
// out as the recipe has it (src/main.js, src/server.js): no loader or plugin for the package.
// It follows the entry's `new URL("./web/vomo_users_bg.wasm", import.meta.url)`, emits the
// .wasm as an asset, and the bundle runs in Chromium; for Node, with node outside the project.
// The test scaffolding (helpers.mjs, buildWebpackRecipe): the app folder as `context`, its dist/
// as `output.path`, where `webpack` run in that folder works and writes.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, buildWebpackRecipe, WEBPACK_WEB, WEBPACK_NODE, FIXTURE_IDS } from "./helpers.mjs";
import { startSimulator } from "vomo-users/sim";

const webpack = repoRequire("webpack");

const build = (t, name, pattern, files) => buildWebpackRecipe(t, { name, bundler: webpack, pattern, files });

test("webpack 5 (target web): the .wasm is emitted with the bundle, which runs in Chromium", async (t) => {
  const { dist } = await build(t, "webpack", WEBPACK_WEB, { "main.js": "browser.js" });
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), `a .wasm in ${readdirSync(dist)}`);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

// For Node, webpack takes the `node` condition (index.mjs, over index.cjs) and emits the .wasm
// under a hashed name from index.mjs's `new URL(…, import.meta.url)`; index.cjs's own read
// (`__dirname/web/…`) misses, and the entry loads the emitted file instead of failing. dist/ is
// copied out of the project (as a deployment would) and run there.
test("webpack 5 (target node): the emitted .wasm is found and the bundle runs with node, outside the project", async (t) => {
  const { dist } = await build(t, "webpack-node", WEBPACK_NODE, { "server.js": "node.js" });
  assert.deepEqual(readdirSync(dist).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(dist)}`);
  const out = outsideDir(t, "webpack-node");
  cpSync(dist, out, { recursive: true });
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const result = await runNode(join(out, "main.js"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});
