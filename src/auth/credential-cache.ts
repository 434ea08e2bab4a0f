/**
 * A short-lived memory of password checks that succeeded, so a script that
 * sends its username and password on every call (Basic, or POST /chat's
 * "auth") pays the PBKDF2 cost once a minute instead of on every request.
 *
 * It never holds the password: the key is an HMAC of username and password
 * under a per-isolate random key, the value the stored hash it was checked
 * against. A hit still reads the user's row and only counts when the row's
 * hash is unchanged, so a password change, reset, disable or deletion takes
 * effect at once. Per-isolate memory is fine here: losing it only costs one
 * more derivation; it is a cache, not shared state.
 */

const ttlMs = 60_000;
const maxEntries = 1_000;

interface Entry {
  userId: string;
  passwordHash: string;
  expiresAt: number;
}

const entries = new Map<string, Entry>();
let hmacKey: Promise<CryptoKey> | undefined;

function key(): Promise<CryptoKey> {
  hmacKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
  return hmacKey;
}

async function fingerprint(username: string, password: string): Promise<string> {
  const data = new TextEncoder().encode(`${username.toLowerCase()}\u0000${password}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key(), data));
  return Array.from(mac, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The user id a recent successful check of this credential established, if still valid. */
export async function recallCredential(username: string, password: string, now = Date.now()): Promise<Entry | null> {
  const id = await fingerprint(username, password);
  const entry = entries.get(id);
  if (!entry) return null;
  if (entry.expiresAt <= now) {
    entries.delete(id);
    return null;
  }
  return entry;
}

export async function rememberCredential(username: string, password: string, userId: string, passwordHash: string, now = Date.now()): Promise<void> {
  const id = await fingerprint(username, password);
  entries.delete(id);
  if (entries.size >= maxEntries) {
    // Oldest first: Map iteration follows insertion order.
    const oldest = entries.keys().next().value;
    if (oldest !== undefined) entries.delete(oldest);
  }
  entries.set(id, { userId, passwordHash, expiresAt: now + ttlMs });
}

/** For tests: forget everything. */
export function clearCredentialCache(): void {
  entries.clear();
}
