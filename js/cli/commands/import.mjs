// vomo-users import <roster.csv>: the package's parseRosterCsv and resumable importRoster, with
// progress saved in the state directory under a key, Ctrl-C as an abort (progress is saved,
// a rerun with the same key resumes) and the failed rows written next to the roster.
import { readFile, writeFile, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { importRoster, parseRosterCsv, toRosterCsv } from "vomo-users";
import { InputError, UsageError } from "../values.mjs";
import { checkStateDir, defaultStateDir, firstPage, importMapping, importStore } from "../state.mjs";
import { interruptSignal } from "../interrupt.mjs";
import { Progress } from "../progress.mjs";
import { LOCK_TIMEOUT_OPTION, lockTimeoutMs, whileBusy } from "../lock-wait.mjs";
import { namedArg, shown, storeFailed } from "../format.mjs";

const CHECKPOINT_EVERY = 10;
const SHOWN_FAILURES = 20;
const SHOWN_NOTES = 10;
const COLUMNS = [["External ID", "externalId"], ["First Name", "firstName"], ["Last Name", "lastName"],
  ["Email", "email"], ["Phone", "phone"], ["Birthday", "birthday"], ["Gender", "gender"], ["Role", "role"],
  ["Address", "address"], ["Org", "org"], ["Invite Code", "inviteCode"]];

/** roster.csv -> roster.failed.csv, next to it. */
export const failedPathOf = (file) => beside(file, "failed");

/**
 * roster.csv -> roster.email-changes.csv: the rows held back for a changed email, apart from
 * the failed ones, so that importing it with --accept-email-changes sends those rows alone.
 * The advice was to import the failed file so, which sent its unusable and repeated rows too,
 * unfixed (a row of too many cells read by position, a repeat of an email that overwrote the
 * first row's user): an outside pass.
 */
export const emailChangesPathOf = (file) => beside(file, "email-changes");

const beside = (file, what) => join(dirname(file), `${basename(file).replace(/\.csv$/i, "")}.${what}.csv`);

/**
 * Writes `csv` (the `what`, or null: none) to `path` beside the roster, or removes an old list
 * when there are none. The rows were sent: where the list cannot be written (a roster on a
 * read-only share), a warning says so and the rows go to stderr, not a lost summary. A roster
 * that is no file (/dev/stdin, a process substitution's /dev/fd/63) gets no list beside it
 * (that would be a file in /dev, or a failed write): its rows go to stderr too. The path
 * written, or null.
 */
async function keepRows(out, file, path, csv, what) {
  const fromFile = file !== "-" && await stat(file).then((s) => s.isFile(), () => false);
  let why = "the roster was read from a pipe or a device, not a file";
  if (fromFile) {
    try {
      if (csv) await writeFile(path, csv);
      else await rm(path, { force: true }); // a rerun that fixed everything leaves no stale list
      return csv ? path : null;
    } catch (e) {
      why = e?.code ?? e?.message;
    }
  }
  if (csv) {
    out.err(`vomo-users: warning: cannot write ${path} (${why}); the ${what} follow here:`);
    out.err(csv.trimEnd());
  } else if (fromFile) {
    out.err(`vomo-users: warning: cannot remove the old ${path} (${why})`);
  }
  return null;
}

/** The default key: the file's name and a hash of its content (the same file resumes; an edited one is a new import). */
// The digest of the bytes equals that of the UTF-8 text they hold (keys of earlier versions hold).
const defaultKey = (file, bytes) => `${file === "-" ? "stdin" : basename(file)}-${createHash("sha256").update(bytes).digest("hex").slice(0, 12)}`;

/** Every failure as { line, kind, message, record }: unusable rows, failed upserts, changed emails. */
function failures(records, errors, result) {
  // By the record's position in `records` (two rows may share an External ID or an email).
  const take = (index) => records[index] ?? null;
  const list = errors.map((e) => ({ line: e.line, kind: "invalid_row", message: e.message, record: e.record ?? null }));
  for (const f of result.failed) {
    const record = take(f.index);
    const fields = f.fields && f.error.kind === "validation" ? ` (${Object.entries(f.fields).map(([k, v]) => `${k}: ${[].concat(v).join("; ")}`).join(", ")})` : "";
    list.push({ line: record?.line ?? null, kind: f.error.kind, retryable: f.error.retryable, message: `${f.error.message}${fields}`,
      record: record ?? { externalId: f.externalId, email: f.email } });
  }
  for (const c of result.emailChanged) {
    const record = take(c.index);
    list.push({ line: record?.line ?? null, kind: "email_changed",
      message: `email changed from ${c.oldEmail} to ${c.newEmail} for VOMO user ${c.vomoUserId}; not sent (it would create a duplicate)`,
      record: record ?? { externalId: c.externalId, email: c.newEmail } });
  }
  return list.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

export default {
  name: "import",
  api: true,
  summary: "upsert every row of a roster CSV; resumable, Ctrl-C saves progress",
  synopsis: "import <roster.csv | -> [--key KEY] [--state-dir DIR] [--accept-email-changes] [--lock-timeout DURATION] [--forget]",
  help: `
Upserts every row of a CSV roster (- reads it from stdin), with a header row of First Name,
Last Name, Email, and optionally External ID, Phone, Birthday, Gender, Role, Address, Org,
Invite Code (spreadsheet spellings are recognized). Progress is saved in the state
directory under --key (default: the file name, or stdin, and a hash of its content), every ${CHECKPOINT_EVERY} rows and when the run stops: Ctrl-C
stops cleanly, and running the same command again resumes, sending only unsettled rows.
Failed rows (unusable rows, rejected upserts) are written to <roster>.failed.csv next to
the roster, with their line and error. A row whose External ID was last synced with another
email is not sent (it would create a second VOMO user): it goes to
<roster>.email-changes.csv; once VOMO has the new email (or it is a new person), import
that file with --accept-email-changes. Progress goes to stderr:
a bar with ETA on a terminal, plain lines otherwise. With --json the last stdout line is the
summary {"created":n,"updated":n,"failed":n,...}. Exit 1 when rows failed with a retryable
error (a rerun retries them), or when the run stopped (progress saved): the token refused,
rate-limited, or the API down (5 rows in a row failed without an answer).

  --key KEY                the import's name in the state directory
  --state-dir DIR          default $XDG_STATE_HOME/vomo-users or ~/.local/state/vomo-users;
                           one per API: another base URL is refused (DIR/api.json)
  --accept-email-changes   send rows whose email changed for their External ID
  --lock-timeout DURATION  while another import of this roster (its key) runs, wait up to
                           DURATION (30s, 5m) for it to end instead of failing with "busy"
  --forget                 remove the saved progress of this roster (its key) and send
                           nothing: the next import sends every row again; refused while
                           an import of it runs`,
  options: { key: { type: "string" }, "state-dir": { type: "string" }, "accept-email-changes": { type: "boolean" },
    ...LOCK_TIMEOUT_OPTION, forget: { type: "boolean" } },
  positionals: [1, 1],
  positionalName: "<roster.csv>",
  check(values, positionals) {
    if (values.key !== undefined && values.key.trim() === "") throw new UsageError("--key: empty", "import");
    if (values.forget && values["accept-email-changes"]) {
      throw new UsageError("import: --forget sends nothing, so --accept-email-changes has no use with it", "import");
    }
    return { file: positionals[0], lockWaitMs: lockTimeoutMs(values) };
  },
  async run({ out, values, env, options, client, quietly, baseUrl }) {
    const { file, lockWaitMs } = options;
    let bytes; // parsed as bytes, so that a roster that is not UTF-8 is refused, not mangled
    try {
      // `-`: the roster on stdin (`... | vomo-users import -`), read as /dev/stdin would be.
      bytes = file === "-" ? Buffer.concat(await process.stdin.toArray()) : await readFile(file);
    } catch (e) {
      throw new InputError(e.code === "ENOENT" ? `import: no such file: ${namedArg(file)}` : `import: cannot read ${namedArg(file)} (${e.code ?? e.message})`);
    }
    const key = values.key ?? defaultKey(file, bytes);
    const stateDir = values["state-dir"] ?? defaultStateDir(env);
    const lock = { timeoutMs: lockWaitMs, out, what: `the import with key ${key} in ${stateDir}` };
    if (values.forget) {
      // No token, nothing sent: the state directory alone. Still of this API only: a stale
      // VOMO_BASE_URL must not wipe the progress of the API the directory belongs to.
      await checkStateDir(stateDir, baseUrl, { bind: false });
      const stop = interruptSignal(out, null);
      let forgot;
      try {
        forgot = await whileBusy(() => importRoster.forget({ store: importStore(stateDir), key }),
          { ...lock, signal: stop.signal });
      } finally {
        stop.dispose();
      }
      out.err(forgot ? `vomo-users: forgot the progress of key ${key} in ${stateDir}: the next import of it sends every row`
        : `vomo-users: no progress under key ${key} in ${stateDir}`);
      if (out.json) out.value({ key, forgotten: forgot });
      return 0;
    }
    const { records, errors, ignoredColumns } = parseRosterCsv(bytes);
    if (ignoredColumns.length) out.err(`note: ignoring columns ${ignoredColumns.join(", ")}`);
    // The first few on stderr, every one in the failed file: a roster of 457 unusable rows
    // printed them all before any progress, on every run (an outside pass).
    for (const e of errors.slice(0, SHOWN_NOTES)) out.err(`note: ${file} line ${e.line}: ${e.message} (skipped)`);
    if (errors.length > SHOWN_NOTES) out.err(`note: ... and ${errors.length - SHOWN_NOTES} more unusable rows (skipped; listed with the failed rows)`);
    const { previousBaseUrl, bindOnAnswer } = await checkStateDir(stateDir, baseUrl);
    const api = await client();
    let unanswered = !!bindOnAnswer; // a directory not bound yet, until the API answered (state.mjs)
    const progress = new Progress(out);
    const stop = interruptSignal(out, null);
    let result;
    let last = null; // this run's latest progress: what a run that stops reports
    try {
      // importRoster takes the roster's lease and, for a roster with External IDs, the state
      // directory's mapping lease (one per import store: imports that share DIR/mapping take
      // turns); either busy is waited for with --lock-timeout. Both are FileStore leases, so a
      // killed run's are taken over at once (its process is gone), not waited out.
      if (bindOnAnswer) {
        await bindOnAnswer(() => quietly(() => firstPage(api, stop.signal)));
        unanswered = false;
      }
      result = await whileBusy(() => importRoster(api, records, {
        store: importStore(stateDir), key, checkpointEvery: CHECKPOINT_EVERY, signal: stop.signal,
        mapping: importMapping(stateDir, records, values["accept-email-changes"] === true),
        onProgress: (p) => { last = p; progress.update(p); }, previousBaseUrl,
      }), { ...lock, signal: stop.signal });
    } catch (e) {
      progress.end();
      // A run that stopped (rather than one refused before it began): its progress is saved.
      // Retryable kinds reach here only from a stop: rate_limited, or an outage (see docs/import.md).
      // A script reading --json gets a last line for every run that does not finish (one refused
      // before it began, `busy` say, too: done 0): why, and how far this run got.
      // How far this run got: the --json line's counts, and the stderr line's below.
      const far = { done: last?.done ?? 0, rows: records.length + errors.length, created: last?.created ?? 0,
        updated: last?.updated ?? 0, failed: last?.failed ?? 0, emailChanged: last?.emailChanged ?? 0 };
      if (out.json && e?.kind) {
        out.value({ stopped: { kind: e.kind, status: e.status ?? null, message: e.message, retryAfterMs: e.retryAfterMs ?? null },
          ...far, key });
      }
      if (["aborted", "auth", "forbidden", "not_found"].includes(e?.kind) || e?.retryable === true
        || /^importRoster: stopped after \d+ records in a row/.test(e?.message ?? "")) {
        // Counted as the progress line counts (the rows it can send), not with the unusable ones.
        const got = last ? ` after ${far.done} of ${records.length} usable rows (${far.created} created, ${far.updated} updated, ${far.failed} failed)`
          : " before any row was done";
        // What to mend first, where running it again as it is would only stop the same way.
        const mend = { auth: "check the token (VOMO_TOKEN or --token-file), then ", forbidden: "give the token the permission, then ",
          not_found: "check --base-url, then " }[e.kind] ?? "";
        const verb = e.kind === "aborted" ? "interrupted" : "stopped";
        // The store itself failed (a full disk): what the last save kept stands, no more.
        const saved = storeFailed(e) ? "the progress of its last save is kept" : "progress saved";
        out.err(unanswered
          ? `vomo-users: ${verb} before any row was sent: the first request to ${baseUrl} did not succeed; nothing was saved, `
            + `and ${stateDir} stays bound to no API; ${mend}run the same command again`
          : `vomo-users: ${verb}${got}: ${saved} under key ${key} in ${stateDir}; ${mend}run the same command again to resume`);
        // Written only by a run that finishes: one left from an earlier run is not this run's list.
        for (const earlier of [failedPathOf(file), emailChangesPathOf(file)].filter((p) => existsSync(p))) {
          out.err(`vomo-users: note: ${earlier} is from an earlier run, not this one; the run that finishes rewrites it`);
        }
        // Interrupted: that line says all of it. The abort's own message would name whichever
        // step was under way ("mapping.set: aborted (not waited for)"), which is no news.
        if (e.kind === "aborted") return 1;
      }
      throw e;
    } finally {
      stop.dispose();
    }
    progress.end();

    const listed = failures(records, errors, result);
    const failed = listed.filter((f) => f.kind !== "email_changed");
    const changed = listed.filter((f) => f.kind === "email_changed");
    // Written by the package's toRosterCsv: quoted as needed, formula cells guarded, read back
    // by parseRosterCsv as they were.
    const csvOf = (rows) => (rows.length ? toRosterCsv([["Line", "Error", "Message", ...COLUMNS.map(([h]) => h)],
      ...rows.map((f) => [f.line, f.kind, f.message, ...COLUMNS.map(([, k]) => f.record?.[k])])]) : null);
    const failedFile = await keepRows(out, file, failedPathOf(file), csvOf(failed), "failed rows");
    const emailChangesFile = await keepRows(out, file, emailChangesPathOf(file), csvOf(changed), "rows held back for a changed email");
    const retryable = result.failed.filter((f) => f.error.retryable).length;
    const summary = { created: result.created.length, updated: result.updated.length,
      uncertain: result.updated.filter((u) => u.uncertain).length, failed: result.failed.length,
      emailChanged: result.emailChanged.length, invalidRows: errors.length, retryable, rows: records.length + errors.length,
      key, failedFile, emailChangesFile };
    if (out.json) {
      out.value(summary);
    } else {
      const c = out.color;
      for (const f of listed.slice(0, SHOWN_FAILURES)) {
        out.line(`${f.kind === "email_changed" ? c.yellow("held  ") : c.red("failed")} line ${f.line ?? "?"}${f.record?.email ? ` <${shown(f.record.email)}>` : ""}: ${f.kind}: ${shown(f.message)}`);
      }
      if (listed.length > SHOWN_FAILURES) out.line(`... and ${listed.length - SHOWN_FAILURES} more`);
      const unsure = summary.uncertain ? ` (${summary.uncertain} maybe created by this import: sent again after an answer was lost)` : "";
      out.line(`imported ${file} (key ${key}): ${c.green(`${summary.created} created`)}, ${summary.updated} updated${unsure}, `
        + `${summary.failed ? c.red(`${summary.failed} failed`) : "0 failed"}, ${summary.emailChanged} email changes, ${summary.invalidRows} unusable rows`);
      if (failed.length && failedFile) out.line(`failed rows: ${failedFile} (fix or delete each row before importing it: every row is sent as it stands)`);
      if (changed.length && emailChangesFile) {
        out.line(`email changes held back: ${emailChangesFile} (once VOMO has the new emails, import it with --accept-email-changes)`);
      }
    }
    if (retryable) {
      out.err(`vomo-users: ${retryable} row(s) failed with a retryable error (${[...new Set(result.failed.filter((f) => f.error.retryable).map((f) => f.error.kind))].join(", ")}); run the same command again to retry them`);
      return 1;
    }
    return 0;
  },
};
