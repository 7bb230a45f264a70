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

/** A store in memory: `{ get(key) -> string|null, set(key, value) }`. Not durable. */
export class MemoryStore {
  #map = new Map();
  get(key) {
    return this.#map.has(key) ? this.#map.get(key) : null;
  }
  set(key, value) {
    this.#map.set(key, String(value));
  }
  delete(key) {
    this.#map.delete(key);
  }
  keys() {
    return [...this.#map.keys()];
  }
  get size() {
    return this.#map.size;
  }
}

function requireStore(store, who) {
  if (store == null || typeof store.get !== "function" || typeof store.set !== "function") {
    throw new VomoError("invalid_input", `${who}: store must have get(key) and set(key, value)`);
  }
}

function wasmClientOf(client, who) {
  const inner = client?._wasm;
  if (!inner) throw new VomoError("invalid_input", `${who}: client must be a VomoClient`);
  return inner;
}

const HANDLER_NAMES = ["onUser", "onParticipation", "onDeadLetter"];

function makePollerClass(glue) {
  /** Incremental change detection per customer. See API.md and docs/poller.md. */
  return class UserPoller {
    #inner;
    constructor(options = {}) {
      const { client, store, customerId, participations = "off", pollIntervalMs = 900000, maxAttempts } = options;
      requireStore(store, "UserPoller");
      for (const name of HANDLER_NAMES) {
        if (options[name] != null && typeof options[name] !== "function") {
          throw new VomoError("invalid_input", `UserPoller: ${name} must be a function`);
        }
      }
      if (typeof customerId !== "string") throw new VomoError("invalid_input", "UserPoller: customerId must be a string");
      const handlers = { onUser: options.onUser, onParticipation: options.onParticipation, onDeadLetter: options.onDeadLetter };
      const thrown = new Map();
      let nextRef = 1;
      // Calls the user's handler for one event; a throw is kept so onDeadLetter gets the original.
      const dispatch = async (json) => {
        const event = JSON.parse(json);
        if (event.type === "deadLetter") {
          const ref = event.error.handlerErrorRef;
          const error = ref != null && thrown.has(ref) ? thrown.get(ref) : new VomoError(event.error.kind === "parse" ? "parse" : "invalid_input", event.error.message);
          if (ref != null) thrown.delete(ref);
          await handlers.onDeadLetter?.({ user: event.user, error, attempt: event.attempt, final: event.final });
          return;
        }
        try {
          if (event.type === "user") await handlers.onUser?.({ kind: event.kind, user: event.user, anonymized: event.anonymized });
          else await handlers.onParticipation?.({ kind: event.kind, userId: event.userId, participation: event.participation, before: event.before });
        } catch (error) {
          const ref = nextRef++;
          thrown.set(ref, error);
          throw { message: String(error?.message ?? error), handlerErrorRef: ref };
        }
      };
      try {
        this.#inner = new glue.WasmPoller(wasmClientOf(client, "UserPoller"),
          JSON.stringify({ customerId, participations, pollIntervalMs, maxAttempts }),
          (key) => store.get(key), (key, value) => store.set(key, value), dispatch);
      } catch (e) {
        throw toVomoError(e);
      }
    }

    /** One poll; `maxRequests` does a slice and the next poll goes on from there. */
    async poll({ signal, maxRequests } = {}) {
      return JSON.parse(await settle(this.#inner.poll(maxRequests ?? undefined, signal)));
    }

    /** `{ missing, complete }`: ids known but not visible now, for review. */
    async reconcile({ signal } = {}) {
      return JSON.parse(await settle(this.#inner.reconcile(signal)));
    }

    /** `{ stalled, lagMs, checkpoint }` as of the last poll of this instance. */
    health() {
      return JSON.parse(this.#inner.health());
    }

    /** Like health(), but reads the stored checkpoint first (for a fresh instance). */
    async loadHealth() {
      return JSON.parse(await settle(this.#inner.loadHealth()));
    }
  };
}

const noStore = { get: () => null, set: () => {} };

function makeImport(glue) {
  /** Upserts a roster through the client; resumable with `store` and `key`. */
  async function importRoster(client, records, options = {}) {
    const { store, key, checkpointEvery = 50, onProgress, mapping, signal } = options ?? {};
    if (!Array.isArray(records)) throw new VomoError("invalid_input", "importRoster: records must be an array");
    if (store != null) requireStore(store, "importRoster");
    if (mapping != null && (typeof mapping.get !== "function" || typeof mapping.set !== "function")) {
      throw new VomoError("invalid_input", "importRoster: mapping must have get(externalId) and set(externalId, value)");
    }
    const s = store ?? noStore;
    const m = mapping ?? noStore;
    const progress = onProgress ? (json) => onProgress(JSON.parse(json)) : undefined;
    const text = await settle(glue.importRoster(wasmClientOf(client, "importRoster"), JSON.stringify(records),
      JSON.stringify({ key: key ?? null, checkpointEvery, hasStore: store != null, hasMapping: mapping != null }),
      (k) => s.get(k), (k, v) => s.set(k, v), (k) => m.get(k), (k, v) => m.set(k, v), progress, signal));
    const result = JSON.parse(text);
    for (const f of result.failed) {
      f.error = new VomoError(f.error.kind, f.error.message, { status: f.error.status, fields: f.error.fields });
    }
    return result;
  }

  /** Looks the email up first; creates the user only when no exact match exists. */
  async function findOrCreateUser(client, email, defaults = {}, { signal } = {}) {
    if (typeof email !== "string") throw new VomoError("invalid_input", "findOrCreateUser: email must be a string");
    return JSON.parse(await settle(glue.findOrCreateUser(wasmClientOf(client, "findOrCreateUser"), email, JSON.stringify(defaults ?? {}), signal)));
  }
  return { importRoster, findOrCreateUser };
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
  const parseRosterCsv = guard((text) => {
    if (typeof text !== "string") throw new VomoError("invalid_input", "parseRosterCsv: text must be a string");
    return JSON.parse(glue.parseRosterCsvJson(text));
  });
  const findMissingIds = guard((currentIds, knownIds) =>
    Array.from(glue.findMissingIds(idList(currentIds, "currentIds") ?? new Float64Array(),
                                   idList(knownIds, "knownIds") ?? new Float64Array())));
  const VomoClient = makeClientClass(glue);
  const UserPoller = makePollerClass(glue);
  const { importRoster, findOrCreateUser } = makeImport(glue);
  return {
    VomoError, VomoClient, UserPoller, MemoryStore, importRoster, findOrCreateUser, parseUserPage, parseUserDetail, parseUser, classifyChange,
    diffParticipations, totalHours, findMissingIds, parseRosterCsv,
  };
}
