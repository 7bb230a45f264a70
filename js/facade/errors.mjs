// VomoError and the conversions every façade call goes through.
import { markClass } from "./class-mark.mjs";

// Which kinds are retryable is the Rust core's decision (`policy().retryableKinds`, or the
// parse-only build's `retryableKinds()`); each façade installs its source when it builds
// its API, and the first that answers decides (one page may load both builds). Errors the
// core raises carry its answer; before a wasm is loaded (a browser before `await init()`)
// none answers, and the errors made then are not retryable.
const policySources = [];
export function usePolicy(source) {
  policySources.push(source);
}
// Asking a source that is not loaded makes an error itself (a browser entry's "call init()
// first"), whose constructor would ask again: the first call before `init()` recursed until
// the stack overflowed (half a second), and with both entries loaded each level asked two
// sources, which never ended. An error made while asking is not retryable.
let asking = false;
function isRetryable(kind) {
  if (asking) return false;
  asking = true;
  try {
    for (const source of policySources) {
      try {
        return source().retryableKinds.includes(kind);
      } catch { /* that wasm is not loaded yet */ }
    }
    return false;
  } finally {
    asking = false;
  }
}

/** Every failure of the package. `instanceof Error`. */
export class VomoError extends Error {
  constructor(kind, message, { status = null, fields = null, cause, retryAfterMs = null } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "VomoError";
    this.kind = kind;
    this.status = status;
    this.retryable = isRetryable(kind);
    this.fields = fields;
    this.retryAfterMs = retryAfterMs;
  }
  /** For JSON.stringify (a saved import report, a log line): an Error's `message` is not
   *  enumerable and would be left out. `cause` is the caller's own value and stays out. */
  toJSON() {
    return { name: this.name, kind: this.kind, message: this.message, status: this.status, retryable: this.retryable, fields: this.fields,
      retryAfterMs: this.retryAfterMs };
  }
}
// Every copy of the class (the CommonJS and ES module builds, the stores sub-paths) answers
// `instanceof` for the errors of the others, and keeps its name through a bundler.
markClass(VomoError, "VomoError");

// A Rust panic traps the wasm (RuntimeError: unreachable). The glue's panic hook reports
// its message first (src/glue/panic.rs): the trap becomes a VomoError of kind `internal`,
// and every call still waiting is rejected with it. A trap inside an async task is caught
// by the glue's task runner (scripts/task-trap-guard.mjs) and handed to `setTrapHandler`.
// The calls waiting now, each by its own rejecter. (One shared never-settling promise raced
// against every call would keep every call's result alive: a leak of one page per request.)
const waiting = new Set();
let panicError = null;
function rejectWaiting(error) {
  panicError = error;
  for (const reject of waiting) reject(error);
  waiting.clear();
}
const internal = (message) => new VomoError("internal", `internal error in vomo-users (a bug, please report it): ${message}`);

// Every glue module watched by this copy of the module: the full build's and the parse-only
// build's share it when both are imported as ES modules (one page, Worker or bundle). A
// panic is reported with its own message whichever build it came from; only a panic of a
// build with async exports (`settles`) rejects the calls waiting, which are all its own.
const watched = [];
let reported = null; // the message of the latest panic a hook reported
function lastPanic() {
  if (reported != null) return reported;
  for (const { glue } of watched) {
    try {
      const message = glue.lastPanic?.();
      if (message != null) return message;
    } catch { /* not instantiated */ }
  }
  return null;
}

/** Connects the panic reports of one glue module; `settles`: its calls go through `settle`.
 *  The handler goes in on first use: in browsers the wasm is not instantiated until
 *  `init()`, and nothing can panic before. */
export function watchPanics(glue, { settles = true } = {}) {
  if (!watched.some((w) => w.glue === glue)) watched.push({ glue, settles, armed: false });
}

function arm() {
  for (const w of watched) {
    if (w.armed) continue;
    try {
      w.glue.setPanicHandler?.((message) => {
        reported = message;
        if (w.settles) rejectWaiting(internal(message));
      });
      // The trap itself, when it happens inside an async task (scripts/task-trap-guard.mjs):
      // caught there instead of ending the process; a trap without a panic (no message
      // reported) rejects the waiting calls here.
      w.glue.setTrapHandler?.((trap) => {
        if (w.settles) rejectWaiting(internal(lastPanic() ?? trap.message));
      });
      w.armed = true;
    } catch { /* not instantiated yet: the call itself reports that */ }
  }
}

/** Turns whatever the glue threw into a VomoError (other errors pass through). */
export function toVomoError(e) {
  if (e instanceof VomoError) return e;
  if (e instanceof WebAssembly.RuntimeError) return internal(lastPanic() ?? e.message);
  if (e && e.__vomo) {
    const fields = e.fieldsJson ? JSON.parse(e.fieldsJson) : null;
    // `cause`: what the caller's store or mapping threw, when that is what failed.
    const error = new VomoError(e.kind, e.message, { status: e.status, fields, cause: "cause" in e ? e.cause : undefined,
      retryAfterMs: e.retryAfterMs ?? null });
    if (typeof e.retryable === "boolean") error.retryable = e.retryable;
    return error;
  }
  return e;
}

export function guard(fn) {
  return function guarded(...args) {
    arm();
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw toVomoError(e);
    }
  };
}


/**
 * The outcome of a glue call's promise; a rejection as a VomoError. `call` (callOf's, when the
 * caller passed options): an `aborted` error carries the caller's `signal.reason` as its
 * `cause`, as fetch's own rejection is that reason, so `AbortSignal.timeout()` (a
 * `TimeoutError`) can be told from a user's stop.
 */
export async function settle(promise, call) {
  arm();
  let reject;
  const panicked = new Promise((_, r) => { reject = r; });
  if (panicError) reject(panicError);
  else waiting.add(reject);
  try {
    return await Promise.race([promise, panicked]);
  } catch (e) {
    const error = toVomoError(e);
    if (error instanceof VomoError && error.kind === "aborted" && error.cause === undefined && call?.signal?.aborted) {
      Object.defineProperty(error, "cause", { value: call.signal.reason, writable: true, configurable: true });
    }
    throw error;
  } finally {
    waiting.delete(reject);
  }
}

/** A VomoError again from the core's `ErrorInfo` (`{ kind, status, message, fields }`) in a
 *  result: an import's failures, a reconciliation's error. */
export const errorFromInfo = (info) => new VomoError(info.kind, info.message, { status: info.status ?? null, fields: info.fields ?? null });

export const parseOrNull = (text) => (text == null ? null : JSON.parse(text));

/** For the package's own tests: `(message, later)` panics inside Rust now, or inside an
 *  async task when `later` (the full build only); resolves never, rejects with the error. */
export const testPanic = (glue) => (message, later) =>
  settle(Promise.resolve().then(() => guard(later ? glue.__testPanicLater : glue.__testPanic)(message)));
