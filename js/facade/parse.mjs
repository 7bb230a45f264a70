// The façade of `vomo-users/parse`, over the parse-only glue (the crate without its `full`
// feature): the three parsers and VomoError, the same pieces the main façade uses.

import { VomoError, testPanic, usePolicy, watchPanics } from "./errors.mjs";
import { makeParsers } from "./parsers.mjs";

export { VomoError };
export { nodeEntry } from "./node-entry.mjs";

/** Builds the parse-only API over one loaded parse-only glue module. */
export function createParseApi(glue) {
  watchPanics(glue, { settles: false }); // no async export: nothing of its own waits
  let retryableKinds;
  usePolicy(() => ({ retryableKinds: (retryableKinds ??= glue.retryableKinds()) }));
  return {
    VomoError, ...makeParsers(glue),
    // For the package's own tests: a panic inside Rust (this build has no async export).
    [Symbol.for("vomo-users.testPanic")]: testPanic(glue),
  };
}
