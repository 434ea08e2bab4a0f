import { userLimits } from "../auth/principal-for";
import { userBoundaries } from "../governance/boundaries";
import type { Limits } from "../governance/limits";
import { parseStoredScope } from "../auth/key-scope";
import type { ApiKeyRow } from "../db/api-keys";
import type { UserRow } from "../db/users";

/**
 * How accounts and keys appear in JSON. Built field by field, so a column
 * added later (or a hash) never leaks into a response by accident.
 */

export function userView(user: UserRow, defaults: Limits) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    role: user.role,
    status: user.status,
    mustChangePassword: user.mustChangePassword,
    /** The effective limits; `customLimits` says whether an admin set them or they are the defaults. */
    limits: userLimits(user, defaults),
    customLimits: user.limits !== null,
    allowCloudModels: user.allowCloudModels,
    /** The data boundaries granted (`local` always); `customBoundaries` says whether an admin set them or they follow allowCloudModels. */
    boundaries: userBoundaries(user),
    customBoundaries: user.boundaries !== null,
    captureMode: user.captureMode,
    lastExportAt: user.lastExportAt,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** The short form returned by sign-in. */
export function sessionUserView(user: UserRow) {
  return { id: user.id, username: user.username, role: user.role, status: user.status, mustChangePassword: user.mustChangePassword };
}

export function keyView(key: ApiKeyRow, now = Date.now()) {
  const scope = parseStoredScope(key.scope);
  return {
    id: key.id,
    userId: key.userId,
    name: key.name,
    prefix: `gh_${key.prefix}`,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt,
    expiresAt: key.expiresAt,
    revokedAt: key.revokedAt,
    active: key.revokedAt === null && (key.expiresAt === null || key.expiresAt > now),
    scope: scope === "invalid" ? null : scope,
  };
}
