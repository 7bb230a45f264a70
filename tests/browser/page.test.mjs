// Browser ES module test: headless Chromium (Playwright) loads www/index.html from a static
// server over the repository, which imports ../pkg/browser.mjs, awaits init() and renders.
import test from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { startSimulator } from "vomo-users/sim";
import { repo, repoRequire } from "../js/helpers.mjs";

const TYPES = { ".html": "text/html", ".mjs": "text/javascript", ".js": "text/javascript",
  ".wasm": "application/wasm", ".json": "application/json", ".css": "text/css" };

async function serve(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(join(root, decodeURIComponent(new URL(req.url, "http://x").pathname)));
    if (!path.startsWith(root + sep)) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(path);
      res.writeHead(200, { "Content-Type": TYPES[extname(path)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

test("www/index.html loads the browser build, inits the wasm and renders parsed pages", async (t) => {
  const { chromium } = repoRequire("playwright-core");
  const site = await serve(repo);
  t.after(() => site.close());
  const sim = await startSimulator({ port: 0, users: 200, seed: 42 });
  t.after(() => sim.close());
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--no-first-run", "--disable-quic", "--headless"],
  });
  t.after(() => browser.close());
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
