// One Durable Object per customer (named by the customer id). Each invocation (an alarm,
// or the "poll now" route) runs one slice of UserPoller on the object's own storage, at most
// MAX_REQUESTS_PER_SLICE requests to VOMO, and chains another alarm while the backfill or
// the participation scan is incomplete, or after a transient error. Keys under "ops/" are
// this Worker's own (status and metrics); the package keeps its state under "vomo-users/".
import { DurableObject } from "cloudflare:workers";
import { UserPoller, VomoError, policy } from "vomo-users";
import type { PollResult, PollerHealth } from "vomo-users";
import { DurableObjectStore } from "vomo-users/stores";
import { ConfigError, clientFor, secretSource, settings, tokenFor, tokenName, type AppEnv, type Settings } from "./config";
import { seal, unseal, type Sealed } from "./vault";
import { Subrequests, sinkFor, type Sink } from "./delivery";
import { deadLetter, participationEvent, userEvent } from "./events";
import { ParticipationNumbers } from "./participation-numbers";
import { forgetPlace, keepPlace, readKeptPlace } from "./kept-place";
import { log } from "./log";
import { registry } from "./registry";

/** What ran the slice: an alarm (after the cron's kick, or chained) or the "poll now" route. */
export type Trigger = "alarm" | "manual";

export interface SliceError {
  /** A VomoError kind ("auth", "rate_limited", "busy", ...), "config", or "other". */
  kind: string;
  status: number | null;
  retryable: boolean;
  message: string;
  /** How long from now the server asked to wait (a 429's `Retry-After`), else null. */
  retryAfterMs: number | null;
}

/** What one invocation did: the last one is kept and shown by the health route. */
export interface SliceOutcome {
  customerId: string;
  trigger: Trigger;
  at: string;
  ok: boolean;
  result: PollResult | null;
  error: SliceError | null;
  /** Outgoing requests of this invocation: VOMO requests plus queue sends or webhook posts. */
  subrequests: number;
  /** The poller's reads and writes of this object's storage in this invocation. */
  storageReads: number;
  storageWrites: number;
  /** When the next slice is due (ISO), or null: the next cron. */
  nextAlarm: string | null;
}

export interface Metrics {
  invocations: number;
  errors: number;
  /** Events the sink accepted (also those of slices that later failed; not those of a slice
   *  cut off by a deploy or an eviction: metrics are written when a slice ends). */
  delivered: number;
  /** The rest add up the results of the slices that completed without an error. */
  processed: number;
  created: number;
  updated: number;
  failed: number;
  participationEvents: number;
  deadLetters: number;
  requests: number;
  subrequests: number;
  /** Errors in a row; reset by a successful slice. */
  consecutiveErrors: number;
}

export interface HealthReport {
  customerId: string;
  /** False when the customer has no token it can use: no VOMO_TOKEN_<ID> secret, and no registered one TOKEN_KEY decrypts. */
  configured: boolean;
  /** The API base URL this object's state is bound to (see bind): null until a slice reaches the poller; after accept-base-url, the accepted URL. */
  baseUrl: string | null;
  /** The state is another API's than VOMO_BASE_URL's (see bind): the message, and health is
   *  null; or the registered token cannot be read (TOKEN_KEY): the message. */
  configError: string | null;
  health: PollerHealth | null;
  lastPoll: SliceOutcome | null;
  metrics: Metrics;
  nextAlarm: string | null;
  /** A slice of this customer is running now (then `nextAlarm` is null while it runs). */
  sliceRunning: boolean;
}

const KEY = {
  customer: "ops/customer", accepted: "ops/accepted-base-url", last: "ops/last-poll", metrics: "ops/metrics", token: "ops/token",
} as const;

/** What POST /customers/:id/reconcile answers: the package's `reconcile()`, or why it did not finish. */
export interface ReconcileOutcome {
  customerId: string;
  /** Ids this customer's poller delivered that VOMO no longer lists (hard-deleted), ascending. */
  missing: number[];
  /** False when the listing or a confirmation did not finish: `missing` is then not the whole answer. */
  complete: boolean;
  /** True when this call used its RECONCILE_MAX_REQUESTS and the next call goes on where it
   *  stopped (the place is kept in the customer's storage): call again until `complete`. */
  more: boolean;
  /** Why not complete, when not `more`: a VomoError's kind, "config", "limit" (the runtime's
   *  own cap, reached anyway) or "other". */
  error: SliceError | null;
  /** VOMO requests it made. */
  requests: number;
}

