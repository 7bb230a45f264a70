// The simulator's rate limiters, one per bearer token, in the three shapes real servers use:
//
//   "token-bucket"   `burst` tokens, refilled at `requestsPerSecond` (the default).
//   "sliding-window" at most `limit` requests accepted in any `windowMs` span.
//   "fixed-window"   Laravel's throttle middleware: a window opens at the first request
//                    after the last one expired and lasts `windowMs`; up to `limit` requests
//                    pass in it. Refused requests are not counted.
//
// `limit` is `requestsPerSecond * windowMs / 1000` (at least 1). Time is the monotonic
// `performance.now()`, not the sim clock. Each `take()` answers `{ ok, retryAfter, limit,
// remaining, resetIn }`: `retryAfter` in whole seconds (at least 1) when refused, `limit` and
// `remaining` for the X-RateLimit-* headers, `resetIn` the seconds to put in X-RateLimit-Reset.
import { performance } from "node:perf_hooks";
import { refuseUnknown } from "./refuse-unknown.mjs";

export const LIMITER_KINDS = Object.freeze(["token-bucket", "sliding-window", "fixed-window"]);

// `limit` is derived, but what `config()` reports must go back into `configure()` as it is.
const RATE_LIMIT_KEYS = ["kind", "requestsPerSecond", "rps", "burst", "windowMs", "limit", "retryAfter", "emptyBody", "headers"];

/** Validates and completes a `rateLimit` option; null/false/undefined turn limiting off. */
export function normRateLimit(rl) {
  if (rl === null || rl === undefined || rl === false) return null;
  refuseUnknown(rl, RATE_LIMIT_KEYS, "rateLimit");
  const rps = Number(rl.requestsPerSecond ?? rl.rps);
  if (!(rps > 0)) throw new Error("rateLimit.requestsPerSecond must be > 0");
  const kind = rl.kind ?? "token-bucket";
  if (!LIMITER_KINDS.includes(kind)) throw new Error(`rateLimit.kind must be one of ${LIMITER_KINDS.join(", ")}`);
  const windowMs = Number(rl.windowMs ?? 1000);
  if (!(windowMs > 0)) throw new Error("rateLimit.windowMs must be > 0");
  const burst = Math.max(1, Number(rl.burst ?? Math.ceil(rps)));
  const out = { kind, requestsPerSecond: rps, retryAfter: rl.retryAfter !== false, emptyBody: !!rl.emptyBody, headers: !!rl.headers };
  if (kind === "token-bucket") out.burst = burst;
  else Object.assign(out, { windowMs, limit: Math.max(1, Math.round((rps * windowMs) / 1000)) });
  if (rl.limit !== undefined && rl.limit !== out.limit) {
    throw new Error(`rateLimit.limit is requestsPerSecond * windowMs / 1000 (here ${out.limit ?? "none: a token bucket has burst"}), not set on its own`);
  }
  return out;
}

const seconds = (ms) => Math.max(1, Math.ceil(ms / 1000));

class TokenBucket {
  constructor(rl, now) {
    this.rl = rl;
    this.tokens = rl.burst;
    this.t = now;
  }
  take(now) {
    const { burst, requestsPerSecond: rps } = this.rl;
    this.tokens = Math.min(burst, this.tokens + ((now - this.t) / 1000) * rps);
    this.t = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true, limit: burst, remaining: Math.floor(this.tokens), resetIn: seconds(((burst - this.tokens) / rps) * 1000) };
    }
    const wait = seconds(((1 - this.tokens) / rps) * 1000);
    return { ok: false, retryAfter: wait, limit: burst, remaining: 0, resetIn: wait };
  }
}

class SlidingWindow {
  constructor(rl) {
    this.rl = rl;
    this.accepted = []; // arrival times inside the last window, oldest first
  }
  take(now) {
    const { limit, windowMs } = this.rl;
    while (this.accepted.length && this.accepted[0] <= now - windowMs) this.accepted.shift();
    if (this.accepted.length < limit) {
      this.accepted.push(now);
      return { ok: true, limit, remaining: limit - this.accepted.length, resetIn: seconds(this.accepted[0] + windowMs - now) };
    }
    const wait = seconds(this.accepted[0] + windowMs - now);
    return { ok: false, retryAfter: wait, limit, remaining: 0, resetIn: wait };
  }
}

class FixedWindow {
  constructor(rl) {
    this.rl = rl;
    this.start = -Infinity;
    this.count = 0;
  }
  take(now) {
    const { limit, windowMs } = this.rl;
    if (now >= this.start + windowMs) {
      this.start = now;
      this.count = 0;
    }
    const resetIn = seconds(this.start + windowMs - now);
    if (this.count < limit) {
      this.count++;
      return { ok: true, limit, remaining: limit - this.count, resetIn };
    }
    return { ok: false, retryAfter: resetIn, limit, remaining: 0, resetIn };
  }
}

/** One limiter per key (the bearer token), of the configured kind. */
export class Limiters {
  constructor(rl) {
    this.rl = rl;
    this.byKey = new Map();
  }
  /** `now` is for tests that drive the limiter by hand; the server leaves it to the clock. */
  take(key, now = performance.now()) {
    let l = this.byKey.get(key);
    if (!l) {
      const { kind } = this.rl;
      l = kind === "sliding-window" ? new SlidingWindow(this.rl) : kind === "fixed-window" ? new FixedWindow(this.rl) : new TokenBucket(this.rl, now);
      this.byKey.set(key, l);
    }
    return l.take(now);
  }
}
