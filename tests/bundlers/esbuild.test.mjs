// esbuild, as docs/bundlers.md says: bundle, then copy the one .wasm to web/ next to the
// bundle (esbuild does not follow `new URL(…, import.meta.url)`). Browser: run in Chromium.
// Node: ES module and CommonJS output, moved out of the project and run with node.
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { makeApp, outsideDir, copyWasm, runNode, resultInChromium, serveDir, assertBrowserResult, repoRequire, FIXTURE_IDS } from "./helpers.mjs";

const esbuild = repoRequire("esbuild");

test("esbuild --platform=browser: the bundle loads the wasm and runs in Chromium", async (t) => {
  const app = makeApp(t, "esbuild-browser");
  const dist = join(app, "dist");
  await esbuild.build({ absWorkingDir: app, entryPoints: ["browser.js"], bundle: true, format: "esm",
    platform: "browser", outdir: "dist", logLevel: "error" });
  copyWasm(app, dist);
  cpSync(join(app, "index.html"), join(dist, "index.html"));
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("esbuild --platform=browser without the copy step: init() rejects with a VomoError that says what to do", async (t) => {
  const app = makeApp(t, "esbuild-browser-nocopy");
  const dist = join(app, "dist");
  await esbuild.build({ absWorkingDir: app, entryPoints: ["browser.js"], bundle: true, format: "esm",
    platform: "browser", outdir: "dist", logLevel: "error" });
  cpSync(join(app, "index.html"), join(dist, "index.html"));
  const site = await serveDir(t, dist);
  const result = await resultInChromium(t, `${site.url}/index.html`, { allow: (p) => /^(404|requestfailed): .*\/web\/vomo_users_bg\.wasm$/.test(p) });
  assert.deepEqual({ ...result.initError, message: undefined }, { isVomoError: true, kind: "not_found", status: 404, message: undefined });
  assert.match(result.initError.message, /could not fetch its \.wasm from http:\/\/127\.0\.0\.1:\d+\/web\/vomo_users_bg\.wasm: HTTP 404; .*docs\/bundlers\.md/);
});

test("esbuild --platform=node: ES module and CommonJS bundles run with node, outside the project", async (t) => {
  const app = makeApp(t, "esbuild-node");
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  for (const [format, file] of [["esm", "app.mjs"], ["cjs", "app.cjs"]]) {
    const out = outsideDir(t, `esbuild-${format}`);
    await esbuild.build({ absWorkingDir: app, entryPoints: ["node.js"], bundle: true, format,
      platform: "node", outfile: join(out, file), logLevel: "error" });
    copyWasm(app, out);
    const result = await runNode(join(out, file), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
    assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } }, format);
  }
});
