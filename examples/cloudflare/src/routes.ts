// The operations API, behind `Authorization: Bearer <ADMIN_TOKEN>`:
//   GET  /customers/:id/health  -> health, the last poll's outcome, metrics (never a token)
//   POST /customers/:id/poll    -> runs one slice now and returns its outcome
// Only configured customers (CUSTOMERS) have routes: nobody can create objects at will.
import { isCustomer, type AppEnv } from "./config";

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body, null, 2), { status, headers: { "content-type": "application/json" } });

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}

/** Compares digests in constant time, so the response time says nothing about the token. */
async function authorized(request: Request, env: AppEnv): Promise<boolean> {
  const header = request.headers.get("authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : "";
  if (!env.ADMIN_TOKEN || !given) return false;
  return crypto.subtle.timingSafeEqual(await sha256(given), await sha256(env.ADMIN_TOKEN));
}

export async function handle(request: Request, env: AppEnv): Promise<Response> {
  const url = new URL(request.url);
  const match = url.pathname.match(/^\/customers\/([^/]+)\/(health|poll)$/);
  if (!match) return json({ error: "not found" }, 404);
  if (!env.ADMIN_TOKEN) return json({ error: "the ADMIN_TOKEN secret is not set: the operations routes are off" }, 503);
  if (!(await authorized(request, env))) {
    return new Response(JSON.stringify({ error: "unauthorized" }), {
      status: 401, headers: { "content-type": "application/json", "www-authenticate": 'Bearer realm="vomo-users-poller"' },
    });
  }
  const [, rawId, action] = match;
  const customerId = decodeURIComponent(rawId);
  if (!isCustomer(env, customerId)) return json({ error: "unknown customer" }, 404);
  const stub = env.POLLER.get(env.POLLER.idFromName(customerId));
  if (action === "health") {
    if (request.method !== "GET") return json({ error: "use GET" }, 405);
    return json(await stub.health(customerId));
  }
  if (request.method !== "POST") return json({ error: "use POST" }, 405);
  return json(await stub.pollNow(customerId));
}
