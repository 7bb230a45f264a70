// Admin page, Changes: UserPoller on a LocalStorageStore. An initial sync, then changes made
// through the simulator's HTTP control API (an edit, a new user, a shift sign-up) appear in
// the live feed on the next poll, with metrics and health; after a hard delete, reconcile
// lists the id for review; a record without an email is a dead letter; and the saved state
// survives a page reload.
import test from "node:test";
import assert from "node:assert/strict";
import { openAdmin, connect, waitText, screenshot, assertClean, control } from "./admin-kit.mjs";

const feed = (page) => page.$$eval("#poll-feed li", (lis) => lis.map((li) => li.textContent.slice(9)));   // without the time
const metric = (page, name) => page.$eval("#poll-metrics", (dl, n) => {
  const dt = [...dl.querySelectorAll("dt")].find((d) => d.textContent === n);
  return dt?.nextElementSibling.textContent;
}, name);

test("admin changes: poll feed after control-API changes, metrics, health, reconcile, state kept across reload", async (t) => {
  // A frozen simulator clock: the poller only reads windows that end 5 s before the server's
  // Date, so the test moves the clock on instead of waiting.
  const admin = await openAdmin(t, { sim: { users: 40, seed: 9, now: "2026-01-01T00:00:00Z" } });
  const { page, sim } = admin;
  await connect(page);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });

  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 40 changes \(/);
  assert.equal((await feed(page)).length, 40);
  assert.equal(await metric(page, "processed"), "40");
  assert.equal(await metric(page, "complete"), "yes");

  // Changes through the control API, as another VOMO admin would make them.
  const [edited, signedUp, deleted] = sim.listAll().slice(5, 8).map((u) => u.id);
  await control(sim, "PATCH", `users/${edited}`, { first_name: "Renamed" });
  const created = await control(sim, "POST", "users", { first_name: "Newly", last_name: "Joined", email: "newly.joined@example.org" });
  await control(sim, "POST", `users/${signedUp}/participations`, { project_id: 701, project_date_id: 9001, hours: 3 });
  await control(sim, "PATCH", `users/${signedUp}`, { phone: "555-0100" });
  await control(sim, "POST", "clock", { advanceMs: 10_000 });

  await page.selectOption("#poll-participations", "changed-users");
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 3 changes \(1 created, 2 updated, 0 failed\)/);
  const events = (await feed(page)).slice(0, -40);
  assert.ok(events.some((e) => e.startsWith(`updated user #${edited} Renamed `)), events.join("\n"));
  assert.ok(events.some((e) => e.startsWith(`created user #${created.id} Newly Joined <newly.joined@example.org>`)), events.join("\n"));
  assert.ok(events.some((e) => e.startsWith(`updated user #${signedUp} `)));
  assert.ok(events.some((e) => e === `participation added user #${signedUp}: project 701 date 9001, 3 h`), events.join("\n"));
  assert.equal(await metric(page, "created"), "1");
  assert.equal(await metric(page, "updated"), "2");
  assert.ok(Number(await metric(page, "participation events")) >= 1);
  const checkpoint = await metric(page, "checkpoint");
  assert.match(checkpoint, /^2026-01-01T00:00:\d\d\.000Z$/);
  assert.match(await metric(page, "duration"), /^\d+ ms$/, "whole milliseconds");
  assert.match(await page.textContent("#poll-status"), new RegExp(`; read up to ${checkpoint.replace(/\./g, "\\.")}: a change made after that \\(in the last seconds before this poll\\) comes with the next poll$`));
  assert.match(await page.textContent("#poll-health"), new RegExp(`^customeradmin` + `stalledno` + `lag\\d+ s` + `checkpoint${checkpoint.replace(/\./g, "\\.")}$`));

  // An edit made a second before Poll now: after the point the poll reads to, as its status
  // says; the next poll, once it is older than that, brings it.
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await control(sim, "PATCH", `users/${edited}`, { last_name: "JustNow" });
  await control(sim, "POST", "clock", { advanceMs: 1_000 });
  await page.click("#poll-run");
  const early = await waitText(page, "#poll-status", /^poll (done|stopped)/);
  assert.match(early, /^poll done: 0 changes .*; read up to (\S+Z): a change made after that/);
  assert.ok(Date.parse(/read up to (\S+Z):/.exec(early)[1]) < Date.parse(sim.getUser(edited).updated_at), early);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 1 changes \(0 created, 1 updated, 0 failed\)/);
  assert.ok((await feed(page)).some((e) => e.startsWith(`updated user #${edited} Renamed JustNow`)), (await feed(page)).join("\n"));

  // A hard delete: reconcile lists the id as not visible, for review; nothing is deleted.
  await control(sim, "DELETE", `users/${deleted}`);
  await page.click("#poll-reconcile");
  assert.match(await waitText(page, "#reconcile-status", /not visible|\[/), /^1 known id not visible\. Review them in VOMO/);
  assert.deepEqual(await page.$$eval("#reconcile-missing li", (lis) => lis.map((li) => li.textContent)),
    [`user #${deleted}: known, not visible now`]);

  // A record VOMO sends without an email cannot be read: a dead letter, and the poll goes on.
  const broken = sim.listAll()[9].id;
  await control(sim, "PATCH", `users/${broken}`, { email: null });
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 0 changes \(0 created, 0 updated, 1 failed\)/);
  const dead = (await feed(page))[0];
  assert.match(dead, new RegExp(`^dead letter user #${broken} attempt 1 \\(given up\\): \\[parse\\] data\\[\\d+\\]\\.email: `));
  const saved = await metric(page, "checkpoint");
  assert.ok(saved > checkpoint, "the checkpoint moved past the dead letter");
  await screenshot(page, "changes", "#changes");

  // The checkpoint and known ids are in localStorage: after a reload the next poll goes on
  // from the checkpoint (no initial sync again).
  assert.ok((await page.evaluate(() => Object.keys(localStorage))).some((k) => k.startsWith("vomo-admin:poll:")));
  await page.reload();
  await waitText(page, "#app-status", /^ready/);
  await connect(page);
  assert.match(await waitText(page, "#poll-health", /checkpoint/), new RegExp(`checkpoint${saved.replace(/\./g, "\\.")}$`));
  // The panel follows the customer field: another customer's state is its own (none yet), and
  // the first one's checkpoint comes back with its id.
  await page.fill("#poll-customer", "another-customer");
  assert.equal(await waitText(page, "#poll-health", /another-customer/),
    "customeranother-customerstatenever polled (the first poll is the initial sync)");
  await page.fill("#poll-customer", "admin");
  assert.match(await waitText(page, "#poll-health", /^customeradmin/), new RegExp(`^customeradminstalled.*checkpoint${saved.replace(/\./g, "\\.")}$`));
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 0 changes/);
  // The one HTTP error: reconcile confirming the deleted user with its detail (404).
  assert.deepEqual(sim.log().filter((e) => e.status >= 400).map((e) => [e.status, e.path]), [[404, `/v1/users/${deleted}`]]);
  await assertClean(admin, { httpErrors: [404] });
});

