// A user id from the caller: a number (or a bigint), or its digits as a string (an id read
// from a CSV or a URL). Anything else (true, [7], null) is refused rather than turned by
// Number() into some other user's id; the Rust core then checks it is a safe integer.
import { VomoError } from "./errors.mjs";
import { isSet } from "./realm.mjs";

export function asId(value, what) {
  if (typeof value === "number") return value;
  if (typeof value === "bigint" || (typeof value === "string" && /^\s*\d+\s*$/.test(value))) {
    const n = Number(value);
    // Past 2^53 Number() names another id: refused here, quoting the one given (the core's
    // check would quote the rounded one).
    if (!Number.isSafeInteger(n)) throw new VomoError("parse", `${what}: not a safe integer id (got ${String(value).trim()})`);
    return n;
  }
  const got = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "string" ? JSON.stringify(value) : typeof value;
  throw new VomoError("invalid_input", `${what} must be a number or a string of digits (got ${got})`);
}

/** A Set or an array of ids, as the Float64Array the glue takes; null and undefined stay absent. */
export function idList(ids, who, name) {
  if (ids == null) return undefined;
  if (!isSet(ids) && !Array.isArray(ids)) {
    throw new VomoError("invalid_input", `${who}: ${name} must be a Set or an array of ids`);
  }
  return Float64Array.from(ids, (id, i) => asId(id, `${who}: ${name}[${i}]`));
}
