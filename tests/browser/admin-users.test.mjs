// Admin page, Users and Detail screens against the simulator: the six filters (local
// date-times sent as UTC instants), rows streamed page by page with a count, Cancel
// through an AbortSignal, per-row parse warnings, and a user's detail (hours as numbers,
// totalHours, profile fields, anonymized users marked).
import test from "node:test";
import assert from "node:assert/strict";
import { openAdmin, connect, waitText, screenshot, assertClean, control } from "./admin-kit.mjs";

const NOW = "2026-01-01T00:00:00Z";
const tableIds = (page) => page.$$eval("#users-table tbody tr", (trs) => trs.map((tr) => Number(tr.dataset.id)));

test("admin users: filters, streamed rows with a count, per-row warnings, cancel", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 60, seed: 7, now: NOW, perPage: 5 }, timezoneId: "America/New_York" });
  const { page, sim } = admin;
  await connect(page);
  const all = sim.listAll();
  const odd = all[3].id;
  await control(sim, "PATCH", `users/${odd}`, { membership_role: "COORDINATOR" });

  // Filters: name contains "an", updated after 2025-06-01 08:00 New York time (= 12:00 UTC).
  await page.fill("#f-name", "an");
  await page.fill("#f-updated-after", "2025-06-01T08:00");
  sim.clearLog();
  await page.click("#users-list");
  const done = await waitText(page, "#users-count", /listed|stopped/);
  const bound = Date.parse("2025-06-01T12:00:00Z");
  const expected = sim.listAll().filter((u) => /an/i.test(u.first_name) || /an/i.test(u.last_name))
    .filter((u) => Date.parse(u.updated_at) >= bound).map((u) => u.id);
  assert.ok(expected.length > 5, "the filter matches more than one page");
  assert.deepEqual(await tableIds(page), expected);
  const pages = Math.ceil(expected.length / 5);
  assert.equal(done, `${expected.length} users listed (${pages} pages)`);
  const gets = sim.log().filter((e) => e.method === "GET");
  assert.equal(gets.length, pages);
  assert.equal(gets[0].query.name_like, "an");
  assert.equal(gets[0].query.updated_after, "2025-06-01T12:00:00.000Z");
  assert.equal(Object.keys(gets[0].query).filter((k) => k !== "page").length, 2, "empty filters are not sent");

  // Every user, with the unknown role's warning on its own row only.
  await page.fill("#f-name", "");
  await page.fill("#f-updated-after", "");
  await page.click("#users-list");
  assert.equal(await waitText(page, "#users-count", /listed|stopped/), "60 users listed (12 pages)");
  assert.deepEqual(await tableIds(page), all.map((u) => u.id));
  const warned = await page.$$eval("#users-table tbody tr", (trs) => trs.filter((tr) => tr.cells[8].textContent)
    .map((tr) => [Number(tr.dataset.id), tr.cells[8].textContent]));
  const unknownEnums = sim.listAll().filter((u) => !["VERIFIED", "UNVERIFIED", "BANNED"].includes(u.user_status) ||
    !["ACCEPTED", "PENDING", "REJECTED"].includes(u.membership_status) || !["VOLUNTEER", "ORGANIZER", "ADMIN"].includes(u.membership_role));
  assert.deepEqual(warned.map(([id]) => id), unknownEnums.map((u) => u.id), "exactly the rows with unknown values carry warnings");
  assert.match(warned.find(([id]) => id === odd)[1], /membership_role: unknown value "COORDINATOR"/);

  // Cancel: slow the API down, cancel once the second page is in; the listing stops there.
  sim.configure({ latencyMs: 300 });
  sim.clearLog();
  await page.click("#users-list");
  await waitText(page, "#users-count", /\(page 2\)/);
  assert.equal(await page.isDisabled("#users-cancel"), false);
  await page.click("#users-cancel");
  const cancelled = await waitText(page, "#users-count", /stopped/);
  assert.match(cancelled, /^\d+ users listed, then stopped: \[aborted\] /);
  const shown = (await tableIds(page)).length;
  assert.ok(shown >= 10 && shown < 60, `rows kept up to the cancel: ${shown}`);
  assert.ok(sim.log().filter((e) => e.method === "GET").length < 12, "no request after the cancel");
  assert.equal(await page.isDisabled("#users-cancel"), true);
  assert.equal(await page.$eval("#users-count", (n) => n.classList.contains("error")), false, "a cancel is not shown as an error");
  await screenshot(page, "users", "#users");
  await assertClean(admin);
});

