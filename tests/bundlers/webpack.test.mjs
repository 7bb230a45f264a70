// webpack 5 with no loader or plugin for the package: it follows the entry's
// `new URL("./web/vomo_users_bg.wasm", import.meta.url)`, emits the .wasm as an asset,
// and the bundle runs in Chromium.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp, outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, FIXTURE_IDS } from "./helpers.mjs";
import { startSimulator } from "vomo-users/sim";

const webpack = repoRequire("webpack");

test("webpack 5 (target web): the .wasm is emitted with the bundle, which runs in Chromium", async (t) => {
  const app = makeApp(t, "webpack");
  const dist = join(app, "dist");
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production", context: app, entry: "./browser.js", output: { path: dist, filename: "main.js" },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString("errors-only"));
  assert.ok(readdirSync(dist).some((f) => f.endsWith(".wasm")), `a .wasm in ${readdirSync(dist)}`);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

// For Node, webpack takes the `node` condition (index.mjs, over index.cjs) and emits the .wasm
// under a hashed name from index.mjs's `new URL(…, import.meta.url)`; index.cjs's own read
// (`__dirname/web/…`) misses, and the entry loads the emitted file instead of failing.
test("webpack 5 (target node): the emitted .wasm is found and the bundle runs with node, outside the project", async (t) => {
  const app = makeApp(t, "webpack-node", { "package.json": JSON.stringify({ type: "module" }) });
  const out = outsideDir(t, "webpack-node");
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production", target: "node", context: app, entry: "./node.js", output: { path: out, filename: "main.cjs" },
  }, (err, s) => (err ? reject(err) : resolve(s))));
  assert.equal(stats.hasErrors(), false, stats.toString("errors-only"));
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith(".wasm")).length, 1, `one .wasm in ${readdirSync(out)}`);
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const result = await runNode(join(out, "main.cjs"), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
  assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } });
});
