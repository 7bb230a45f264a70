// Settings from the Worker's vars and secrets, read and checked in one place. Customers come
// from the CUSTOMERS var and from the registry (registry.ts); tokens from secrets named
// VOMO_TOKEN_<CUSTOMER> or, for registered customers, from their object's vault (vault.ts).
// Nothing here ever returns or logs a token.
import { VomoClient, VomoError, policy } from "vomo-users";
import type { Policy } from "vomo-users";

/** Secrets are not in wrangler.jsonc, so `wrangler types` cannot see them: declared here. */
export interface Secrets {
  ADMIN_TOKEN?: string;
  WEBHOOK_SECRET?: string;
  /** AES-256-GCM key (32 bytes, base64) for tokens registered through PUT /customers/:id. */
  TOKEN_KEY?: string;
  /** VOMO_TOKEN_<CUSTOMER>: one per customer (see tokenName). */
  [name: `VOMO_TOKEN_${string}`]: string | undefined;
}
export type AppEnv = Env & Secrets;

export type Delivery = "queue" | "webhook";
/** The participations modes, as the package names them (`policy().poller.participationModes`). */
export type Participations = Policy["poller"]["participations"];

export interface Settings {
  baseUrl: string;
  delivery: Delivery;
  webhookUrl: string | null;
  deadLetterUrl: string | null;
  participations: Participations;
  maxRequestsPerSlice: number;
  chainDelayMs: number;
  retryDelayMs: number;
  requestsPerSecond: number;
  maxAttempts: number;
  retryForMs: number;
  retryIntervalMs: number;
  /** The package's `maxWindowRows`: a backfill walks windows of at most this many rows. */
  maxWindowRows: number;
  pollIntervalMs: number;
  /** The cron runs take turns over this many groups of customers (index.ts). */
  pollGroups: number;
  /** VOMO requests one reconciliation (POST /customers/:id/reconcile) may make. */
  reconcileMaxRequests: number;
}

/** A setting that cannot work: nothing retried succeeds until the configuration changes. */
export class ConfigError extends Error {}

/**
 * A client for a customer's token. Whether the package can send a token is its own rule (a
 * space or line break inside is refused): a token it refuses is a ConfigError naming the
 * problem and `source` (where the token came from), never the token. Registration (routes.ts)
 * asks the same question before storing one.
 */
export function clientFor(token: string, options: Omit<ConstructorParameters<typeof VomoClient>[0], "token">,
  source = "the customer's token"): VomoClient {
  try {
    return new VomoClient({ token, ...options });
  } catch (e) {
    if (e instanceof VomoError && e.kind === "invalid_input") throw new ConfigError(`${source} cannot be sent: ${e.message}`);
    throw e;
  }
}

/**
 * The rule for a customer id, as the README states it. An id names the customer's Durable
 * Object and its token secret (tokenName); "import" is the name under which the package's
 * poller keeps the imports' progress, so it refuses it as a customer id.
 */
export const CUSTOMER_ID_RULE = '1 to 64 ASCII letters, digits, "_", "." and "-", starting with a letter or a digit, and not "import"';
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Why `id` cannot be a customer id, or null. */
export function invalidCustomerId(id: string): string | null {
  if (id === "import") return `"import" is reserved: the package's poller keeps the imports' progress under that name (a customer id is ${CUSTOMER_ID_RULE})`;
  if (!CUSTOMER_ID.test(id)) return `${JSON.stringify(id)} is not a customer id: a customer id is ${CUSTOMER_ID_RULE}`;
  return null;
}

/**
 * The ids in the CUSTOMERS var, as written: "acme,globex", or a JSON array (in wrangler.jsonc,
 * or as text, as .dev.vars and dashboard variables hold it: '["acme","globex"]').
 */
export function listedCustomers(env: AppEnv): string[] {
  let raw: unknown = env.CUSTOMERS;
  if (typeof raw === "string" && raw.trim().startsWith("[")) {
    try {
      raw = JSON.parse(raw);
    } catch {
      // not JSON after all: read as a comma-separated list, whose odd ids roster() names
    }
  }
  const list = Array.isArray(raw) ? raw.map(String) : String(raw ?? "").split(",");
  return list.map((s) => s.trim()).filter(Boolean);
}

export interface Refused {
  customerId: string;
  reason: string;
}
export interface Roster {
  /** The customers that are polled. */
  customers: string[];
  /** The ones that are not, and why. */
  refused: Refused[];
}

/**
 * Every customer (the CUSTOMERS var's, then the registered ones), checked one by one: an id
 * that breaks the rule is refused, and so are ids that map to the same token secret
 * ("st-mary" and "St.Mary": VOMO_TOKEN_ST_MARY), all of them, since any could be polled with
 * another's token, and a customer whose token secret holds a token the package refuses to
 * send (secretProblem). A refused customer is not polled; the others are.
 */
