// `vomo-users/parse` in headless Chromium, from the installed package: the page fetches the
// parse-only .wasm and never the main one (Playwright's network log), parses as the main
// entry does in Node, and its VomoError is the main entry's class when a page loads both.
import test from "node:test";
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import * as main from "vomo-users";
import { LIST_PAGE, UPSERT_200, rawUser } from "../js/helpers.mjs";
import { serve, launchChromium } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN_WASM = "/pkg/web/vomo_users_bg.wasm", PARSE_WASM = "/pkg/parse/web/vomo_users_parse_bg.wasm";

/** Opens parse.html(`query`); returns the page, its result and every URL path it requested. */
async function open(t, query = "") {
  const site = await serve(t, { root: here });
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const requested = [], problems = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`${r.status()}: ${r.url()}`); });
  await page.goto(`${site.url}/parse.html${query}`);
  await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20_000 });
  assert.deepEqual(problems, []);
  return { page, result: await page.evaluate(() => window.result), requested };
}

test("browser: a page importing vomo-users/parse fetches only the parse-only .wasm and parses as the main entry", async (t) => {
  const { page, result, requested } = await open(t);
  assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [PARSE_WASM]);
  assert.ok(!requested.includes(MAIN_WASM));
  assert.ok(!requested.some((p) => p.startsWith("/pkg/web/")), `nothing of the main build: ${requested.join(", ")}`);
  assert.deepEqual(result.beforeInit, { isVomoError: true, isError: true, kind: "invalid_input",
    message: "vomo-users/parse is not initialized: call `await init()` (the package's default export) once before using it (its browser entry, which browsers, Web Workers and a bundler's browser build load)" });

  const inputs = [["parseUserPage", LIST_PAGE()], ["parseUserDetail", UPSERT_200()], ["parseUser", rawUser({ id: "9", gender: "f" })]];
  for (const [fn, input] of inputs) {
    assert.deepEqual(await page.evaluate(([f, x]) => window.api[f](x), [fn, input]), main[fn](input), fn);
  }
  const expected = (() => { try { main.parseUserDetail({ data: { id: 1 } }); } catch (e) { return e; } })();
  assert.deepEqual(await page.evaluate(() => window.api.error("parseUserDetail", { data: { id: 1 } })),
    { isVomoError: true, isError: true, kind: "parse", message: expected.message });
  assert.match(expected.message, /data\.email/);
});

test("browser: beside the main entry, one VomoError class for both and each fetches its own .wasm", async (t) => {
  const { result, requested } = await open(t, "?main");
  assert.deepEqual(requested.filter((p) => p.endsWith(".wasm")), [PARSE_WASM, MAIN_WASM]);
  assert.deepEqual(result.main, { sameClass: true, parseErrorIsMain: true, mainErrorIsParse: true, sameMessage: true });
});
