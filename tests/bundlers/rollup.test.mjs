// Rollup 4 with docs/bundlers.md's rollup.config.mjs as it stands (read from the page), run as
// the recipe says: `rollup -c` in an app laid out as the recipe has it (src/main.js,
// src/server.js), then the .wasm copied to web/ next to the bundles (Rollup leaves
// `new URL(…, import.meta.url)` as it is). Browser: run in Chromium. Node: the ES module output
// and the CommonJS one (the recipe's `or output: …` for it), moved out of the project and run
// with node. The scaffolding (helpers.mjs, rollupRecipe) adds @rollup/plugin-json for the app's
// page.json, and nothing else.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { outsideDir, runNode, resultInChromium, serveDir, assertBrowserResult, rollupRecipe, MAIN_HTML, FIXTURE_IDS } from "./helpers.mjs";

test("rollup -c with the docs/bundlers.md config: the page loads the copied wasm and runs in Chromium; the Node builds run with node", async (t) => {
  const app = await rollupRecipe(t, "rollup", { "main.js": "browser.js", "server.js": "node.js" });
  const dist = join(app, "dist");
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  const site = await serveDir(t, dist);
  const requests = [];
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`, { requests }));
  assert.ok(requests.some((u) => u.endsWith("/web/vomo_users_bg.wasm")), "the page fetched the .wasm next to the bundle");

  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  for (const file of ["server.mjs", "server.cjs"]) {
    await t.test(`rollup (the recipe's Node build, ${file}): runs with node, outside the project`, async (t) => {
      const out = outsideDir(t, "rollup-node");
      cpSync(dist, out, { recursive: true });
      const result = await runNode(join(out, file), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
      assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } }, file);
    });
  }
});