/** What POST /customers/:id/resync answers: the state forgotten and a slice scheduled, or why not. */
export type ResyncOutcome = { customerId: string; forgotten: boolean; nextAlarm: string } | { customerId: string; error: string };

/** An accepted move of the state from one API's address to another's, until a slice takes it over. */
interface Accepted {
  from: string;
  to: string;
}

/** How the object's state stands against one VOMO_BASE_URL (see bind). */
interface Binding {
  /** The API the state is of (an accepted move's new URL until a slice took it over); null: not bound yet. */
  bound: string | null;
  /** The URL whose state the next poll takes over (an accepted move's old one), if any. */
  previous?: string;
}
const NO_METRICS: Metrics = {
  invocations: 0, errors: 0, delivered: 0, processed: 0, created: 0, updated: 0, failed: 0,
  participationEvents: 0, deadLetters: 0, requests: 0, subrequests: 0, consecutiveErrors: 0,
};
/** After this many transient errors in a row, stop retrying by alarm and wait for the cron. */
const MAX_ALARM_RETRIES = 5;

/** What one invocation sent and stored. */
interface Tally {
  subrequests: Subrequests;
  delivered: number;
  deadLetters: number;
  storageReads: number;
  storageWrites: number;
}

/**
 * The package's Durable Object store, counting the rows it reads and writes (for the capacity
 * plan): a `setMany` writes one row per entry, a `delete` removes one.
 */
class CountingStore extends DurableObjectStore {
  constructor(storage: DurableObjectStorage, private tally: Tally) {
    super(storage);
  }
  override async get(key: string) {
    this.tally.storageReads++;
    return super.get(key);
  }
  override async set(key: string, value: string) {
    this.tally.storageWrites++;
    return super.set(key, value);
  }
  override async setMany(entries: Iterable<[string, string]>) {
    const list = [...entries];
    this.tally.storageWrites += list.length;
    return super.setMany(list);
  }
  override async delete(key: string) {
    this.tally.storageWrites++;
    return super.delete(key);
  }
}

/** The state is of the API at `bound`, and VOMO_BASE_URL is `api`: the message says what to do. */
class BoundElsewhere extends ConfigError {
  readonly bound: string;
  constructor(customerId: string, bound: string, api: string) {
    super(`the state of customer ${JSON.stringify(customerId)} (its checkpoint and known ids) is of the VOMO API at ${bound}, ` +
      `and VOMO_BASE_URL is now ${api}: polled from that checkpoint, ${api} would never deliver its changes before it. ` +
      `Set VOMO_BASE_URL back to ${bound}; or, if ${api} is the same VOMO organization under a new address, ` +
      `accept it (POST /customers/${customerId}/accept-base-url: polling goes on from the checkpoint); ` +
      `or start the customer over (POST /customers/${customerId}/resync: its state is forgotten and every user delivered again from ${api})`);
    this.bound = bound;
  }
}

/**
 * A client for the customer's token; a token the package refuses to send (a space or line
 * break inside it: the registration route refuses those, a secret may hold one) is a
 * ConfigError, which alerts on "config" catch, not an invalid_input retried every cron.
 */
function describe(e: unknown): SliceError {
  if (e instanceof VomoError) {
    return { kind: e.kind, status: e.status, retryable: e.retryable, message: e.message, retryAfterMs: e.retryAfterMs };
  }
  if (e instanceof ConfigError) return { kind: "config", status: null, retryable: false, message: e.message, retryAfterMs: null };
  return { kind: "other", status: null, retryable: true, message: String((e as Error)?.message ?? e), retryAfterMs: null };
}

/**
 * Whether a failed slice is tried again by alarm: a transient error (the package's
 * `retryable`: rate_limited, server, network, timeout), and an answer that could not be read
 * (`parse` with the HTTP status it came with: a page cut off, a proxy's error page): passing,
 * like a 5xx, where the cron would leave the customer for up to a whole interval (an outside
 * pass). One that lasts (the API changed its shape) costs the retries, as a lasting 5xx does;
 * a `parse` without a status is of the saved state, which no retry mends. `busy` chains
 * elsewhere (below).
 */
