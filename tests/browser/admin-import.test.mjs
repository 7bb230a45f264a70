// Admin page, Import: a CSV with a broken line and two invalid records is previewed with
// parseRosterCsv, imported with importRoster at a throttled pace, paused (AbortSignal),
// resumed after a page reload from the key kept in localStorage (only unsettled records are
// sent again), and its failed rows downloaded as CSV.
import test from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { parseRosterCsv } from "vomo-users";
import { openAdmin, connect, waitText, screenshot, assertClean } from "./admin-kit.mjs";

const VALID = Array.from({ length: 12 }, (_, i) => ({ id: `crm-${i + 1}`, first: `Vol${i + 1}`, last: "Teer", email: `vol${i + 1}@roster.example` }));
const CSV = [
  "External ID,First Name,Last Name,Email Address,Role,Shoe size",
  ...VALID.slice(0, 6).map((v) => `${v.id},${v.first},${v.last},${v.email},volunteer,40`),
  "crm-bad,Bo,Berg,not-an-email,,41",                 // line 8: invalid email (the package's check)
  "crm-short,=Only,+Three",                           // line 9: wrong number of cells (a CSV line error); formula-like cells
  ...VALID.slice(6).map((v) => `${v.id},${v.first},${v.last},${v.email},,39`),
  "crm-role,Cy,Dee,cy@roster.example,CAPTAIN,42",     // line 16: unknown role
].join("\r\n") + "\r\n";
const file = { name: "roster.csv", mimeType: "text/csv", buffer: Buffer.from(CSV) };
const posts = (sim) => sim.log().filter((e) => e.method === "POST").length;

