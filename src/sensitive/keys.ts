import { hex } from "../hex";

/**
 * Keys derived from the SESSION_SECRET binding with HKDF-SHA256, one label
 * per use, so no new secret has to be provisioned and none is kept in D1:
 * - the fingerprint key (HMAC-SHA256): the same value gives the same
 *   fingerprint across requests, so it can be correlated without being stored,
 *   and without the secret nobody can test a guess against a fingerprint;
 * - the wrapping key (AES-KW) that protects each user's content key.
 */

const encoder = new TextEncoder();
export const fingerprintLabel = "gatehouse/sensitive/fingerprint/v1";
export const wrapLabel = "gatehouse/sensitive/user-key-wrap/v1";

const cache = new Map<string, Promise<CryptoKey>>();

async function hkdfBase(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"]);
}

type Derived = { name: "HMAC"; hash: "SHA-256"; length: 256 } | { name: "AES-KW" | "AES-GCM"; length: 256 };

function derive(secret: string, label: string, algorithm: Derived, usages: string[]): Promise<CryptoKey> {
  const id = `${label}\u0000${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = hkdfBase(secret).then((base) =>
      crypto.subtle.deriveKey(
        { name: "HKDF", hash: "SHA-256", salt: encoder.encode("gatehouse"), info: encoder.encode(label) },
        base,
        algorithm,
        false,
        usages,
      ),
    );
    cache.set(id, key);
  }
  return key;
}

export function fingerprintKey(secret: string): Promise<CryptoKey> {
  return derive(secret, fingerprintLabel, { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign"]);
}

export function wrapKey(secret: string): Promise<CryptoKey> {
  return derive(secret, wrapLabel, { name: "AES-KW", length: 256 }, ["wrapKey", "unwrapKey"]);
}

/** Hex HMAC-SHA256 of `category:value`: the category keeps an email and a token with equal text apart. */
export async function fingerprint(key: CryptoKey, category: string, value: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${category}:${value}`));
  return hex(mac);
}
