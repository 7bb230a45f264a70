// VomoError and the conversions every façade call goes through.

const RETRYABLE = new Set(["rate_limited", "server", "network", "timeout"]);

/** Every failure of the package. `instanceof Error`. */
export class VomoError extends Error {
  constructor(kind, message, { status = null, fields = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "VomoError";
    this.kind = kind;
    this.status = status;
    this.retryable = RETRYABLE.has(kind);
    this.fields = fields;
  }
}

/** Turns whatever the glue threw into a VomoError (other errors pass through). */
export function toVomoError(e) {
  if (e instanceof VomoError) return e;
  if (e && e.__vomo) {
    const fields = e.fieldsJson ? JSON.parse(e.fieldsJson) : null;
    return new VomoError(e.kind, e.message, { status: e.status, fields });
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
