import { limitsSchema, type Limits } from "../governance/limits";
import type { Bindings } from "../env";
import { GatehouseError } from "../errors";
import { findKeysByPrefix, type ApiKeyRow } from "../db/api-keys";
import { findUserByLogin, getUser, updateUser, type UserRow } from "../db/users";
import { keyPrefix, secretMatches } from "./api-keys";
import { recallCredential, rememberCredential } from "./credential-cache";
import { narrowLimits, parseStoredScope, type KeyScope } from "./key-scope";
import { derivationOrBusy } from "./derivation-gate";
import { burnVerification, hashPassword, needsRehash, verifyPassword } from "./passwords";
import type { CredentialKind, Principal } from "./principal";
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
 * The user's own limits: the stored JSON, or the configured defaults
 * (configuredDefaultLimits); a row that does not parse gets the defaults.
 */
export function userLimits(user: UserRow, defaults: Limits): Limits {
  if (user.limits === null) return defaults;
  try {
    const parsed = limitsSchema.safeParse(JSON.parse(user.limits));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  return defaults;
}

export function principalFor(user: UserRow, via: CredentialKind, defaults: Limits, key: ApiKeyRow | null = null, scope: KeyScope | null = null): Principal {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    via,
    keyId: key?.id ?? null,
    limits: narrowLimits(userLimits(user, defaults), scope),
    allowCloudModels: user.allowCloudModels,
    captureMode: user.captureMode,
    status: user.status,
    mustChangePassword: user.mustChangePassword,
    scope,
  };
}

/** An API key: found by its public prefix, its hash compared in constant time. */
export async function identifyByKey(env: Bindings, token: string, now = Date.now()): Promise<{ user: UserRow; key: ApiKeyRow; scope: KeyScope | null }> {
  const prefix = keyPrefix(token);
  if (!prefix) throw unauthenticated();
  for (const { key, user } of await findKeysByPrefix(env.DB, prefix)) {
    if (!(await secretMatches(token, key.secretHash))) continue;
    if (key.revokedAt !== null || (key.expiresAt !== null && key.expiresAt <= now)) break;
    const scope = parseStoredScope(key.scope);
    if (scope === "invalid") break;
    return { user, key, scope };
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
  const recalled = await recallCredential(username, password);
  if (recalled) {
    const user = await getUser(env.DB, recalled.userId);
    // Only while the row still holds the hash it was checked against.
    if (user && user.passwordHash === recalled.passwordHash) return user;
  }
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
  await rememberCredential(username, password, user.id, stored);
  return user;
}

/** Re-hashes with today's iteration count, keeping sessions (the password did not change). */
async function upgradeHash(db: D1Database, userId: string, password: string, iterations: number): Promise<void> {
  await updateUser(db, userId, { passwordHash: await hashPassword(password, iterations) });
}
