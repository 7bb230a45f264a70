// Forgetting `await init()` in a browser: each call that needs the wasm throws a VomoError
// that says to call `await init()` (it used to be a TypeError about `__wbindgen_free`), and
// after init() the same calls work. Headless Chromium on the installed package.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LIST_PAGE } from "../js/helpers.mjs";
import { serve, openPage, installedPkg } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));

test("browser: calls before init() throw a VomoError naming `await init()`; after it they work", async (t) => {
  const site = await serve(t, { root: here });
  const { page, problems } = await openPage(t, `${site.url}/init.html`);
  await page.waitForFunction(() => window.result !== undefined);
  const { before, after } = await page.evaluate(() => window.result);
  const notInitialized = {
    isVomoError: true, kind: "invalid_input",
    message: "vomo-users is not initialized: call `await init()` (the package's default export) once before using it (its browser entry, which browsers, Web Workers and a bundler's browser build load)",
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

// init(input), every form index.d.ts names. The .wasm's default place (/pkg/web/) is blocked,
// so a form that was ignored (init falling back to its default URL) fails; the .wasm is served
// only at /elsewhere/app.wasm. Each form runs in a freshly loaded page (a loaded .wasm makes
// later init() calls no-ops). Bad inputs get a VomoError that says what init() takes or what
// was wrong with what it got, and a failed init() can be called again.
const DEFAULT_WASM = "/pkg/web/vomo_users_bg.wasm", ELSEWHERE = "/elsewhere/app.wasm";

/** A page of blank.html whose default .wasm is blocked; the .wasm is at ELSEWHERE, HTML and a 404 beside it. */
async function blockedPage(t) {
  const site = await serve(t, { root: here });
  const { page, problems } = await openPage(t, `${site.url}/blank.html`);
  const wasm = readFileSync(join(installedPkg, "web/vomo_users_bg.wasm"));
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await page.route(`**${DEFAULT_WASM}`, (r) => r.abort());
  await page.route("**/elsewhere/**", (r) => {
    const path = new URL(r.request().url()).pathname;
    if (path === ELSEWHERE) return r.fulfill({ body: wasm, contentType: "application/wasm" });
    if (path.endsWith(".html")) return r.fulfill({ body: "<!doctype html><p>an app's fallback page", contentType: "text/html" });
    return r.fulfill({ status: 404, body: "no such file" });
  });
  return { site, page, problems, requested };
}

test("browser: init(input) loads the .wasm from each form index.d.ts names (URL text, URL, Request, Response, ArrayBuffer, Uint8Array, WebAssembly.Module), not from its default place", async (t) => {
  const { site, page, problems, requested } = await blockedPage(t);
  const forms = ["URL text", "URL", "Request", "Response", "ArrayBuffer", "Uint8Array", "WebAssembly.Module"];
  const results = {};
  for (const form of [...forms, "none"]) {
    await page.goto(`${site.url}/blank.html`);
    requested.length = 0;
    results[form] = await page.evaluate(async ([form, wasmUrl, listPage]) => {
      const { default: init, parseUserPage, VomoClient } = await import("/pkg/browser.mjs");
      const bytes = async () => (await fetch(wasmUrl)).arrayBuffer();
      const input = {
        "URL text": () => wasmUrl,
        URL: () => new URL(wasmUrl, location.href),
        Request: () => new Request(wasmUrl),
        Response: () => fetch(wasmUrl),
        ArrayBuffer: bytes,
        Uint8Array: async () => new Uint8Array(await bytes()),
        "WebAssembly.Module": async () => WebAssembly.compile(await bytes()),
        none: () => undefined,
      }[form];
      const given = await input();
      try {
        await init(given);
      } catch (e) {
        return { kind: e.kind, message: e.message };
      }
      const client = new VomoClient({ token: "t", baseUrl: "https://api.example.org/v1" });
      return { ids: parseUserPage(listPage).data.map((u) => u.id), client: client instanceof VomoClient };
    }, [form, ELSEWHERE, LIST_PAGE()]);
    const wasmRequests = requested.filter((p) => p.endsWith(".wasm"));
    results[form].wasmRequests = wasmRequests;
  }
  for (const form of forms) {
    assert.deepEqual(results[form], { ids: [12345, 12346], client: true, wasmRequests: [ELSEWHERE] }, form);
  }
  // The control: with no input, init() goes to the blocked default place and says so.
  assert.equal(results.none.kind, "network");
  assert.match(results.none.message, new RegExp(`^vomo-users could not fetch its \\.wasm from ${site.url}${DEFAULT_WASM}: `));
  assert.deepEqual(results.none.wasmRequests, [DEFAULT_WASM]);
  assert.deepEqual(problems, []);
});

test("browser: init() given something it does not take, bytes that are not the module, a 404 or an HTML page (as a URL or as a Response) rejects with a VomoError saying so; a later init() with the .wasm works", async (t) => {
  const { site, page, problems } = await blockedPage(t);
  const result = await page.evaluate(async ([wasmUrl, listPage]) => {
    const { default: init, parseUserPage } = await import("/pkg/browser.mjs");
    const outcome = async (input) => {
      try { await init(input); return "no error"; } catch (e) { return { vomo: e.name === "VomoError", kind: e.kind, status: e.status ?? null, message: e.message }; }
    };
    const out = {};
    for (const [name, input] of [["number", 42], ["boolean", true], ["object", {}], ["array", [0, 97, 115, 109]], ["Blob", new Blob([])]]) {
      out[name] = await outcome(input);
    }
    out.notWasm = await outcome(new Uint8Array([1, 2, 3, 4]));
    out.missingUrl = await outcome("/elsewhere/missing.wasm");
    out.missingResponse = await outcome(await fetch("/elsewhere/missing.wasm"));
    out.htmlUrl = await outcome("/elsewhere/index.html");
    out.htmlResponse = await outcome(await fetch("/elsewhere/index.html"));
    out.after = await outcome(await fetch(wasmUrl));
    out.ids = parseUserPage(listPage).data.map((u) => u.id);
    return out;
  }, [ELSEWHERE, LIST_PAGE()]);
  const takes = "vomo-users: init() takes the .wasm's URL (a string or URL), a Request, a Response, its bytes (an ArrayBuffer or typed array) or a WebAssembly.Module";
  for (const [name, got] of [["number", "a number"], ["boolean", "a boolean"], ["object", "an object (Object)"],
    ["array", "an array"], ["Blob", "an object (Blob)"]]) {
    assert.deepEqual(result[name], { vomo: true, kind: "invalid_input", status: null, message: `${takes} (got ${got})` }, name);
  }
  // Bytes given directly have no URL: the advice is to pass the right ones, not to serve them "at that URL".
  assert.equal(result.notWasm.kind, "invalid_input");
  assert.ok(result.notWasm.message.startsWith("vomo-users could not instantiate its .wasm: "), result.notWasm.message);
  assert.ok(result.notWasm.message.endsWith("; pass init() the package's web/vomo_users_bg.wasm: its URL, a Response, its bytes or a WebAssembly.Module (docs/bundlers.md in the package has a recipe per bundler)"), result.notWasm.message);
  // A 404 and an HTML page are named alike whether init() fetched them or was handed the Response.
  const serveIt = "serve the package's web/vomo_users_bg.wasm at that URL (docs/bundlers.md in the package has a recipe per bundler) or pass its URL to init()";
  assert.deepEqual(result.missingUrl, { vomo: true, kind: "not_found", status: 404,
    message: `vomo-users could not fetch its .wasm from /elsewhere/missing.wasm: HTTP 404; ${serveIt}` });
  assert.deepEqual(result.missingResponse, { vomo: true, kind: "not_found", status: 404,
    message: `vomo-users could not fetch its .wasm from ${site.url}/elsewhere/missing.wasm: HTTP 404; ${serveIt}` });
  assert.deepEqual(result.htmlUrl, { vomo: true, kind: "invalid_input", status: null,
    message: `vomo-users fetched an HTML page, not its .wasm, from /elsewhere/index.html; ${serveIt}` });
  assert.deepEqual(result.htmlResponse, { vomo: true, kind: "invalid_input", status: null,
    message: `vomo-users fetched an HTML page, not its .wasm, from ${site.url}/elsewhere/index.html; ${serveIt}` });
  // None of those left init() stuck: the .wasm's Response loads it.
  assert.equal(result.after, "no error");
  assert.deepEqual(result.ids, [12345, 12346]);
  assert.deepEqual(problems, []);
});
