// Item 8 of issue 10 in headless Chromium: the page (one origin) drives the client against
// the simulator (another origin). The client sets no User-Agent there (browsers do not let a
// script set it), so the browser's own goes out; the log hook and per-call overrides work.
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { serve, openPage } from "./helpers.mjs";

test("browser: no vomo-users User-Agent (the browser's own goes out), log entries per attempt, per-call maxRetries", async (t) => {
  const site = await serve(t, { host: "localhost" });
  const sim = await startSimulator({ port: 0, users: 20, seed: 12, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const { page, problems } = await openPage(t, `${site.url}/tests/browser/client.html`);
  await page.waitForFunction(() => document.title === "ready" || window.vomo);
  sim.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: 1 });
  const out = await page.evaluate(async ({ baseUrl, token }) => {
    const log = [];
    const c = new window.vomo.VomoClient({ token, baseUrl, requestsPerSecond: 1000, maxRetries: 0,
                                           userAgent: "acme-web/1.0", log: (e) => log.push(e) });
    const users = await c.listAllUsers();
    const detail = await c.getUser(users[0].id, { maxRetries: 1 });
    return { log, detail: detail.id, first: users[0].id, navigatorUA: navigator.userAgent, version: window.vomo.policy().version };
  }, { baseUrl: sim.url, token: sim.token });
  assert.equal(out.detail, out.first);
  const gets = sim.log().filter((e) => e.method === "GET");
  assert.equal(gets.length, 4, "2 pages, the 503 and its retry");
  for (const e of gets) {
    assert.equal(e.userAgent, out.navigatorUA, "the browser's own User-Agent");
    assert.doesNotMatch(e.userAgent, /vomo-users|acme-web/);
  }
  assert.deepEqual(out.log.map((e) => [e.method, e.status, e.attempt]), [["GET", 200, 1], ["GET", 200, 1], ["GET", 503, 1], ["GET", 200, 2]]);
  assert.ok(!JSON.stringify(out.log).includes(sim.token));
  assert.match(out.version, /^\d+\.\d+\.\d+/);
  assert.deepEqual(problems, []);
});
