// Forgetting `await init()` in a browser: each call that needs the wasm throws a VomoError
// that says to call `await init()` (it used to be a TypeError about `__wbindgen_free`), and
// after init() the same calls work. Headless Chromium on the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, openPage } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));

test("browser: calls before init() throw a VomoError naming `await init()`; after it they work", async (t) => {
  const site = await serve(t, { root: here });
  const { page, problems } = await openPage(t, `${site.url}/init.html`);
  await page.waitForFunction(() => window.result !== undefined);
  const { before, after } = await page.evaluate(() => window.result);
  const notInitialized = {
    isVomoError: true, kind: "invalid_input",
    message: "vomo-users is not initialized: call `await init()` (the package's default export) once before using it in a browser",
  };
  assert.deepEqual(before, { parse: notInitialized, client: notInitialized });
  assert.deepEqual(after, { samePromise: true, parse: "parse", client: "no error" });
  assert.deepEqual(problems, []);
});

// The error a call before init() throws asks the loaded entries whether its kind is
// retryable; asking one that is not loaded threw such an error again. That recursed until the
// stack overflowed (about half a second) with one entry loaded, and never ended with both.
test("browser: with both entries imported and neither initialized, a call still throws the init() error at once", { timeout: 60_000 }, async (t) => {
  const site = await serve(t, { root: here });
  const { page } = await openPage(t, `${site.url}/blank.html`);
  const result = await page.evaluate(async () => {
    const main = await import("/pkg/browser.mjs");
    const parseOnly = await import("/pkg/parse/browser.mjs");
    const describe = (f) => { try { f(); return "no error"; } catch (e) { return { kind: e.kind, retryable: e.retryable, init: /await init\(\)/.test(e.message) }; } };
    return { main: describe(() => main.parseUserPage("{}")), parseOnly: describe(() => parseOnly.parseUserPage("{}")),
      client: describe(() => new main.VomoClient({ token: "t", baseUrl: "https://api.example.org/v1" })) };
  });
  const notInitialized = { kind: "invalid_input", retryable: false, init: true };
  assert.deepEqual(result, { main: notInitialized, parseOnly: notInitialized, client: notInitialized });
});
