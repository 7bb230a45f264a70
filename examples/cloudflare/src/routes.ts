// The operations API, behind `Authorization: Bearer <ADMIN_TOKEN>`:
//   GET    /customers             -> the customers polled, and those refused with the reason
//   GET    /customers/:id/health  -> health, the last poll's outcome, metrics (never a token)
//   POST   /customers/:id/poll    -> runs one slice now and returns its outcome (not 200 when
//                                    it failed: pollStatus)
//   POST   /customers/:id/accept-base-url -> binds its state to the current VOMO_BASE_URL,
//                                    checkpoint kept (customer-poller.ts, bind)
//   POST   /customers/:id/resync  -> forgets its poller state and schedules a slice now: a
//                                    backfill of every user (409 while a slice polls)
//   POST   /customers/:id/reconcile -> the users delivered that VOMO no longer lists (200
//                                    when complete; 202: call again, it goes on where this
//                                    call's slice stopped; ?fresh starts over; reconcileStatus)
//   PUT    /customers/:id         -> registers a customer: body {"token": "..."} (needs TOKEN_KEY)
//   DELETE /customers/:id         -> unregisters it (its token is forgotten, its state kept)
// Only known customers (the CUSTOMERS var or registered) have routes: nobody can create
// objects at will. A refused customer's health, poll, accept-base-url and resync answer 409 with the
// reason; a setting that cannot work makes them 503, naming it.
import { CUSTOMER_ID_RULE, ConfigError, clientFor, invalidCustomerId, listedCustomers, settings, type AppEnv } from "./config";
import { log } from "./log";
import { KEY_RULE, validKey } from "./vault";
import { registry } from "./registry";
import type { ReconcileOutcome, SliceOutcome } from "./customer-poller";

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "content-type": "application/json", ...headers } });

/** 405, with the methods the route takes in `Allow` (RFC 9110). */
const wrongMethod = (...allowed: string[]) => json({ error: `use ${allowed.join(" or ")}` }, 405, { allow: allowed.join(", ") });

