// The two Rust wasm apps (apps.mjs) where a Rust wasm app runs besides Node: a page in
// Chromium (each app's default `init()` fetching its .wasm, as `--target web` output does)
// and a Worker in workerd (Miniflare; each .wasm a compiled module). Each runs the shared
// scenario (scenario.mjs) against a simulator in this process over real HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "../../sim/index.mjs";
import { fixture } from "../js/repo.mjs";
import { Miniflare, COMPATIBILITY_DATE } from "../worker/bundle.mjs";
import { launchChromium } from "../browser/chromium.mjs";
import { serve } from "../browser/serve.mjs";
import { APPS, jsPath, wasmPath } from "./apps.mjs";
import { checkScenario } from "./scenario.mjs";

const here = (name) => fileURLToPath(new URL(name, import.meta.url));
const page = fixture("list_page_spec_example.json");

async function simulator(t) {
  const sim = await startSimulator({ port: 0, users: 40, seed: 5 });
  t.after(() => sim.close());
  return sim;
}

test("in Chromium, the apps parse, and list over HTTP against the simulator (another origin)", async (t) => {
  const sim = await simulator(t);
  const browser = await launchChromium(t);
  // The page and scenario.mjs from here, the apps' files at /pkg/, on localhost; the simulator on 127.0.0.1.
  const site = await serve(t, { root: dirname(here("./page.html")), pkg: process.env.RUST_APP_DIR });
  const tab = await browser.newPage();
  const served = [];
  tab.on("request", (request) => served.push(new URL(request.url()).pathname));
  const errors = [];
  tab.on("pageerror", (e) => errors.push(String(e)));
  await tab.goto(`${site.url}/page.html`);
  const result = await tab.evaluate((args) => window.runApps(args), { sim: sim.url, token: sim.token, page });
  assert.deepEqual(errors, []);
  assert.ok(served.includes("/pkg/rust_app_bg.wasm") && served.includes("/pkg/rust_parse_app_bg.wasm"), `each init() fetched its .wasm: ${served}`);
  checkScenario(assert, result, sim);
});

test("in workerd (Miniflare), the apps parse, and list over HTTP against the simulator", async (t) => {
  const sim = await simulator(t);
  const root = process.env.RUST_APP_DIR;
  const mf = new Miniflare({
    compatibilityDate: COMPATIBILITY_DATE,
    modulesRoot: root,
    modules: [
      { type: "ESModule", path: join(root, "worker.mjs"), contents: readFileSync(here("./worker.mjs"), "utf8") },
      { type: "ESModule", path: join(root, "scenario.mjs"), contents: readFileSync(here("./scenario.mjs"), "utf8") },
      ...APPS.flatMap((app) => [
        { type: "ESModule", path: jsPath(app), contents: readFileSync(jsPath(app), "utf8") },
        { type: "CompiledWasm", path: wasmPath(app), contents: readFileSync(wasmPath(app)) },
      ]),
    ],
  });
  t.after(() => mf.dispose());
  const res = await mf.dispatchFetch("http://worker.local/", { method: "POST", body: JSON.stringify({ sim: sim.url, token: sim.token, page }) });
  const result = await res.json();
  assert.equal(res.status, 200, JSON.stringify(result));
  checkScenario(assert, result, sim);
});
