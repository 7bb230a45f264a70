// Checks of option values that the argument parser (node:util parseArgs) leaves as strings.
// Each failure is a UsageError: exit code 2, one clear line and the command's usage.
import { VomoClient, VomoError, policy } from "vomo-users";

/** Bad usage: exit 2, the message and the usage of `command` (or the global usage). */
export class UsageError extends Error {
  constructor(message, command = null) {
    super(message);
    this.name = "UsageError";
    this.command = command;
  }
}

/** Bad input that is not the command line's (a file, a directory, what a state directory
 *  holds): exit 2 as bad usage, the message alone, not buried under the command's usage. */
export class InputError extends UsageError {
  constructor(message) {
    super(message, null);
    this.name = "InputError";
  }
}

/** Not found: exit 3, the message on stderr. */
export class NotFound extends Error {
  constructor(message) {
    super(message);
    this.name = "NotFound";
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** An ISO-8601 date (YYYY-MM-DD) or timestamp (no offset means UTC), as given; else UsageError. */
export function isoDate(flag, text) {
  const m = ISO_DATE.exec(text) ?? ISO_TIMESTAMP.exec(text);
  const valid = m && (() => {
    const [y, mo, d, h = "0", mi = "0", s = "0"] = m.slice(1, 7).map((v) => v ?? "0");
    const t = new Date(Date.UTC(+y, +mo - 1, +d, +h, +mi, +s));
    return t.getUTCFullYear() === +y && t.getUTCMonth() === +mo - 1 && t.getUTCDate() === +d
      && +h < 24 && +mi < 60 && +s < 60;
  })();
  if (!valid) throw new UsageError(`--${flag}: not an ISO-8601 date or timestamp: ${JSON.stringify(text)} (e.g. 2025-01-31 or 2025-01-31T09:00:00Z)`);
  return text;
}

/** A positive integer; else UsageError. */
export function positiveInt(flag, text) {
  if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${flag}: expected a positive integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** A non-negative integer (a port: 0 means any free port); else UsageError. */
export function nonNegativeInt(flag, text) {
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${flag}: expected a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

/** --rate: requests per second (a positive number) or "auto"; else UsageError. */
export function rate(text) {
  if (text === "auto") return "auto";
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--rate: expected requests per second (a positive number) or "auto", got ${JSON.stringify(text)}`);
  }
  // Slower than one request in 100 s is a typo (0.0001 for 0.1), and would look like a hang.
  if (n < MIN_RATE) throw new UsageError(`--rate: at least ${MIN_RATE} (one request in ${1 / MIN_RATE} s), got ${JSON.stringify(text)}`);
  return n;
}
const MIN_RATE = 0.01;

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A duration like 30s, 5m, 1h30m (as Go's and terraform's), 1500ms or 90 (seconds), in ms; else UsageError. */
export function duration(flag, text) {
  const t = text.trim();
  let ms = NaN;
  if (/^\d+(?:\.\d+)?$/.test(t)) ms = Number(t) * UNITS.s;
  else if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(t)) {
    ms = 0;
    for (const [, n, unit] of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(n) * UNITS[unit];
  }
  if (!(ms >= 1)) throw new UsageError(`--${flag}: expected a duration such as 30s, 5m, 1h30m or 1500ms (a bare number is seconds), got ${JSON.stringify(text)}`);
  // A timer waits at most 2^31 - 1 ms; Node runs a longer one after 1 ms (a busy loop).
  if (ms > MAX_TIMER_MS) throw new UsageError(`--${flag}: at most ${Math.floor(MAX_TIMER_MS / 3_600_000)}h (24.8 days, the longest a timer waits), got ${JSON.stringify(text)}`);
  return ms;
}

/** One of `choices`; else UsageError. */
export function oneOf(flag, text, choices) {
  if (!choices.includes(text)) throw new UsageError(`--${flag}: expected one of ${choices.join(", ")}, got ${JSON.stringify(text)}`);
  return text;
}

/** A user id: a positive integer; else UsageError. */
export function userId(text, command) {
  if (!/^\d+$/.test(text ?? "") || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`not a user id: ${JSON.stringify(text)} (expected a positive integer)`, command);
  }
  return Number(text);
}

/** The client's default base URL, as the Rust core has it (asked when needed: `--help` and
 *  `sim` work without the .wasm). */
export const defaultBaseUrl = () => policy().client.baseUrl;

/**
 * `url` as a client reads it, `{ url }` (its `baseUrl`: host in lower case, default port and
 * trailing "/" dropped), or why it would refuse it, `{ why }`, by the client's own rules
 * (src/client/url.rs: https, or http to a loopback host only; no credentials, query or
 * fragment; no port fetch refuses): a client is made with a placeholder token and dropped, so
 * the CLI can say so before any token is read.
 */
function asClientReadsIt(url) {
  try {
    return { url: new VomoClient({ token: "placeholder", baseUrl: url }).baseUrl };
  } catch (e) {
    if (e instanceof VomoError && e.kind === "invalid_input") return { why: e.message };
    throw e;
  }
}

/** Why a client would refuse `url` as its base URL, or null. */
export const clientRefuses = (url) => asClientReadsIt(url).why ?? null;

/**
 * The base URL as the client reads it, which is also what a state directory records as its
 * API (state.mjs); a UsageError if the client would refuse it.
 */
export function baseUrl(text) {
  const { url, why } = asClientReadsIt(text);
  if (why) throw new UsageError(`--base-url: ${why}`);
  return url;
}

/**
 * A port to listen on that clients can reach: 0 (any free port) to 65535, and not one that
 * `fetch`, and so every client and browser, refuses (6000, 10080, ...: the client's rule);
 * else UsageError. `command` is for the usage shown with the error.
 */
export function listenPort(flag, text, command = null) {
  const port = nonNegativeInt(flag, text);
  if (port > 65535) throw new UsageError(`--${flag}: a port is 0 to 65535, got ${port}`, command);
  const why = port === 0 ? null : clientRefuses(`http://127.0.0.1:${port}/v1`);
  if (why) throw new UsageError(`--${flag} ${port}: no client could reach it (${why})`, command);
  return port;
}
