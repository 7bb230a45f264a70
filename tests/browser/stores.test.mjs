// LocalStorageStore in headless Chromium (Playwright): a page runs UserPoller on
// localStorage against the simulator (another origin), is reloaded, and polls again with
// no redelivery. The page loads the installed package, served under /pkg/.
import test from "node:test";
import assert from "node:assert/strict";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startSimulator } from "vomo-users/sim";
import { serve, launchChromium } from "./helpers.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The pages' world: stores.html served, a simulator of `users` frozen at 2026-01-01 (then
 * moved 10 s on), and a Chromium context whose pages' errors gather in `problems`. `open()`
 * makes a page with stores.html loaded; `ready(page)` waits for it after a reload.
 */
async function world(t, { users, seed }) {
  const site = await serve(t, { root: here });
  const sim = await startSimulator({ port: 0, users, seed, now: "2026-01-01T00:00:00Z" });
  t.after(() => sim.close());
  sim.advanceClock(10_000);
  const context = await (await launchChromium(t)).newContext();
  const problems = [];
  const ready = (p) => p.waitForFunction(() => document.title === "ready");
  const open = async () => {
    const p = await context.newPage();
    p.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    await p.goto(`${site.url}/stores.html`);
    await ready(p);
    return p;
  };
  return { sim, problems, open, ready };
}

test("browser: UserPoller on LocalStorageStore: backfill, reload, only the changes, reload, nothing", async (t) => {
  const { sim, problems, open, ready } = await world(t, { users: 40, seed: 61 });
  const poll = async (p, customerId = "acme") => {
    const r = await p.evaluate((args) => window.pollOnce(args), { baseUrl: sim.url, token: sim.token, customerId });
    assert.equal(r.error, undefined, JSON.stringify(r.error));
    return r;
  };

  const page = await open();
  const r1 = await poll(page);
  assert.equal(r1.result.processed, 40);
  assert.deepEqual(r1.events.map((e) => e.id).sort(), sim.listAll().map((u) => u.id).sort());
  const keys = await page.evaluate(() => Object.keys(localStorage).sort());
  assert.ok(keys.length >= 2 && keys.every((k) => k.startsWith("vomo:vomo-users/v1/acme/")), keys.join(" "));
  const lease = JSON.parse(await page.evaluate(() => localStorage.getItem("vomo:vomo-users/v1/acme/lease")));
  assert.equal(lease.expires_at, 0, "the lease is released when the poll ends");

  const ids = sim.listAll().map((u) => u.id);
  sim.updateUser(ids[3], { first_name: "Tabbed" });
  const made = sim.createUser({ email: "from.browser@example.org" }).id;
  sim.advanceClock(10_000);
  await page.reload();
  await ready(page);
  const r2 = await poll(page);
  assert.equal(r2.result.processed, 2, "after a reload only the changes");
  assert.deepEqual(r2.events.map((e) => [e.id, e.kind]).sort(), [[ids[3], "updated"], [made, "created"]].sort());

  await page.reload();
  await ready(page);
  sim.advanceClock(10_000);
  const r3 = await poll(page);
  assert.equal(r3.result.processed, 0, "no redelivery after a second reload");

  // Another tab of the same origin shares the store: it continues where the first left off.
  const tab = await open();
  sim.updateUser(made, { last_name: "Second" });
  sim.advanceClock(10_000);
  const r4 = await poll(tab);
  assert.deepEqual(r4.events.map((e) => [e.id, e.kind]), [[made, "updated"]]);
  assert.deepEqual(problems, []);
});

test("browser: a tab reloaded (or closed) while its poll holds the lease: another tab's poll takes it over at once, not 2 minutes later; while the tab lives it is busy", async (t) => {
  const { sim, problems, open, ready } = await world(t, { users: 20, seed: 62 });
  const [holder, other] = [await open(), await open()];
  const args = { baseUrl: sim.url, token: sim.token, customerId: "tabs" };
  await holder.evaluate((a) => window.pollHanging(a), args);
  const lease = JSON.parse(await other.evaluate(() => localStorage.getItem("vomo:vomo-users/v1/tabs/lease")));
  assert.match(lease.holder, /^vomo-users\/lease-holder\/[0-9a-f-]{36}$/, "the lease names the tab's Web Lock");
  assert.ok(lease.expires_at > Date.now() + 60_000, "and is live for about 2 minutes");
  const refused = await other.evaluate((a) => window.pollOnce(a), args);
  assert.equal(refused.error?.kind, "busy", "a live tab's lease is not taken");
  // The browser releases a gone document's locks as it tears it down, a moment after the
  // reload or close resolves: the other tab waits for that, as a user's next click would.
  // (Playwright's waitForFunction does not await a predicate's promise, so the page polls itself.)
  const released = async (p, name) => assert.ok(await p.evaluate(async (n) => {
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      if (!(await navigator.locks.query()).held.some((l) => l.name === n)) return true;
    }
    return false;
  }, name), `the browser released ${name} within 10 s`);
  await holder.reload();
  await ready(holder);
  await released(other, lease.holder);
  const taken = await other.evaluate((a) => window.pollOnce(a), args);
  assert.equal(taken.error, undefined, JSON.stringify(taken.error));
  assert.equal(taken.result.processed, 20, "taken over at once: every user delivered");
  // A closed tab, the same.
  await holder.evaluate((a) => window.pollHanging(a), { ...args, customerId: "closed" });
  const closing = JSON.parse(await other.evaluate(() => localStorage.getItem("vomo:vomo-users/v1/closed/lease"))).holder;
  await holder.close();
  await released(other, closing);
  const afterClose = await other.evaluate((a) => window.pollOnce(a), { ...args, customerId: "closed" });
  assert.equal(afterClose.error, undefined, JSON.stringify(afterClose.error));
  assert.equal(afterClose.result.processed, 20);
  assert.deepEqual(problems, []);
});
