// The one rule for a whole number the simulator takes, at each of its doors: its options and
// control methods (simulator.mjs: a fault's status, page and ms), its control routes
// (store.mjs: ids, counts), and its command line (args.mjs: flags as text). Each door words
// its own refusal (a plain Error, a 400, a usage error naming the flag).

/**
 * `v` as a whole number within [min, max], given as a number or as its digits ("789", as a
 * URL, a JSON client or a command line has it); undefined when it is not one.
 */
export function wholeNumber(v, min = 0, max = Number.MAX_SAFE_INTEGER) {
  const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
}
