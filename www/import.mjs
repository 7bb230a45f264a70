// Import: pick a CSV, preview it with parseRosterCsv (per-line errors), run importRoster with
// a progress bar and ETA, pause (AbortSignal) and resume (same key: only unsettled records
// are sent again), a results table and the failed rows as a CSV download.
//
// What survives a reload: each unfinished import's key (and its file name, for the message)
// in localStorage under RESUME, and the import's own saved progress in a LocalStorageStore.
// The key is derived from the file's name and a SHA-256 of its content, so picking the same
// file again (after a reload too) finds its paused import, and an edited file is a new import.
import { importRoster, parseRosterCsv, toRosterCsv } from "vomo-users";
import { $, el, cell, row, errorText, say, duration, count } from "./ui.mjs";
import { requireClient, currentClient, onClient, apiScope, work, SESSION_ENDED } from "./session.mjs";
import { inOneTab, ANOTHER_TAB } from "./one-tab.mjs";
import { progressStore, forgetImport, finishedList, finished, storageFull, fullStorageAdvice, roomFor } from "./saved-imports.mjs";

// Per API (see apiScope): the unfinished imports, `{ [key]: { fileName, state } }` with state
// "running" or "paused" (their progress and lease: saved-imports.mjs). A finished one leaves
// this list (saved-imports.mjs lists those whose results are kept).
const RESUME = "vomo-admin:import:resume";
const resumeKey = (scope = apiScope()) => `${RESUME}:${scope}`;
const COLUMNS = ["externalId", "firstName", "lastName", "email", "phone", "birthday", "gender", "role", "address", "org", "inviteCode"];

function readResumes(scope = apiScope()) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(resumeKey(scope))); } catch { /* unreadable: none */ }
  // One `{ key, fileName, state }`, as earlier versions kept (the last file imported only).
  if (typeof saved?.key === "string") return saved.state === "done" ? {} : { [saved.key]: { fileName: saved.fileName, state: saved.state } };
  return saved && typeof saved === "object" && !Array.isArray(saved) ? saved : {};
}
/** The unfinished import of `key` under the connected API: `{ fileName, state }`, or null. */
const readResume = (key) => readResumes()[key] ?? null;
/** Records the state of import `key` under the API it runs against (`scope`, taken at its
 *  start); `null`: it is finished (or forgotten), and leaves the list. */
function writeResume(key, entry, scope) {
  const all = readResumes(scope);
  if (entry) all[key] = entry;
  else delete all[key];
  if (Object.keys(all).length) localStorage.setItem(resumeKey(scope), JSON.stringify(all));
  else localStorage.removeItem(resumeKey(scope));
}

const fieldList = (fields) => Object.entries(fields).map(([f, m]) => `${f}: ${m.join(" ")}`).join("; ");

let current = null;        // { key, fileName, parsed }
let controller = null;     // the running import's AbortController
let starting = false;      // Start or Resume clicked, the tab's Web Lock not yet granted
let downloadUrl = null;

/** The controls for the state now: one import at a time (no other file picked, started or
 *  forgotten while one runs), and nothing to start or forget without a connection (the saved
 *  progress is kept per API). */
function setButtons() {
  const running = controller !== null || starting;
  const connected = currentClient() !== null;
  const paused = connected && !!current && readResume(current.key) !== null;
  $("csv-file").disabled = running;
  $("import-start").disabled = running || !connected || !current || paused || current.parsed.records.length === 0;
  $("import-resume").disabled = running || !paused;
  $("import-pause").disabled = !running;
  $("import-forget").disabled = running || !connected || !current;
}

/** Rows a table shows at most: a roster of 50,000 rows drawn whole froze the page for seconds. */
const SHOWN_ROWS = 500;

/** The first SHOWN_ROWS of `items` in `table`'s body (`toRow` makes a row of one), and a last
 *  row saying how many more there are. */
function fillTable(table, items, toRow, columns, more) {
  const shown = items.slice(0, SHOWN_ROWS).map(toRow);
  if (items.length > SHOWN_ROWS) {
    shown.push(el("tr", { className: "more" }, el("td", { colSpan: columns }, `… and ${items.length - SHOWN_ROWS} more ${more}`)));
  }
  table.tBodies[0].replaceChildren(...shown);
  table.hidden = false;
}

