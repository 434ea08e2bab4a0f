/**
 * A backend's provider credential at rest (backends.credential_ciphertext):
 * AES-256-GCM under a key derived with HKDF-SHA256 from the SESSION_SECRET
 * binding, which is not in D1 — a copy of the database alone opens nothing.
 * WebCrypto only, so the worker (routing, at call time) and Node (the admin
 * API's tests, the backends file read at start) seal and open alike.
 *
 * Sealed form: `v1.<iv>.<ciphertext+tag>`, both base64url. The label is this
 * key's own (src/sensitive/keys.ts derives others from the same secret), so
 * no two uses ever share a key.
 */

const encoder = new TextEncoder();
const sealLabel = "gatehouse/backends/credential/v1";
const sealPrefix = "v1";

const keys = new Map<string, Promise<CryptoKey>>();

function sealingKey(sessionSecret: string): Promise<CryptoKey> {
  let key = keys.get(sessionSecret);
  if (!key) {
    key = crypto.subtle
      .importKey("raw", encoder.encode(sessionSecret), "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: encoder.encode("gatehouse"), info: encoder.encode(sealLabel) },
          base,
          { name: "AES-GCM", length: 256 },
          false,
          ["encrypt", "decrypt"],
        ),
      );
    keys.set(sessionSecret, key);
  }
  return key;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Encrypts a credential with a fresh 96-bit IV; the result is safe to store, never to show. */
export async function sealCredential(sessionSecret: string, plaintext: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await sealingKey(sessionSecret), encoder.encode(plaintext));
  return `${sealPrefix}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(ciphertext))}`;
}

/**
 * Decrypts a sealed credential. Throws a fixed message (never the input) when
 * it is malformed or does not open under this secret — a changed
 * SESSION_SECRET, or a row that was tampered with.
 */
export async function openCredential(sessionSecret: string, sealed: string): Promise<string> {
  const [prefix, iv, body, extra] = sealed.split(".");
  if (prefix !== sealPrefix || !iv || !body || extra !== undefined) throw new Error("sealed credential: not in the v1 form");
  try {
    const plaintext = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv) }, await sealingKey(sessionSecret), fromBase64Url(body));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(plaintext);
  } catch {
    throw new Error("sealed credential: does not open under this SESSION_SECRET");
  }
}
