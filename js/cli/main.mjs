#!/usr/bin/env node
// vomo-users: the command line. See `vomo-users --help` and docs/cli.md.
import { run } from "./run.mjs";
import { stdoutWatch } from "./interrupt.mjs";

// A reader that went away (`vomo-users list | head`) ends the command quietly, unless the
// command stops cleanly on it (poll: interrupt.mjs); after that, later EPIPEs are its own.
// A command that has already ended keeps its exit code (import's summary is its last line).
let stdoutGone = false;
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
  if (stdoutGone) return;
  stdoutGone = true;
  if (stdoutWatch.onClosed) stdoutWatch.onClosed();
  else process.exit(process.exitCode ?? 0);
});
// A reader of stderr that went away (`vomo-users ... 2>&1 | head -1`) loses the messages, not
// the exit code: the command goes on and exits as it would have (2 for bad usage, say).
process.stderr.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
});
process.exitCode = await run(process.argv.slice(2));
