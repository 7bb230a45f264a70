// Rollup 4, as docs/bundlers.md says: @rollup/plugin-node-resolve (with the `browser`
// condition for pages), @rollup/plugin-json for the app's page.json and, for Node bundles,
// @rollup/plugin-commonjs (the Node entry re-exports the CommonJS build). Rollup leaves
// `new URL(…, import.meta.url)` as it is, so the .wasm is copied to web/ next to the bundle,
// as for esbuild. Browser: run in Chromium. Node: ES module and CommonJS output, moved out of
// the project and run with node.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, copyWasm, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, FIXTURE_IDS } from "./helpers.mjs";

const { rollup } = repoRequire("rollup");
const { nodeResolve } = repoRequire("@rollup/plugin-node-resolve");
const commonjs = repoRequire("@rollup/plugin-commonjs");
const json = repoRequire("@rollup/plugin-json");

test("rollup (node-resolve with the browser condition): the bundle loads the copied wasm and runs in Chromium", async (t) => {
  const app = makeApp(t, "rollup-browser");
  const dist = join(app, "dist");
  const bundle = await rollup({ input: join(app, "browser.js"), plugins: [nodeResolve({ browser: true, rootDir: app }), json()] });
  await bundle.write({ dir: dist, format: "es" });
  await bundle.close();
  copyWasm(app, dist);
  cpSync(join(app, "index.html"), join(dist, "index.html"));
  const site = await serveDir(t, dist);
  const requests = [];
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`, { requests }));
  assert.ok(requests.some((u) => u.endsWith("/web/vomo_users_bg.wasm")), "the page fetched the .wasm next to the bundle");
});

test("rollup (node-resolve, commonjs): ES module and CommonJS bundles run with node, outside the project", async (t) => {
  const app = makeApp(t, "rollup-node");
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  const bundle = await rollup({
    input: join(app, "node.js"),
    plugins: [nodeResolve({ exportConditions: ["node"], rootDir: app }), commonjs(), json()],
    external: [/^node:/],
  });
  for (const [format, file] of [["es", "app.mjs"], ["cjs", "app.cjs"]]) {
    const out = outsideDir(t, `rollup-${format}`);
    await bundle.write({ file: join(out, file), format, inlineDynamicImports: true });
    copyWasm(app, out);
    const result = await runNode(join(out, file), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
    assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } }, format);
  }
  await bundle.close();
});