test("admin import: preview, progress and ETA, pause, reload, resume, results, failed rows as CSV", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 10, seed: 5 } });
  const { page, sim } = admin;
  await connect(page, { rps: 4 });
  sim.clearLog();

  await page.setInputFiles("#csv-file", file);
  assert.equal(await waitText(page, "#import-summary", /^roster\.csv/),
    "roster.csv: 14 records to import, 1 line with errors, ignored columns: Shoe size");
  assert.match(await page.textContent("#import-line-errors"), /^line 9: /);
  const preview = await page.$$eval("#import-preview tbody tr", (trs) => trs.map((tr) => [tr.cells[0].textContent, tr.cells[4].textContent]));
  assert.equal(preview.length, 14);
  assert.deepEqual(preview[6], ["8", "not-an-email"]);
  assert.deepEqual(preview[7], ["10", VALID[6].email], "line numbers come from the file");
  assert.equal(await page.isDisabled("#import-resume"), true);

  // Every text the screen readers' live region for the import takes, from now on.
  await page.evaluate(() => {
    window.announced = [];
    const live = document.getElementById("import-announce");
    new MutationObserver(() => window.announced.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
  });
  assert.equal(await page.getAttribute("#import-progress-text", "role"), null, "the per-record text is no live region");
  assert.equal(await page.getAttribute("#import-announce", "role"), "status");

  // Start, then pause part-way.
  await page.click("#import-start");
  await page.waitForFunction(() => document.getElementById("import-progress").value >= 4);
  assert.match(await page.textContent("#import-progress-text"), /^\d+ of 14 records: .*; about \d+ s left$/, "an ETA while running");
  await page.click("#import-pause");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/), /^paused: Resume continues roster\.csv/);
  assert.doesNotMatch(await page.textContent("#import-progress-text"), /left/, "paused: no ETA");
  const pausedAt = await page.$eval("#import-progress", (p) => p.value);
  assert.ok(pausedAt >= 4 && pausedAt < 14, `paused part-way (${pausedAt} of 14)`);
  // Screen readers heard each tenth once, not every record's text with its ETA.
  const announced = await page.evaluate(() => window.announced.filter((x) => x !== ""));
  const tenths = announced.map((x) => Number(/^import (\d+)% done: \d+ of 14 records: \d+ created, \d+ updated, \d+ failed$/.exec(x)?.[1]));
  assert.ok(tenths.length >= 2 && tenths.every((p, i) => p % 10 === 0 && (i === 0 || p > tenths[i - 1])), announced.join(" | "));
  assert.ok(tenths.at(-1) <= Math.floor((pausedAt * 10) / 14) * 10, announced.join(" | "));
  const sentBeforePause = posts(sim);
  assert.ok(sentBeforePause < 13);
  // Kept per API: under the connected base URL.
  const resumes = JSON.parse(await page.evaluate((k) => localStorage.getItem(k), `vomo-admin:import:resume:${sim.url}`));
  assert.equal(Object.keys(resumes).length, 1);
  const [[resumeKey, resume]] = Object.entries(resumes);
  assert.deepEqual(resume, { fileName: "roster.csv", state: "paused" });
  assert.match(resumeKey, /^roster\.csv:[0-9a-f]{24}$/);
  assert.ok((await page.evaluate(() => Object.keys(localStorage))).some((k) => k.startsWith(`vomo-admin:import-progress:${sim.url}|`)),
    "the import's progress is saved in localStorage");
  await screenshot(page, "import-paused", "#import");

  // A reload forgets the token (memory only) but not the paused import. The file picked before
  // connecting (its saved state is per API: none known yet), then connecting: the summary
  // finds the paused import then.
  await page.reload();
  await waitText(page, "#app-status", /^ready/);
  await page.setInputFiles("#csv-file", file);
  assert.doesNotMatch(await waitText(page, "#import-summary", /^roster\.csv/), /paused/);
  await connect(page, { rps: 4 });
  assert.match(await waitText(page, "#import-summary", /paused import/), /^roster\.csv: .*A paused import of this file was found: Resume continues it\.$/);
  await page.setInputFiles("#csv-file", file);
  assert.match(await waitText(page, "#import-summary", /^roster\.csv/), /A paused import of this file was found: Resume continues it\.$/);
  assert.equal(await page.isDisabled("#import-start"), true);
  await page.click("#import-resume");
  const finished = await waitText(page, "#import-summary", /^(paused|stopped|import of)/);

  // Every valid record exists once; the invalid ones were never sent; at most one record (in
  // flight at the pause) was sent twice, and then came back as an update.
  const users = sim.listAll();
  for (const v of VALID) assert.equal(users.filter((u) => u.email === v.email).length, 1, v.email);
  assert.equal(users.some((u) => u.email === "cy@roster.example"), false);
  const sent = posts(sim);
  assert.ok(sent === 12 || sent === 13, `${sent} POSTs for 12 valid records`);
  const updated = sent - 12;
  assert.equal(finished, `import of roster.csv finished: ${12 - updated} created, ${updated} updated, 2 failed, 0 email changes to review`);
  assert.equal(await page.$eval("#import-progress", (p) => [p.value, p.max].join("/")), "14/14");
  const results = await page.$$eval("#import-results tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(results.filter((r) => r[0] === "created" || r[0] === "updated").length, 12);
  const failed = results.filter((r) => r[0] === "failed");
  assert.deepEqual(failed.map((r) => r.slice(1, 4)), [["8", "crm-bad", "not-an-email"], ["16", "crm-role", "cy@roster.example"]]);
  for (const r of failed) assert.match(r[4], /^\[invalid_input\] /);
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), `vomo-admin:import:resume:${sim.url}`), null, "finished: no longer listed as unfinished");

  // The failed rows (and the CSV line error) as a CSV download.
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#import-download")]);
  assert.equal(download.suggestedFilename(), "failed-rows.csv");
  const downloaded = await readFile(await download.path(), "utf8");
  const lines = downloaded.trim().split("\r\n");
  assert.equal(lines.length, 4);
  assert.match(lines[0], /^line,externalId,firstName,lastName,email,/);
  assert.match(lines[1], /^8,crm-bad,Bo,Berg,not-an-email,.*,invalid_input,/);
  // The CSV line error keeps what the row held; cells a spreadsheet would run as formulas
  // (CSV injection) are guarded by an apostrophe, which parseRosterCsv drops again.
  assert.match(lines[2], /^9,crm-short,'=Only,'\+Three,.*,csv,/, "the CSV line error keeps what the row held, guarded");
  const back = parseRosterCsv(downloaded).errors.find((e) => e.record.externalId === "crm-short");
  assert.deepEqual([back.record.firstName, back.record.lastName], ["=Only", "+Three"], "read back as the roster held them");
  assert.match(lines[3], /^16,crm-role,Cy,Dee,cy@roster\.example,.*CAPTAIN.*,invalid_input,/);
  await screenshot(page, "import-done", "#import");

  // Picking the finished file again: a rerun sends nothing.
  await page.setInputFiles("#csv-file", file);
  assert.match(await waitText(page, "#import-summary", /^roster\.csv/), /imported already/);
  await page.click("#import-start");
  await waitText(page, "#import-summary", /^import of/);
  assert.equal(posts(sim), sent, "a finished import sends nothing again");
  await assertClean(admin);
});

