// Every options bag the package takes is checked for keys its call does not know. A
// misspelt option would otherwise be ignored without a word, and some such slips lose data:
// a poller given `onUsers` for `onUser` would mark every change delivered with no handler
// called. The message lists the call's options, and names the one a key differs from only
// in case (`baseURL` for `baseUrl`); the lists are short enough to read whole, so no edit
// distance. index.d.ts declares the same names (tests/js/options.test.mjs holds the two
// equal).
import { VomoError } from "./errors.mjs";

/** The options of every client, poller and import call (`CallOptions`). */
export const CALL_OPTIONS = ["signal", "timeoutMs", "maxRetries"];

/** Throws `invalid_input` unless `options` is an object whose keys are all in `known`. */
export function checkOptions(options, known, who) {
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new VomoError("invalid_input", `${who}: options must be an object`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase());
    throw new VomoError("invalid_input", `${who}: unknown option ${JSON.stringify(key)}`
      + `${near ? ` (did you mean ${JSON.stringify(near)}?)` : ""}; the options are ${known.join(", ")}`);
  }
}
