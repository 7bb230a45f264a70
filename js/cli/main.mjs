#!/usr/bin/env node
// vomo-users: the command line. See `vomo-users --help` and docs/cli.md.
import { run } from "./run.mjs";
import { stdoutWatch } from "./interrupt.mjs";

// A reader that went away (`vomo-users list | head`) ends the command quietly, unless the
// command stops cleanly on it (poll: interrupt.mjs); after that, later EPIPEs are its own.
// A command that has already ended keeps its exit code (import's summary is its last line).
// Any other write error (ENOSPC: `poll --json >> events.ndjson` on a full disk; EIO) is said
// on stderr and stops the command the same way, with exit 1: not a stack trace, and a poll
// that saves its state and gives its lease back.
let stdoutGone = false;
process.stdout.on("error", (e) => {
  if (stdoutGone) return;
  stdoutGone = true;
  const broken = e.code !== "EPIPE";
  if (broken) {
    process.exitCode = 1;
    process.stderr.write(`vomo-users: cannot write the output: ${e.code ?? e.message}\n`);
  }
  if (stdoutWatch.onClosed) stdoutWatch.onClosed(e);
  else process.exit(broken ? 1 : process.exitCode ?? 0);
});
// A reader of stderr that went away (`vomo-users ... 2>&1 | head -1`), or a terminal that
// closed (EIO after SIGHUP), loses the messages, not the exit code: the command goes on and
// exits as it would have (2 for bad usage, say).
process.stderr.on("error", () => {});
process.exitCode = await run(process.argv.slice(2));