function preview(parsed) {
  const errors = parsed.errors.slice(0, SHOWN_ROWS).map((e) => el("li", {}, `line ${e.line}: ${e.message}`));
  if (parsed.errors.length > SHOWN_ROWS) errors.push(el("li", {}, `… and ${parsed.errors.length - SHOWN_ROWS} more lines with errors`));
  $("import-line-errors").replaceChildren(...errors);
  fillTable($("import-preview"), parsed.records, (r) => row([r.line, r.externalId ?? null, r.firstName ?? null,
    r.lastName ?? null, r.email ?? null, r.role ?? null]), 6, "records (all of them are imported)");
}

let lastProgress = null;    // the running (or last) import's latest progress
let resendable = null;      // { key, scope, count }: the last finished run's retryable failures, which a Resume sends again
let announced = null;       // the tenth of the import last announced to screen readers

function showProgress(p, { stopped = false } = {}) {
  const { done, total, created, updated, failed, etaMs } = (lastProgress = p);
  const bar = $("import-progress");
  bar.max = Math.max(total, 1);
  bar.value = done;
  const text = `${done} of ${total} records: ${created} created, ${updated} updated, ${failed} failed`;
  say($("import-progress-text"), text + (done < total && !stopped ? `; about ${duration(etaMs)} left` : ""));
  // The text above changes with every record (several times a second): as a live region it
  // would queue an announcement each time. Screen readers hear each tenth instead; the
  // summary line (a live region too) says how the import ended.
  const tenth = total ? Math.floor((done * 10) / total) : 10;
  if (tenth !== announced) {
    announced = tenth;
    say($("import-announce"), `import ${tenth * 10}% done: ${text}`);
  }
}

function showResults(result, records, lineErrors) {
  // A failure or changed email names its record's position (two rows can share an id or email);
  // a created or updated user is found by its External ID or email.
  // Looked up in maps made once: a search of the roster per result row took seconds at 50,000.
  const byId = new Map();
  const byEmail = new Map();
  for (const r of records) {
    if (r.externalId != null && !byId.has(r.externalId)) byId.set(r.externalId, r);
    const email = (r.email ?? "").trim().toLowerCase();
    if (!byEmail.has(email)) byEmail.set(email, r);
  }
  const lineOf = (x) => (x.index != null ? records[x.index]
    : (x.externalId != null ? byId.get(x.externalId) : undefined) ?? byEmail.get(x.email.trim().toLowerCase()))?.line ?? null;
  // Failures first: they are what needs a look.
  const items = [
    ...result.failed.map((x) => () => el("tr", { className: "failed" }, cell("failed"), cell(lineOf(x)), cell(x.externalId), cell(x.email),
      el("td", { className: "error" }, errorText(x.error) + (x.error.kind === "validation" && x.fields ? ` (${fieldList(x.fields)})` : "")))),
    ...result.emailChanged.map((x) => () => row(["email changed (not sent; review)", lineOf({ ...x, email: x.newEmail }), x.externalId,
      `${x.oldEmail} -> ${x.newEmail}`, `#${x.vomoUserId}`])),
    ...result.created.map((x) => () => row(["created", lineOf(x), x.externalId, x.email, `#${x.user.id}`])),
    // "updated?": an update that may be this import's own create, whose answer was lost.
    ...result.updated.map((x) => () => row([x.uncertain ? "updated?" : "updated", lineOf(x), x.externalId, x.email, `#${x.user.id}`])),
  ];
  fillTable($("import-results"), items, (make) => make(), 5, "results (the failed rows are all in the download)");

  const failedRows = [
    ...result.failed.map((x) => {
      const r = records[x.index] ?? x;
      return [lineOf(x), ...COLUMNS.map((c) => r[c] ?? null), x.error.kind, x.error.message, x.fields ? fieldList(x.fields) : ""];
    }),
    ...lineErrors.map((e) => [e.line, ...COLUMNS.map((c) => e.record?.[c] ?? null), "csv", e.message, ""]),
  ].sort((a, b) => a[0] - b[0]);
  const link = $("import-download");
  if (downloadUrl) URL.revokeObjectURL(downloadUrl);
  downloadUrl = null;
  link.hidden = failedRows.length === 0;
  if (failedRows.length) {
    // The package's toRosterCsv: quoted as needed, formula cells guarded (a spreadsheet would
    // run `=HYPERLINK(...)` in a name), read back by parseRosterCsv as they were.
    const csv = toRosterCsv([["line", ...COLUMNS, "error kind", "error", "field errors"], ...failedRows]);
    downloadUrl = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
    link.href = downloadUrl;
    link.textContent = `Download the ${failedRows.length} failed rows (CSV)`;
  }
}

