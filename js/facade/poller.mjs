import { VomoError, errorFromInfo, toVomoError, settle } from "./errors.mjs";
import { forgetStored, requireStore, storeExtras, storedBaseUrl, wasmClientOf } from "./stores.mjs";
import { callOf, progressOf } from "./call.mjs";
import { checkOptions } from "./options.mjs";
import { jsonOf } from "./to-json.mjs";

const HANDLER_NAMES = ["onUser", "onParticipation", "onDeadLetter"];
/** `UserPollerOptions`. */
const POLLER_OPTIONS = ["client", "store", "customerId", ...HANDLER_NAMES, "participations", "pollIntervalMs",
  "maxAttempts", "retryForMs", "retryIntervalMs", "windowMarginMs", "maxWindowRows", "maxConsecutiveFailures", "maxDeadLetters", "previousBaseUrl"];

export function makePollerClass(glue) {
  /** Incremental change detection per customer. See docs/api.md and docs/poller.md. */
  return class UserPoller {
    #inner;
    constructor(options = {}) {
      checkOptions(options ?? {}, POLLER_OPTIONS, "UserPoller");
      // Defaults are the Rust core's (absent options stay absent).
      const { client, store, customerId, participations, pollIntervalMs, maxAttempts, retryForMs,
        retryIntervalMs, windowMarginMs, maxWindowRows, maxConsecutiveFailures, maxDeadLetters, previousBaseUrl } = options;
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
      const fail = (error) => {
        const ref = nextRef++;
        thrown.set(ref, error);
        throw { message: String(error?.message ?? error), handlerErrorRef: ref };
      };
      // Returns a promise only when the handler did: a synchronous handler's event settles
      // without a promise round trip through the glue (measured in BENCHMARKS.md, CPU per page).
      const settled = (result, onError) =>
        result != null && typeof result.then === "function" ? Promise.resolve(result).then(() => undefined, onError) : undefined;
      const dispatch = (json, deadLetterKind) => {
        const event = JSON.parse(json);
        if (event.type === "deadLetter") {
          const ref = event.error.handlerErrorRef;
          const error = ref != null && thrown.has(ref) ? thrown.get(ref) : new VomoError(deadLetterKind, event.error.message);
          if (ref != null) thrown.delete(ref);
          return settled(handlers.onDeadLetter?.({ user: event.user, error, attempt: event.attempt, final: event.final, participation: event.participation ?? null, version: event.version ?? null }));
        }
        let result;
        try {
          if (event.type === "user") result = handlers.onUser?.({ kind: event.kind, user: event.user, anonymized: event.anonymized });
          else result = handlers.onParticipation?.({ kind: event.kind, userId: event.userId, participation: event.participation, before: event.before });
        } catch (error) {
          fail(error);
        }
        return settled(result, fail);
      };
      try {
        this.#inner = new glue.WasmPoller(wasmClientOf(client, "UserPoller"),
          jsonOf({ customerId, participations, pollIntervalMs, maxAttempts, retryForMs, retryIntervalMs, windowMarginMs, maxWindowRows,
            maxConsecutiveFailures, maxDeadLetters, previousBaseUrl }, "UserPoller", "", { nonFinite: true }),
          (key) => store.get(key), (key, value) => store.set(key, value), dispatch, ...storeExtras(store));
      } catch (e) {
        throw toVomoError(e);
      }
    }

    /** One poll; `maxRequests` does a slice and the next poll goes on from there. */
    async poll(options) {
      const call = callOf(options, "poll", ["maxRequests"]);
      return await settle(this.#inner.poll(options?.maxRequests ?? undefined, call), call);
    }

    /** `{ missing, complete, error, resume }`: ids known but not visible now, for review; `error` says why it did not
     *  complete; `resume`, where a reconcile with `maxRequests` stopped, for `options.resume` to go on from. */
    async reconcile(options) {
      const call = callOf(options, "reconcile", ["onProgress", "maxRequests", "resume"]);
      const progress = progressOf(options?.onProgress, "reconcile");
      const result = await settle(this.#inner.reconcile(call, progress, options?.maxRequests ?? undefined, options?.resume ?? undefined), call);
      result.error = result.error == null ? null : errorFromInfo(result.error);
      return result;
    }

    /** `{ stalled, lagMs, checkpoint }` as of the last poll of this instance. */
    health() {
      return this.#inner.health();
    }

    /** Like health(), but reads the stored checkpoint first (for a fresh instance). */
    async loadHealth() {
      return await settle(this.#inner.loadHealth());
    }

    /**
     * The `baseUrl` a customer's stored state was written for, read from the store alone (no
     * client, nothing sent or written); null when there is no state yet, or it predates the binding.
     */
    static storedBaseUrl(options = {}) {
      return storedBaseUrl(glue, "UserPoller.storedBaseUrl", "customerId", options);
    }
    /**
     * Removes the customer's stored state (under its lease: refused with busy while a poll of
     * it runs), so that its next poll is an initial sync. Resolves to whether there was any.
     */
    static forget(options = {}) {
      return forgetStored(glue, "UserPoller.forget", "customerId", options);
    }
  };
}
