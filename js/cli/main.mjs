#!/usr/bin/env node
// vomo-users: the command line. See `vomo-users --help` and docs/cli.md.
import { run } from "./run.mjs";

// A reader that went away (`vomo-users list | head`) ends the command quietly.
process.stdout.on("error", (e) => {
  if (e.code === "EPIPE") process.exit(0);
  throw e;
});
process.exitCode = await run(process.argv.slice(2));