export function roster(env: AppEnv, registered: string[]): Roster {
  const ids = [...new Set([...listedCustomers(env), ...registered])];
  const bySecret = new Map<string, string[]>();
  for (const id of ids.filter((id) => !invalidCustomerId(id))) {
    const name = tokenName(id);
    bySecret.set(name, [...(bySecret.get(name) ?? []), id]);
  }
  const out: Roster = { customers: [], refused: [] };
  for (const id of ids) {
    const twins = (bySecret.get(tokenName(id)) ?? []).map((t) => JSON.stringify(t));
    const reason = invalidCustomerId(id) ?? (twins.length < 2 ? null
      : `customers ${twins.slice(0, -1).join(", ")} and ${twins.at(-1)} share the token secret ${tokenName(id)}, so one could be polled with another's token: none of them is polled until only one is left`)
      ?? secretProblem(env, id);
    if (reason) out.refused.push({ customerId: id, reason });
    else out.customers.push(id);
  }
  return out;
}

/** The secret that holds a customer's VOMO token: VOMO_TOKEN_ACME for "acme". */
export const tokenName = (customerId: string) =>
  `VOMO_TOKEN_${customerId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` as const;

export function tokenFor(env: AppEnv, customerId: string): string | null {
  const token = env[tokenName(customerId)];
  return typeof token === "string" && token.trim() ? token.trim() : null;
}

/** How a message names a customer's token secret (never the token). */
export const secretSource = (customerId: string) => `the secret ${tokenName(customerId)}`;

/**
 * Why the customer's token secret cannot be used, or null: it holds a token the package
 * refuses to send (a space or line break inside). Every slice would fail on it until the
 * secret changes, which takes a deployment, so the roster refuses the customer instead: the
 * cron does not kick it, its routes answer 409 with this, and GET /customers lists it. A
 * registered token needs no check here: registration refuses such a token before storing it.
 */
export function secretProblem(env: AppEnv, customerId: string): string | null {
  const token = tokenFor(env, customerId);
  if (token === null) return null;
  try {
    clientFor(token, {}, secretSource(customerId));
    return null;
  } catch (e) {
    if (e instanceof ConfigError) return `${e.message}; put a token without one (npx wrangler secret put ${tokenName(customerId)})`;
    throw e;
  }
}

/**
 * A numeric setting between `min` and `max` (a whole number unless `fraction`), or its
 * fallback when unset; anything else is a ConfigError naming the range: a count of 2.5 would
 * fail every slice, and a delay of 1e300 ms would make every alarm date invalid.
 */
function num(value: unknown, name: string, min: number, max: number, fallback: number, fraction = false): number {
  if (value === undefined || value === null || value === "") return fallback;
  // Written in decimal, as the README's table gives them: Number() would also read "0x10"
  // as 16, "9e5" as 900000 and " 5 " as 5, which a reader of the setting would not.
  const n = typeof value === "number" || (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < min || n > max || (!fraction && !Number.isInteger(n))) {
    throw new ConfigError(`${name} must be ${fraction ? "a number" : "a whole number"} from ${min} to ${max}, got ${JSON.stringify(value)}`);
  }
  return n;
}

const DAY_MS = 86_400_000;

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === "") return fallback;
  if (!allowed.includes(value as T)) throw new ConfigError(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

const urlOrNull = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);

/** Loopback hosts as the package's client counts them (its `is_loopback`): localhost, 127.0.0.0/8, [::1]. */
const loopback = (url: URL) => url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);

/**
 * A delivery endpoint: an absolute https URL (plain http to a loopback host only, for local
 * runs), or a ConfigError. A missing scheme would fail every delivery; plain http elsewhere
 * would carry users' emails, phones and addresses, and the signature, in clear text (as the
 * package refuses a VOMO base URL for the token).
 */
function endpoint(value: unknown, name: string): string | null {
  const text = urlOrNull(value);
  if (text === null) return null;
  const url = URL.canParse(text) ? new URL(text) : null;
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ConfigError(`${name} must be an http(s) URL such as https://hooks.example.com/vomo, got ${JSON.stringify(text)}`);
  }
  if (url.protocol === "http:" && !loopback(url)) {
    throw new ConfigError(`${name} must use https outside loopback, got ${JSON.stringify(text)}: the deliveries carry users' emails, phones and addresses in clear text otherwise`);
  }
  return text;
}

