import { eq, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { userContentKeys } from "../db/sensitive-schema";
import type { EventText } from "../db/audit-content";
import { credentialEpoch } from "../db/credential-epoch";
import { EpochCache } from "../db/epoch-cache";
import { wrapKey } from "./keys";

/**
 * Erasure by key. Each user's captured prompt and answer text is stored as
 * `enc1:<base64 of iv ‖ AES-256-GCM ciphertext>` under a key of their own
 * (additional data: the user id, so a ciphertext cannot be passed off as
 * another user's). The key is kept in D1 wrapped (AES-KW) by a key derived
 * from SESSION_SECRET. Deleting the user deletes the wrapped key (cascade),
 * and every copy of their text — backups, WAL pages — becomes unreadable.
 * The audit record seals the hash of the stored ciphertext, which survives.
 */

const prefix = "enc1:";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function unwrap(secret: string, wrapped: string): Promise<CryptoKey> {
  return crypto.subtle.unwrapKey("raw", fromBase64(wrapped), await wrapKey(secret), "AES-KW", "AES-GCM", false, ["encrypt", "decrypt"]);
}

/**
 * Unwrapped content keys this isolate has used, by user, while no credential
 * changed since (src/db/credential-epoch.ts: deleting a user, which deletes
 * the wrapped key, bumps it) and for at most a minute; never written anywhere.
 * Not with GATEHOUSE_CREDENTIAL_CACHE=off (several isolates: the epoch is not exact).
 */
const unwrapped = new EpochCache<CryptoKey>(credentialEpoch, 60_000, 10_000);

/** The user's content key (remembered, else read from D1 and unwrapped). */
function contentKey(db: D1Database, secret: string, userId: string, remember: boolean): Promise<CryptoKey> {
  return remember ? unwrapped.through(userId, () => storedContentKey(db, secret, userId)) : storedContentKey(db, secret, userId);
}

/** The user's content key from D1, created on first use (a concurrent creator's key wins: insert-or-ignore, then read). */
async function storedContentKey(db: D1Database, secret: string, userId: string): Promise<CryptoKey> {
  const d = drizzle(db);
  let row = await d.select().from(userContentKeys).where(eq(userContentKeys.userId, userId)).get();
  if (!row) {
    const fresh = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, true, ["encrypt", "decrypt"])) as CryptoKey;
    const wrapped = toBase64(new Uint8Array(await crypto.subtle.wrapKey("raw", fresh, await wrapKey(secret), "AES-KW")));
    await d.insert(userContentKeys).values({ userId, wrapped, createdAt: Date.now() }).onConflictDoNothing();
    row = await d.select().from(userContentKeys).where(eq(userContentKeys.userId, userId)).get();
    if (!row) throw new Error("content key not stored");
  }
  return unwrap(secret, row.wrapped);
}

/** A function that encrypts text for this user, for the recorder. */
export async function sealerFor(db: D1Database, secret: string, userId: string, remember = true): Promise<(text: string) => Promise<string>> {
  const key = await contentKey(db, secret, userId, remember);
  return async (text) => {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(userId) }, key, encoder.encode(text)));
    const out = new Uint8Array(iv.length + sealed.length);
    out.set(iv);
    out.set(sealed, iv.length);
    return prefix + toBase64(out);
  };
}

export function isSealed(text: string): boolean {
  return text.startsWith(prefix);
}

/** The plain text of one stored piece, or null when its owner's key is gone (erased) or it does not open. */
async function open(key: CryptoKey | null, userId: string, text: string): Promise<string | null> {
  if (!isSealed(text)) return text; // captured before encryption, or by a gateway with it off
  if (!key) return null;
  try {
    const bytes = fromBase64(text.slice(prefix.length));
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: encoder.encode(userId) }, key, bytes.subarray(12));
    return decoder.decode(plain);
  } catch {
    return null;
  }
}

/** Decrypts the texts of these events in place; an erased user's text becomes null. */
export async function openTexts(db: D1Database, secret: string, events: readonly { id: string; userId: string | null }[], texts: Map<string, EventText>): Promise<void> {
  const owners = [...new Set(events.filter((e) => texts.has(e.id) && e.userId !== null).map((e) => e.userId!))];
  const keys = new Map<string, CryptoKey>();
  for (let start = 0; start < owners.length; start += 90) {
    const rows = await drizzle(db).select().from(userContentKeys).where(inArray(userContentKeys.userId, owners.slice(start, start + 90))).all();
    for (const row of rows) keys.set(row.userId, await unwrap(secret, row.wrapped));
  }
  for (const event of events) {
    const text = texts.get(event.id);
    if (!text) continue;
    const key = event.userId === null ? null : (keys.get(event.userId) ?? null);
    const owner = event.userId ?? "";
    texts.set(event.id, {
      prompt: text.prompt === null ? null : await open(key, owner, text.prompt),
      response: text.response === null ? null : await open(key, owner, text.response),
    });
  }
}
