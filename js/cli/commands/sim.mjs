// vomo-users sim (and its alias vomo-sim): the package's simulated VOMO API, until Ctrl-C.
import { startSimulator, simulatorOptions, SimulatorArgsError, SIMULATOR_FLAGS, SIMULATOR_FLAGS_HELP } from "vomo-users/sim";
import { UsageError, listenPort } from "../values.mjs";

export default {
  name: "sim",
  summary: "run the simulated VOMO API locally (also installed as vomo-sim)",
  synopsis: "sim [--port N] [--foreign-port N] [--users N] [--seed N] [--host H] [--per-page N] [--token T] [--forbidden-token T] [--rps N [--burst N] [--limiter KIND] [--window-ms N] [--rate-headers] [--no-retry-after] [--empty-429]] [--latency MS] [--now ISO] [--strict] [--quirk NAME=on|off]",
  help: `
Starts the simulated VOMO Volunteer API (the one the package's tests use) and runs until
Ctrl-C. When listening it prints one JSON line {"url":...,"token":...,"foreignUrl":...} on
stdout; point the other commands at it with VOMO_BASE_URL=<url> VOMO_TOKEN=<token> (a test
token the simulator accepts, not a real one).

${SIMULATOR_FLAGS_HELP}`,
  options: SIMULATOR_FLAGS,
  // The flags are read as `node sim/cli.mjs` reads them (the simulator's sim/lib/args.mjs);
  // the port is checked once more against the client's refused ports, since the other
  // commands are to reach it.
  check(values) {
    let o;
    try {
      o = simulatorOptions(values);
    } catch (e) {
      if (e instanceof SimulatorArgsError) throw new UsageError(e.message, "sim");
      throw e;
    }
    if (values.port !== undefined) listenPort("port", values.port, "sim");
    if (values["foreign-port"] !== undefined) listenPort("foreign-port", values["foreign-port"], "sim");
    return o;
  },
  async run({ out, options }) {
    let sim;
    try {
      sim = await startSimulator(options);
    } catch (e) {
      // Not bad usage (exit 1): the same command works once the port is free.
      if (e?.code === "EADDRINUSE") {
        // The API's port, or the foreign listener's (its own flag), whichever was taken.
        const foreign = options.foreignPort !== undefined && e.port === options.foreignPort && e.port !== options.port;
        out.err(foreign ? `vomo-users: sim: port ${options.foreignPort} is in use (--foreign-port 0 picks a free one)`
          : `vomo-users: sim: port ${options.port} is in use (--port 0 picks a free one)`);
        return 1;
      }
      // A host this machine cannot listen on (no such name, not one of its addresses).
      // Exit 1 as well, as sim/README.md says and sim/cli.mjs does: the machine's, not the command line's.
      if (["ENOTFOUND", "EADDRNOTAVAIL", "EAI_AGAIN"].includes(e?.code)) {
        out.err(`vomo-users: sim: cannot listen on --host ${options.host} (${e.code})`);
        return 1;
      }
      throw e;
    }
    out.value({ url: sim.url, token: sim.token, foreignUrl: sim.foreignUrl });
    if (!out.json) out.err(`Simulated VOMO API at ${sim.url}; Ctrl-C stops it. Try:\n  VOMO_BASE_URL=${sim.url} VOMO_TOKEN=${sim.token} vomo-users list`);
    await new Promise((stopped) => {
      process.once("SIGINT", stopped);
      process.once("SIGTERM", stopped);
    });
    await sim.close();
    return 0;
  },
};
