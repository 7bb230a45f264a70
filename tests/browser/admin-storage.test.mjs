// Admin page, what an operator meets with real files and a real browser's storage: a full
// localStorage (Chromium's own quota), finished imports kept within a budget, a file fixed
// and picked again, a refused file after one with line errors, and a right-to-left override
// in a name on the Upsert screen. Found by an exploratory pass over the page.
import test from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openAdmin, connect, waitText, assertClean } from "./admin-kit.mjs";

const roster = (tag, n) => ["External ID,First Name,Last Name,Email",
  ...Array.from({ length: n }, (_, i) => `${tag}-${i},Vol${i},Teer,vol${i}@${tag}.example`)].join("\r\n") + "\r\n";
const csv = (name, text) => ({ name, mimeType: "text/csv", buffer: Buffer.from(text) });
// An import's saved progress; its released lease (a few bytes) stays after a forget, as documented.
const progressKeys = (page, tag) => page.evaluate((t) => Object.keys(localStorage)
  .filter((k) => k.includes(`/import/${t}.csv:`) && !k.endsWith("/lease")), tag);

/** Clicks `button` and resolves to how the import run it starts ends (the summary blanked
 *  first: the one before may read like an ending too). */
async function runImport(page, button) {
  await page.$eval("#import-summary", (e) => { e.textContent = ""; });
  await page.click(button);
  return waitText(page, "#import-summary", /^(paused|stopped|import of)/);
}

async function importFile(page, file) {
  await page.setInputFiles("#csv-file", file);
  await waitText(page, "#import-summary", new RegExp(`^${file.name.replace(".", "\\.")}`));
  return runImport(page, "#import-start");
}