test("admin import: a roster saved as Windows-1252 is refused by line, nothing previewed or sent; its UTF-8 copy imports the names as written", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 5 } });
  const { page, sim } = admin;
  await connect(page, { rps: 20 });
  sim.clearLog();
  const text = "First Name;Last Name;Email\r\nAna;Lima;ana@roster.example\r\nJosé;Ruiz;jose@roster.example\r\n";
  await page.setInputFiles("#csv-file", { name: "excel.csv", mimeType: "text/csv", buffer: Buffer.from(text, "latin1") });
  assert.match(await waitText(page, "#import-summary", /^excel\.csv/),
    /^excel\.csv: .*roster CSV: line 3 is not UTF-8 text \(byte 0xE9 after "Jos"\).*CSV UTF-8/);
  assert.equal(await page.isHidden("#import-preview"), true);
  assert.equal(await page.isDisabled("#import-start"), true);

  await page.setInputFiles("#csv-file", { name: "utf8.csv", mimeType: "text/csv", buffer: Buffer.from(text, "utf8") });
  assert.match(await waitText(page, "#import-summary", /^utf8\.csv/), /^utf8\.csv: 2 records to import, 0 lines with errors/);
  await page.click("#import-start");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/), /^import of utf8\.csv finished: 2 created/);
  assert.deepEqual(sim.listAll().filter((u) => u.email.endsWith("@roster.example")).map((u) => u.first_name ?? u.firstName).sort(), ["Ana", "José"]);
  assert.equal(posts(sim), 2);
  await assertClean(admin);
});

/**
 * A roster of `n` rows (`name`, `tag` in its emails) started in the admin's tab at 4 requests a
 * second, then picked in a second tab of the same page (same localStorage) while it runs.
 * Returns the file and the second tab, whose summary is then the file's description.
 */
async function pickedWhileImporting({ page, site, context }, name, n, tag) {
  const rows = Array.from({ length: n }, (_, i) => `crm-${i},Vol${i},Teer,vol${i}@${tag}.example`);
  const file = { name, mimeType: "text/csv", buffer: Buffer.from(["External ID,First Name,Last Name,Email", ...rows].join("\r\n") + "\r\n") };
  await connect(page, { rps: 4 });
  await page.setInputFiles("#csv-file", file);
  await waitText(page, "#import-summary", new RegExp(`^${name.replace(".", "\\.")}`));
  await page.click("#import-start");
  await page.waitForFunction(() => document.getElementById("import-progress").value >= 2);
  const other = await context.newPage();
  await other.goto(site.url);
  await waitText(other, "#app-status", /^ready/);
  await connect(other, { rps: 4 });
  await other.setInputFiles("#csv-file", file);
  return { file, other };
}

test("admin import: a second tab resuming or forgetting the file while the first imports it is refused (Web Lock); a reload mid-run gives the key back, so the same file resumes at once", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 5 } });
  const { page, sim } = admin;
  sim.clearLog();
  // Another tab of the same page (same localStorage) picks the same file while it runs.
  const { file: big, other } = await pickedWhileImporting(admin, "tabs.csv", 60, "tabs");
  // Not said to be paused: it runs in the first tab.
  assert.match(await waitText(other, "#import-summary", /^tabs\.csv/),
    /An import of this file is under way in another tab, or was cut off: Resume continues it once no tab imports it\.$/);
  await other.click("#import-resume");
  assert.equal(await waitText(other, "#import-summary", /^(paused|stopped|import of|another tab)/),
    "another tab of this page is importing tabs.csv: follow it there");
  // Nor may it forget the progress the running import writes (it would write part of it back).
  await other.click("#import-forget");
  assert.equal(await waitText(other, "#import-summary", /before forgetting|forgotten/),
    "another tab of this page is importing tabs.csv: pause it there before forgetting its progress");
  assert.ok(await page.$eval("#import-progress", (p) => p.value) < 60, "the first tab was still importing");
  await other.close(); // its pagehide must leave the first tab's lease alone
  await page.waitForFunction(() => document.getElementById("import-progress").value >= 8);

  // A reload while the import runs (no pause): the key is free at once.
  await page.reload();
  await waitText(page, "#app-status", /^ready/);
  await connect(page, { rps: 50 });
  await page.setInputFiles("#csv-file", big);
  await waitText(page, "#import-summary", /^tabs\.csv/);
  await page.click("#import-resume");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/), /^import of tabs\.csv finished: /);
  const users = sim.listAll();
  for (let i = 0; i < 60; i++) assert.equal(users.filter((u) => u.email === `vol${i}@tabs.example`).length, 1, `vol${i}`);
  // The reload stopped the run, which saved its progress: at most the record in flight went twice.
  const sent = posts(sim);
  assert.ok(sent === 60 || sent === 61, `${sent} POSTs for 60 records`);
  await assertClean(admin);
});

