// Forgetting `await init()` in a browser: each call that needs the wasm throws a VomoError
// that says to call `await init()` (it used to be a TypeError about `__wbindgen_free`), and
// after init() the same calls work. Headless Chromium on the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { serve, launchChromium } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));

test("browser: calls before init() throw a VomoError naming `await init()`; after it they work", async (t) => {
  const site = await serve(t, { root: here });
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${site.url}/init.html`);
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
