// The command table and the help texts, global and per command.
import list from "./commands/list.mjs";
import user from "./commands/user.mjs";
import find from "./commands/find.mjs";
import upsert from "./commands/upsert.mjs";
import importCommand from "./commands/import.mjs";
import poll from "./commands/poll.mjs";
import reconcile from "./commands/reconcile.mjs";
import sim from "./commands/sim.mjs";
import demo from "./commands/demo.mjs";

export const commands = Object.fromEntries(
  [list, user, find, upsert, importCommand, poll, reconcile, sim, demo].map((c) => [c.name, c]));

/** Options every command accepts (parsed by node:util parseArgs). */
export const GLOBAL_OPTIONS = {
  "base-url": { type: "string" },
  "token-file": { type: "string" },
  rate: { type: "string" },
  verbose: { type: "boolean" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
};

/** The global options only the commands that call an API take (`sim` and `demo` refuse them). */
export const API_OPTIONS = ["base-url", "token-file", "rate", "verbose"];

const API_HELP = `  --base-url URL     the API (env VOMO_BASE_URL; default https://api.vomo.org/v1);
                     http:// only for a loopback host
  --token-file PATH  read the API token from PATH (default: env VOMO_TOKEN); the token
                     is never printed
  --rate N           requests per second (default 3; "auto" adapts to the server's 429s)
  --verbose          each HTTP request on stderr as it ends: method, path, status, time,
                     attempt (never the token or a body)
`;

const globalHelp = (api = true) => `Global options:
${api ? API_HELP : ""}  --json             machine output: one JSON value per line on stdout
  -h, --help         this help (or a command's: vomo-users <command> --help)
  --version          the package version

Exit codes: 0 ok; 1 API or runtime error (its kind on stderr); 2 bad usage; 3 not found.`;

export function globalUsage() {
  const width = Math.max(...Object.values(commands).map((c) => c.name.length));
  const rows = Object.values(commands).map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: vomo-users <command> [options]

The VOMO Volunteer API's users, from the command line.

Commands:
${rows.join("\n")}
  ${"help".padEnd(width)}  this help, or a command's (help <command>)

${globalHelp()}`;
}

export function usageOf(name) {
  const c = commands[name];
  if (!c) return globalUsage();
  return `Usage: vomo-users ${c.synopsis}

${c.help.trim()}

${globalHelp(c.api === true)}`;
}