function retriedByAlarm(error: SliceError): boolean {
  return error.kind !== "busy" && (error.retryable || (error.kind === "parse" && error.status !== null));
}

export class CustomerPoller extends DurableObject<AppEnv> {
  /** Slices running in this object now (an alarm's, a "poll now"); in memory: an evicted object runs none. */
  private running = 0;
  /** A reconcile call is running in this object now (in memory, as `running`). */
  private reconciling = false;

  /** Cron fan-out: makes sure a slice runs soon, without waiting for it. */
  async kick(customerId: string): Promise<{ scheduled: boolean }> {
    await this.remember(customerId);
    // A chain is under way: an alarm is set, or a slice is running (while an alarm handler
    // runs, getAlarm() says none, and a new one would run again right after it).
    if (this.running > 0 || (await this.ctx.storage.getAlarm()) !== null) return { scheduled: false };
    await this.ctx.storage.setAlarm(Date.now());
    return { scheduled: true };
  }

  /** The "poll now" route: one slice, right away. */
  async pollNow(customerId: string): Promise<SliceOutcome> {
    await this.remember(customerId);
    return this.slice(customerId, "manual");
  }

  /** PUT /customers/:id: keeps the customer's token, encrypted, in this object's storage. */
  async register(customerId: string, token: string): Promise<void> {
    if (!this.env.TOKEN_KEY) throw new Error("the TOKEN_KEY secret is not set");
    await this.remember(customerId);
    await this.ctx.storage.put(KEY.token, await seal(this.env.TOKEN_KEY, customerId, token));
  }

  /**
   * DELETE /customers/:id: forgets the registered token and, unless the CUSTOMERS var still
   * lists the customer, stops the chain; the poller's state stays. A slice running now ends
   * as it is; an alarm it chains finds the customer gone and stops (runSlice).
   */
  async unregister(customerId: string, { stopPolling }: { stopPolling: boolean }): Promise<void> {
    await this.remember(customerId);
    await this.ctx.storage.delete(KEY.token);
    if (stopPolling) await this.ctx.storage.deleteAlarm();
  }

  /**
   * POST /customers/:id/accept-base-url: binds the state to the current VOMO_BASE_URL, keeping
   * the checkpoint (the same VOMO organization under a new address). Returns both URLs.
   */
  async acceptBaseUrl(customerId: string): Promise<{ customerId: string; baseUrl: string; previous: string | null }> {
    await this.remember(customerId);
    const baseUrl = settings(this.env).baseUrl;
    // What the customer was bound to before this call: after an accept that no slice has
    // taken over yet, that accept's URL (accepted twice at one URL, the second says that URL).
    const previous = (await this.bind(customerId, baseUrl, "accept")).bound;
    if (previous !== baseUrl) log("vomo.base_url_accepted", { customerId, baseUrl, previous });
    return { customerId, baseUrl, previous };
  }

  /**
   * POST /customers/:id/resync: forgets the customer's poller state (checkpoint, known ids,
   * dead letters, participations: the package's UserPoller.forget) and schedules a slice now,
   * which backfills every user again from VOMO_BASE_URL and binds the new state to it. Refused
   * (`busy`) while a slice of the customer is polling: its lease is on the state.
   */
  async resync(customerId: string): Promise<ResyncOutcome> {
    await this.remember(customerId);
    let forgotten: boolean;
    try {
      forgotten = await UserPoller.forget({ store: new DurableObjectStore(this.ctx.storage), customerId });
    } catch (e) {
      if (e instanceof VomoError && e.kind === "busy") return { customerId, error: `a slice of this customer is polling now: resync when it has ended (${e.message})` };
      throw e;
    }
    // A move accepted for the old state, a reconcile of it: nothing is left to take over.
    await this.ctx.storage.delete(KEY.accepted);
    await forgetPlace(this.ctx.storage);
    const next = Date.now();
    await this.ctx.storage.setAlarm(next);
    log("vomo.resync", { customerId, forgotten });
    return { customerId, forgotten, nextAlarm: new Date(next).toISOString() };
  }

