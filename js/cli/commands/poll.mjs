// vomo-users poll: the package's UserPoller on a FileStore in the state directory, printing
// each change as it is delivered; --every repeats until Ctrl-C, which stops cleanly (the
// poller keeps its checkpoint: the next run goes on from there).
import { setTimeout as wait } from "node:timers/promises";
import { UserPoller } from "vomo-users";
import { UsageError, duration, oneOf, positiveInt } from "../values.mjs";
import { checkStateDir, firstPage, pollerStore } from "../state.mjs";
import { interruptSignal } from "../interrupt.mjs";
import { LOCK_TIMEOUT_OPTION, lockTimeoutMs, whileBusy } from "../lock-wait.mjs";
import { errorText, shown } from "../format.mjs";

export const MODES = ["off", "changed-users", "full-scan"];

/** --customer and --state-dir, required by poll and reconcile. */
export function customerOptions(values, command) {
  for (const flag of ["customer", "state-dir"]) {
    if (values[flag] === undefined || values[flag].trim() === "") throw new UsageError(`${command}: missing --${flag}`, command);
  }
  return { customerId: values.customer, stateDir: values["state-dir"] };
}

/** Why a poll did not finish (`PollResult.stopReason`), for the text summary. */
const STOPPED = { max_requests: "--max-requests reached", handler_outage: "the output failed too often in a row",
  dead_letter_limit: "the dead-letter queue is full", unsettled_window: "the newest changes kept moving while they were read" };

const errorJson = (e) => ({ kind: e?.kind ?? "handler", message: String(e?.message ?? e), status: e?.status ?? null });

function printer(out) {
  const c = out.color;
  // Each handler returns once its line is written: only then is the change delivered.
  if (out.json) {
    const emit = (v) => out.delivered(v, true);
    return {
      onUser: ({ kind, user }) => emit({ type: "user", kind, user }),
      onParticipation: ({ kind, userId, participation, before }) => emit({ type: "participation", kind, userId, participation, before: before ?? null }),
      onDeadLetter: ({ user, error, attempt, final }) => emit({ type: "deadLetter", userId: user?.id ?? null, user: user ?? null, error: errorJson(error), attempt, final }),
      // Whole milliseconds, as the text says them (the package measures fractions of one).
      result: (r) => out.value({ type: "result", ...r, durationMs: Math.round(r.durationMs) }),
    };
  }
  const emit = (line) => out.delivered(line, false);
  return {
    onUser: ({ kind, user }) => emit(`${(kind === "created" ? c.green : c.cyan)(kind.padEnd(7))} user ${user.id} ${shown(user.fullName)} <${shown(user.email)}>  updated ${user.updatedAt}`),
    onParticipation: ({ kind, userId, participation: p, before }) => emit(`${c.yellow(kind.padEnd(7))} participation of user ${userId}, project ${p.projectId ?? "-"} date ${p.projectDateId ?? "-"}: ${p.hours} h${before ? ` (was ${before.hours} h)` : ""}`),
    onDeadLetter: ({ user, error, attempt, final }) => emit(`${c.red("failed ")} user ${user?.id ?? "?"}: ${errorJson(error).kind}: ${shown(errorJson(error).message)} (attempt ${attempt}${final ? ", given up" : ", retried next poll"})`),
    result: (r) => out.line(`poll: processed ${r.processed} (created ${r.created}, updated ${r.updated}, failed ${r.failed}), `
      + `participation events ${r.participationEvents}; ${r.requests} requests in ${Math.round(r.durationMs)} ms; `
      // The checkpoint starts at the epoch: no window of the initial sync has been finished yet.
      + `checkpoint ${r.checkpoint ?? "none yet"}`
      + (r.complete ? "" : `; not finished (${STOPPED[r.stopReason] ?? r.stopReason}): the next poll goes on from here`)),
  };
}

