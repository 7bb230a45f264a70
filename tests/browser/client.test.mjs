// VomoClient in headless Chromium (Playwright): a page served from one origin loads the
// browser build and talks to the simulator on another origin (CORS, preflighted POSTs).
import test from "node:test";
import assert from "node:assert/strict";
import { startSimulator } from "vomo-users/sim";
import { serve, openPage } from "./helpers.mjs";

test("browser: VomoClient lists, fetches, upserts and finds users cross-origin; guards hold", async (t) => {
  const site = await serve(t, { host: "localhost" });
  const sim = await startSimulator({ port: 0, users: 50, seed: 31, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  const { page, problems } = await openPage(t, `${site.url}/tests/browser/client.html`);
  await page.waitForFunction(() => document.title === "ready" || window.vomo);
  const opts = { baseUrl: sim.url, token: sim.token };
  const run = (fn, arg = {}) => page.evaluate(fn, { ...opts, ...arg });
  assert.notEqual(new URL(site.url).origin, sim.origin);

  const listed = await run(async ({ baseUrl, token }) => {
    const c = new window.vomo.VomoClient({ token, baseUrl, requestsPerSecond: 1000 });
    const users = await c.listAllUsers();
    let pages = 0;
    for await (const p of c.listUserPages({ createdAfter: new Date("2000-01-01T00:00:00Z") })) pages += p.data.length ? 1 : 0;
    const one = await c.getUser(users[4].id);
    return { ids: users.map((u) => u.id), pages, one: { id: one.id, parts: one.participations.length },
             missing: await c.getUser(987654), stats: c.stats() };
  });
  assert.deepEqual(listed.ids, sim.listAll().map((u) => u.id));
  assert.equal(listed.pages, 4);
  assert.equal(listed.one.id, listed.ids[4]);
  assert.equal(listed.one.parts, sim.getUser(listed.ids[4]).participations.length);
  assert.equal(listed.missing, null);
  assert.deepEqual(listed.stats, { requests: 10, retries: 0, rateLimited: 0, errors: 0 });
  const gets = sim.log().filter((e) => e.method === "GET");
  assert.equal(gets.length, 10);
  assert.equal(gets[4].query.created_after, "2000-01-01T00:00:00.000Z");

  const upserted = await run(async ({ baseUrl, token }) => {
    const c = new window.vomo.VomoClient({ token, baseUrl, requestsPerSecond: 1000 });
    const a = await c.upsertUser({ firstName: "Bro", lastName: "Wser", email: "Browser.Made@example.org", gender: "n", phone: "" });
    const b = await c.upsertUser({ firstName: "Bro", lastName: "Wsr", email: "browser.made@EXAMPLE.org" });
    const found = await c.findUserByEmail(" BROWSER.MADE@example.org ");
    let invalid = null;
    try { await c.upsertUser({ firstName: "x", lastName: "y", email: "nope" }); } catch (e) { invalid = [e instanceof window.vomo.VomoError, e.kind]; }
    return { a: [a.created, a.uncertain, a.user.id, a.user.gender], b: [b.created, b.user.id], found: found?.id, invalid };
  });
  assert.deepEqual(upserted.a.slice(0, 2), [true, false]);
  assert.equal(upserted.a[3], "N");
  assert.deepEqual(upserted.b, [false, upserted.a[2]]);
  assert.equal(upserted.found, upserted.a[2]);
  assert.deepEqual(upserted.invalid, [true, "invalid_input"]);
  assert.equal(sim.getUser(upserted.a[2]).last_name, "Wsr");
  assert.equal(sim.getUser(upserted.a[2]).phone, null, "the empty phone was not sent");

  sim.clearLog();
  sim.injectFault({ path: "/v1/users", page: 2, type: "foreign_next" });
  sim.injectFault({ path: "/v1/users/*", type: "redirect" });
  sim.injectFault({ path: "/v1/users/*", type: "status", status: 503, times: 3 });
  const guarded = await run(async ({ baseUrl, token }) => {
    const c = new window.vomo.VomoClient({ token, baseUrl, requestsPerSecond: 20, maxRetries: 2 });
    const kinds = [];
    for (const f of [() => c.listAllUsers(), () => c.getUser(1001), () => c.getUser(1001)]) {
      try { await f(); kinds.push("ok"); } catch (e) { kinds.push([e.kind, e.status]); }
    }
    return kinds;
  });
  // In a browser, fetch's redirect: "manual" hides the Location, so any redirect is refused.
  assert.deepEqual(guarded, [["unsafe_link", null], ["unsafe_link", 302], ["server", 503]]);
  assert.deepEqual(sim.foreignLog(), [], "the foreign origin received nothing from the page");
  const log = sim.log().filter((e) => e.method === "GET");
  assert.equal(log.length, 2 + 1 + 3);
  // Arrival times are taken on the simulator's event loop, so one late-recorded arrival
  // shortens the next gap under load (22.5 ms of 50 once, with cargo builds beside the test
  // layer): each gap only has to show the requests were not sent together (an unthrottled
  // pair arrives within a millisecond or two), and the whole span, which that noise cannot
  // shrink, holds the rate.
  for (let i = 1; i < log.length; i++) assert.ok(log[i].t - log[i - 1].t >= 10, `gap ${log[i].t - log[i - 1].t} ms`);
  assert.ok(log.at(-1).t - log[0].t >= (log.length - 1) * 50 - 5, `span ${log.at(-1).t - log[0].t} ms`);
  assert.deepEqual(problems, []);
});