test("admin changes: Cancel stops a poll (AbortSignal); Forget saved poll state starts over with an initial sync", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 30, seed: 12, now: "2026-01-01T00:00:00Z", perPage: 5, latencyMs: 250 } });
  const { page, sim } = admin;
  await connect(page);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });

  await page.click("#poll-run");
  await page.waitForFunction(() => document.querySelectorAll("#poll-feed li").length >= 5);
  await page.click("#poll-cancel");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll stopped: \[aborted\] /);
  const delivered = (await feed(page)).length;
  assert.ok(delivered >= 5 && delivered < 30, `${delivered} delivered before the cancel`);

  // The next poll goes on (no lease left behind) and delivers only the rest.
  sim.configure({ latencyMs: 0 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), new RegExp(`^poll done: ${30 - delivered} changes \\(`));
  assert.equal((await feed(page)).length, 30, "each user delivered once across the cancelled poll and the next");

  // Forget: the saved state goes, and the next poll is an initial sync of everyone again.
  await page.click("#poll-forget");
  assert.equal(await waitText(page, "#poll-status", /forgotten|another tab/), 'saved poll state of customer "admin" forgotten: its next poll is an initial sync');
  assert.equal(await page.textContent("#poll-metrics"), "", "the last poll's metrics went with its state");
  const kept = (await page.evaluate(() => Object.keys(localStorage))).filter((k) => k.startsWith("vomo-admin:poll:"));
  assert.deepEqual(kept.map((k) => k.replace(/^.*\|/, "")), ["vomo-users/v1/admin/lease"], "only the released lease (UserPoller.forget)");
  await page.click("#poll-forget");
  assert.equal(await waitText(page, "#poll-status", /^no saved/), 'no saved poll state of customer "admin": its next poll is an initial sync');
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 30 changes /);
  await screenshot(page, "changes-cancel-forget", "#changes");
  await assertClean(admin);
});

