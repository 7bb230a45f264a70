// Vite with the docs/bundlers.md config (app/vite.config.mjs): `vite build` (served from
// dist/) and the dev server, each run in Chromium.
import test from "node:test";
import { makeApp, resultInChromium, serveDir, assertBrowserResult, repoRequire } from "./helpers.mjs";
import { join } from "node:path";

const loadVite = () => import(repoRequire.resolve("vite"));

test("vite build: the built app runs in Chromium", async (t) => {
  const { build } = await loadVite();
  const app = makeApp(t, "vite-build");
  await build({ root: app, logLevel: "error" });
  const site = await serveDir(t, join(app, "dist"));
  assertBrowserResult(await resultInChromium(t, `${site.url}/index.html`));
});

test("vite dev server: the app runs in Chromium", async (t) => {
  const { createServer } = await loadVite();
  const app = makeApp(t, "vite-dev");
  const server = await createServer({ root: app, logLevel: "error",
    server: { host: "127.0.0.1", port: 0, strictPort: false } });
  t.after(() => server.close());
  await server.listen();
  assertBrowserResult(await resultInChromium(t, `${server.resolvedUrls.local[0]}index.html`));
});
