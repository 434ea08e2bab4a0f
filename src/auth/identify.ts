import type { Bindings } from "../env";
import { GatehouseError } from "../errors";
import { configFrom } from "../config";
import { findKeysByPrefix } from "../db/api-keys";
import { credentialEpoch } from "../db/credential-epoch";
import { findUserByLogin, getUser, updateUser, type UserRow } from "../db/users";
import { sha256Hex } from "../hex";
import { hashMatches, keyPrefix } from "./api-keys";
import { recallCredential, recallKey, rememberCredential, rememberKey, type CachedKey } from "./credential-cache";
import { parseStoredScope } from "./key-scope";
import { derivationOrBusy } from "./derivation-gate";
import { burnVerification, hashPassword, needsRehash, verifyPassword } from "./passwords";
import { verifySession } from "./sessions";
import { assertAttemptAllowed, recordFailedAttempt, recordSuccessfulAttempt, type AttemptSubject } from "./throttle";

/**
 * Turns a presented credential into the account it belongs to. Every failure
 * is the same 401 (no hint whether the name, the password or the key was
 * wrong). Status, forced password change and roles are the authorize
 * middleware's business: this only says who is calling.
 */

const unauthenticated = () => new GatehouseError("unauthenticated", { message: "The credentials are missing or invalid." });

/**
 * An API key: found by its public prefix, its hash compared in constant
 * time. A key this isolate checked since the last credential change is
 * answered from memory (src/auth/credential-cache.ts); expiry is checked on
 * every request all the same.
 */
export async function identifyByKey(env: Bindings, token: string, now = Date.now()): Promise<CachedKey> {
  const prefix = keyPrefix(token);
  if (!prefix) throw unauthenticated();
  const hash = await sha256Hex(token);
  const cacheOn = configFrom(env).GATEHOUSE_CREDENTIAL_CACHE === "on";
  const cached = cacheOn ? recallKey(hash, now) : null;
  if (cached) {
    if (cached.key.expiresAt !== null && cached.key.expiresAt <= now) throw unauthenticated();
    return cached;
  }
  const epoch = credentialEpoch();
  for (const { key, user } of await findKeysByPrefix(env.DB, prefix)) {
    if (!hashMatches(hash, key.secretHash)) continue;
    if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) break;
    const scope = parseStoredScope(key.scope);
    if (scope === "invalid") break;
    const found = { user, key, scope };
    if (cacheOn) rememberKey(hash, found, epoch, now);
    return found;
  }
  throw unauthenticated();
}

/** A session cookie's token: valid signature and claims, and the user's current session version. */
export async function identifyBySession(env: Bindings, token: string): Promise<UserRow> {
  const claims = await verifySession(env.SESSION_SECRET, token);
  if (!claims) throw unauthenticated();
  const user = await getUser(env.DB, claims.userId);
  if (!user || user.sessionVersion !== claims.sessionVersion) throw unauthenticated();
  return user;
}

export interface PasswordCheck {
  env: Bindings;
  username: string;
  password: string;
  clientAddress: string;
  iterations: number;
  /** Hands the re-hash write to waitUntil when the request should not wait for it. */
  defer?: (work: Promise<unknown>) => void;
}

/**
 * A username (or email) and password, throttled per account (its username
 * and email share one count), per address, and per unknown name. An unknown
 * name costs the same derivation as a wrong password.
 */
export async function identifyByPassword(check: PasswordCheck): Promise<UserRow> {
  const { env, username, password, clientAddress } = check;
  const cacheOn = configFrom(env).GATEHOUSE_CREDENTIAL_CACHE === "on";
  // Only while no credential changed since it was checked (a new password, a disable…).
  const recalled = cacheOn ? await recallCredential(username, password) : null;
  if (recalled) return recalled;
  const epoch = credentialEpoch();
  const user = await findUserByLogin(env.DB, username);
  const subject: AttemptSubject = user ? { userId: user.id } : { unknownName: username };
  await assertAttemptAllowed(env, subject, clientAddress);
  const stored = user?.passwordHash ?? null;
  const valid = await derivationOrBusy(stored !== null ? verifyPassword(password, stored) : burnVerification(password, check.iterations));
  if (!user || !stored || !valid) {
    await recordFailedAttempt(env, subject, clientAddress);
    throw unauthenticated();
  }
  await recordSuccessfulAttempt(env, user.id);
  if (needsRehash(stored, check.iterations)) {
    const upgrade = upgradeHash(env.DB, user.id, password, check.iterations);
    if (check.defer) check.defer(upgrade);
    else await upgrade;
    return user;
  }
  if (cacheOn) await rememberCredential(username, password, user, epoch);
  return user;
}

/** Re-hashes with today's iteration count, keeping sessions (the password did not change). */
async function upgradeHash(db: D1Database, userId: string, password: string, iterations: number): Promise<void> {
  await updateUser(db, userId, { passwordHash: await hashPassword(password, iterations) });
}
