// Webhook signatures: HMAC-SHA256 over `${timestamp}.${body}` with the WEBHOOK_SECRET, sent
// as `Vomo-Signature: t=<unix seconds>,v1=<hex>` (the scheme Stripe's webhooks use, so
// receivers know it). WebCrypto only: it runs in workerd, Node 20+ and browsers alike.

const encoder = new TextEncoder();
const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** The `Vomo-Signature` header value for `body` sent at `timestamp` (unix seconds). */
export async function sign(secret: string, body: string, timestamp: number): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${timestamp}.${body}`));
  return `t=${timestamp},v1=${hex(mac)}`;
}

/**
 * For receivers: true when `header` signs `body` with `secret` and its timestamp is within
 * `toleranceSeconds` of `now` (a replayed old request is refused). Constant-time compare.
 */
export async function verify(secret: string, body: string, header: string | null, now = Date.now() / 1000, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries((header ?? "").split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(parts.v1 ?? "") || Math.abs(now - t) > toleranceSeconds) return false;
  const mac = new Uint8Array(parts.v1.match(/../g)!.map((h) => parseInt(h, 16)));
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, encoder.encode(`${t}.${body}`));
}
