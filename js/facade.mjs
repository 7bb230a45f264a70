// The JS façade over the wasm glue. It only adapts: JSON text to objects, plain error
// objects to VomoError, Rust cursors to async iterators. Decisions stay in Rust.

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

function guard(fn) {
  return function guarded(...args) {
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw toVomoError(e);
    }
  };
}

function bodyText(body, fnName) {
  if (typeof body === "string") return body;
  if (body === undefined) throw new VomoError("parse", `${fnName}: no body given`);
  return JSON.stringify(body);
}

function idList(ids, name) {
  if (ids == null) return undefined;
  if (!(ids instanceof Set) && !Array.isArray(ids)) {
    throw new VomoError("invalid_input", `${name} must be a Set<number> or an array of numbers`);
  }
  return Float64Array.from(ids, Number);
}

/** Builds the public API over one loaded glue module. */
export function createApi(glue) {
  const parseUserPage = guard((body) => JSON.parse(glue.parseUserPageJson(bodyText(body, "parseUserPage"))));
  const parseUserDetail = guard((body) => JSON.parse(glue.parseUserDetailJson(bodyText(body, "parseUserDetail"))));
  const parseUser = guard((obj) => JSON.parse(glue.parseUserJson(bodyText(obj, "parseUser"))).user);
  const classifyChange = guard((user, knownIds) =>
    glue.classifyChange(JSON.stringify(user), idList(knownIds, "knownIds")));
  const diffParticipations = guard((previous, current) =>
    JSON.parse(glue.diffParticipationsJson(JSON.stringify(previous ?? []), JSON.stringify(current ?? []))));
  const totalHours = guard((participations) => glue.totalHours(JSON.stringify(participations ?? [])));
  const findMissingIds = guard((currentIds, knownIds) =>
    Array.from(glue.findMissingIds(idList(currentIds, "currentIds") ?? new Float64Array(),
                                   idList(knownIds, "knownIds") ?? new Float64Array())));
  return {
    VomoError, parseUserPage, parseUserDetail, parseUser, classifyChange,
    diffParticipations, totalHours, findMissingIds,
  };
}
