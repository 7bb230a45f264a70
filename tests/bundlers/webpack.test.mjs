// webpack 5 with no loader or plugin for the package: it follows the entry's
// `new URL("./web/vomo_users_bg.wasm", import.meta.url)`, emits the .wasm as an asset,
// and the bundle runs in Chromium.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { makeApp, resultInChromium, serveDir, assertBrowserResult, repoRequire } from "./helpers.mjs";

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
