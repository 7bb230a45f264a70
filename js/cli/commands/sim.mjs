// vomo-users sim (and its alias vomo-sim): the package's simulated VOMO API, until Ctrl-C.
import { startSimulator } from "vomo-users/sim";
import { UsageError, isoDate, listenPort, nonNegativeInt, oneOf, positiveInt } from "../values.mjs";

const QUIRKS = ["stringHours", "stringProjectIds", "mixedTimestamps", "unknownEnums", "detailAsArray",
  "nullStringLinks", "stringMeta", "stringIdInUpsert"];

const LIMITERS = ["token-bucket", "sliding-window", "fixed-window"];

function number(flag, text) {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag}: expected a number, got ${JSON.stringify(text)}`, "sim");
  return n;
}

export default {
  name: "sim",
  summary: "run the simulated VOMO API locally (also installed as vomo-sim)",
  synopsis: "sim [--port N] [--users N] [--seed N] [--host H] [--per-page N] [--rps N [--burst N] [--limiter KIND] [--window-ms N] [--rate-headers]] [--latency MS] [--now ISO] [--strict] [--quirk NAME=on|off]",
  help: `
Starts the simulated VOMO Volunteer API (the one the package's tests use) and runs until
Ctrl-C. When listening it prints one JSON line {"url":...,"token":...,"foreignUrl":...} on
stdout; point the other commands at it with VOMO_BASE_URL=<url> VOMO_TOKEN=<token> (a test
token the simulator accepts, not a real one).

  --port N            port (default 4010; 0 = any free port)
  --users N           seeded users (default 500)      --seed N   data seed (default 42)
  --host H            interface (default 127.0.0.1)   --per-page N  page size (default 15)
  --rps N             rate limit per token (default none); --burst N its bucket size
  --limiter KIND      how --rps is counted: ${LIMITERS[0]} (default), ${LIMITERS.slice(1).join(", ")}
  --window-ms N       the window limiters' window (default 1000)
  --rate-headers      send X-RateLimit-Limit/-Remaining (and -Reset with a 429)
  --latency MS        added latency per request       --now ISO  freeze the clock
  --strict            POST requires birthday and gender
  --token T           the test token to accept        --forbidden-token T  answered with 403
  --no-retry-after    429s carry no Retry-After       --empty-429  429s have an empty body
  --quirk NAME=on|off a wire quirk (repeatable): ${QUIRKS.join(", ")}`,
  options: {
    port: { type: "string" }, users: { type: "string" }, seed: { type: "string" }, host: { type: "string" },
    "per-page": { type: "string" }, rps: { type: "string" }, burst: { type: "string" }, latency: { type: "string" },
    now: { type: "string" }, strict: { type: "boolean" }, token: { type: "string" }, "forbidden-token": { type: "string" },
    "no-retry-after": { type: "boolean" }, "empty-429": { type: "boolean" }, quirk: { type: "string", multiple: true },
    limiter: { type: "string" }, "window-ms": { type: "string" }, "rate-headers": { type: "boolean" },
  },
  check(values) {
    const o = { port: values.port === undefined ? 4010 : listenPort("port", values.port, "sim") };
    if (values.users !== undefined) o.users = nonNegativeInt("users", values.users);
    if (values.seed !== undefined) o.seed = nonNegativeInt("seed", values.seed);
    if (values.host !== undefined) o.host = values.host;
    if (values["per-page"] !== undefined) o.perPage = positiveInt("per-page", values["per-page"]);
    if (values.latency !== undefined) o.latencyMs = number("latency", values.latency);
    if (values.now !== undefined) o.now = /^\d+$/.test(values.now) ? Number(values.now) : isoDate("now", values.now);
    if (values.strict) o.strict = true;
    if (values.token !== undefined) o.token = values.token;
    if (values["forbidden-token"] !== undefined) o.forbiddenToken = values["forbidden-token"];
    if (values.rps !== undefined) {
      const rps = number("rps", values.rps);
      if (rps === 0) throw new UsageError("--rps: expected a positive number of requests per second, got 0", "sim");
      o.rateLimit = { requestsPerSecond: rps, burst: values.burst === undefined ? Math.ceil(rps) : positiveInt("burst", values.burst),
        retryAfter: !values["no-retry-after"], emptyBody: Boolean(values["empty-429"]), headers: Boolean(values["rate-headers"]),
        ...(values.limiter === undefined ? {} : { kind: oneOf("limiter", values.limiter, LIMITERS) }),
        ...(values["window-ms"] === undefined ? {} : { windowMs: positiveInt("window-ms", values["window-ms"]) }) };
    } else {
      const needsRps = ["limiter", "window-ms", "rate-headers", "burst"].find((flag) => values[flag] !== undefined);
      if (needsRps) throw new UsageError(`sim: --${needsRps} sets how the rate limit counts, and needs --rps`, "sim");
    }
    if (values.quirk) {
      o.quirks = {};
      for (const q of values.quirk) {
        const [name, value = "on"] = q.split("=");
        if (!QUIRKS.includes(name)) throw new UsageError(`--quirk: unknown quirk ${JSON.stringify(name)}; known: ${QUIRKS.join(", ")}`, "sim");
        o.quirks[name] = !["off", "false", "0", "no"].includes(value.toLowerCase());
      }
    }
    return o;
  },
  async run({ out, options }) {
    let sim;
    try {
      sim = await startSimulator(options);
    } catch (e) {
      if (e?.code === "EADDRINUSE") throw new UsageError(`sim: port ${options.port} is in use (--port 0 picks a free one)`, "sim");
      // A host this machine cannot listen on (no such name, not one of its addresses).
      if (["ENOTFOUND", "EADDRNOTAVAIL", "EAI_AGAIN"].includes(e?.code)) throw new UsageError(`sim: cannot listen on --host ${options.host} (${e.code})`, "sim");
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
