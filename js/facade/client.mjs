import { VomoError, toVomoError, settle, parseOrNull } from "./errors.mjs";
import { makeTransport, sleep } from "./transport.mjs";

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


export function makeClientClass(glue) {
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
