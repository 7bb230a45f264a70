// The JSON text the façade hands the Rust core for what a caller passed in (options bags,
// upsert input, roster records, findOrCreateUser's defaults). JSON.stringify alone throws a
// bare TypeError at a BigInt and silently drops a function or a Symbol, so a field given
// `phone: user.getPhone` (the method, not its result) would read as absent and the user be
// saved without it. Here each of those is refused by its path: a VomoError `invalid_input`.
import { VomoError } from "./errors.mjs";

const CANNOT = new Set(["bigint", "symbol", "function"]);
const FOUND = Symbol("a value JSON cannot carry");

/**
 * `value` as JSON text; `who` and `root` name it in errors ("importRoster", "records" ->
 * `importRoster: records[3].phone is a function`; root "": `upsertUser: phone is ...`).
 * `nonFinite`: NaN and ±Infinity go as text, so the core refuses them by name (options),
 * instead of JSON's `null`, which reads as absent.
 */
export function jsonOf(value, who, root, { nonFinite = false } = {}) {
  // One pass with a type check per value; the paths, which cost several times that on a large
  // roster, are worked out only when something is refused.
  try {
    return JSON.stringify(value, (key, v) => {
      const type = typeof v;
      if (CANNOT.has(type)) throw FOUND;
      return nonFinite && type === "number" && !Number.isFinite(v) ? String(v) : v;
    });
  } catch (e) {
    if (e !== FOUND) {
      let cycle = null;
      try {
        if (e instanceof TypeError) cycle = cyclePath(value, root);
      } catch { /* a getter that throws again: the caller's first error stands */ }
      if (cycle === null) throw e; // a getter or toJSON of the caller's that threw: theirs
      throw new VomoError("invalid_input", `${who}: ${cycle || "the value"} refers back to an object that contains it (a circular structure), which cannot be sent`);
    }
  }
  const paths = new Map(); // each object or array met -> its path, for its members' paths
  JSON.stringify(value, function (key, v) {
    const path = key === "" && paths.size === 0 ? root : memberPath(paths.get(this) ?? root, key, Array.isArray(this));
    const type = typeof v;
    if (CANNOT.has(type)) {
      throw new VomoError("invalid_input", `${who}: ${path} is a ${type === "bigint" ? "BigInt (pass a number or text)" : type}, which cannot be sent`);
    }
    if (v !== null && type === "object") paths.set(v, path);
    return v;
  });
  throw new Error("jsonOf: the second pass found nothing"); // unreachable: both passes meet the same values
}

function memberPath(parent, key, inArray) {
  if (inArray) return `${parent}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}${parent === "" ? "" : "."}${key}` : `${parent}[${JSON.stringify(key)}]`;
}

/** The path of the first member that refers back to an object containing it, or null when none does. */
function cyclePath(value, root) {
  const open = new Set(); // the objects on the way down to the current one
  const walk = (v, path) => {
    if (v !== null && typeof v === "object" && typeof v.toJSON === "function") v = v.toJSON();
    if (v === null || typeof v !== "object") return null;
    if (open.has(v)) return path;
    open.add(v);
    for (const [key, member] of Object.entries(v)) {
      const found = walk(member, memberPath(path, key, Array.isArray(v)));
      if (found !== null) return found;
    }
    open.delete(v);
    return null;
  };
  return walk(value, root);
}
