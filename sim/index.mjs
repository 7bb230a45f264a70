// vomo-users/sim: a simulated VOMO Volunteer API server (in the spirit of stripe-mock).
//
//   import { startSimulator } from "vomo-users/sim";
//   const sim = await startSimulator({ port: 0, users: 500, seed: 42 });
//   // sim.url -> "http://127.0.0.1:PORT/v1", sim.token -> bearer token
//   await sim.close();
//
// See README.md in this folder for the options and the control API.
import { Simulator, DEFAULT_TOKEN, DEFAULT_FORBIDDEN_TOKEN, DEFAULT_QUIRKS } from "./lib/simulator.mjs";

/**
 * Create a simulator without listening yet. Call `await sim.listen()` to start both
 * listeners, or mount `sim.handle(req, res)` on your own node:http server (then
 * `sim.url`/`sim.foreignUrl` stay null until `listen()`).
 */
export function createSimulator(options = {}) {
  return new Simulator(options);
}

/** Create and start a simulator; resolves once both listeners are up. */
export async function startSimulator(options = {}) {
  const sim = new Simulator(options);
  await sim.listen();
  return sim;
}

export { Simulator, DEFAULT_TOKEN, DEFAULT_FORBIDDEN_TOKEN, DEFAULT_QUIRKS };
// The command line (`node sim/cli.mjs`, `vomo-users sim`): to start a simulator from your own flags.
export { parseSimulatorArgs, simulatorOptions, SimulatorArgsError, SIMULATOR_FLAGS, SIMULATOR_FLAGS_HELP } from "./lib/args.mjs";
export default startSimulator;