test("admin changes: two tabs: Poll or Forget in a second tab while the first polls the same customer is refused (Web Lock); each user arrives once, and the state stays", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 30, seed: 4, now: "2026-01-01T00:00:00Z" } });
  const { page, sim, site, context } = admin;
  const other = await context.newPage();
  await other.goto(site.url);
  await waitText(other, "#app-status", /^(ready|error)/);
  await connect(page);
  await connect(other);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  sim.configure({ latencyMs: 400 });   // the first tab's poll takes a few seconds

  await page.click("#poll-run");
  await waitText(page, "#poll-status", /^polling/);
  await other.click("#poll-run");
  assert.equal(await waitText(other, "#poll-status", /^(another tab|poll )/),
    'another tab of this page is polling customer "admin": poll again when it has finished');
  // Nor may it forget the state the running poll writes (it would write part of it back).
  await other.click("#poll-forget");
  assert.equal(await waitText(other, "#poll-status", /forget its state|forgotten/),
    'another tab of this page is polling customer "admin": forget its state when that poll has finished');
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 30 changes \(/);
  assert.equal((await feed(page)).length, 30);
  assert.equal((await feed(other)).length, 0, "the second tab delivered nothing");

  // Once the first tab is done, the second polls from the shared, saved state: nothing new.
  sim.configure({ latencyMs: 0 });
  await other.click("#poll-run");
  assert.match(await waitText(other, "#poll-status", /^poll (done|stopped)/), /^poll done: 0 changes /);
  await assertClean(admin);
});

test("admin changes: saved poll state is kept per API: connected to another base URL on the same page, the first poll is an initial sync there; back on the first API, under either spelling of its URL, its checkpoint is where it was", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 20, seed: 9, now: "2026-01-01T00:00:00Z" } });
  const { page, sim } = admin;
  const { startSimulator } = await import("vomo-users/sim");
  const other = await startSimulator({ port: 0, users: 12, seed: 3, now: "2026-01-01T00:00:00Z" });
  t.after(() => other.close());
  other.advanceClock(10_000);
  await connect(page);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 20 changes \(/);

  // The same customer id on another API (a real one after the simulator, say).
  await page.fill("#base-url", other.url);
  await page.fill("#token", other.token);
  assert.match(await connect(page), /^connected/);
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 12 changes \(/, "an initial sync of the other API");

  await page.fill("#base-url", sim.url);
  await page.fill("#token", sim.token);
  assert.match(await connect(page), /^connected/);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 0 changes/, "the first API's checkpoint was kept");

  // Another spelling of the first API's URL (scheme in capitals, a trailing slash) is that API:
  // its checkpoint, not a second initial sync under a scope of its own.
  const spelled = `${sim.url.replace(/^http:/, "HTTP:")}/`;
  assert.notEqual(spelled, sim.url);
  await page.fill("#base-url", spelled);
  assert.match(await connect(page), /^connected/);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 0 changes/, "one API under two spellings shares one state");
});

test("admin changes: Reconcile shows its progress, runs once at a time, and Cancel reconcile stops it (nothing changed); the next one completes", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 60, seed: 21, now: "2026-01-01T00:00:00Z", perPage: 5 } });
  const { page, sim } = admin;
  await connect(page);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 60 changes \(/);

  sim.configure({ latencyMs: 300 });   // 12 pages: a few seconds to cancel in
  await page.click("#poll-reconcile");
  assert.match(await waitText(page, "#reconcile-status", / of 60$/), /^listing every visible user… \d+ of 60$/);
  assert.equal(await page.isDisabled("#poll-reconcile"), true, "no second reconcile beside it");
  const listed = sim.log().length;
  await page.click("#reconcile-cancel");
  assert.equal(await waitText(page, "#reconcile-status", /cancelled|not visible|\[/), "reconcile cancelled: nothing was changed");
  assert.ok(sim.log().length - listed <= 1, "at most the page under way when it was cancelled");
  assert.equal(await page.isDisabled("#reconcile-cancel"), true);

  sim.configure({ latencyMs: 0 });
  await page.click("#poll-reconcile");
  assert.match(await waitText(page, "#reconcile-status", /not visible|\[/), /^0 known ids not visible\. /);
  await assertClean(admin);
});

test("admin changes: a Reconcile whose listing fails (VOMO answering 502 after the retries) says so, with the error, as an error; not as a complete answer of 0 ids", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 20, seed: 22, now: "2026-01-01T00:00:00Z" } });
  const { page, sim } = admin;
  await connect(page);
  await control(sim, "POST", "clock", { advanceMs: 10_000 });
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/), /^poll done: 20 changes \(/);
  sim.injectFault({ type: "status", status: 502, path: "/v1/users", times: "always" });
  await page.click("#poll-reconcile");
  const said = await waitText(page, "#reconcile-status", /not visible|stopped|\[/, 120_000);
  assert.match(said, /^reconcile stopped: \[server\] HTTP 502: .*GET \/v1\/users.*\. 0 known ids not visible among those reached: run it again/);
  assert.equal(await page.$eval("#reconcile-status", (n) => n.classList.contains("error")), true, "shown as an error");
  // Client status (refreshed every second) counts the failed call.
  assert.match(await waitText(page, "#client-stats", /errors[1-9]/, 5_000), /errors1parse/);
  sim.clearFaults();
  await page.click("#poll-reconcile");
  assert.match(await waitText(page, "#reconcile-status", /not visible|stopped|\[/), /^0 known ids not visible\. Review them/);
  await assertClean(admin, { httpErrors: [502] });
});
