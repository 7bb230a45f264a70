// Admin page, Upsert and find: the package's own checks stop a bad form before anything is
// sent (invalid_input), a server 422 shows its field errors next to the inputs, results are
// marked created or updated, and find-by-email only accepts an exact (case-insensitive) match.
import test from "node:test";
import assert from "node:assert/strict";
import { openAdmin, connect, waitText, screenshot, assertClean } from "./admin-kit.mjs";

const posts = (sim) => sim.log().filter((e) => e.method === "POST");

test("admin upsert: invalid_input before sending, 422 next to its field, created then updated; find exact", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 20, seed: 3 } });
  const { page, sim } = admin;
  await connect(page);
  sim.clearLog();

  // The package's rules: required names and email, a plausible email, a real birthday.
  await page.fill("#u-first_name", "Ada");
  await page.fill("#u-email", "ada at example");
  await page.fill("#u-birthday", "1990-02-20");
  await page.click("#upsert-form button[type=submit]");
  assert.match(await waitText(page, "#upsert-result", /^(not sent|rejected)/), /^not sent: \[invalid_input\] /);
  assert.equal(await page.textContent("#e-last_name"), "The last name field is required.");
  assert.equal(await page.textContent("#e-email"), "The email must be a valid email address.");
  assert.equal(await page.textContent("#e-first_name"), "");
  assert.equal(await page.getAttribute("#u-email", "aria-invalid"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "u-last_name", "focus goes to the first bad field");
  assert.equal(posts(sim).length, 0, "nothing was sent");

  // The server's rule the package does not know (a password of at least 10 letters and digits): a 422.
  await page.fill("#u-last_name", "Lovelace");
  await page.fill("#u-email", "Ada.Lovelace@Example.org");
  await page.fill("#u-password", "short1");
  await page.click("#upsert-form button[type=submit]");
  assert.match(await waitText(page, "#upsert-result", /^(not sent|rejected)/), /^rejected by the server: \[validation\] HTTP 422: /);
  assert.match(await page.textContent("#e-password"), /password/i);
  assert.equal(await page.textContent("#e-email"), "", "earlier errors are cleared");
  assert.equal(posts(sim).length, 1);
  assert.equal(sim.listAll().some((u) => u.email.toLowerCase() === "ada.lovelace@example.org"), false);
  await screenshot(page, "upsert-422", "#upsert");

  // Created, then the same email in another case is an update of the same user.
  await page.fill("#u-password", "");
  await page.selectOption("#u-gender", "F");
  await page.click("#upsert-form button[type=submit]");
  const created = await waitText(page, "#upsert-result", /^(created|updated|not sent|rejected)/);
  const id = sim.listAll().find((u) => u.email === "Ada.Lovelace@Example.org")?.id;
  assert.ok(id, "the user exists in the simulator");
  assert.equal(created, `created user #${id} Ada Lovelace <Ada.Lovelace@Example.org>`);
  assert.equal(await page.$eval("#upsert-result .badge", (b) => b.className), "badge created");
  assert.equal(sim.getUser(id).gender, "F");
  assert.equal(sim.getUser(id).birthday, "1990-02-20");

  await page.fill("#u-email", "ada.lovelace@EXAMPLE.org");
  await page.fill("#u-last_name", "King");
  await page.click("#upsert-form button[type=submit]");
  assert.match(await waitText(page, "#upsert-result", /^(created|updated|not sent|rejected)/), new RegExp(`^updated user #${id} Ada King `));
  assert.equal(sim.getUser(id).last_name, "King");
  assert.equal(sim.count(), 21);
  await screenshot(page, "upsert-updated", "#upsert");

  // Find: exact match only, ignoring case and surrounding spaces; a substring is not a match.
  await page.fill("#find-email", "  ADA.LOVELACE@example.org ");
  await page.press("#find-email", "Enter");
  assert.match(await waitText(page, "#find-result", /^(found|no user|\[)/), new RegExp(`^found user #${id} Ada King`));
  await page.fill("#find-email", "lovelace@example.org");
  await page.press("#find-email", "Enter");
  assert.match(await waitText(page, "#find-result", /^(found|no user|\[)/), /^no user has exactly this email/);
  const lookups = sim.log().filter((e) => e.method === "GET" && e.query.email_like);
  assert.deepEqual(lookups.map((e) => e.query.email_like), ["ada.lovelace@example.org", "lovelace@example.org"],
    "the lookup went through email_like, the exact rule applied on top");
  await assertClean(admin, { httpErrors: [422] });
});