test("admin import: a second tab's summary of the file follows the first tab's import: under way, then paused there", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 9 } });
  const { page } = admin;
  const { other } = await pickedWhileImporting(admin, "follow.csv", 30, "follow");
  assert.match(await waitText(other, "#import-summary", /^follow\.csv/), /under way in another tab/);
  await page.click("#import-pause");
  await waitText(page, "#import-summary", /^paused/);
  assert.match(await waitText(other, "#import-summary", /paused import/), /A paused import of this file was found: Resume continues it\.$/,
    "the other tab's summary followed the pause (a storage event), without a new pick");
  assert.equal(await other.isDisabled("#import-resume"), false);
  await other.close();
  await assertClean(admin);
});

test("admin import: one import at a time (no other file picked while one runs), and nothing to start, forget or resume without a connection", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 10, seed: 5 } });
  const { page, sim } = admin;
  // A file picked before connecting: it previews, but cannot be started or forgotten.
  await page.setInputFiles("#csv-file", file);
  await waitText(page, "#import-summary", /^roster\.csv: 14 records/);
  const disabled = () => page.$$eval("#import-start, #import-forget, #import-resume, #poll-forget", (bs) => Object.fromEntries(bs.map((b) => [b.id, b.disabled])));
  const none = { "import-start": true, "import-forget": true, "import-resume": true, "poll-forget": true };
  assert.deepEqual(await disabled(), none, "Start, Forget, Resume and Forget poll state need a connection");
  await connect(page, { rps: 4 });
  assert.equal(await page.isDisabled("#import-start"), false);
  assert.equal(await page.isDisabled("#poll-forget"), false);

  await page.click("#import-start");
  await page.waitForFunction(() => document.getElementById("import-progress").value >= 2);
  assert.equal(await page.isDisabled("#csv-file"), true, "no second file while one imports");
  assert.equal(await page.isDisabled("#import-start"), true);
  assert.equal(await page.isDisabled("#import-forget"), true);
  await page.click("#import-pause");
  await waitText(page, "#import-summary", /^paused/);
  assert.equal(await page.isDisabled("#csv-file"), false, "a file can be picked again once it stopped");
  assert.equal(await page.isDisabled("#import-resume"), false);

  // Disconnected: the paused import cannot be resumed or forgotten until a connection is back.
  await page.click("#disconnect-button");
  assert.deepEqual(await disabled(), none);
  await page.fill("#token", sim.token); // Disconnect forgot it
  // Forget token while the import runs: paused, and the summary says why (not Pause).
  await connect(page, { rps: 4 });
  const before = await page.$eval("#import-progress", (p) => p.value);
  await page.click("#import-resume");
  await page.waitForFunction((n) => document.getElementById("import-progress").value > n, before);
  await page.click("#disconnect-button");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/),
    /^paused: the connection was closed \(Forget or a new Connect\); Resume continues roster\.csv after the last saved record, once connected$/);
  assert.deepEqual(await disabled(), none);
  await page.fill("#token", sim.token);
  await connect(page, { rps: 50 });
  await page.click("#import-resume");
  await waitText(page, "#import-summary", /^import of roster\.csv finished/);
  assert.ok(posts(sim) <= 14, `each record sent once at most (${posts(sim)} POSTs)`);
  await assertClean(admin);
});

