// Ctrl-C (SIGINT) and SIGTERM as an AbortSignal, so that a long command stops cleanly: the
// package's importRoster saves its progress and the poller keeps its checkpoint when their
// signal fires. A second Ctrl-C exits at once.

/** Listens until dispose(); `signal` fires on the first SIGINT/SIGTERM. */
export function interruptSignal(out, message) {
  const controller = new AbortController();
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
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", handler);
      process.off("SIGTERM", handler);
    },
  };
}