/** Runs the import of the current file, in one tab at a time (another tab's Resume is refused). */
async function run() {
  if (controller || starting) return; // a double click: the first one runs it
  const { key, fileName, parsed } = current;
  const tooBig = roomFor(parsed.records, key, apiScope());
  if (tooBig) {
    say($("import-summary"), `${fileName} not imported: ${parsed.records.length.toLocaleString("en")} records; ${tooBig}`, true);
    return;
  }
  starting = true;
  setButtons();
  const first = () => { starting = false; return importHere(); };
  try {
    if (await inOneTab(`${resumeKey()}:${key}`, first) === ANOTHER_TAB) {
      say($("import-summary"), `another tab of this page is importing ${fileName}: follow it there`, true);
    }
  } finally {
    starting = false;
    setButtons();
  }
}

async function importHere() {
  const { key, fileName, parsed } = current;
  const summary = $("import-summary");
  const mine = (controller = work());
  lastProgress = null;
  // The API this import runs against, for all it records: a Forget or another Connect while
  // it runs must not file its state under another API.
  const scope = apiScope();
  writeResume(key, { fileName, state: "running" }, scope);
  setButtons();
  // Records that failed with a retryable error are not settled: this run sends them again, so
  // its counts start below the last run's. Said, so that the bar going back is no surprise.
  const again = resendable?.key === key && resendable.scope === scope ? resendable.count : 0;
  resendable = null;
  say(summary, `importing ${fileName}…${again ? ` (${count(again, "record")} that failed with a retryable error sent again)` : ""}`);
  try {
    const result = await importRoster(requireClient(), parsed.records, {
      store: progressStore(scope), key, checkpointEvery: 10, onProgress: (p) => showProgress(p), signal: mine.signal });
    showResults(result, parsed.records, parsed.errors);
    const retryable = result.failed.filter((f) => f.error.retryable).length;
    const unsure = result.updated.filter((u) => u.uncertain).length;
    say(summary, `import of ${fileName} finished: ${result.created.length} created, ${result.updated.length} updated` +
      `${unsure ? ` (${unsure} of them maybe created by this import: sent again after an answer was lost)` : ""}, ` +
      `${result.failed.length} failed${retryable ? ` (${retryable} retryable: Resume to resend them)` : ""}, ` +
      `${result.emailChanged.length} email changes to review`);
    if (retryable) {
      resendable = { key, scope, count: retryable };
      writeResume(key, { fileName, state: "paused" }, scope);
    } else {
      writeResume(key, null, scope);
      await finished(key, scope);
    }
  } catch (e) {
    // The import saved its progress before rejecting: the same key resumes it.
    writeResume(key, { fileName, state: "paused" }, scope);
    if (lastProgress) showProgress(lastProgress, { stopped: true }); // no ETA for a run that stopped
    // Ended by Forget (or a new Connect) rather than Pause: said, or the admin looks for why
    // Resume is disabled (an outside pass).
    const ended = mine.signal.reason?.message === SESSION_ENDED;
    say(summary, e?.kind === "aborted" ? `paused${ended ? `: ${SESSION_ENDED};` : ":"} Resume continues ${fileName} after the last saved record${ended ? ", once connected" : ""}`
      : storageFull(e) ? `stopped: ${await fullStorageAdvice(`Resume continues ${fileName} after the last saved record`)}`
      : `stopped: ${errorText(e)}. Resume continues after the last saved record`, e?.kind !== "aborted");
  } finally {
    controller = null;
    setButtons();
  }
}

/**
 * The import key of a file: its name and content hash (name, size and date without WebCrypto).
 * The hash is of the bytes after a UTF-8 BOM: what earlier versions hashed (the text of
 * file.text(), which drops the BOM, encoded again), so their saved imports still resume.
 */
