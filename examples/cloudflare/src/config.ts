// Settings from the Worker's vars and secrets, read and checked in one place. Customers come
// from the CUSTOMERS var and from the registry (registry.ts); tokens from secrets named
// VOMO_TOKEN_<CUSTOMER> or, for registered customers, from their object's vault (vault.ts).
// Nothing here ever returns or logs a token.

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
export type Participations = "off" | "changed-users" | "full-scan";

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
  pollIntervalMs: number;
}

/** A customer id: what names its Durable Object and prefixes its stored state. */
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The customers in the CUSTOMERS var ("acme,globex", or a JSON array in the config). */
export function customers(env: AppEnv): string[] {
  const raw: unknown = env.CUSTOMERS;
  const list = Array.isArray(raw) ? raw.map(String) : String(raw ?? "").split(",");
  const ids = list.map((s) => s.trim()).filter(Boolean);
  const bad = ids.filter((id) => !CUSTOMER_ID.test(id));
  if (bad.length) throw new Error(`CUSTOMERS: not a valid customer id: ${bad.map((b) => JSON.stringify(b)).join(", ")}`);
  return [...new Set(ids)];
}

export const validCustomerId = (id: string) => CUSTOMER_ID.test(id);

/** The secret that holds a customer's VOMO token: VOMO_TOKEN_ACME for "acme". */
export const tokenName = (customerId: string) =>
  `VOMO_TOKEN_${customerId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}` as const;

export function tokenFor(env: AppEnv, customerId: string): string | null {
  const token = env[tokenName(customerId)];
  return typeof token === "string" && token.trim() ? token.trim() : null;
}

function int(value: unknown, name: string, min: number, fallback: number): number {
  if (value === undefined || value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === null || value === "") return fallback;
  if (!allowed.includes(value as T)) throw new Error(`${name} must be one of ${allowed.join(", ")}, got ${JSON.stringify(value)}`);
  return value as T;
}

const urlOrNull = (value: unknown) => (typeof value === "string" && value.trim() ? value.trim() : null);

export function settings(env: AppEnv): Settings {
  const s: Settings = {
    baseUrl: urlOrNull(env.VOMO_BASE_URL) ?? "https://api.vomo.org/v1",
    delivery: oneOf(env.DELIVERY, "DELIVERY", ["queue", "webhook"] as const, "queue"),
    webhookUrl: urlOrNull(env.WEBHOOK_URL),
    deadLetterUrl: urlOrNull(env.DEAD_LETTER_URL),
    participations: oneOf(env.PARTICIPATIONS, "PARTICIPATIONS", ["off", "changed-users", "full-scan"] as const, "off"),
    maxRequestsPerSlice: int(env.MAX_REQUESTS_PER_SLICE, "MAX_REQUESTS_PER_SLICE", 1, 40),
    chainDelayMs: int(env.CHAIN_DELAY_MS, "CHAIN_DELAY_MS", 0, 1000),
    retryDelayMs: int(env.RETRY_DELAY_MS, "RETRY_DELAY_MS", 0, 60_000),
    requestsPerSecond: int(env.REQUESTS_PER_SECOND, "REQUESTS_PER_SECOND", 0.01, 3),
    maxAttempts: int(env.MAX_ATTEMPTS, "MAX_ATTEMPTS", 1, 5),
    pollIntervalMs: int(env.POLL_INTERVAL_MS, "POLL_INTERVAL_MS", 1, 900_000),
  };
  if (s.delivery === "webhook" && !s.webhookUrl) throw new Error("DELIVERY is webhook but WEBHOOK_URL is empty");
  if (s.delivery === "webhook" && !env.WEBHOOK_SECRET) throw new Error("DELIVERY is webhook but the WEBHOOK_SECRET secret is not set");
  return s;
}
