import type { ApiKeyRow } from "../db/api-keys";
import type { UserRow } from "../db/users";
import { narrowBoundaries, userBoundaries } from "../governance/boundaries";
import { limitsSchema, type Limits } from "../governance/limits";
import { narrowLimits, type KeyScope } from "./key-scope";
import type { CredentialKind, Principal } from "./principal";

/**
 * The Principal a request carries, built from the rows authentication found
 * (src/auth/identify.ts) — plain functions, no I/O.
 */

/**
 * The user's own limits: the stored JSON, or the configured defaults
 * (configuredDefaultLimits); a row that does not parse gets the defaults.
 */
export function userLimits(user: UserRow, defaults: Limits): Limits {
  if (user.limits === null) return defaults;
  // A cached row is the same object on every request: parse its limits once.
  const known = parsedLimits.get(user);
  if (known !== undefined) return known ?? defaults;
  let limits: Limits | null = null;
  try {
    const parsed = limitsSchema.safeParse(JSON.parse(user.limits));
    if (parsed.success) limits = parsed.data;
  } catch {
    // fall through
  }
  parsedLimits.set(user, limits);
  return limits ?? defaults;
}

/** users.limits parsed, by row object; null for a row whose JSON does not parse (the defaults apply). */
const parsedLimits = new WeakMap<UserRow, Limits | null>();

export function principalFor(user: UserRow, via: CredentialKind, defaults: Limits, key: ApiKeyRow | null = null, scope: KeyScope | null = null): Principal {
  const boundaries = narrowBoundaries(userBoundaries(user), scope?.boundaries);
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    via,
    keyId: key?.id ?? null,
    limits: narrowLimits(userLimits(user, defaults), scope),
    // The flag and the boundaries say the same: a key narrowed to `local` cannot reach `:cloud` models either.
    allowCloudModels: boundaries.includes("cloud"),
    boundaries,
    pinnedBackends: scope?.backends ?? null,
    captureMode: user.captureMode,
    status: user.status,
    mustChangePassword: user.mustChangePassword,
    scope,
  };
}
