// Ctrl-C (SIGINT) and SIGTERM as an AbortSignal, so that a long command stops cleanly: the
// package's importRoster saves its progress and the poller keeps its checkpoint when their
// signal fires. A second Ctrl-C exits at once. A command may also stop this way when the
// reader of its stdout goes away (`vomo-users poll --json | consumer`, and the consumer
// died): main.mjs hands the EPIPE to it instead of exiting on the spot, which would leave
// the poll's lease held and its last state unsaved.

/** The stdout-closed handler of the running command, if it has one (main.mjs calls it). */
export const stdoutWatch = { onClosed: null };

/**
 * Listens until dispose(); `signal` fires on the first SIGINT/SIGTERM, and, with
 * `stdoutClosed` (a message for stderr), when stdout's reader goes away: `stdoutClosed()`
 * on the result then says so.
 */
export function interruptSignal(out, message, { stdoutClosed = null } = {}) {
  const controller = new AbortController();
  let closed = false;
  const handler = () => {
    if (controller.signal.aborted) {
      out.err("vomo-users: interrupted again: exiting at once");
      process.exit(1);
    }
    if (message) out.err(message);
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  if (stdoutClosed) {
    stdoutWatch.onClosed = () => {
      closed = true;
      out.err(stdoutClosed);
      controller.abort();
    };
  }
  return {
    signal: controller.signal,
    stdoutClosed: () => closed,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
      if (stdoutClosed) stdoutWatch.onClosed = null;
    },
  };
}