test("admin detail: participations with numeric hours and their total, profile fields, anonymized users", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 30, seed: 11, now: NOW } });
  const { page, sim } = admin;
  await connect(page);
  const [first, second] = sim.listAll();
  await control(sim, "POST", `users/${first.id}/participations`, { project_id: 701, project_date_id: 9001, hours: 2.5, verified: true });
  await control(sim, "POST", `users/${first.id}/participations`, { project_id: 701, project_date_id: 9002, hours: 4 });
  const wire = sim.getUser(first.id);
  assert.equal(typeof wire.participations[0].hours, "string", "the simulator sends hours as strings (\"4.00\")");
  const total = wire.participations.reduce((s, p) => s + Number(p.hours), 0);

  // From the Users table: the id button opens the detail.
  await page.fill("#f-email", first.email);
  await page.click("#users-list");
  await waitText(page, "#users-count", /listed/);
  // From the keyboard: Enter on the row's id button, and the focus follows to the detail's title.
  await page.focus(`#users-table tbody tr[data-id="${first.id}"] button`);
  await page.keyboard.press("Enter");
  await waitText(page, "#detail-status", new RegExp(`user ${first.id} loaded`));
  const focused = () => page.evaluate(() => ({ tag: document.activeElement.tagName, text: document.activeElement.textContent,
    inDetail: document.getElementById("detail").contains(document.activeElement), id: document.activeElement.id }));
  assert.deepEqual(await focused(), { tag: "H3", text: `#${first.id} ${first.first_name} ${first.last_name} `, inDetail: true, id: "" });
  const caption = await page.textContent("#detail-participations caption");
  assert.equal(caption, `Participations: ${wire.participations.length}, total hours ${total}`);
  const hours = await page.$$eval("#detail-participations tbody tr", (trs) => trs.map((tr) => tr.cells[7].textContent));
  assert.deepEqual(hours, wire.participations.map((p) => String(Number(p.hours))));
  assert.ok(hours.includes("2.5") && hours.includes("4"), "hours shown as numbers, not \"4.00\"");
  const profile = await page.$$eval("#detail-profile tbody tr", (trs) => trs.map((tr) => tr.cells[1].textContent));
  assert.deepEqual(profile, wire.profile_field_values.map((f) => f.field_label));
  assert.equal(await page.$("#detail-out .badge.anonymized"), null);

  // Anonymized through the simulator's control API, then looked up by id from the keyboard.
  await control(sim, "POST", `users/${second.id}/anonymize`);
  await page.fill("#detail-id", String(second.id));
  await page.press("#detail-id", "Enter");
  await waitText(page, "#detail-status", new RegExp(`user ${second.id} loaded`));
  assert.match(await page.textContent("#detail-out h3"), /Deleted User anonymized$/);
  await screenshot(page, "detail", "#detail");

  await page.fill("#detail-id", "987654");
  await page.press("#detail-id", "Enter");
  assert.equal(await waitText(page, "#detail-status", /not found|\[/), "user 987654: not found (404)");
  assert.equal((await focused()).id, "detail-id", "typed here: the focus stays");
  // A row's user deleted since it was listed: the focus goes to the id field, to try another.
  await control(sim, "DELETE", `users/${first.id}`);
  await page.click(`#users-table tbody tr[data-id="${first.id}"] button`);
  assert.equal(await waitText(page, "#detail-status", /not found|\[/), `user ${first.id}: not found (404)`);
  assert.equal((await focused()).id, "detail-id");
  // A value the field refuses is sent nowhere, and the status line says why (not the last user's text).
  const beforeInvalid = sim.log().length;
  for (const bad of ["0", "-1", "1.5"]) {
    await page.fill("#detail-id", bad);
    await page.press("#detail-id", "Enter");
    assert.match(await waitText(page, "#detail-status", /^user id: /), /^user id: \S/, bad);
    assert.equal(await page.$eval("#detail-status", (n) => n.classList.contains("error")), true);
    assert.equal(await page.$$eval("#detail-out > *", (c) => c.length), 0, "no earlier user's detail left beside it");
  }
  assert.equal(sim.log().length, beforeInvalid, "nothing sent");
  await page.fill("#detail-id", "1e6");   // a number input takes it: named as the id looked up
  await page.press("#detail-id", "Enter");
  assert.equal(await waitText(page, "#detail-status", /not found|\[/), "user 1000000: not found (404)");
  // Past 2^53: refused before anything is sent, quoting the id typed (not the one Number() rounds it to).
  const sent = sim.log().length;
  await page.fill("#detail-id", "9007199254740993");
  await page.press("#detail-id", "Enter");
  assert.equal(await waitText(page, "#detail-status", /not found|\[/),
    "user 9007199254740993: [parse] getUser: id: not a safe integer id (got 9007199254740993)");
  assert.equal(sim.log().length, sent);
  await assertClean(admin, { httpErrors: [404] });
});

test("admin users: a listing started while another runs replaces it; the status never says the first one stopped", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 60, seed: 8, now: NOW, perPage: 5 } });
  const { page } = admin;
  await connect(page, { rps: 8 }); // 12 pages: the first listing is still running when the second starts
  // Every text the status line takes, from now on.
  await page.evaluate(() => {
    window.statusTexts = [];
    const status = document.getElementById("users-count");
    new MutationObserver(() => window.statusTexts.push(status.textContent)).observe(status, { childList: true, characterData: true, subtree: true });
  });
  await page.click("#users-list");
  await waitText(page, "#users-count", /page 2\)/);
  await page.click("#users-list");
  assert.equal(await waitText(page, "#users-count", /listed|stopped/), "60 users listed (12 pages)");
  const texts = await page.evaluate(() => window.statusTexts);
  assert.ok(texts.length > 3, texts.join(" | "));
  assert.ok(!texts.some((x) => /stopped/.test(x)), `a replaced listing reported itself: ${texts.join(" | ")}`);
  assert.equal((await tableIds(page)).length, 60, "the table holds the second listing's rows only, once each");
  await assertClean(admin);
});