  /**
   * POST /customers/:id/reconcile: the users this customer's poller delivered that VOMO no
   * longer lists (the package's `reconcile()`: a listing of every user, each candidate
   * confirmed by its own request), for review; nothing is changed or delivered. It reads the
   * state without a lease, so it may run beside a slice. In slices of RECONCILE_MAX_REQUESTS
   * VOMO requests (the package's `maxRequests`, retries included), one a call: a call that used
   * its budget keeps where it stopped (`resume`, in the customer's storage) and answers
   * `more`, and the next call goes on from there, so any number of users is reconciled within
   * the plan's subrequests per invocation. `fresh` starts over. The fetch is also capped at
   * the budget, as a last guard (`limit`). One call at a time: a second while one runs is
   * refused (`busy`), since both would go on from the same kept place, each spending its
   * budget on the same requests, and the later one's place would overwrite the other's.
   */
  async reconcile(customerId: string, fresh = false): Promise<ReconcileOutcome> {
    await this.remember(customerId);
    const counted = new Subrequests();
    const stopped = (error: SliceError): ReconcileOutcome => ({ customerId, missing: [], complete: false, more: false, error, requests: counted.count });
    if (this.reconciling) {
      return stopped({ kind: "busy", status: null, retryable: true, retryAfterMs: null,
        message: "a reconcile of this customer is running now: call again when it has answered" });
    }
    this.reconciling = true;
    try {
      return await this.reconcileSlice(customerId, fresh, counted, stopped);
    } finally {
      this.reconciling = false;
    }
  }

  /** One reconcile call's slice (see `reconcile`). */
  private async reconcileSlice(
    customerId: string, fresh: boolean, counted: Subrequests, stopped: (error: SliceError) => ReconcileOutcome,
  ): Promise<ReconcileOutcome> {
    const stop = new AbortController();
    // A fresh start forgets the kept place first: a call that then fails or dies (a deploy, an
    // eviction) must not leave the next call going on from the run it was asked to drop.
    if (fresh) await forgetPlace(this.ctx.storage);
    try {
      const s = settings(this.env);
      await this.bind(customerId, s.baseUrl, "check");
      const token = await this.token(customerId);
      if (!token) throw new ConfigError(`no token: set the secret ${tokenName(customerId)}, or register the customer (PUT /customers/${customerId})`);
      const capped: typeof fetch = (input, init) => {
        if (counted.count < s.reconcileMaxRequests) return counted.fetch(input, init);
        stop.abort(new Error("RECONCILE_MAX_REQUESTS reached"));
        return Promise.reject(stop.signal.reason);
      };
      const client = clientFor(token.value, {
        baseUrl: s.baseUrl, requestsPerSecond: s.requestsPerSecond, fetch: capped, maxRetryAfterMs: 30_000, timeoutMs: 15_000,
      }, token.source);
      const resume = fresh ? undefined : await readKeptPlace(this.ctx.storage);
      const poller = new UserPoller({ client, store: new DurableObjectStore(this.ctx.storage), customerId });
      const r = await poller.reconcile({ signal: stop.signal, maxRequests: s.reconcileMaxRequests, resume });
      if (r.resume) await keepPlace(this.ctx.storage, r.resume);
      else await forgetPlace(this.ctx.storage); // done, or failed: the next call starts over
      const outcome: ReconcileOutcome = {
        customerId, missing: r.missing, complete: r.complete, more: r.resume !== null, error: r.error ? describe(r.error) : null, requests: counted.count,
      };
      log("vomo.reconcile", {
        customerId, missing: r.missing.length, complete: r.complete, more: outcome.more, resumed: resume !== undefined,
        keptChars: r.resume?.length ?? 0, requests: counted.count, error: outcome.error,
      });
      return outcome;
    } catch (e) {
      const error: SliceError = stop.signal.aborted
        ? { kind: "limit", status: null, retryable: false, retryAfterMs: null,
            message: `stopped after ${counted.count} VOMO requests (RECONCILE_MAX_REQUESTS): listing this customer's users needs more; raise it, up to the plan's subrequests per invocation` }
        : describe(e);
      if (error.kind === "other") throw e;
      // A kept place the package refuses (of the API before an accepted move): the next call starts over.
      if (error.kind === "invalid_input") await forgetPlace(this.ctx.storage);
      log("vomo.reconcile", { customerId, complete: false, requests: counted.count, error });
      return stopped(error);
    }
  }