/** The largest registration body read: a token is at most 4 KB. */
const MAX_BODY_BYTES = 16_384;

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** Compares digests in constant time, so the response time says nothing about the token. The
 *  scheme in any case (RFC 9110: `bearer` is `Bearer`); the secret without the line break a
 *  `wrangler secret put` from a pipe or a file can leave at its end (as VOMO_TOKEN_<ID>'s). */
async function authorized(request: Request, env: AppEnv): Promise<boolean> {
  const given = /^bearer +(.+)$/i.exec((request.headers.get("authorization") ?? "").trim())?.[1] ?? "";
  const expected = (env.ADMIN_TOKEN ?? "").trim();
  if (!expected || !given) return false;
  return crypto.subtle.timingSafeEqual(await sha256(given), await sha256(expected));
}

/**
 * The request's body as text, or null when it is larger than MAX_BODY_BYTES: a declared
 * length beyond it is refused unread, and a body is read no further than one byte past it
 * (`request.text()` read a 50 MB body whole before refusing it, and waited for ever on one
 * that never ends).
 */
async function boundedText(request: Request): Promise<string | null> {
  if (Number(request.headers.get("content-length") ?? 0) > MAX_BODY_BYTES) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

async function register(request: Request, env: AppEnv, customerId: string): Promise<Response> {
  const invalid = invalidCustomerId(customerId);
  if (invalid) return json({ error: invalid, rule: CUSTOMER_ID_RULE }, 400);
  if (!env.TOKEN_KEY) return json({ error: "the TOKEN_KEY secret is not set: registration is off" }, 503);
  if (!validKey(env.TOKEN_KEY)) return json({ error: KEY_RULE }, 503);
  const text = await boundedText(request);
  if (text === null) return json({ error: `the body is larger than ${MAX_BODY_BYTES} bytes` }, 413);
  let body: { token?: unknown } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // named below
  }
  const token = typeof body?.token === "string" ? body.token.trim() : "";
  if (!token || token.length > 4096) return json({ error: "the body must be {\"token\": \"<the customer's VOMO token>\"}" }, 400);
  // Only the token is registered: a `baseUrl` or `participations` here would be silently
  // ignored, while the customer is polled by the Worker's vars (an outside pass).
  const unknown = Object.keys(body as object).filter((k) => k !== "token");
  if (unknown.length) {
    return json({ error: `the body must be {"token": "<the customer's VOMO token>"} and nothing else: ${unknown.map((k) => JSON.stringify(k)).join(", ")} is not a registration setting (every customer is polled by the Worker's vars: VOMO_BASE_URL, PARTICIPATIONS, ...)` }, 400);
  }
  // A token the package would refuse to send (a space or line break inside) is refused here,
  // by the package's own rule, instead of failing every slice later.
  try {
    clientFor(token, { baseUrl: "https://api.vomo.org/v1" });
  } catch (e) {
    if (e instanceof ConfigError) return json({ error: e.message }, 400);
    throw e;
  }
  const refused = await registry(env).add(customerId);
  if (refused) return json({ error: `not registered: ${refused}` }, 409);
  await env.POLLER.get(env.POLLER.idFromName(customerId)).register(customerId, token);
  log("vomo.registered", { customerId });
  return json({ customerId, registered: true });
}

export async function handle(request: Request, env: AppEnv): Promise<Response> {
  const url = new URL(request.url);
  const match = url.pathname.match(/^\/customers(?:\/([^/]+)(?:\/(health|poll|accept-base-url|resync|reconcile))?)?$/);
  if (!match) return json({ error: "not found" }, 404);
  if (!env.ADMIN_TOKEN?.trim()) return json({ error: "the ADMIN_TOKEN secret is not set: the operations routes are off" }, 503);
  if (!(await authorized(request, env))) {
    return json({ error: "unauthorized" }, 401, { "www-authenticate": 'Bearer realm="vomo-users-poller"' });
  }
  const [, rawId, action] = match;
  if (rawId === undefined) return ["GET", "HEAD"].includes(request.method) ? json(await registry(env).roster()) : wrongMethod("GET", "HEAD");
  let customerId: string;
  try {
    customerId = decodeURIComponent(rawId);
  } catch {
    return json({ error: "the customer id in the path is not valid percent-encoding" }, 400); // e.g. %E0%A4%A
  }
  if (!action && request.method === "PUT") return register(request, env, customerId);
  const standing = await registry(env).standing(customerId);
  if (!standing.known) return json({ error: "unknown customer" }, 404);
  const stub = env.POLLER.get(env.POLLER.idFromName(customerId));
  if (!action) {
    if (request.method !== "DELETE") return wrongMethod("PUT", "DELETE");
    const inVar = listedCustomers(env).includes(customerId);
    if (!(await registry(env).registered(customerId))) {
      // Only the CUSTOMERS var lists it: a DELETE could not keep the next cron from polling it.
      return json({ customerId, error: `customer ${JSON.stringify(customerId)} is in the CUSTOMERS var, not registered: take it out of CUSTOMERS and deploy to stop polling it` }, 409);
    }
    // Registered, and maybe in CUSTOMERS too: the registration and its token go; its polling
    // stops only if the var does not list it (then with its VOMO_TOKEN_<ID> secret).
    await stub.unregister(customerId, { stopPolling: !inVar });
    const removed = await registry(env).remove(customerId);
    log("vomo.unregistered", { customerId, stillInCustomersVar: inVar });
    return json({ customerId, unregistered: removed, stillInCustomersVar: inVar });
  }
  // HEAD where GET is (RFC 9110): a monitor's check of the health route; the runtime drops the body.
  const methods = action === "health" ? ["GET", "HEAD"] : ["POST"];
  if (!methods.includes(request.method)) return wrongMethod(...methods);
  if (standing.refused) return json({ customerId, error: standing.refused }, 409);
  try {
    settings(env);
  } catch (e) {
    if (e instanceof ConfigError) return json({ customerId, error: e.message }, 503);
    throw e;
  }
  if (action === "accept-base-url") return json(await stub.acceptBaseUrl(customerId));
  if (action === "resync") {
    const outcome = await stub.resync(customerId);
    return json(outcome, "error" in outcome ? 409 : 200);
  }
  if (action === "health") return json(await stub.health(customerId));
  if (action === "reconcile") {
    const outcome = await stub.reconcile(customerId, url.searchParams.has("fresh"));
    return json(outcome, reconcileStatus(outcome));
  }
  const outcome = await stub.pollNow(customerId);
  return json(outcome, pollStatus(outcome));
}

/**
 * The status of a reconcile answer: 200 when complete; 202 when this call's slice used its
 * RECONCILE_MAX_REQUESTS and the next call goes on (`more`); 409 while a forget of the customer
 * or another reconcile of it runs (`busy`); 503 for a setting that cannot work (`config`, or `limit`); 502 when VOMO
 * failed it. The body is the outcome.
 */
function reconcileStatus({ complete, more, error }: ReconcileOutcome): number {
  if (complete) return 200;
  if (more) return 202;
  if (error?.kind === "busy") return 409;
  return error?.kind === "config" || error?.kind === "limit" ? 503 : 502;
}

/**
 * The status of a "poll now" answer, so that `curl -f` and a monitor see a failed slice: 200
 * when it ran, 409 while another slice of the customer runs, 503 for a setting that cannot
 * work, 500 for a fault of this Worker or the package ("other", "internal"), and 502 for the
 * rest: VOMO or the sink failed it (a refused token included; a slice that ran, `ok`, but
 * stopped because the sink is down: `handler_outage`, or its dead-letter queue is full).
 * The body is the outcome.
 */
function pollStatus({ ok, error, result }: SliceOutcome): number {
  if (ok) return result?.stopReason === "handler_outage" || result?.stopReason === "dead_letter_limit" ? 502 : 200;
  if (error?.kind === "busy") return 409;
  if (error?.kind === "config") return 503;
  return error?.kind === "other" || error?.kind === "internal" ? 500 : 502;
}
