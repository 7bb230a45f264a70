#!/usr/bin/env node
// vomo-users: the command line. See `vomo-users --help` and docs/cli.md.
import { run } from "./run.mjs";
import { stdoutWatch } from "./interrupt.mjs";

// A reader that went away (`vomo-users list | head`) ends the command quietly, unless the
// command stops cleanly on it (poll: interrupt.mjs); after that, later EPIPEs are its own.
let stdoutGone = false;
process.stdout.on("error", (e) => {
  if (e.code !== "EPIPE") throw e;
  if (stdoutGone) return;
  stdoutGone = true;
  if (stdoutWatch.onClosed) stdoutWatch.onClosed();
  else process.exit(0);
});
process.exitCode = await run(process.argv.slice(2));
