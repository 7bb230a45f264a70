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

// The transport the Rust client drives: one HTTP exchange with a per-attempt timeout.
// It only adapts fetch; whether and when to retry is decided in Rust.
function makeTransport(fetchFn) {
  return async (method, url, token, body, timeoutMs, signal) => {
    if (signal?.aborted) return { error: "aborted" };
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; controller.abort(); }, timeoutMs);
    const onAbort = () => controller.abort();
    signal?.addEventListener?.("abort", onAbort, { once: true });
    try {
      const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
      if (body != null) headers["Content-Type"] = "application/json";
      const res = await fetchFn(url, { method, headers, body: body ?? undefined, redirect: "manual", signal: controller.signal });
      const text = await res.text();
      return {
        status: res.type === "opaqueredirect" ? 302 : res.status,
        retryAfter: res.headers.get("retry-after"),
        location: res.headers.get("location"),
        date: res.headers.get("date"),
        body: text,
      };
    } catch (e) {
      if (signal?.aborted) return { error: "aborted" };
      if (timedOut) return { error: "timeout" };
      const cause = e?.cause?.code ?? e?.cause?.message;
      return { error: "network", message: String(cause ? `${e.message} (${cause})` : (e?.message ?? e)) };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener?.("abort", onAbort);
    }
  };
}

// Resolves true after `ms`, or false as soon as `signal` fires.
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const onAbort = () => { clearTimeout(timer); resolve(false); };
    const timer = setTimeout(() => { signal?.removeEventListener?.("abort", onAbort); resolve(true); }, ms);
    signal?.addEventListener?.("abort", onAbort, { once: true });
  });
}

const FILTER_KEYS = ["updatedAfter", "updatedBefore", "createdAfter", "createdBefore", "nameLike", "emailLike"];

function filtersJson(filters) {
  if (filters == null) return "{}";
  if (typeof filters !== "object") throw new VomoError("invalid_input", "filters must be an object");
  const out = {};
  for (const [key, value] of Object.entries(filters)) {
    if (!FILTER_KEYS.includes(key)) {
      throw new VomoError("invalid_input", `unknown filter ${JSON.stringify(key)}; expected one of ${FILTER_KEYS.join(", ")}`);
    }
    if (value == null) continue;
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) throw new VomoError("invalid_input", `${key}: invalid Date`);
      out[key] = value.toISOString();
    } else {
      out[key] = String(value);
    }
  }
  return JSON.stringify(out);
}

async function settle(promise) {
  try {
    return await promise;
  } catch (e) {
    throw toVomoError(e);
  }
}

const parseOrNull = (text) => (text == null ? null : JSON.parse(text));

function makeClientClass(glue) {
  /** The VOMO Users client. See API.md. */
  return class VomoClient {
    #inner;
    constructor(options = {}) {
      const { fetch: fetchFn = globalThis.fetch, onWarning, ...rest } = options ?? {};
      if (typeof fetchFn !== "function") throw new VomoError("invalid_input", "VomoClient: fetch must be a function");
      if (onWarning != null && typeof onWarning !== "function") throw new VomoError("invalid_input", "VomoClient: onWarning must be a function");
      const transport = makeTransport((url, init) => fetchFn(url, init));
      try {
        this.#inner = new glue.WasmClient(JSON.stringify(rest), transport, sleep, onWarning ?? undefined);
      } catch (e) {
        throw toVomoError(e);
      }
    }

    /** Async iterator of pages (`Page<User>`), streamed one request at a time. */
    async *listUserPages(filters, { signal } = {}) {
      let listing;
      try {
        listing = this.#inner.startListing(filtersJson(filters));
      } catch (e) {
        throw toVomoError(e);
      }
      try {
        for (;;) {
          const text = await settle(listing.next(signal));
          if (text == null) return;
          yield JSON.parse(text);
        }
      } finally {
        listing.free();
      }
    }

    /** Async iterator of users across all pages. */
    async *listUsers(filters, options) {
      for await (const page of this.listUserPages(filters, options)) yield* page.data;
    }

    /** Every matching user, as one array. */
    async listAllUsers(filters, { signal } = {}) {
      const json = filtersJson(filters);
      return JSON.parse(await settle(this.#inner.listAllUsers(json, signal)));
    }

    /** The user's detail, or null on 404. */
    async getUser(id, { signal } = {}) {
      return parseOrNull(await settle(this.#inner.getUser(Number(id), signal)));
    }

    /** The email-keyed upsert: `{ user, created, uncertain }`. */
    async upsertUser(input, { signal } = {}) {
      if (input == null || typeof input !== "object") throw new VomoError("invalid_input", "upsertUser: input must be an object");
      return JSON.parse(await settle(this.#inner.upsertUser(JSON.stringify(input), signal)));
    }

    /** Exact, case-insensitive match after `email_like`; or null. */
    async findUserByEmail(email, { signal } = {}) {
      if (typeof email !== "string") throw new VomoError("invalid_input", "findUserByEmail: email must be a string");
      return parseOrNull(await settle(this.#inner.findUserByEmail(email, signal)));
    }

    /** `{ requests, retries, rateLimited, errors }` */
    stats() {
      return JSON.parse(this.#inner.stats());
    }

    /** The current request rate in requests per second (moves in "auto" mode). */
    currentRate() {
      return this.#inner.currentRate();
    }

    /** @internal the wasm client, shared with UserPoller and importRoster. */
    get _wasm() {
      return this.#inner;
    }

    toJSON() {
      return { VomoClient: "[token hidden]" };
    }
  };
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
  const VomoClient = makeClientClass(glue);
  return {
    VomoError, VomoClient, parseUserPage, parseUserDetail, parseUser, classifyChange,
    diffParticipations, totalHours, findMissingIds,
  };
}