  async health(customerId: string): Promise<HealthReport> {
    await this.remember(customerId);
    const storage = this.ctx.storage;
    const [last, metrics, alarm] = await Promise.all([
      storage.get<SliceOutcome>(KEY.last), storage.get<Metrics>(KEY.metrics), storage.getAlarm(),
    ]);
    const s = settings(this.env);
    let configError: string | null = null;
    let bound: string | null = null;
    try {
      bound = (await this.bind(customerId, s.baseUrl, "check")).bound;
    } catch (e) {
      if (!(e instanceof BoundElsewhere)) throw e;
      configError = e.message;
      bound = e.bound;
    }
    // A registered token that TOKEN_KEY cannot decrypt is no token, and configError says why
    // (a TOKEN_KEY rotated or cut short: every slice fails the same way until it is mended).
    const token = await this.token(customerId).catch((e) => {
      if (!(e instanceof ConfigError)) throw e;
      configError ??= e.message;
      return null;
    });
    let health: PollerHealth | null = null;
    if (token && !configError) {
      try {
        // Reads the stored checkpoint only: no request is sent.
        const client = clientFor(token.value, { baseUrl: s.baseUrl }, token.source);
        const poller = new UserPoller({ client, store: new DurableObjectStore(storage), customerId, pollIntervalMs: s.pollIntervalMs });
        health = await poller.loadHealth();
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        configError = e.message;
      }
    }
    return {
      customerId, configured: token !== null, baseUrl: bound, configError, health, lastPoll: last ?? null,
      metrics: { ...NO_METRICS, ...metrics }, nextAlarm: alarm === null ? null : new Date(alarm).toISOString(),
      sliceRunning: this.running > 0,
    };
  }

  async alarm(): Promise<void> {
    const customerId = await this.ctx.storage.get<string>(KEY.customer);
    if (!customerId) return;  // never configured through kick() or a route
    // Never throws: a failed slice schedules its own retry (see slice), so the runtime's
    // alarm retries (at-least-once, up to 6) are not needed on top.
    await this.slice(customerId, "alarm");
  }

  /** The customer's VOMO token: its secret VOMO_TOKEN_<ID>, else the registered one, else
   *  null; with where it came from, for a message about it (never the token). */
  private async token(customerId: string): Promise<{ value: string; source: string } | null> {
    const secret = tokenFor(this.env, customerId);
    if (secret) return { value: secret, source: secretSource(customerId) };
    const sealed = await this.ctx.storage.get<Sealed>(KEY.token);
    if (!sealed || !this.env.TOKEN_KEY) return null;
    return { value: await unseal(this.env.TOKEN_KEY, customerId, sealed), source: `the token registered for ${JSON.stringify(customerId)}` };
  }

  private async remember(customerId: string) {
    const known = await this.ctx.storage.get<string>(KEY.customer);
    if (known === undefined) await this.ctx.storage.put(KEY.customer, customerId);
    else if (known !== customerId) throw new Error(`this object belongs to customer ${JSON.stringify(known)}`);
  }

  /**
   * The one place that decides whether this object's state may be polled at VOMO_BASE_URL
   * (`api`). The poller's state (checkpoint, known ids) is a fact about one API: polled against
   * another (a staging or simulated API, then the real one), it would go on from the other's
   * checkpoint and never deliver the changes before it. The package records in the state which
   * API it is of (docs/api.md, "Which API a state is of"), and this reads that record
   * (`UserPoller.storedBaseUrl`) instead of keeping one of its own: a state of another API is
   * a ConfigError here (BoundElsewhere: not retried, recorded as the slice's error, shown by
   * health, with the way out) before the package would refuse it, until VOMO_BASE_URL is set
   * back or "accept" (the admin route) records the move. That record, the only one this object
   * keeps, names both URLs until a slice has taken the state over (passing the old one as
   * `previousBaseUrl`); accepted twice before that, the state is still the first URL's, so
   * that one is kept. A state not bound yet (a new customer, or state from before states
   * recorded their API) is taken by the first API that polls it. "check" changes nothing.
   */
  private async bind(customerId: string, api: string, mode: "check" | "bind" | "accept"): Promise<Binding> {
    const storage = this.ctx.storage;
    const stored = await UserPoller.storedBaseUrl({ store: new DurableObjectStore(storage), customerId });
    const accepted = await storage.get<Accepted>(KEY.accepted);
    const pending = accepted !== undefined && accepted.from === stored;
    const binding: Binding = pending ? { bound: accepted.to, previous: accepted.from } : { bound: stored };
    if (accepted !== undefined && !pending && mode !== "check") await storage.delete(KEY.accepted); // taken over by a slice
    const { bound } = binding;
    if (bound !== null && bound !== api && mode !== "accept") throw new BoundElsewhere(customerId, bound, api);
    if (mode === "accept" && bound !== api) {
      // Back at the state's own API (or nothing bound yet): no move is left to take over.
      if (stored === null || stored === api) await storage.delete(KEY.accepted);
      else await storage.put(KEY.accepted, { from: stored, to: api } satisfies Accepted);
    }
    return binding;
  }

