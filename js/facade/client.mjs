import { VomoError, toVomoError, settle, parseOrNull } from "./errors.mjs";
import { callOf, ignoringFailures, throwIfAborted } from "./call.mjs";
import { checkOptions } from "./options.mjs";
import { jsonOf } from "./to-json.mjs";
import { asId } from "./ids.mjs";
import { isDate } from "./realm.mjs";

/** `VomoClientOptions`: the JSON ones are read by the Rust core, the rest here. */
const CLIENT_OPTIONS = ["token", "baseUrl", "requestsPerSecond", "maxRetries", "maxRetryAfterMs", "timeoutMs",
  "maxResponseBytes", "fetch", "onWarning", "log", "userAgent"];

// Dates become ISO text, for the date filters alone (`policy().dateFilterKeys`: a Date as
// `nameLike` would search names for "2026-01-01T00:00:00.000Z"); anything else but text is
// refused here, where `String()` would have sent `name_like=[object Object]`. Which filter
// names exist, and which texts are dates, is the Rust core's `Filters` type (an unknown name
// is rejected there, with the known ones).
function filtersJson(filters, dateKeys) {
  if (filters == null) return "{}";
  if (typeof filters !== "object") throw new VomoError("invalid_input", "filters must be an object");
  const out = {};
  for (const [key, value] of Object.entries(filters)) {
    if (value == null) continue;
    const date = dateKeys.includes(key);
    if (date && isDate(value)) {
      if (Number.isNaN(value.getTime())) throw new VomoError("invalid_input", `${key}: invalid Date`);
      out[key] = value.toISOString();
    } else if (typeof value === "string") {
      out[key] = value;
    } else {
      const got = Array.isArray(value) ? "an array" : isDate(value) ? "a Date" : typeof value;
      throw new VomoError("invalid_input", `filters: ${key} must be a string${date ? " or a Date" : ""} (got ${got})`);
    }
  }
  return JSON.stringify(out);
}

/** `policy`: the core's rules (its `dateFilterKeys` here). */
export function makeClientClass(glue, policy) {
  /** The VOMO Users client. See docs/api.md. */
  return class VomoClient {
    #inner;
    constructor(options = {}) {
      // The HTTP exchange, timeouts and sleeps run in Rust (web-sys fetch, gloo-timers):
      // only an injected `fetch` and the hooks cross from here.
      checkOptions(options ?? {}, CLIENT_OPTIONS, "VomoClient");
      const { fetch: fetchFn, onWarning, log, userAgent, ...rest } = options ?? {};
      if (fetchFn === undefined && typeof globalThis.fetch !== "function") {
        throw new VomoError("invalid_input", "VomoClient: this runtime has no global fetch (Jest's jsdom environment, Node before 18): pass one as the `fetch` option");
      }
      if (fetchFn !== undefined && typeof fetchFn !== "function") throw new VomoError("invalid_input", "VomoClient: fetch must be a function");
      if (onWarning != null && typeof onWarning !== "function") throw new VomoError("invalid_input", "VomoClient: onWarning must be a function");
      if (log != null && typeof log !== "function") throw new VomoError("invalid_input", "VomoClient: log must be a function");
      if (userAgent != null && typeof userAgent !== "string") throw new VomoError("invalid_input", "VomoClient: userAgent must be a string");
      // A header value fetch accepts and every server reads: printable ASCII and spaces (RFC 9110's products and comments).
      const bad = userAgent?.search(/[^\x20-\x7e]/) ?? -1;
      if (bad >= 0) {
        throw new VomoError("invalid_input", `VomoClient: userAgent has ${JSON.stringify(userAgent[bad])} at character ${bad + 1}; ` +
          'a User-Agent is printable ASCII, such as "acme-sync/2.1"');
      }
      try {
        this.#inner = new glue.WasmClient(jsonOf(rest, "VomoClient", "", { nonFinite: true }), fetchFn ?? undefined, userAgent ?? undefined,
          onWarning == null ? undefined : ignoringFailures(onWarning), log == null ? undefined : ignoringFailures(log));
      } catch (e) {
        throw toVomoError(e);
      }
    }

    /** The base URL as the client checked it: what requests go to and saved state records. */
    get baseUrl() {
      return this.#inner.baseUrl;
    }

    /** `check()`'s value; what it throws (a call refused here, before the core saw it) is
     *  counted in `stats().errors`, as the core counts the calls it ends in an error. */
    #refusing(check) {
      try {
        return check();
      } catch (e) {
        this.#inner.countRefused();
        throw e;
      }
    }

    /** Async iterator of pages (`Page<User>`), streamed one request at a time. */
    async *listUserPages(filters, options) {
      yield* this.#pages(filters, this.#refusing(() => callOf(options, "listUserPages")));
    }

    /** Async iterator of users across all pages; an aborted signal ends it before the next user. */
    async *listUsers(filters, options) {
      const call = this.#refusing(() => callOf(options, "listUsers"));
      for await (const page of this.#pages(filters, call)) {
        for (const user of page.data) {
          this.#refusing(() => throwIfAborted(call));
          yield user;
        }
      }
    }

    async *#pages(filters, call) {
      let listing;
      try {
        listing = this.#inner.startListing(this.#refusing(() => filtersJson(filters, policy().dateFilterKeys)));
      } catch (e) {
        throw toVomoError(e);
      }
      try {
        for (;;) {
          const text = await settle(listing.next(call), call);
          if (text == null) return;
          yield JSON.parse(text);
        }
      } finally {
        listing.free();
      }
    }

    /** Every matching user, as one array. */
    async listAllUsers(filters, options) {
      const json = this.#refusing(() => filtersJson(filters, policy().dateFilterKeys));
      const call = this.#refusing(() => callOf(options, "listAllUsers"));
      return JSON.parse(await settle(this.#inner.listAllUsers(json, call), call));
    }

    /** The user's detail, or null on 404. */
    async getUser(id, options) {
      const call = this.#refusing(() => callOf(options, "getUser"));
      return parseOrNull(await settle(this.#inner.getUser(this.#refusing(() => asId(id, "getUser: id")), call), call));
    }

    /** The email-keyed upsert: `{ user, created, uncertain }`. */
    async upsertUser(input, options) {
      const [call, json] = this.#refusing(() => {
        if (input == null || typeof input !== "object" || Array.isArray(input)) {
          throw new VomoError("invalid_input", `upsertUser: input must be an object of upsert fields (got ${Array.isArray(input) ? "an array" : input === null ? "null" : typeof input})`);
        }
        const call = callOf(options, "upsertUser");
        return [call, jsonOf(input, "upsertUser", "")];
      });
      return JSON.parse(await settle(this.#inner.upsertUser(json, call), call));
    }

    /** Exact, case-insensitive match after `email_like`; or null. */
    async findUserByEmail(email, options) {
      const call = this.#refusing(() => {
        if (typeof email !== "string") throw new VomoError("invalid_input", "findUserByEmail: email must be a string");
        return callOf(options, "findUserByEmail");
      });
      return parseOrNull(await settle(this.#inner.findUserByEmail(email, call), call));
    }

    /** `{ requests, retries, rateLimited, errors }` */
    stats() {
      return this.#inner.stats();
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
