// VomoError and the conversions every façade call goes through.

// Which kinds are retryable is the Rust core's decision (`policy().retryableKinds`); the
// façade installs the policy when it builds the API. Errors the core raises carry its
// answer; before the wasm is loaded (a browser before `await init()`) only input errors
// can arise, and none of those is retryable.
let policySource = null;
export function usePolicy(source) {
  policySource = source;
}
function isRetryable(kind) {
  try {
    return policySource?.().retryableKinds.includes(kind) ?? false;
  } catch {
    return false;
  }
}

/** Every failure of the package. `instanceof Error`. */
export class VomoError extends Error {
  constructor(kind, message, { status = null, fields = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "VomoError";
    this.kind = kind;
    this.status = status;
    this.retryable = isRetryable(kind);
    this.fields = fields;
  }
}

/** Turns whatever the glue threw into a VomoError (other errors pass through). */
export function toVomoError(e) {
  if (e instanceof VomoError) return e;
  if (e && e.__vomo) {
    const fields = e.fieldsJson ? JSON.parse(e.fieldsJson) : null;
    const error = new VomoError(e.kind, e.message, { status: e.status, fields });
    if (typeof e.retryable === "boolean") error.retryable = e.retryable;
    return error;
  }
  return e;
}

export function guard(fn) {
  return function guarded(...args) {
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw toVomoError(e);
    }
  };
}


export async function settle(promise) {
  try {
    return await promise;
  } catch (e) {
    throw toVomoError(e);
  }
}

export const parseOrNull = (text) => (text == null ? null : JSON.parse(text));