test("admin import: a full localStorage stops an import; the page frees the finished imports' saved results, says so, and Resume finishes it, each row once", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 3, seed: 5 } });
  const { page, sim } = admin;
  await connect(page, { rps: 400 });
  assert.match(await importFile(page, csv("a.csv", roster("a", 300))), /^import of a\.csv finished: 300 created/);
  assert.ok((await progressKeys(page, "a")).length > 0, "a finished import's results are kept");

  // Everything else of the origin's quota taken, but about 20,000 characters.
  const free = await page.evaluate(() => {
    let i = 0;
    for (const size of [262_144, 16_384, 1_024, 64]) {
      for (;;) {
        try { localStorage.setItem(`junk:${i++}`, "x".repeat(size)); } catch { break; }
      }
    }
    let freed = 0;
    for (let j = i - 1; j >= 0 && freed < 20_000; j--) {
      const v = localStorage.getItem(`junk:${j}`);
      if (v !== null) { freed += v.length; localStorage.removeItem(`junk:${j}`); }
    }
    return freed;
  });
  assert.ok(free >= 20_000 && free < 300_000, `${free} characters left free`);

  const stopped = await importFile(page, csv("b.csv", roster("b", 300)));
  assert.match(stopped, /^stopped: this page's storage in the browser is full: the saved results of 1 finished import were removed to make room; Resume continues b\.csv after the last saved record$/);
  assert.deepEqual(await progressKeys(page, "a"), [], "a.csv's results went");
  const done = await runImport(page, "#import-resume");
  // The records sent after the last save that could be written were sent again: VOMO answered
  // "updated" for this import's own creates, and the page says they may be (every b user is new).
  const m = /^import of b\.csv finished: (\d+) created, (\d+) updated(?: \((\d+) of them maybe created by this import: sent again after an answer was lost\))?, /.exec(done);
  assert.ok(m, done);
  assert.ok(Number(m[2]) > 0, `the stop re-sent records (${done})`);
  assert.equal(Number(m[3]), Number(m[2]), "each update, one of this import's own creates re-sent, is marked");
  const marked = await page.$$eval("#import-results tbody tr", (rows) => rows.filter((r) => r.cells[0]?.textContent === "updated?").length);
  assert.equal(marked, Number(m[2]), "and listed as updated? in the results");
  const users = sim.listAll();
  for (let i = 0; i < 300; i++) assert.equal(users.filter((u) => u.email === `vol${i}@b.example`).length, 1, `vol${i}@b`);

  // Full again: the next import stops, and b.csv's results make room; full once more, with
  // nothing of the page's own left to remove, it says what the operator can do instead.
  const fill = () => page.evaluate(() => {
    for (let i = 0; ; i++) {
      if (localStorage.getItem(`more:${i}`) !== null) continue;
      try { localStorage.setItem(`more:${i}`, "x".repeat(1_024)); } catch { break; }
    }
  });
  await fill();
  assert.match(await importFile(page, csv("c.csv", roster("c", 300))),
    /^stopped: this page's storage in the browser is full: the saved results of 1 finished import were removed to make room; Resume continues c\.csv/);
  assert.deepEqual(await progressKeys(page, "b"), [], "b.csv's results went");
  await page.setInputFiles("#csv-file", csv("b.csv", roster("b", 300)));
  assert.doesNotMatch(await waitText(page, "#import-summary", /^b\.csv/), /imported already/, "its results are gone: not said to be listed");
  await page.setInputFiles("#csv-file", csv("c.csv", roster("c", 300)));
  assert.match(await waitText(page, "#import-summary", /^c\.csv/), /A paused import of this file was found/);
  await fill();
  // Full once more: c.csv's Resume cannot fit what is left of it, and says so before sending.
  const sent = sim.log().length;
  await page.$eval("#import-summary", (e) => { e.textContent = ""; });
  await page.click("#import-resume");
  assert.match(await waitText(page, "#import-summary", /not imported/),
    /^c\.csv not imported: 300 records; its progress needs about [\d,]+ characters of this browser's storage for the page \(\d+ or more a record\), which has room for about [\d,]+ \(about \d+ records\): import it in smaller files, or with the command line/);
  assert.equal(sim.log().length, sent, "nothing sent");
  // A poll in it, with nothing of the page's own left to remove: what the operator can do instead.
  await page.click("#poll-run");
  assert.match(await waitText(page, "#poll-status", /^poll (done|stopped)/),
    /^poll stopped: this page's storage in the browser is full, and no finished import's results are left to remove: Forget the saved poll state or import progress of an API or file no longer needed, or clear this site's data in the browser's settings$/);
  await assertClean(admin);
});

test("admin import: a roster whose progress cannot fit in the browser's storage is refused before anything is sent, naming how many records fit", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 3, seed: 5 } });
  const { page, sim } = admin;
  await connect(page, { rps: 400 });
  sim.clearLog();
  // 20,000 rows: at 376 characters or more a record (290 and twice the id, names and email),
  // more than Chromium's 5.2 million.
  const n = 20_000;
  await page.setInputFiles("#csv-file", csv("huge.csv", roster("huge", n)));
  await waitText(page, "#import-summary", /^huge\.csv: 20000 records/);
  await page.click("#import-start");
  const said = await waitText(page, "#import-summary", /not imported|import of|stopped/);
  const m = /^huge\.csv not imported: 20,000 records; its progress needs about ([\d,]+) characters of this browser's storage for the page \((\d+) or more a record\), which has room for about ([\d,]+) \(about ([\d,]+) records\): /.exec(said);
  assert.ok(m, said);
  const [need, each, room, most] = [m[1], m[2], m[3], m[4]].map((x) => Number(x.replaceAll(",", "")));
  // Each record: 290 + 2 x (`huge-i`, `Vol<i>`, `Teer`, `vol<i>@huge.example`).
  const expected = Array.from({ length: n }, (_, i) => 290 + 2 * (`huge-${i}`.length + `Vol${i}`.length + 4 + `vol${i}@huge.example`.length))
    .reduce((x, y) => x + y);
  assert.ok(Math.abs(need - expected) <= 1, `${need} against ${expected}`);
  assert.equal(each, Math.round(expected / n));
  assert.ok(room > 4_000_000 && room < need, `room ${room}`);
  assert.ok(Math.abs(most - room / (expected / n)) <= 1, `${most} records`);
  assert.equal(sim.log().length, 0, "nothing sent");
  assert.equal(await page.evaluate(() => localStorage.getItem("vomo-admin:probe")), null, "the probe is gone");
  assert.equal(await page.isDisabled("#import-start"), false, "nothing started: the button is back");
  // A file that fits is taken: 1,000 records.
  assert.match(await importFile(page, csv("part.csv", roster("part", 1_000))), /^import of part\.csv finished: 1000 created/);
  await assertClean(admin);
});