/**
 * VOMO_BASE_URL as the package's client reads it (`client.baseUrl`): the text the poller's
 * state records as its API, and so what a customer's binding compares (customer-poller.ts).
 * A URL the client refuses (plain http outside loopback, a port fetch blocks) is a ConfigError.
 */
function apiBaseUrl(text: string): string {
  if (!URL.canParse(text)) throw new ConfigError(`VOMO_BASE_URL must be a URL, got ${JSON.stringify(text)}`);
  try {
    return new VomoClient({ token: "placeholder", baseUrl: text }).baseUrl;
  } catch (e) {
    if (e instanceof VomoError && e.kind === "invalid_input") throw new ConfigError(`VOMO_BASE_URL: ${e.message}`);
    throw e;
  }
}

/** The settings, or a ConfigError naming the first one that cannot work. */
export function settings(env: AppEnv): Settings {
  const s: Settings = {
    baseUrl: urlOrNull(env.VOMO_BASE_URL) ?? "https://api.vomo.org/v1",
    delivery: oneOf(env.DELIVERY, "DELIVERY", ["queue", "webhook"] as const, "queue"),
    webhookUrl: endpoint(env.WEBHOOK_URL, "WEBHOOK_URL"),
    deadLetterUrl: endpoint(env.DEAD_LETTER_URL, "DEAD_LETTER_URL"),
    participations: oneOf(env.PARTICIPATIONS, "PARTICIPATIONS", policy().poller.participationModes, policy().poller.participations),
    maxRequestsPerSlice: num(env.MAX_REQUESTS_PER_SLICE, "MAX_REQUESTS_PER_SLICE", 1, 1000, 40),
    chainDelayMs: num(env.CHAIN_DELAY_MS, "CHAIN_DELAY_MS", 0, DAY_MS, 1000),
    retryDelayMs: num(env.RETRY_DELAY_MS, "RETRY_DELAY_MS", 0, DAY_MS, 60_000),
    requestsPerSecond: num(env.REQUESTS_PER_SECOND, "REQUESTS_PER_SECOND", 0.01, 1000, 3, true),
    maxAttempts: num(env.MAX_ATTEMPTS, "MAX_ATTEMPTS", 1, 100, 5),
    // An hour: chained slices each offer a queued change, so by MAX_ATTEMPTS alone a receiver's
    // trouble of a few seconds gave changes up (an outside pass: 7 of 150 after 10 s).
    retryForMs: num(env.RETRY_FOR_MS, "RETRY_FOR_MS", 0, 7 * DAY_MS, 3_600_000),
    // A minute: slices chained CHAIN_DELAY_MS apart (a backfill, a drain) each offered a
    // change refused for good again, first of the slice; now once a minute at most.
    retryIntervalMs: num(env.RETRY_INTERVAL_MS, "RETRY_INTERVAL_MS", 0, DAY_MS, 60_000),
    // 500, not the package's 5,000: an edit that lands in the window being walked costs about
    // three pages read again, and every edit lands in one large window (README: "Capacity
    // plan"; 3,270 users, one edit every 250 ms: 256 requests instead of 572).
    maxWindowRows: num(env.MAX_WINDOW_ROWS, "MAX_WINDOW_ROWS", 1, 1_000_000, 500),
    pollIntervalMs: num(env.POLL_INTERVAL_MS, "POLL_INTERVAL_MS", 1, 7 * DAY_MS, 900_000),
    pollGroups: num(env.POLL_GROUPS, "POLL_GROUPS", 1, 1440, 1),
    reconcileMaxRequests: num(env.RECONCILE_MAX_REQUESTS, "RECONCILE_MAX_REQUESTS", 1, 10_000, 9000),
  };
  s.baseUrl = apiBaseUrl(s.baseUrl);
  // The package refuses a slice that could never get past one page in the mode; its rule,
  // read here so that a wrong setting is a configuration error before any poll.
  const least = policy().poller.leastMaxRequests[s.participations];
  if (s.maxRequestsPerSlice < least) {
    throw new ConfigError(`MAX_REQUESTS_PER_SLICE must be at least ${least} with PARTICIPATIONS ${s.participations}, got ${s.maxRequestsPerSlice}`);
  }
  if (s.delivery === "queue" && (!env.EVENTS || !env.DEAD_LETTERS)) {
    throw new ConfigError("DELIVERY is queue but the EVENTS or DEAD_LETTERS queue binding is missing (wrangler.jsonc's queues.producers)");
  }
  if (s.delivery === "webhook" && !s.webhookUrl) throw new ConfigError("DELIVERY is webhook but WEBHOOK_URL is empty");
  if (s.delivery === "webhook" && !env.WEBHOOK_SECRET) throw new ConfigError("DELIVERY is webhook but the WEBHOOK_SECRET secret is not set");
  return s;
}
