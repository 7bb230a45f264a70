// esbuild with docs/bundlers.md's command lines as they stand (read from the page, run with the
// esbuild command line in an app laid out as the recipe has it: src/main.js, src/server.js),
// then the one .wasm copied to web/ next to the bundle (esbuild does not follow
// `new URL(…, import.meta.url)`). Browser: run in Chromium. Node: the ES module and the
// CommonJS output, moved out of the project and run with node.
import test from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { outsideDir, copyWasm, runNode, resultInChromium, serveDir, assertBrowserResult, esbuildRecipe, MAIN_HTML, FIXTURE_IDS } from "./helpers.mjs";
import { repo } from "../js/helpers.mjs";

const FILES = { "main.js": "browser.js", "server.js": "node.js" };

test("esbuild, the browser build: the bundle loads the wasm and runs in Chromium", async (t) => {
  const app = await esbuildRecipe(t, "esbuild-browser", FILES);
  const dist = join(app, "dist");
  copyWasm(app, dist);
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  const site = await serveDir(t, dist);
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("esbuild, the browser build without the copy step: init() rejects with a VomoError that says what to do", async (t) => {
  const app = await esbuildRecipe(t, "esbuild-browser-nocopy", FILES);
  const dist = join(app, "dist");
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  const site = await serveDir(t, dist);
  const result = await resultInChromium(t, `${site.url}/index.html`, { allow: (p) => /^(404|requestfailed): .*\/web\/vomo_users_bg\.wasm$/.test(p) });
  assert.deepEqual({ ...result.initError, message: undefined }, { isVomoError: true, kind: "not_found", status: 404, message: undefined });
  assert.match(result.initError.message, /could not fetch its \.wasm from http:\/\/127\.0\.0\.1:\d+\/web\/vomo_users_bg\.wasm: HTTP 404; .*docs\/bundlers\.md/);
});

test("esbuild, a browser build without --format=esm (its default IIFE, no import.meta.url): init() rejects with a VomoError saying to bundle as an ES module or pass the URL", async (t) => {
  const app = await esbuildRecipe(t, "esbuild-browser-iife", FILES);
  const dist = join(app, "dist-iife");
  execFileSync(join(repo, "node_modules/esbuild/bin/esbuild"), ["src/main.js", "--bundle", `--outfile=${join(dist, "main.js")}`], { cwd: app, stdio: "pipe" });
  copyWasm(app, dist);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="./main.js"></script>');
  const site = await serveDir(t, dist);
  const result = await resultInChromium(t, `${site.url}/index.html`);
  assert.deepEqual({ ...result.initError, message: undefined }, { isVomoError: true, kind: "invalid_input", status: null, message: undefined });
  assert.match(result.initError.message, /^vomo-users: init\(\) was given no URL, and this bundle has no import\.meta\.url .*esbuild --format=esm.*docs\/bundlers\.md/);
});

test("esbuild, the Node builds: ES module and CommonJS bundles run with node, outside the project", async (t) => {
  const app = await esbuildRecipe(t, "esbuild-node", FILES);
  const dist = join(app, "dist");
  copyWasm(app, dist);
  const sim = await startSimulator({ port: 0, users: 7 });
  t.after(() => sim.close());
  for (const file of ["server.mjs", "server.cjs"]) {
    const out = outsideDir(t, "esbuild-node");
    cpSync(dist, out, { recursive: true });
    const result = await runNode(join(out, file), { cwd: out, env: { VOMO_SIM_URL: sim.url, VOMO_SIM_TOKEN: sim.token } });
    assert.deepEqual(result, { ids: FIXTURE_IDS, users: 7, error: { isVomoError: true, kind: "parse" } }, file);
  }
});
