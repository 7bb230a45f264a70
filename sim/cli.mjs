#!/usr/bin/env node
// Command-line entry point for the VOMO simulator. Prints one JSON line when listening.
// The flags are read by sim/lib/args.mjs, as the package's `vomo-users sim` reads them.
import { startSimulator, parseSimulatorArgs, SIMULATOR_FLAGS_HELP } from "./index.mjs";

const HELP = `Usage: node sim/cli.mjs [options]

Starts the simulated VOMO Volunteer API. When listening it prints one line of JSON
{"url":...,"token":...,"foreignUrl":...} to stdout and runs until SIGINT/SIGTERM.

Options:
${SIMULATOR_FLAGS_HELP}
  --help              show this help
`;

let parsed;
try {
  parsed = parseSimulatorArgs(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (parsed.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

let sim;
try {
  sim = await startSimulator(parsed.options);
} catch (e) {
  // Not bad usage: the port is taken, or the host is not this machine's (exit 1).
  const port = e?.port ?? parsed.options.port; // the foreign listener's (--foreign-port) when that was the one refused
  process.stderr.write(`sim/cli.mjs: cannot listen on ${parsed.options.host ?? "127.0.0.1"}:${port}: ${e.code ?? e.message}\n`);
  process.exit(1);
}
process.stdout.write(JSON.stringify({ url: sim.url, token: sim.token, foreignUrl: sim.foreignUrl }) + "\n");
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await sim.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