test("admin import: rows that failed with a retryable error are resent by Resume, which the message names (Start is disabled then)", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 6 } });
  const { page, sim } = admin;
  await connect(page, { rps: 50 });
  const three = { name: "three.csv", mimeType: "text/csv", buffer: Buffer.from("First Name,Last Name,Email\r\nAl,One,al@roster.example\r\nBo,Two,bo@roster.example\r\nCy,Three,cy@roster.example\r\n") };
  await page.setInputFiles("#csv-file", three);
  await waitText(page, "#import-summary", /^three\.csv: 3 records/);
  sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 503, times: 5 }); // outlasts the client's 4 retries
  await page.click("#import-start");
  const summary = await waitText(page, "#import-summary", /^import of three\.csv finished/);
  assert.match(summary, /1 failed \(1 retryable: Resume to resend them\)/);
  assert.deepEqual([await page.isDisabled("#import-start"), await page.isDisabled("#import-resume")], [true, false], "the message names the button that works");
  assert.equal(await page.textContent("#import-progress-text"), "3 of 3 records: 2 created, 0 updated, 1 failed");
  // Every text the summary takes from now on: the Resume's counts start at 2 of 3, and it says why.
  await page.evaluate(() => {
    window.summaries = [];
    const s = document.getElementById("import-summary");
    new MutationObserver(() => window.summaries.push(s.textContent)).observe(s, { childList: true, characterData: true, subtree: true });
  });
  await page.click("#import-resume");
  assert.match(await waitText(page, "#import-summary", /^import of three\.csv finished: 3 created/), /3 created, 0 updated, 0 failed/);
  assert.ok((await page.evaluate(() => window.summaries)).includes("importing three.csv… (1 record that failed with a retryable error sent again)"),
    (await page.evaluate(() => window.summaries)).join(" | "));
  await assertClean(admin, { httpErrors: [503] });
});

test("admin import: two paused imports each keep their Resume: a file imported after one was paused does not take its prompt; an entry of an earlier version is read", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 6 } });
  const { page, sim } = admin;
  await connect(page, { rps: 4 });
  sim.clearLog();
  const roster = (name, n) => ({ name, mimeType: "text/csv", buffer: Buffer.from(["First Name,Last Name,Email",
    ...Array.from({ length: n }, (_, i) => `P${i},${name},${name.replace(".csv", "")}${i}@roster.example`)].join("\r\n") + "\r\n") });
  const a = roster("a.csv", 12);
  const b = roster("b.csv", 3);
  await page.setInputFiles("#csv-file", a);
  await waitText(page, "#import-summary", /^a\.csv: 12 records/);
  await page.click("#import-start");
  await page.waitForFunction(() => document.getElementById("import-progress").value >= 3);
  await page.click("#import-pause");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/), /^paused: Resume continues a\.csv/);
  const sentA = posts(sim);
  // Connected to another API (the same simulator by another name is another API to the page):
  // its summary of the file is that API's, with nothing paused to resume there; back again, the
  // paused import is found.
  const baseUrl = await page.inputValue("#base-url");
  await page.fill("#base-url", baseUrl.replace("127.0.0.1", "localhost"));
  assert.match(await connect(page), /^connected to http:\/\/localhost:/);
  assert.equal(await waitText(page, "#import-summary", /^a\.csv/), "a.csv: 12 records to import, 0 lines with errors");
  assert.deepEqual([await page.isDisabled("#import-start"), await page.isDisabled("#import-resume")], [false, true]);
  await page.fill("#base-url", baseUrl);
  assert.match(await connect(page), /^connected to http:\/\/127\.0\.0\.1:/);
  assert.match(await waitText(page, "#import-summary", /^a\.csv/), /A paused import of this file was found: Resume continues it\.$/);
  assert.deepEqual([await page.isDisabled("#import-start"), await page.isDisabled("#import-resume")], [true, false]);
  // Another file, imported to the end meanwhile.
  await page.setInputFiles("#csv-file", b);
  await waitText(page, "#import-summary", /^b\.csv: 3 records/);
  await page.click("#import-start");
  assert.match(await waitText(page, "#import-summary", /^import of b\.csv finished/), /3 created/);
  // The first one's prompt is still there, and its Resume sends only what it had not settled.
  await page.setInputFiles("#csv-file", a);
  assert.match(await waitText(page, "#import-summary", /^a\.csv/), /A paused import of this file was found: Resume continues it\.$/);
  assert.deepEqual([await page.isDisabled("#import-start"), await page.isDisabled("#import-resume")], [true, false]);
  const before = posts(sim);
  await page.click("#import-resume");
  const done = await waitText(page, "#import-summary", /^import of a\.csv finished/);
  const resent = posts(sim) - before;
  assert.ok(resent <= 12 - sentA + 1 && resent >= 12 - sentA, `${resent} sent on resume after ${sentA}`);
  assert.match(done, /0 failed/);
  assert.equal(sim.listAll().filter((u) => u.email.endsWith("@roster.example")).length, 15, "each person once");
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), `vomo-admin:import:resume:${sim.url}`), null, "both finished");

  // What an earlier version of the page kept: one { key, fileName, state } for the API.
  const c = roster("c.csv", 2);
  await page.setInputFiles("#csv-file", c);
  await waitText(page, "#import-summary", /^c\.csv: 2 records/);
  const key = await page.evaluate(async (bytes) => {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(bytes)));
    return `c.csv:${[...digest.slice(0, 12)].map((x) => x.toString(16).padStart(2, "0")).join("")}`;
  }, c.buffer.toString());
  await page.evaluate(([k, v]) => localStorage.setItem(k, v), [`vomo-admin:import:resume:${sim.url}`, JSON.stringify({ key, fileName: "c.csv", state: "paused" })]);
  await page.setInputFiles("#csv-file", c);
  assert.match(await waitText(page, "#import-summary", /^c\.csv/), /A paused import of this file was found/);
  await assertClean(admin);
});

