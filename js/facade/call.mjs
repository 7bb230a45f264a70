// The options bag every client, poller and import call takes last: `{ signal, timeoutMs,
// maxRetries }`, plus, for some calls, options of their own (`also`). It goes to the Rust
// core as is (the core validates the numbers and applies them to this call only); the Rust
// runtime's fetch and sleeps watch its `signal`.
import { CALL_OPTIONS, checkOptions } from "./options.mjs";
import { VomoError } from "./errors.mjs";

// An AbortSignal by what the core uses of it (any realm's, or a polyfill's).
const isSignal = (s) => typeof s === "object" && s !== null && typeof s.aborted === "boolean" && typeof s.addEventListener === "function";

export function callOf(options, who, also = []) {
  if (options == null) return undefined;
  checkOptions(options, also.length ? [...CALL_OPTIONS, ...also] : CALL_OPTIONS, who);
  const { signal, timeoutMs, maxRetries } = options;
  if (signal != null && !isSignal(signal)) {
    const hint = typeof signal?.abort === "function" && isSignal(signal.signal) ? " (an AbortController: pass its .signal)" : "";
    throw new VomoError("invalid_input", `${who}: signal must be an AbortSignal${hint}`);
  }
  return { signal, timeoutMs, maxRetries, who };   // who: named in the core's messages about them
}

/** `aborted` once the call's signal has fired, with its reason as the cause (as `settle` gives it). */
export function throwIfAborted(call) {
  if (call?.signal?.aborted) throw new VomoError("aborted", `${call.who}: aborted`, { cause: call.signal.reason });
}

/**
 * A hook the core calls to tell, not to ask (`onProgress`, the client's `onWarning` and
 * `log`), as it calls it: what the hook throws, or the promise it returns rejects with (an
 * async logger whose sink is down), changes nothing; a rejection left unhandled would end a
 * Node process in the middle of the call.
 */
export function ignoringFailures(hook) {
  return (value) => {
    try {
      const r = hook(value);
      if (r != null && typeof r.then === "function") r.then(undefined, () => {});
    } catch { /* ignored, as above */ }
  };
}

/** A call's `onProgress` option (undefined when not given) as the core calls it: for display. */
export function progressOf(onProgress, who) {
  if (onProgress == null) return undefined;
  if (typeof onProgress !== "function") throw new VomoError("invalid_input", `${who}: onProgress must be a function`);
  return ignoringFailures(onProgress);
}
