// Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed, an SSH session dropped) as an AbortSignal, so that a long command stops cleanly: the
// package's importRoster saves its progress and the poller keeps its checkpoint when their
// signal fires. A second Ctrl-C exits at once. A command may also stop this way when the
// reader of its stdout goes away (`vomo-users poll --json | consumer`, and the consumer
// died): main.mjs hands the EPIPE to it instead of exiting on the spot, which would leave
// the poll's lease held and its last state unsaved.

/**
 * Runs `call(signal)` with Ctrl-C, SIGTERM and SIGHUP as its AbortSignal: a one-call command
 * (list, user, find, upsert) then ends with the package's `aborted` error on stderr and exit
 * 1, as every command does, instead of being killed by the signal without a word (130/143).
 */
export async function interruptible(out, call) {
  const stop = interruptSignal(out, null);
  try {
    return await call(stop.signal);
  } finally {
    stop.dispose();
  }
}

/** The stdout-closed handler of the running command, if it has one (main.mjs calls it). */
export const stdoutWatch = { onClosed: null };

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Listens until dispose(); `signal` fires on the first SIGINT/SIGTERM/SIGHUP, and, with
 * `stdoutClosed` (the write error to a message for stderr), when stdout's reader goes away
 * or a write to it fails: `stdoutClosed()`
 * on the result then says so.
 */
export function interruptSignal(out, message, { stdoutClosed = null } = {}) {
  const controller = new AbortController();
  let closed = false;
  const handler = (signal) => {
    if (controller.signal.aborted) {
      out.err("vomo-users: interrupted again: exiting at once");
      process.exit(1);
    }
    // `message` names Ctrl-C; another signal is named as itself.
    if (message) out.err(signal === "SIGINT" ? message : message.replace("(Ctrl-C)", `(${signal})`));
    controller.abort();
  };
  for (const s of SIGNALS) process.on(s, handler);
  if (stdoutClosed) {
    stdoutWatch.onClosed = (e) => {
      closed = true;
      out.err(stdoutClosed(e));
      controller.abort();
    };
  }
  return {
    signal: controller.signal,
    stdoutClosed: () => closed,
    dispose() {
      for (const s of SIGNALS) process.off(s, handler);
      if (stdoutClosed) stdoutWatch.onClosed = null;
    },
  };
}
