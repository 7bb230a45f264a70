// Tokens registered through PUT /customers/:id are stored in the customer's own Durable
// Object, encrypted with AES-256-GCM (WebCrypto) under the TOKEN_KEY secret (32 random bytes,
// base64), with the customer id as additional data so a ciphertext cannot be moved to
// another customer. Storage alone never reveals a token.
import { ConfigError } from "./config";

export interface Sealed {
  v: 1;
  iv: string;
  data: string;
}

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

export const KEY_RULE = "TOKEN_KEY must be 32 random bytes, base64 (openssl rand -base64 32)";
const rawKey = (secret: string) => {
  try {
    return unb64(secret.trim());
  } catch {
    return new Uint8Array(0);  // not base64
  }
};
export const validKey = (secret: string) => rawKey(secret).length === 32;

async function key(secret: string): Promise<CryptoKey> {
  const raw = rawKey(secret);
  if (raw.length !== 32) throw new ConfigError(KEY_RULE);
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

export async function seal(secret: string, customerId: string, token: string): Promise<Sealed> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: new TextEncoder().encode(customerId) },
    await key(secret), new TextEncoder().encode(token));
  return { v: 1, iv: b64(iv), data: b64(new Uint8Array(data)) };
}

export async function unseal(secret: string, customerId: string, sealed: Sealed): Promise<string> {
  const k = await key(secret);
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(sealed.iv), additionalData: new TextEncoder().encode(customerId) },
    k, unb64(sealed.data)).catch(() => {
    throw new ConfigError(`TOKEN_KEY does not decrypt the token registered for ${JSON.stringify(customerId)}: put back the key it was registered with, or register the customer again`);
  });
  return new TextDecoder().decode(plain);
}
