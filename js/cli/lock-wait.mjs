// --lock-timeout DURATION (poll and import): waits for another run of the same customer's
// poll or the same roster's import to end, instead of failing `busy` at once, as terraform's
// -lock-timeout does. The run is tried again while it is refused `busy` (the lease is
// another run's, or the state directory's lock is held), pausing 0.1 s at first and at most
// 2 s: a run refused at its start has sent and written nothing, and one whose lease was taken
// over mid-run goes on from its saved checkpoint or progress. Without the option the first
// `busy` fails at once, as before.
import { setTimeout as wait } from "node:timers/promises";
import { VomoError } from "vomo-users";
import { duration } from "./values.mjs";

const PAUSE_MS = { first: 100, most: 2_000 };

/** The option, for a command's `options`. */
export const LOCK_TIMEOUT_OPTION = { "lock-timeout": { type: "string" } };

/** --lock-timeout in ms (0 without it: no wait); else UsageError. */
export const lockTimeoutMs = (values) => (values["lock-timeout"] === undefined ? 0 : duration("lock-timeout", values["lock-timeout"]));

/**
 * `run()`, tried again while it fails `busy`, until `timeoutMs` has passed since the first
 * try (then its last `busy`, saying how long it waited) or `signal` fires (`aborted`). Says
 * once on stderr that it waits, and for what.
 */
export async function whileBusy(run, { timeoutMs, signal, out, what }) {
  const started = Date.now();
  let said = false;
  for (let pause = PAUSE_MS.first; ; pause = Math.min(pause * 2, PAUSE_MS.most)) {
    try {
      return await run();
    } catch (e) {
      if (e?.kind !== "busy" || !timeoutMs) throw e;
      // Ctrl-C during a try that was refused: the same as during a pause between tries.
      if (signal?.aborted) throw interrupted(what);
      const waited = Date.now() - started, left = timeoutMs - waited;
      if (left <= 0) {
        throw new VomoError("busy", `${e.message} (waited ${seconds(waited)} for it: --lock-timeout ${seconds(timeoutMs)})`,
          { cause: e, retryAfterMs: e.retryAfterMs ?? null });
      }
      if (!said) {
        out.err(`vomo-users: ${what} is busy (${e.message}); waiting up to ${seconds(timeoutMs)} for it (--lock-timeout)`);
        said = true;
      }
      try {
        await wait(Math.min(pause, left), undefined, { signal });
      } catch {
        throw interrupted(what);
      }
    }
  }
}

const interrupted = (what) => new VomoError("aborted", `interrupted while waiting for ${what} to be free`);
const seconds = (ms) => `${Math.round(ms / 100) / 10} s`;
