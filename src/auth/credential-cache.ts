import { credentialEpoch } from "../db/credential-epoch";
import { EpochCache } from "../db/epoch-cache";
import type { ApiKeyRow } from "../db/api-keys";
import type { UserRow } from "../db/users";
import type { KeyScope } from "./key-scope";
import { hex } from "../hex";

/**
 * What this isolate remembers about credentials it checked, so the hot path
 * reads no D1 for a caller it has seen:
 * - API keys, by the SHA-256 of the presented key (the only form ever
 *   stored): the key's row, its owner's row and the parsed scope;
 * - password checks that succeeded (Basic, POST /chat's "auth"), by an HMAC
 *   of username and password under a per-isolate random key, with the
 *   owner's row: PBKDF2 is paid once, not per request. The password itself
 *   is never held.
 *
 * Every entry is stamped with the credential epoch (src/db/credential-epoch.ts)
 * read *before* its rows were read, and is used only while that epoch is
 * current: revoking a key, disabling a user, changing a role, limits or a
 * password bumps the epoch, so the next request reads D1 again. Entries also
 * lapse after a minute, which bounds what a write made outside Gatehouse
 * (sqlite3 on the data file) could leave behind.
 *
 * Per-isolate memory is fine: it is a cache in front of D1, not shared
 * state; losing it costs one read (or one derivation).
 */

const ttlMs = 60_000;
const maxEntries = 10_000;

export interface CachedKey {
  user: UserRow;
  key: ApiKeyRow;
  scope: KeyScope | null;
}

const keys = new EpochCache<CachedKey>(credentialEpoch, ttlMs, maxEntries);
const passwords = new EpochCache<UserRow>(credentialEpoch, ttlMs, maxEntries);

/** A key checked since the last credential change, by the hex SHA-256 of the presented key. */
export function recallKey(secretHash: string, now = Date.now()): CachedKey | null {
  return keys.get(secretHash, now);
}

export function rememberKey(secretHash: string, found: CachedKey, epoch: number, now = Date.now()): void {
  keys.set(secretHash, found, epoch, now);
}

let hmacKey: Promise<CryptoKey> | undefined;

function key(): Promise<CryptoKey> {
  hmacKey ??= crypto.subtle.generateKey({ name: "HMAC", hash: "SHA-256" }, false, ["sign"]) as Promise<CryptoKey>;
  return hmacKey;
}

async function fingerprint(username: string, password: string): Promise<string> {
  const data = new TextEncoder().encode(`${username.toLowerCase()}\u0000${password}`);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await key(), data));
  return hex(mac);
}

/** The user a successful check of this username and password established, if no credential changed since. */
export async function recallCredential(username: string, password: string, now = Date.now()): Promise<UserRow | null> {
  return passwords.get(await fingerprint(username, password), now);
}

export async function rememberCredential(username: string, password: string, user: UserRow, epoch: number, now = Date.now()): Promise<void> {
  passwords.set(await fingerprint(username, password), user, epoch, now);
}

/** For tests: forget everything. */
export function clearCredentialCache(): void {
  keys.clear();
  passwords.clear();
}
