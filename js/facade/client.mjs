import { VomoError, toVomoError, settle, parseOrNull } from "./errors.mjs";
import { makeTransport, sleep, CAN_SET_USER_AGENT } from "./transport.mjs";
import { callOf } from "./call.mjs";

// Dates become ISO text; which filter names exist is the Rust core's `Filters` type (an
// unknown one is rejected there, with the list of known ones).
function filtersJson(filters) {
  if (filters == null) return "{}";
  if (typeof filters !== "object") throw new VomoError("invalid_input", "filters must be an object");
  const out = {};
  for (const [key, value] of Object.entries(filters)) {
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


export function makeClientClass(glue, policy) {
  /** The VOMO Users client. See docs/api.md. */
  return class VomoClient {
    #inner;
    constructor(options = {}) {
      const { fetch: fetchFn = globalThis.fetch, onWarning, log, userAgent, ...rest } = options ?? {};
      if (typeof fetchFn !== "function") throw new VomoError("invalid_input", "VomoClient: fetch must be a function");
      if (onWarning != null && typeof onWarning !== "function") throw new VomoError("invalid_input", "VomoClient: onWarning must be a function");
      if (log != null && typeof log !== "function") throw new VomoError("invalid_input", "VomoClient: log must be a function");
      if (userAgent != null && typeof userAgent !== "string") throw new VomoError("invalid_input", "VomoClient: userAgent must be a string");
      try {
        const ua = CAN_SET_USER_AGENT ? [userAgent, `vomo-users/${policy().version}`].filter(Boolean).join(" ") : null;
        const transport = makeTransport((url, init) => fetchFn(url, init), ua);
        const onLog = log ? (json) => log(JSON.parse(json)) : undefined;
        this.#inner = new glue.WasmClient(JSON.stringify(rest), transport, sleep, onWarning ?? undefined, onLog);
      } catch (e) {
        throw toVomoError(e);
      }
    }

    /** Async iterator of pages (`Page<User>`), streamed one request at a time. */
    async *listUserPages(filters, options) {
      const call = callOf(options, "listUserPages");
      let listing;
      try {
        listing = this.#inner.startListing(filtersJson(filters));
      } catch (e) {
        throw toVomoError(e);
      }
      try {
        for (;;) {
          const text = await settle(listing.next(call));
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
    async listAllUsers(filters, options) {
      const json = filtersJson(filters);
      return JSON.parse(await settle(this.#inner.listAllUsers(json, callOf(options, "listAllUsers"))));
    }

    /** The user's detail, or null on 404. */
    async getUser(id, options) {
      return parseOrNull(await settle(this.#inner.getUser(Number(id), callOf(options, "getUser"))));
    }

    /** The email-keyed upsert: `{ user, created, uncertain }`. */
    async upsertUser(input, options) {
      if (input == null || typeof input !== "object") throw new VomoError("invalid_input", "upsertUser: input must be an object");
      return JSON.parse(await settle(this.#inner.upsertUser(JSON.stringify(input), callOf(options, "upsertUser"))));
    }

    /** Exact, case-insensitive match after `email_like`; or null. */
    async findUserByEmail(email, options) {
      if (typeof email !== "string") throw new VomoError("invalid_input", "findUserByEmail: email must be a string");
      return parseOrNull(await settle(this.#inner.findUserByEmail(email, callOf(options, "findUserByEmail"))));
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