  private async slice(customerId: string, trigger: Trigger): Promise<SliceOutcome> {
    this.running++;
    try {
      return await this.runSlice(customerId, trigger);
    } finally {
      this.running--;
    }
  }

  private async runSlice(customerId: string, trigger: Trigger): Promise<SliceOutcome> {
    const started = Date.now();
    const tally: Tally = { subrequests: new Subrequests(), delivered: 0, deadLetters: 0, storageReads: 0, storageWrites: 0 };
    let result: PollResult | null = null;
    let error: SliceError | null = null;
    let s: Settings | null = null;
    try {
      s = settings(this.env);
      if (trigger === "alarm") {
        // A customer taken out of CUSTOMERS, unregistered or refused since its chain began is
        // not polled any more: its alarm chain ends here (the routes and the cron ask the same).
        const standing = await registry(this.env).standing(customerId);
        if (!standing.known || standing.refused) {
          throw new ConfigError(`customer ${JSON.stringify(customerId)} is no longer polled (${standing.refused ?? "it is neither in CUSTOMERS nor registered"}): its alarm chain stops`);
        }
      }
      const token = await this.token(customerId);
      if (!token) throw new ConfigError(`no token: set the secret ${tokenName(customerId)}, or register the customer (PUT /customers/${customerId})`);
      const { previous } = await this.bind(customerId, s.baseUrl, "bind");
      const poller = this.poller(customerId, token, s, sinkFor(this.env, s, tally.subrequests), tally, previous);
      result = JSON.parse(JSON.stringify(await poller.poll({ maxRequests: s.maxRequestsPerSlice }))) as PollResult;
      if (previous !== undefined) await this.ctx.storage.delete(KEY.accepted); // taken over by that poll
    } catch (e) {
      error = describe(e);
    }

    const metrics = { ...NO_METRICS, ...(await this.ctx.storage.get<Metrics>(KEY.metrics)) };
    metrics.invocations++;
    metrics.subrequests += tally.subrequests.count;
    metrics.deadLetters += tally.deadLetters;
    metrics.delivered += tally.delivered;
    if (result) {
      metrics.consecutiveErrors = 0;
      for (const k of ["processed", "created", "updated", "failed", "participationEvents", "requests"] as const) metrics[k] += result[k];
    } else if (error?.kind !== "busy") {
      metrics.errors++;
      metrics.consecutiveErrors++;
    }

    // The next slice: soon while incomplete; after a delay on a transient error; otherwise
    // the next cron. "busy" means another slice of this customer is running and will chain.
    // A poll stopped because the downstream failed every delivery ("handler_outage") or the
    // dead-letter queue is full waits for the next cron instead of hammering it.
    const downstreamDown = result?.stopReason === "handler_outage" || result?.stopReason === "dead_letter_limit";
    let next: number | null = null;
    // "busy" while no other slice runs in this object: the lease is a slice's that died with
    // the object (a deploy, an eviction mid-slice). Nobody will chain: try again once that
    // lease has expired instead of leaving the customer until the next cron.
    const orphanedLease = error?.kind === "busy" && this.running === 1;
    // Queued retries the slice's budget left: drain them now, not a slice's worth each cron.
    // After a refusal only while RETRY_INTERVAL_MS keeps what was refused out of the next
    // slices (longer than the chain's delay), and only when the slice delivered something: a
    // refusal waits out the interval once a delivery after it went through, so a receiver
    // refusing every retry of a quiet walk would otherwise be offered them every
    // CHAIN_DELAY_MS. Otherwise the rest waits for the cron.
    const delivered = result !== null && result.processed + result.participationEvents > 0;
    const refusedWait = s !== null && s.retryIntervalMs > s.chainDelayMs && delivered;
    const draining = result !== null && result.retriesDeferred > 0 && (result.failed === 0 || refusedWait);
    if (result && (!result.complete || draining) && !downstreamDown) next = Date.now() + (s?.chainDelayMs ?? 0);
    else if (orphanedLease) next = Date.now() + policy().poller.leaseMs + 1000;
    else if (error && retriedByAlarm(error) && metrics.consecutiveErrors <= MAX_ALARM_RETRIES) {
      // Not before the server's Retry-After (a 429 asking for longer than the client waits).
      const backoff = (s?.retryDelayMs ?? 60_000) * 2 ** (metrics.consecutiveErrors - 1);
      next = Date.now() + Math.max(backoff, error.retryAfterMs ?? 0);
    }
    if (next !== null) await this.ctx.storage.setAlarm(next);

    // This Worker's own rows, written below with the outcome: the last poll and the metrics.
    const record = error?.kind !== "busy" || orphanedLease;
    if (record) tally.storageWrites += 2;
    const outcome: SliceOutcome = {
      customerId, trigger, at: new Date(started).toISOString(), ok: result !== null, result, error,
      subrequests: tally.subrequests.count, storageReads: tally.storageReads, storageWrites: tally.storageWrites,
      nextAlarm: next === null ? null : new Date(next).toISOString(),
    };
    if (record) await this.ctx.storage.put({ [KEY.last]: outcome, [KEY.metrics]: metrics });
    log("vomo.poll", {
      customerId, trigger, ok: outcome.ok, ...(result ?? {}), subrequests: tally.subrequests.count,
      delivered: tally.delivered, deadLetters: tally.deadLetters,
      storageReads: tally.storageReads, storageWrites: tally.storageWrites, nextAlarm: outcome.nextAlarm, error,
    });
    return outcome;
  }

