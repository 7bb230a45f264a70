// The simulator's command line, read in one place for its two front ends: the repository's
// `node sim/cli.mjs` and the package's `vomo-users sim` (alias `vomo-sim`). Flags are parsed by
// node:util parseArgs; each value is checked here, and what a flag means beyond its form
// (a limiter kind, a quirk, a time) is the simulator's own decision, asked of it.
import { parseArgs } from "node:util";
import { DEFAULT_QUIRKS } from "./simulator.mjs";
import { LIMITER_KINDS } from "./limiter.mjs";
import { toMs } from "./util.mjs";
import { wholeNumber } from "./whole-number.mjs";

/** Bad usage of the simulator's command line: the message names the flag. */
export class SimulatorArgsError extends Error {
  constructor(message) {
    super(message);
    this.name = "SimulatorArgsError";
  }
}

const QUIRKS = Object.keys(DEFAULT_QUIRKS);

/** The flags, as node:util parseArgs takes them (every value a string, checked below). */
export const SIMULATOR_FLAGS = Object.freeze({
  port: { type: "string" }, "foreign-port": { type: "string" }, host: { type: "string" }, users: { type: "string" }, seed: { type: "string" },
  "per-page": { type: "string" }, token: { type: "string" }, "forbidden-token": { type: "string" },
  rps: { type: "string" }, burst: { type: "string" }, limiter: { type: "string" }, "window-ms": { type: "string" },
  "rate-headers": { type: "boolean" }, "no-retry-after": { type: "boolean" }, "empty-429": { type: "boolean" },
  strict: { type: "boolean" }, latency: { type: "string" }, now: { type: "string" },
  quirk: { type: "string", multiple: true },
});

/** The flags' help, one per line. */
export const SIMULATOR_FLAGS_HELP = `  --port N            port (default 4010; 0 = any free port)
  --foreign-port N    port of the "foreign origin" listener (default 0: any free port)
  --host H            interface (default 127.0.0.1)
  --users N           seeded users (default 500)
  --seed N            data seed (default 42)
  --per-page N        page size of GET /v1/users (default 15)
  --token T           the bearer token to accept (default: a fixed JWT-looking test token)
  --forbidden-token T a token answered with 403 (default sim-forbidden-token)
  --rps N             rate limit: requests per second per token (default: none)
  --burst N           the token bucket's size (default: ceil(rps))
  --limiter KIND      how --rps is counted: ${LIMITER_KINDS[0]} (default), ${LIMITER_KINDS.slice(1).join(", ")} (Laravel's)
  --window-ms N       the window limiters' window (default 1000)
  --rate-headers      send X-RateLimit-Limit/-Remaining (and -Reset with a 429)
  --no-retry-after    429s carry no Retry-After header
  --empty-429         429s have an empty body
  --strict            POST /v1/users requires birthday and gender
  --latency MS        added latency per /v1 request
  --now ISO|MS        freeze the simulator's clock at this time
  --quirk NAME=on|off a wire quirk (repeatable): ${QUIRKS.join(", ")}`;

const wrong = (flag, expected, text) => new SimulatorArgsError(`--${flag}: expected ${expected}, got ${JSON.stringify(text)}`);

function integer(flag, text, least) {
  const n = wholeNumber(text, least);
  if (n === undefined) throw wrong(flag, least ? "a positive integer" : "a non-negative integer", text);
  return n;
}

function number(flag, text) {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw wrong(flag, "a number", text);
  return n;
}

/** A token a client can send: visible ASCII, as the package's VomoClient requires (RFC 6750);
 *  the simulator would wait for a token no client can present. */
function bearer(flag, text) {
  if (/^[\x21-\x7e]+$/.test(text)) return text;
  throw new SimulatorArgsError(`--${flag}: a bearer token is visible ASCII without spaces (no client could send this one)`);
}

/** parseArgs' values -> the options `startSimulator` takes; a SimulatorArgsError when one is wrong. */
export function simulatorOptions(values) {
  const o = { port: 4010 };
  if (values.port !== undefined) {
    o.port = integer("port", values.port, 0);
    if (o.port > 65535) throw new SimulatorArgsError(`--port: a port is 0 to 65535, got ${o.port}`);
  }
  if (values["foreign-port"] !== undefined) {
    o.foreignPort = integer("foreign-port", values["foreign-port"], 0);
    if (o.foreignPort > 65535) throw new SimulatorArgsError(`--foreign-port: a port is 0 to 65535, got ${o.foreignPort}`);
  }
  if (values.host !== undefined) o.host = values.host;
  if (values.users !== undefined) o.users = integer("users", values.users, 0);
  if (values.seed !== undefined) o.seed = integer("seed", values.seed, 0);
  if (values["per-page"] !== undefined) o.perPage = integer("per-page", values["per-page"], 1);
  if (values.token !== undefined) o.token = bearer("token", values.token);
  if (values["forbidden-token"] !== undefined) o.forbiddenToken = bearer("forbidden-token", values["forbidden-token"]);
  if (values.latency !== undefined) o.latencyMs = number("latency", values.latency);
  if (values.strict) o.strict = true;
  if (values.now !== undefined) {
    o.now = /^\d+$/.test(values.now) ? Number(values.now) : values.now;
    try {
      toMs(o.now, "--now");
    } catch {
      throw new SimulatorArgsError(`--now: not an ISO-8601 date or timestamp: ${JSON.stringify(values.now)} (e.g. 2025-01-31, 2025-01-31T09:00:00Z or 2025-01-31T09:00:00+02:00, or milliseconds since 1970)`);
    }
  }
  if (values.rps !== undefined) {
    const rps = number("rps", values.rps);
    if (rps === 0) throw new SimulatorArgsError("--rps: expected a positive number of requests per second, got 0");
    const kind = values.limiter;
    if (kind !== undefined && !LIMITER_KINDS.includes(kind)) throw wrong("limiter", `one of ${LIMITER_KINDS.join(", ")}`, kind);
    o.rateLimit = {
      requestsPerSecond: rps,
      burst: values.burst === undefined ? Math.ceil(rps) : integer("burst", values.burst, 1),
      retryAfter: !values["no-retry-after"], emptyBody: Boolean(values["empty-429"]), headers: Boolean(values["rate-headers"]),
      ...(kind === undefined ? {} : { kind }),
      ...(values["window-ms"] === undefined ? {} : { windowMs: integer("window-ms", values["window-ms"], 1) }),
    };
  } else {
    const flag = ["limiter", "window-ms", "rate-headers", "burst", "no-retry-after", "empty-429"].find((f) => values[f] !== undefined);
    if (flag) throw new SimulatorArgsError(`--${flag} applies to the rate limit, which needs --rps`);
  }
  if (values.quirk) {
    o.quirks = {};
    for (const q of values.quirk) {
      const [name, value = "on"] = q.split("=");
      if (!QUIRKS.includes(name)) throw new SimulatorArgsError(`--quirk: unknown quirk ${JSON.stringify(name)}; known: ${QUIRKS.join(", ")}`);
      if (!["on", "off"].includes(value)) throw wrong("quirk", `${name}=on or ${name}=off`, q);
      o.quirks[name] = value === "on";
    }
  }
  return o;
}

/** A whole command line -> { help, options }; a SimulatorArgsError for an unknown flag or a bad value. */
export function parseSimulatorArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...SIMULATOR_FLAGS, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    throw new SimulatorArgsError(e.message);
  }
  const { help, ...flags } = values;
  return { help: Boolean(help), options: simulatorOptions(flags) };
}