export default {
  name: "poll",
  api: true,
  summary: "print every user change since the last poll of this customer",
  synopsis: "poll --customer ID --state-dir DIR [--participations off|changed-users|full-scan] [--max-requests N] [--every DURATION] [--lock-timeout DURATION] [--forget]",
  help: `
Polls for changed users and prints each change exactly once: the first run is the initial
sync (every user arrives, as "created" unless its timestamps show a later edit), later runs
only what changed since. The checkpoint, the known ids and the lease live in DIR (one folder
per customer), which holds the state of one API: another base URL is refused (DIR/api.json).
Two polls of one customer cannot run at once: the second fails with "busy", or with
--lock-timeout 5m waits up to that long for the first to end, then polls.
--participations also reports shift sign-ups and hour changes: of changed users, or of every
user (full-scan). --max-requests stops after that many HTTP requests (the next run goes on).
--every 5m polls again after each poll until Ctrl-C, which stops cleanly; a poll that fails
with a retryable error (server, network, timeout, rate_limited), an answer that could not
be read (parse, with its HTTP status) or busy is reported and the loop goes on.
--forget removes the customer's saved state (checkpoint, known ids, dead letters) from DIR
and sends nothing (no token needed): the next poll is an initial sync again. It is refused
while a poll of the customer runs (--lock-timeout waits for it).
With --json: one line per event, {"type":"user","kind":"created"|"updated","user":{...}},
{"type":"participation",...} or {"type":"deadLetter",...}, and after each poll a line
{"type":"result","processed":n,"created":n,"updated":n,"failed":n,...}, or for a poll that
failed {"type":"error","error":{"kind":...,"status":...,"message":...,"retryAfterMs":...},
"nextPollInMs":n|null} (null: no next poll, exit 1); with --forget one line
{"customerId":"...","forgotten":true|false}.`,
  options: { customer: { type: "string" }, "state-dir": { type: "string" }, participations: { type: "string" },
    "max-requests": { type: "string" }, every: { type: "string" }, ...LOCK_TIMEOUT_OPTION, forget: { type: "boolean" } },
  check(values) {
    const polling = ["participations", "max-requests", "every"].find((flag) => values[flag] !== undefined);
    if (values.forget && polling) throw new UsageError(`poll: --forget polls nothing, so --${polling} has no use with it`, "poll");
    return {
      ...customerOptions(values, "poll"),
      participations: values.participations === undefined ? "off" : oneOf("participations", values.participations, MODES),
      maxRequests: values["max-requests"] === undefined ? undefined : positiveInt("max-requests", values["max-requests"]),
      everyMs: values.every === undefined ? null : duration("every", values.every),
      lockWaitMs: lockTimeoutMs(values),
    };
  },
  async run({ out, options, values, client, quietly, printWarnings, baseUrl }) {
    const { customerId, stateDir, participations, maxRequests, everyMs, lockWaitMs } = options;
    const lock = { timeoutMs: lockWaitMs, out, what: `customer ${customerId}'s state in ${stateDir}` };
    if (values.forget) {
      // No token, nothing sent: the state directory alone. Still of this API only: a stale
      // VOMO_BASE_URL must not wipe the checkpoint of the API the directory belongs to.
      await checkStateDir(stateDir, baseUrl, { bind: false });
      const stop = interruptSignal(out, null);
      let forgot;
      try {
        forgot = await whileBusy(() => UserPoller.forget({ store: pollerStore(stateDir, customerId), customerId }), { ...lock, signal: stop.signal });
      } finally {
        stop.dispose();
      }
      out.err(forgot ? `vomo-users: forgot the saved state of customer ${customerId} in ${stateDir}: its next poll is an initial sync`
        : `vomo-users: no saved state of customer ${customerId} in ${stateDir}`);
      if (out.json) out.value({ customerId, forgotten: forgot });
      return 0;
    }
    // Read first, bind after the poller took its options: a customer id it refuses (bad usage)
    // must not leave the directory bound to this API.
    const { previousBaseUrl } = await checkStateDir(stateDir, baseUrl, { bind: false });
    const print = printer(out);
    const api = await client();
    const poller = new UserPoller({
      client: api, store: pollerStore(stateDir, customerId), customerId, participations,
      onUser: print.onUser, onParticipation: print.onParticipation, onDeadLetter: print.onDeadLetter,
      ...(everyMs ? { pollIntervalMs: everyMs } : {}), previousBaseUrl,
    });
    // A directory not bound yet is bound once the API answered (state.mjs), before the poll.
    let { bindOnAnswer } = await checkStateDir(stateDir, baseUrl);
    const stop = interruptSignal(out, everyMs ? "vomo-users: stopping (Ctrl-C)" : null, { stdoutClosed: (e) =>
      `vomo-users: ${e?.code === "EPIPE" ? "stdout was closed (its reader went away)" : "stdout cannot be written"}: the poll stops; a change whose line was not written is delivered by the next poll` });
    try {
      for (;;) {
        try {
          if (bindOnAnswer) {
            await bindOnAnswer(() => quietly(() => firstPage(api, stop.signal)));
            bindOnAnswer = null;
          }
          print.result(await whileBusy(() => poller.poll({ signal: stop.signal, maxRequests }), { ...lock, signal: stop.signal }));
        } catch (e) {
          if (stop.stdoutClosed()) return 1; // stopped cleanly, said so; the lease is free
          if (everyMs && stop.signal.aborted) return 0; // the clean stop: the checkpoint stays where it was
          // A parse error without an HTTP status is of the saved state, not of an answer: say the way out.
          if (e?.kind === "parse" && e.status === null) {
            const sh = (s) => (/^[\w.@:/=+-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);
            e.cliHint = `vomo-users: note: the saved poll state of customer ${customerId} in ${stateDir} cannot be read; if it cannot be mended, `
              + `\`vomo-users poll --customer ${sh(customerId)} --state-dir ${sh(stateDir)} --forget\` removes it, and the next poll is an initial sync (every user delivered again)`;
          }
          // A passing outage (after the client's own retries), an answer that could not be read
          // (a page cut off, a proxy's error page: `parse` with the status it came with), or a
          // poll still running elsewhere does not end a long-running --every loop: the next poll
          // goes on from the checkpoint.
          const unreadableAnswer = e?.kind === "parse" && e.status !== null;
          const again = everyMs !== null && (e?.retryable === true || unreadableAnswer || e?.kind === "busy");
          // A script reading --json gets a line for every poll that did not finish, as for
          // every one that did: why, and when the next poll comes (null: none, exit 1).
          if (out.json) {
            out.value({ type: "error", error: { kind: e?.kind ?? "other", status: e?.status ?? null, message: String(e?.message ?? e),
              retryAfterMs: e?.retryAfterMs ?? null }, nextPollInMs: again ? everyMs : null });
          }
          if (!again) throw e;
          out.err(`vomo-users: ${errorText(e)}; polling again in ${values.every}`);
        }
        if (!everyMs || stop.stdoutClosed()) return stop.stdoutClosed() ? 1 : 0;
        // A loop that runs for days says its warnings as they come, not only when it ends.
        printWarnings();
        try {
          await wait(everyMs, undefined, { signal: stop.signal });
        } catch {
          return stop.stdoutClosed() ? 1 : 0; // the reader left between polls, or Ctrl-C
        }
      }
    } finally {
      stop.dispose();
    }
  },
};