  private poller(customerId: string, token: { value: string; source: string }, s: Settings, sink: Sink, tally: Tally, previousBaseUrl?: string) {
    const client = clientFor(token.value, {
      baseUrl: s.baseUrl, requestsPerSecond: s.requestsPerSecond, fetch: tally.subrequests.fetch,
      // A Retry-After longer than this ends the slice as rate_limited; the alarm retries later.
      maxRetryAfterMs: 30_000, timeoutMs: 15_000,
    }, token.source);
    const numbers = new ParticipationNumbers(this.ctx.storage, tally);
    return new UserPoller({
      client, customerId, store: new CountingStore(this.ctx.storage, tally),
      participations: s.participations, pollIntervalMs: s.pollIntervalMs, maxAttempts: s.maxAttempts, retryForMs: s.retryForMs,
      retryIntervalMs: s.retryIntervalMs, maxWindowRows: s.maxWindowRows, previousBaseUrl,
      onUser: async (e) => {
        await sink.event(userEvent(customerId, e));
        tally.delivered++;
      },
      onParticipation: async (e) => {
        const numbered = await numbers.of(e);
        try {
          await sink.event(participationEvent(customerId, e, numbered));
        } catch (err) {
          await numbers.refused(numbered);
          throw err;
        }
        await numbers.taken(numbered);
        tally.delivered++;
      },
      onDeadLetter: async (e) => {
        const numbered = e.participation ? await numbers.of(e.participation) : undefined;
        const letter = deadLetter(customerId, e, numbered);
        log("vomo.dead_letter", { customerId, idempotencyKey: letter.idempotencyKey, attempt: e.attempt, final: e.final, error: letter.error });
        if (!e.final) return;  // offered again on the next slice
        try {
          await sink.deadLetter(letter);
        } catch (err) {
          // Thrown on: the package then keeps the change queued and gives it up again on a
          // later slice, instead of settling a change that reached no one.
          log("vomo.dead_letter_failed", { customerId, idempotencyKey: letter.idempotencyKey, error: String((err as Error)?.message ?? err) });
          throw err;
        }
        if (numbered) await numbers.givenUp(numbered);
        tally.deadLetters++;
      },
    });
  }
}
