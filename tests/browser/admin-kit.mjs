// Shared by the admin page tests (admin-*.test.mjs): the simulator, the page served by the
// real admin server (scripts/admin-server.mjs: www/ from the repository, the INSTALLED
// package at /pkg/), headless Chromium, and the checks every test ends with: no console
// errors, and the token in no URL, no localStorage entry, no page text and no console line.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startSimulator } from "vomo-users/sim";
import { repo } from "../js/helpers.mjs";
import { installedPkg, launchChromium } from "./helpers.mjs";

/** The admin page's real server (the one `npm run admin` uses), from the repository. */
export const { startAdminServer } = await import(pathToFileURL(join(repo, "scripts/admin-server.mjs")).href);

/** Screenshots go here (ignored by git): $VOMO_ARTIFACTS or .cache/test-artifacts/admin. */
export const artifacts = process.env.VOMO_ARTIFACTS ?? join(repo, ".cache/test-artifacts/admin");

/**
 * Starts a simulator and the admin page on another origin (localhost vs 127.0.0.1, other
 * ports), opens the page and waits for the package to load. `config` is what /config.json
 * serves (the Connect defaults); by default the simulator with its token.
 */
export async function openAdmin(t, { sim: simOptions = {}, config = {}, serveConfig = true, timezoneId = "UTC" } = {}) {
  const sim = await startSimulator({ port: 0, users: 60, seed: 7, ...simOptions });
  t.after(() => sim.close());
  const site = await startAdminServer({ www: join(repo, "www"), pkg: installedPkg, host: "localhost",
    config: serveConfig ? { baseUrl: sim.url, token: sim.token, requestsPerSecond: 50, ...config } : null });
  t.after(() => site.close());
  assert.notEqual(new URL(site.url).origin, sim.origin, "the page and the API are cross-origin");

  const browser = await launchChromium(t);
  const context = await browser.newContext({ acceptDownloads: true, timezoneId });
  const page = await context.newPage();
  const seen = { errors: [], console: [], urls: [] };
  page.on("console", (m) => {
    seen.console.push(m.text());
    if (m.type() === "error") seen.errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => seen.errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => seen.urls.push(r.url()));
  page.on("framenavigated", (f) => seen.urls.push(f.url()));
  await page.goto(site.url);
  await waitText(page, "#app-status", /^(ready|error)/);
  assert.match(await page.textContent("#app-status"), /^ready/);
  return { sim, site, page, seen, context };
}

/** Waits until `selector`'s text matches `re` (no fixed sleeps anywhere). */
export async function waitText(page, selector, re, timeout = 60_000) {
  await page.waitForFunction(([s, src, flags]) => new RegExp(src, flags).test(document.querySelector(s)?.textContent ?? ""),
    [selector, re.source, re.flags], { timeout });
  return page.textContent(selector);
}

/** Clicks Connect with the form as it is and waits for the outcome. */
export async function connect(page, { rps } = {}) {
  if (rps !== undefined) await page.fill("#rps", String(rps));
  await page.click("#connect-button");
  return waitText(page, "#connect-status", /^(connected|not connected)/);
}

/** Saves a screenshot of one screen (a section's selector) or of the whole page. */
export async function screenshot(page, name, selector = null) {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * The closing checks: no console errors or page errors (except the browser's own
 * "Failed to load resource" line for each HTTP error status the test provoked on purpose),
 * and the token nowhere: URLs, localStorage keys and values, page text, console lines.
 */
export async function assertClean({ page, seen, sim }, { httpErrors = [] } = {}) {
  const unexpected = seen.errors.filter((e) => {
    const m = /^console: Failed to load resource: the server responded with a status of (\d+)/.exec(e);
    return !(m && httpErrors.includes(Number(m[1])));
  });
  assert.deepEqual(unexpected, [], "no console errors");
  const token = sim.token;
  assert.ok(seen.urls.length > 0);
  for (const u of [...seen.urls, page.url()]) assert.ok(!u.includes(token) && !u.includes(encodeURIComponent(token)), `token in URL ${u}`);
  const storage = await page.evaluate(() => Object.entries(localStorage).flat());
  for (const s of storage) assert.ok(!s.includes(token), "token in localStorage");
  const session = await page.evaluate(() => Object.entries(sessionStorage).flat());
  for (const s of session) assert.ok(!s.includes(token), "token in sessionStorage");
  assert.ok(!(await page.evaluate(() => document.body.innerText)).includes(token), "token in the page text");
  assert.ok(!(await page.content()).replace(/value="[^"]*"/g, "").includes(token), "token in the page's HTML");
  for (const line of seen.console) assert.ok(!line.includes(token), "token in a console line");
}

/** The simulator's HTTP control API (/__sim/), as a test or another tool would drive it. */
export async function control(sim, method, path, body) {
  const res = await fetch(`${sim.origin}/__sim/${path}`, { method, headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  assert.ok(res.ok, `${method} /__sim/${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}
