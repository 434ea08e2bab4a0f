import { hex } from "../hex";

/**
 * Names for the sign-in counters that say nothing to someone reading the
 * disk: HMAC-SHA256 under a key derived from the session secret. Durable
 * Object ids and storage keys are made from these, never from typed text.
 */

const keys = new Map<string, Promise<CryptoKey>>();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    const bytes = new TextEncoder().encode(`gatehouse attempt counters\u0000${secret}`);
    key = crypto.subtle.importKey("raw", bytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(secret, key);
  }
  return key;
}

export async function hmacHex(secret: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", await keyFor(secret), new TextEncoder().encode(value));
  return hex(mac);
}
