// An app that only parses (app/parse-browser.js, app/parse-node.js: `vomo-users/parse`)
// built by webpack 5, Vite, esbuild and Rollup as docs/bundlers.md says: each build ships the
// parse-only .wasm and not the main one, and the app runs (Chromium; node, outside the project).
import test from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { makeApp, outsideDir, copyWasm, runNode, resultInChromium, serveDir, repoRequire, recipeFile, buildWebpackRecipe, WEBPACK_WEB, rollupRecipe, esbuildRecipe, MAIN_HTML, FIXTURE_IDS } from "./helpers.mjs";

const INDEX = '<!doctype html><meta charset="utf-8"><script type="module" src="./parse-browser.js"></script>';
const sizeOf = (app, file) => statSync(createRequire(join(app, "package.json")).resolve(`vomo-users/${file}`)).size;
const wasmIn = (dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith(".wasm"));

function assertParseResult(result) {
  assert.deepEqual(result, { beforeInit: { isVomoError: true, kind: "invalid_input", saysInit: true }, ids: FIXTURE_IDS,
    error: { isVomoError: true, kind: "parse" } });
}

/** The build's .wasm files: exactly one, the parse-only one (byte for byte). */
function assertOnlyParseWasm(app, dist) {
  const files = wasmIn(dist);
  assert.equal(files.length, 1, `one .wasm in ${files}`);
  assert.deepEqual(readFileSync(join(dist, files[0])),
    readFileSync(createRequire(join(app, "package.json")).resolve("vomo-users/parse/web/vomo_users_parse_bg.wasm")));
  assert.ok(sizeOf(app, "parse/web/vomo_users_parse_bg.wasm") < sizeOf(app, "web/vomo_users_bg.wasm") / 2);
}

test("webpack 5 (the docs/bundlers.md config): a parse-only app emits only the parse-only .wasm and runs in Chromium", async (t) => {
  const { app, dist } = await buildWebpackRecipe(t, { name: "webpack-parse", bundler: repoRequire("webpack"), pattern: WEBPACK_WEB,
    files: { "main.js": "parse-browser.js" } });
  assertOnlyParseWasm(app, dist);
  writeFileSync(join(dist, "index.html"), '<!doctype html><meta charset="utf-8"><script src="main.js"></script>');
  const site = await serveDir(t, dist);
  assertParseResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("vite build: a parse-only app ships only the parse-only .wasm and runs in Chromium", async (t) => {
  const { build } = await import(repoRequire.resolve("vite"));
  const app = makeApp(t, "vite-parse", { "index.html": INDEX, ...recipeFile("Vite", "vite.config.mjs") });
  await build({ root: app, logLevel: "error" });
  assertOnlyParseWasm(app, join(app, "dist"));
  const site = await serveDir(t, join(app, "dist"));
  assertParseResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("vite dev server (the docs/bundlers.md config): the page fetches only the parse-only .wasm", async (t) => {
  const { createServer } = await import(repoRequire.resolve("vite"));
  const app = makeApp(t, "vite-dev-parse", { "index.html": INDEX, ...recipeFile("Vite", "vite.config.mjs") });
  const server = await createServer({ root: app, logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
  t.after(() => server.close());
  await server.listen();
  const requests = [];
  assertParseResult(await resultInChromium(t, `${server.resolvedUrls.local[0]}index.html`, { requests }));
  const wasm = requests.filter((u) => new URL(u).pathname.endsWith(".wasm")).map((u) => new URL(u).pathname.split("/").at(-1));
  assert.deepEqual(wasm, ["vomo_users_parse_bg.wasm"]);
});

test("esbuild (the docs/bundlers.md commands; browser, Node ES module and CommonJS): with the parse-only .wasm copied to web/, each bundle runs", async (t) => {
  const app = await esbuildRecipe(t, "esbuild-parse", { "main.js": "parse-browser.js", "server.js": "parse-node.js" });
  const dist = join(app, "dist");
  copyWasm(app, dist, "parse/web/vomo_users_parse_bg.wasm");
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  const site = await serveDir(t, dist);
  assertParseResult(await resultInChromium(t, `${site.url}/index.html`));
  for (const file of ["server.mjs", "server.cjs"]) {
    const out = outsideDir(t, "esbuild-parse-node");
    cpSync(dist, out, { recursive: true });
    assert.deepEqual(await runNode(join(out, file), { cwd: out }), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } }, file);
  }
});

test("rollup (the docs/bundlers.md config; browser, Node ES module and CommonJS): with the parse-only .wasm copied to web/, each bundle runs and holds no main .wasm", async (t) => {
  const app = await rollupRecipe(t, "rollup-parse", { "main.js": "parse-browser.js", "server.js": "parse-node.js" }, "parse/web/vomo_users_parse_bg.wasm");
  const dist = join(app, "dist");
  writeFileSync(join(dist, "index.html"), MAIN_HTML);
  assert.doesNotMatch(readFileSync(join(dist, "main.js"), "utf8"), /vomo_users_bg\.wasm/, "the bundle never asks for the main .wasm");
  const site = await serveDir(t, dist);
  assertParseResult(await resultInChromium(t, `${site.url}/index.html`));
  for (const file of ["server.mjs", "server.cjs"]) {
    const out = outsideDir(t, "rollup-parse-node");
    cpSync(dist, out, { recursive: true });
    assert.deepEqual(await runNode(join(out, file), { cwd: out }), { ids: FIXTURE_IDS, error: { isVomoError: true, kind: "parse" } }, file);
  }
});
