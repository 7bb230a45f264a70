// Small helpers shared by the simulator modules: seeded RNG, time formatting, date parsing.

/** mulberry32: tiny deterministic PRNG returning floats in [0, 1). */
export function rng(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mix integers into a 32-bit hash (deterministic, order-sensitive). */
export function hash(...parts) {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let x = Number(p) | 0;
    h = Math.imul(h ^ (x & 0xff), 16777619);
    h = Math.imul(h ^ ((x >>> 8) & 0xff), 16777619);
    h = Math.imul(h ^ ((x >>> 16) & 0xff), 16777619);
    h = Math.imul(h ^ ((x >>> 24) & 0xff), 16777619);
  }
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995);
  h ^= h >>> 15;
  return h >>> 0;
}

/**
 * A seed (any safe integer) as the 32 bits the generator takes. 0..2^32-1 are taken as they are
 * (so the data a seed gave stays the same), any other safe integer is hashed from its two 32-bit
 * halves: 2^32 and -1 no longer give the data of 0 and 2^32-1. (Two seeds can still meet in 32
 * bits, one pair in about four billion.)
 */
export function seedBits(seed) {
  if (seed >= 0 && seed < 2 ** 32) return seed;
  const hi = Math.floor(seed / 2 ** 32);
  return hash(seed - hi * 2 ** 32, hi);
}

export const pick = (r, arr) => arr[Math.floor(r() * arr.length)];
export const int = (r, lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
export const pad = (n, w = 2) => String(n).padStart(w, "0");

/** Truncate ms to whole seconds (Laravel stores timestamps without fractions). */
export const toSecond = (ms) => Math.floor(ms / 1000) * 1000;

/**
 * Wire timestamp in one of three ISO forms:
 * 0 "2025-11-04T08:00:00+00:00", 1 "2025-11-04T08:00:00.000000Z", 2 "2025-11-04T08:00:00Z".
 */
export function formatTs(ms, form = 0) {
  if (ms === null || ms === undefined) return null;
  const s = new Date(ms).toISOString().slice(0, 19);
  if (form === 1) return s + ".000000Z";
  if (form === 2) return s + "Z";
  return s + "+00:00";
}

/** Per-user deterministic timestamp form (0, 1 or 2). */
export const formFor = (id) => hash(id, 0x5eed) % 3;

export function isRealDate(y, m, d) {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** "YYYY-MM-DD" that is a real calendar date. */
export function isIsoDate(s) {
  if (typeof s !== "string") return false;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  return !!m && isRealDate(+m[1], +m[2], +m[3]);
}

const TS_RE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+\- ]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parse a full ISO-8601 timestamp (any offset, fraction optional; a space where the "+"
 * of an offset was URL-decoded is tolerated; no offset = UTC). Returns ms or null.
 */
export function parseTimestamp(s) {
  if (typeof s !== "string") return null;
  const m = TS_RE.exec(s.trim());
  if (!m) return null;
  const [y, mo, d, h, mi] = [+m[1], +m[2], +m[3], +m[4], +m[5]];
  const sec = m[6] ? +m[6] : 0;
  if (!isRealDate(y, mo, d) || h > 23 || mi > 59 || sec > 59) return null;
  const ms = m[7] ? Math.floor(Number("0." + m[7]) * 1000) : 0;
  let offsetMin = 0;
  const z = m[8];
  if (z && z.toUpperCase() !== "Z") {
    const sign = z[0] === "-" ? -1 : 1;
    const digits = z.slice(1).replace(":", "");
    const oh = +digits.slice(0, 2);
    const om = digits.length > 2 ? +digits.slice(2, 4) : 0;
    if (oh > 23 || om > 59) return null;
    offsetMin = sign * (oh * 60 + om);
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offsetMin * 60000;
}

/**
 * Parse a list date filter. Plain "YYYY-MM-DD" is that day's 00:00:00 UTC for *_after and
 * 23:59:59 UTC for *_before. Result is truncated to whole seconds. null = malformed.
 */
export function parseDateFilter(s, isBefore) {
  if (isIsoDate(s)) {
    const [y, m, d] = s.split("-").map(Number);
    const start = Date.UTC(y, m - 1, d);
    return isBefore ? start + 86399000 : start;
  }
  const ms = parseTimestamp(s);
  return ms === null ? null : toSecond(ms);
}

/** A value as a refusal quotes it: strings and objects as JSON, anything else as String() does. */
export function shown(v) {
  if (typeof v === "string" || (typeof v === "object" && v !== null)) {
    try {
      return JSON.stringify(v);
    } catch {
      // a cycle or a BigInt inside: String() below
    }
  }
  return String(v);
}

// A time the simulator is given (its clock, a stored stamp). Date.parse used to take the rest,
// so "2026-02-30" became March 2 and "Feb 3 2026" was read in the machine's own time zone.
const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const MAX_MS = 8.64e15; // the range of a Date (a time past it cannot be written on the wire)

/**
 * ms since 1970 (a safe integer), an ISO-8601 date-time with Z or an offset, or a plain
 * YYYY-MM-DD (00:00:00 UTC), on a real calendar date -> ms. Anything else throws an Error with
 * status 400 naming `what` and the value.
 */
export function toMs(v, what = "time") {
  let ms = null;
  if (typeof v === "number" && Number.isSafeInteger(v)) ms = v;
  else if (isIsoDate(v)) ms = Date.parse(v + "T00:00:00Z");
  else if (typeof v === "string" && TIME_RE.test(v)) ms = parseTimestamp(v);
  if (ms !== null && Math.abs(ms) <= MAX_MS) return ms;
  const e = new Error(`${what}: expected milliseconds since 1970 or an ISO-8601 date-time with Z or an offset (e.g. "2026-01-31T09:00:00Z" or "2026-01-31"), got ${shown(v)}`);
  e.status = 400;
  throw e;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
