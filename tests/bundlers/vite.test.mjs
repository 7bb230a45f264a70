// Vite with the docs/bundlers.md config (its vite.config.mjs block, written into the app as
// it stands): `vite build` (served from dist/) and the dev server, each run in Chromium.
// `root: app` is where a user runs `vite`; logLevel and the dev server's host and port are
// test scaffolding (quiet, and a free port on loopback) that change nothing of the build.
import test from "node:test";
import { makeApp, resultInChromium, serveDir, assertBrowserResult, repoRequire, recipeFile } from "./helpers.mjs";
import assert from "node:assert/strict";
import { join } from "node:path";

const loadVite = () => import(repoRequire.resolve("vite"));
const VITE_CONFIG = () => recipeFile("Vite", "vite.config.mjs");

test("vite build: the built app runs in Chromium", async (t) => {
  const { build } = await loadVite();
  const app = makeApp(t, "vite-build", VITE_CONFIG());
  await build({ root: app, logLevel: "error" });
  const site = await serveDir(t, join(app, "dist"));
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("vite dev server: the app runs in Chromium", async (t) => {
  const { createServer } = await loadVite();
  const app = makeApp(t, "vite-dev", VITE_CONFIG());
  const server = await createServer({ root: app, logLevel: "error",
    server: { host: "127.0.0.1", port: 0 } });
  t.after(() => server.close());
  await server.listen();
  assertBrowserResult(await resultInChromium(t, `${server.resolvedUrls.local[0]}index.html`));
});

test("vite dev server without the recipe's config: init() rejects with a VomoError that says what to do", async (t) => {
  const { createServer } = await loadVite();
  const app = makeApp(t, "vite-dev-noconfig");
  const server = await createServer({ root: app, logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
  t.after(() => server.close());
  await server.listen();
  const result = await resultInChromium(t, `${server.resolvedUrls.local[0]}index.html`);
  assert.equal(result.initError.isVomoError, true);
  assert.equal(result.initError.kind, "invalid_input");
  assert.match(result.initError.message, /fetched an HTML page, not its \.wasm, from http:.*vomo_users_bg\.wasm; .*docs\/bundlers\.md/);
});