test("admin import: the progress of finished imports is kept for the last 3 per API, older ones removed (localStorage is ~5 MB an origin)", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 5, seed: 6 } });
  const { page } = admin;
  await connect(page, { rps: 200 });
  // Progress, not a released lease (a few bytes, left as importRoster.forget leaves it).
  const stored = () => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("vomo-admin:import-progress:") && !k.endsWith("/lease")).join("\n"));
  const names = [];
  for (let n = 1; n <= 5; n++) {
    const name = `nightly-${n}.csv`;
    names.push(name);
    const csv = `External ID,First Name,Last Name,Email\r\ncrm-${n},Night${n},Run,night${n}@roster.example\r\n`;
    await page.setInputFiles("#csv-file", { name, mimeType: "text/csv", buffer: Buffer.from(csv) });
    await waitText(page, "#import-summary", new RegExp(`^${name.replace(".", "\\.")}: 1 record `));
    await page.click("#import-start");
    await waitText(page, "#import-summary", /^import of .* finished/);
  }
  const keys = await stored();
  for (const name of names.slice(0, 2)) assert.ok(!keys.includes(`/import/${name}:`), `${name}'s progress removed:\n${keys}`);
  for (const name of names.slice(2)) assert.ok(keys.includes(`/import/${name}:`), `${name}'s progress kept:\n${keys}`);
  // The newest, picked again, still lists its results without sending.
  await page.setInputFiles("#csv-file", { name: names[4], mimeType: "text/csv", buffer: Buffer.from(`External ID,First Name,Last Name,Email\r\ncrm-5,Night5,Run,night5@roster.example\r\n`) });
  assert.match(await waitText(page, "#import-summary", / records? to import/), /imported already/);
  await assertClean(admin);
});

test("admin import: a 50,000-row roster previews its first 500 rows and says how many more; the results of a 600-row import list failures first, 500 rows at most", async (t) => {
  const admin = await openAdmin(t, { sim: { users: 0 } });
  const { page, sim } = admin;
  await connect(page, { rps: 300 });
  const csv = (n) => ["External ID,First Name,Last Name,Email",
    ...Array.from({ length: n }, (_, i) => `crm-${i},Vol${i},Teer,${i === 3 ? "not-an-email" : `vol${i}@big.example`}`)].join("\r\n") + "\r\n";
  await page.setInputFiles("#csv-file", { name: "huge.csv", mimeType: "text/csv", buffer: Buffer.from(csv(50_000)) });
  assert.match(await waitText(page, "#import-summary", /^huge\.csv/), /^huge\.csv: 50000 records to import, 0 lines with errors/);
  const rows = await page.$$eval("#import-preview tbody tr", (trs) => trs.map((tr) => tr.textContent));
  assert.equal(rows.length, 501);
  assert.equal(rows.at(-1), "… and 49500 more records (all of them are imported)");

  sim.clearLog();
  await page.setInputFiles("#csv-file", { name: "six-hundred.csv", mimeType: "text/csv", buffer: Buffer.from(csv(600)) });
  await waitText(page, "#import-summary", /^six-hundred\.csv/);
  await page.click("#import-start");
  assert.match(await waitText(page, "#import-summary", /^(paused|stopped|import of)/), /^import of six-hundred\.csv finished: 599 created, 0 updated, 1 failed/);
  const results = await page.$$eval("#import-results tbody tr", (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));
  assert.equal(results.length, 501);
  assert.deepEqual(results[0].slice(0, 4), ["failed", "5", "crm-3", "not-an-email"], "the failure first");
  assert.deepEqual(results[1].slice(0, 4), ["created", "2", "crm-0", "vol0@big.example"]);
  assert.equal(results.at(-1)[0], "… and 100 more results (the failed rows are all in the download)");
  await assertClean(admin);
});