test("admin import: the finished imports kept take a bounded share of localStorage: a large one pushes the older ones out, the newest always stays", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 3, seed: 5 } });
  const { page } = admin;
  await connect(page, { rps: 400 });
  assert.match(await importFile(page, csv("s1.csv", roster("s1", 20))), /^import of s1\.csv finished/);
  assert.match(await importFile(page, csv("s2.csv", roster("s2", 20))), /^import of s2\.csv finished/);
  assert.ok((await progressKeys(page, "s1")).length > 0 && (await progressKeys(page, "s2")).length > 0, "two small ones are both kept");
  assert.match(await importFile(page, csv("big.csv", roster("big", 2_000))), /^import of big\.csv finished/);
  const size = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes("/import/big.csv:"))
    .reduce((n, k) => n + k.length + localStorage.getItem(k).length, 0));
  assert.ok(size > 800_000, `the big import's results take ${size} characters, more than the budget`);
  assert.ok((await progressKeys(page, "big")).length > 0, "the newest is kept whatever its size");
  assert.deepEqual([await progressKeys(page, "s1"), await progressKeys(page, "s2")], [[], []], "the older ones went");
  await assertClean(admin);
});

test("admin import: a file fixed on disk and picked again is read anew; a refused file clears the line errors of the one before; a right-to-left override in a name cannot reorder the Find and Upsert result lines", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 3, seed: 5 } });
  const { page, sim } = admin;
  await connect(page, { rps: 400 });
  const dir = await mkdtemp(join(tmpdir(), "admin-pick-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "edit.csv");
  await writeFile(path, "First Name,Last Name,Email\nAna,Lima,ana@edit.example\nBo,,\n");
  await page.setInputFiles("#csv-file", path);
  assert.match(await waitText(page, "#import-summary", /^edit\.csv/), /^edit\.csv: 1 record to import, 1 line with errors/);
  assert.match(await page.textContent("#import-line-errors"), /line 3/);
  await writeFile(path, "First Name,Last Name,Email\nAna,Lima,ana@edit.example\nBo,Berg,bo@edit.example\nCy,Dee,cy@edit.example\n");
  await page.setInputFiles("#csv-file", path); // the same file, fixed
  assert.match(await waitText(page, "#import-summary", /^edit\.csv: 3/), /^edit\.csv: 3 records to import, 0 lines with errors/);

  // Broken again, then a file that is refused.
  await writeFile(path, "First Name,Last Name,Email\nAna,Lima,ana@edit.example\nBo,,\n");
  await page.setInputFiles("#csv-file", path);
  await waitText(page, "#import-line-errors", /line 3/);
  await page.setInputFiles("#csv-file", { name: "excel.csv", mimeType: "text/csv", buffer: Buffer.from("First Name,Last Name,Email\nJos\xe9,P,j@edit.example\n", "latin1") });
  assert.match(await waitText(page, "#import-summary", /^excel\.csv/), /UTF-8/);
  assert.equal(await page.textContent("#import-line-errors"), "", "edit.csv's line errors went with it");

  const id = sim.listAll()[0].id;
  const email = sim.listAll()[0].email;
  sim.updateUser(id, { first_name: "Eve \u202Emoc.liame" });
  await page.fill("#find-email", email);
  await page.click("#find-form button[type=submit]");
  await waitText(page, "#find-result", /^found user/);
  const pieces = await page.$$eval("#find-result bdi", (bs) => bs.map((b) => b.textContent));
  assert.deepEqual(pieces, [`Eve \u202Emoc.liame ${sim.listAll()[0].last_name}`, email], "the name and the email each isolated");
  await assertClean(admin);
});
