// Browser ES module test: headless Chromium (Playwright) loads www/index.html from a static
// server over the repository, which imports ../pkg/browser.mjs, awaits init() and renders.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { serve, launchChromium } from "./helpers.mjs";

test("www/index.html loads the browser build, inits the wasm and renders parsed pages", async (t) => {
  const site = await serve(t, { host: "127.0.0.1" });
  const sim = await startSimulator({ port: 0, users: 200, seed: 42 });
  t.after(() => sim.close());
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`requestfailed: ${r.url()}`));

  await page.goto(`${site.url}/www/index.html`);
  await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById("status").textContent));
  assert.equal(await page.textContent("#status"), "ready: 2 users parsed");
  const rows = await page.$$eval("#users tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.deepEqual(rows[1], ["12346", "Selina Kyle", "selina@example.org", "null", "F", "2025-11-06T12:30:00.000Z", "SUSPENDED"]);
  assert.match(await page.textContent("#warnings"), /SUSPENDED/);

  await page.goto(`${site.url}/www/index.html?sim=${encodeURIComponent(sim.url)}`);
  await page.waitForFunction(() => /^(ready|error)/.test(document.getElementById("status").textContent));
  assert.equal(await page.textContent("#status"), "ready: 15 users parsed");
  assert.equal(await page.textContent("#meta"), "page 1, 15 of 200 users");
  assert.deepEqual(problems, []);
});
