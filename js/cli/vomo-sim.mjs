#!/usr/bin/env node
// vomo-sim: an alias of `vomo-users sim`.
import { run } from "./run.mjs";

process.exitCode = await run(["sim", ...process.argv.slice(2)]);