async function fileKey(file, bytes) {
  if (!globalThis.crypto?.subtle) return `${file.name}:${file.size}:${file.lastModified}`;   // not a secure context
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bom ? bytes.subarray(3) : bytes));
  return `${file.name}:${[...digest.slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** What the summary says of the file picked, against the API connected now (its paused or
 *  finished import of the file, if any); kept in `pickedText` while the summary shows it. */
function describePicked() {
  const { key, fileName, parsed } = current;
  const saved = readResume(key);
  const paused = saved !== null;
  return `${fileName}: ${count(parsed.records.length, "record")} to import, ${count(parsed.errors.length, "line")} with errors` +
    (parsed.ignoredColumns.length ? `, ignored columns: ${parsed.ignoredColumns.join(", ")}` : "") +
    // "running": another tab imports it now, or one was cut off without its pagehide (a crash).
    (saved?.state === "running" ? ". An import of this file is under way in another tab, or was cut off: Resume continues it once no tab imports it."
      : paused ? ". A paused import of this file was found: Resume continues it." : "") +
    // Only while its results are kept (the newest finished imports, unless storage ran full).
    (!paused && finishedList(apiScope()).includes(key)
      ? ". This file was imported already: Start again sends nothing and lists the results." : "");
}
let pickedText = null;

async function pick(file) {
  // Bytes, not file.text(): the package refuses a roster that is not UTF-8 (an Excel
  // "CSV" in Windows-1252) where file.text() would turn its accents into U+FFFD.
  const bytes = new Uint8Array(await file.arrayBuffer());
  const summary = $("import-summary");
  $("import-results").hidden = true;
  $("import-download").hidden = true;
  $("import-progress").value = 0;
  $("import-progress-text").textContent = "";
  $("import-announce").textContent = "";
  announced = null;
  try {
    const parsed = parseRosterCsv(bytes);
    current = { key: await fileKey(file, bytes), fileName: file.name, parsed };
    preview(parsed);
    say(summary, (pickedText = describePicked()));
  } catch (e) {
    current = null;
    $("import-preview").hidden = true;
    $("import-line-errors").replaceChildren(); // the previous file's
    say(summary, `${file.name}: ${errorText(e)}`, true);
  }
  setButtons();
}

export function setupImport() {
  $("csv-file").addEventListener("change", (ev) => {
    const f = ev.target.files[0];
    // Emptied once taken, so that the same file picked again (edited since: "fix the CSV and
    // pick it again") fires `change` and is read anew; the summary names the file.
    ev.target.value = "";
    if (f) pick(f);
  });
  $("import-start").addEventListener("click", run);
  $("import-resume").addEventListener("click", run);
  $("import-pause").addEventListener("click", () => controller?.abort());
  // A tab that goes away mid-import (reload, close, navigation) stops its import, so that the
  // import saves its progress and gives its key back: importRoster holds a lease on the key
  // while it runs (another tab's run of the same file is refused with busy), and a run cut off
  // with its page would hold it for 2 minutes. The abort settles in microtasks, which run
  // before the page goes (the store is synchronous); tested by a reload mid-run in Chromium.
  window.addEventListener("pagehide", () => controller?.abort());
  // Another API (or a first connection after the file was picked): its own paused import of
  // the file, or none. The summary describes the file anew against it, whatever it said of the
  // API before (a run's "paused: Resume continues ..." was about that API's saved import).
  onClient((client) => {
    setButtons();
    const summary = $("import-summary");
    if (current && !controller && (client !== null || (pickedText !== null && summary.textContent === pickedText))) {
      say(summary, (pickedText = describePicked()));
    }
  });
  // Another tab started, paused or finished an import (its entry under this API's resume key
  // changed): the summary of the file picked here, while it shows that description, follows
  // (it kept saying "under way in another tab" after that tab had finished).
  window.addEventListener("storage", (ev) => {
    if (ev.key !== resumeKey() || !current || controller) return;
    const summary = $("import-summary");
    if (pickedText !== null && summary.textContent === pickedText) say(summary, (pickedText = describePicked()));
    setButtons();
  });
  // Forgets under the import's own Web Lock: a run of the file in another tab would otherwise
  // write part of its progress back, and its lease.
  $("import-forget").addEventListener("click", async () => {
    const { key, fileName } = current;
    const scope = apiScope();
    try {
      const done = await inOneTab(`${resumeKey(scope)}:${key}`, async () => {
        await forgetImport(key, scope);
        writeResume(key, null, scope);
      });
      say($("import-summary"), done === ANOTHER_TAB ? `another tab of this page is importing ${fileName}: pause it there before forgetting its progress`
        : `saved progress of ${fileName} forgotten: Start imports it from the beginning`, done === ANOTHER_TAB);
    } catch (e) {
      say($("import-summary"), `saved progress of ${fileName} not forgotten: ${errorText(e)}`, true);
    }
    setButtons();
  });
  setButtons();
}
