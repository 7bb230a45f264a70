#!/usr/bin/env node
// Command-line entry point for the VOMO simulator. Prints one JSON line when listening.
import { startSimulator } from "./index.mjs";

const HELP = `Usage: node sim/cli.mjs [options]

Starts the simulated VOMO Volunteer API. When listening it prints one line of JSON
{"url":...,"token":...,"foreignUrl":...} to stdout and runs until SIGINT/SIGTERM.

Options:
  --port N            port to listen on (default 4010; 0 = any free port)
  --host H            interface (default 127.0.0.1)
  --users N           number of seeded users (default 500)
  --seed N            data seed (default 42)
  --per-page N        page size of GET /v1/users (default 15)
  --token T           bearer token to accept (default: a fixed JWT-looking token)
  --forbidden-token T token answered with 403 (default sim-forbidden-token)
  --rps N             rate limit: requests per second per token (default: unlimited)
  --burst N           rate limit bucket size (default: ceil(rps))
  --limiter KIND      token-bucket (default), sliding-window or fixed-window (Laravel)
  --window-ms N       window length for the window limiters (default 1000)
  --rate-headers      send X-RateLimit-Limit/-Remaining (and -Reset with a 429)
  --no-retry-after    429 responses carry no Retry-After header
  --empty-429         429 responses have an empty body
  --strict            POST /v1/users requires birthday and gender
  --latency MS        added latency per /v1 request
  --now ISO|MS        freeze the sim clock at this time
  --quirk NAME=on|off switch a wire quirk (repeatable): stringHours, stringProjectIds,
                      mixedTimestamps, unknownEnums, detailAsArray, nullStringLinks,
                      stringMeta, stringIdInUpsert
  --help              show this help
`;

function parse(argv) {
  const o = { port: 4010 };
  const quirks = {};
  let rps = null;
  let burst = null;
  let retryAfter = true;
  let emptyBody = false;
  let kind;
  let windowMs;
  let headers = false;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let val;
    if (a.startsWith("--") && a.includes("=") && !a.startsWith("--quirk=")) {
      [a, val] = [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)];
    }
    const next = () => {
      if (val !== undefined) return val;
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = (v) => {
      const n = Number(v);
      if (!Number.isFinite(n)) throw new Error(`${a}: not a number: ${v}`);
      return n;
    };
    switch (a) {
      case "--help": case "-h": o.help = true; break;
      case "--port": o.port = num(next()); break;
      case "--host": o.host = next(); break;
      case "--users": o.users = num(next()); break;
      case "--seed": o.seed = num(next()); break;
      case "--per-page": o.perPage = num(next()); break;
      case "--token": o.token = next(); break;
      case "--forbidden-token": o.forbiddenToken = next(); break;
      case "--rps": rps = num(next()); break;
      case "--burst": burst = num(next()); break;
      case "--no-retry-after": retryAfter = false; break;
      case "--empty-429": emptyBody = true; break;
      case "--limiter": kind = next(); break;
      case "--window-ms": windowMs = num(next()); break;
      case "--rate-headers": headers = true; break;
      case "--strict": o.strict = true; break;
      case "--latency": o.latencyMs = num(next()); break;
      case "--now": { const v = next(); o.now = /^\d+$/.test(v) ? Number(v) : v; break; }
      case "--quirk": {
        const [k, v = "on"] = next().split("=");
        quirks[k] = !["off", "false", "0", "no"].includes(v.toLowerCase());
        break;
      }
      default:
        if (a.startsWith("--quirk=")) {
          const [k, v = "on"] = a.slice(8).split("=");
          quirks[k] = !["off", "false", "0", "no"].includes(v.toLowerCase());
          break;
        }
        throw new Error(`unknown option ${a}`);
    }
  }
  if (rps !== null) o.rateLimit = { kind, requestsPerSecond: rps, burst: burst ?? Math.ceil(rps), windowMs, retryAfter, emptyBody, headers };
  else if (kind || windowMs !== undefined || headers) throw new Error("--limiter, --window-ms and --rate-headers need --rps");
  if (Object.keys(quirks).length) o.quirks = quirks;
  return o;
}

let opts;
try {
  opts = parse(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (opts.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
delete opts.help;

const sim = await startSimulator(opts);
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
