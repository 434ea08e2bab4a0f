import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { commitAdminChange, type AdminAction } from "../audit/admin-actions";
import { userLimits } from "../auth/principal-for";
import { boundaryList, boundaryChanges } from "../governance/boundaries";
import { configuredDefaultLimits, limitsPatchSchema, type Limits } from "../governance/limits";
import { countActiveAdmins, getUser, type UserChanges, type UserRow } from "../db/users";
import { validated } from "../middleware/validate";
import { userView } from "./views";
import { accountStatuses, captureModes, roles } from "../vocabulary";

/**
 * PATCH /admin/api/users/:id — approve, refuse/disable, enable, change role,
 * set limits and per-user settings. Every change applies to the very next
 * request of that user: authenticate reads the row on every request, and a
 * disable or role change also bumps the session version.
 */
export const userPatchBody = z.strictObject({
  status: z.enum(accountStatuses).exclude(["pending"]).optional(),
  role: z.enum(roles).optional(),
  /** Merged into the current limits; null puts the user back on the defaults. */
  limits: limitsPatchSchema.nullable().optional(),
  allowCloudModels: z.boolean().optional(),
  /** Data boundaries the user may cross (`local` always); null = from allowCloudModels again. */
  boundaries: boundaryList.nullable().optional(),
  captureMode: z.enum(captureModes).nullable().optional(),
});
type UserPatch = z.infer<typeof userPatchBody>;

export async function patchUser(c: Context<AppEnv>): Promise<Response> {
  const patch = validated(userPatchBody, c.var.jsonBody);
  const user = await getUser(c.env.DB, c.req.param("id") ?? "");
  if (!user) throw new GatehouseError("not_found");
  await assertKeepsAnAdmin(c, user, patch);
  const changes = changesFor(user, patch, configuredDefaultLimits(c.var.config));
  const actions = actionsFor(user, patch);
  if (actions.length > 0) {
    // The change and its records in one batch: both land or neither (503 audit_unavailable).
    const expected = { ...user, ...withoutFlags(changes) };
    const records = actions.map((action) => ({ action, targetUserId: user.id, detail: detailFor(action, expected) }));
    await commitAdminChange(c, records, { kind: "update", userId: user.id, changes, at: Date.now() });
  }
  const updated = (await getUser(c.env.DB, user.id)) ?? user;
  return c.json({ user: userView(updated, configuredDefaultLimits(c.var.config)) });
}

/** The row's new field values, for the records' detail (the session-version bump is not a field). */
function withoutFlags(changes: UserChanges): Partial<UserRow> {
  const { revokeSessions: _flag, ...fields } = changes;
  return fields;
}

function changesFor(user: UserRow, patch: UserPatch, defaults: Limits): UserChanges {
  const changes: UserChanges = {};
  if (patch.status !== undefined && patch.status !== user.status) {
    changes.status = patch.status;
    if (patch.status === "disabled") changes.revokeSessions = true;
  }
  if (patch.role !== undefined && patch.role !== user.role) {
    changes.role = patch.role;
    changes.revokeSessions = true;
    // Service accounts sign in with keys only: a password left behind would be a way around that.
    if (patch.role === "service") {
      changes.passwordHash = null;
      changes.mustChangePassword = false;
    }
  }
  if (patch.limits !== undefined) {
    changes.limits = patch.limits === null ? null : JSON.stringify({ ...userLimits(user, defaults), ...patch.limits });
  }
  Object.assign(changes, boundaryChanges(user, patch));
  if (patch.captureMode !== undefined) changes.captureMode = patch.captureMode;
  return changes;
}

function actionsFor(user: UserRow, patch: UserPatch): AdminAction[] {
  const actions: AdminAction[] = [];
  if (patch.status !== undefined && patch.status !== user.status) {
    actions.push(patch.status === "disabled" ? "user.disable" : user.status === "pending" ? "user.approve" : "user.enable");
  }
  if (patch.role !== undefined && patch.role !== user.role) actions.push("user.role");
  if (patch.limits !== undefined) actions.push("user.limits");
  if (patch.allowCloudModels !== undefined || patch.boundaries !== undefined || patch.captureMode !== undefined) actions.push("user.settings");
  return actions;
}

function detailFor(action: AdminAction, user: UserRow): Record<string, string | boolean | null> | undefined {
  if (action === "user.role") return { role: user.role };
  if (action === "user.limits") return { limits: user.limits };
  if (action === "user.settings") return { allowCloudModels: user.allowCloudModels, boundaries: user.boundaries, captureMode: user.captureMode };
  return undefined;
}

/**
 * An admin cannot lock themselves out, and the last active admin cannot be
 * disabled or demoted: someone must always be able to approve and unlock.
 */
export async function assertKeepsAnAdmin(c: Context<AppEnv>, user: UserRow, patch: Pick<UserPatch, "status" | "role"> | "delete"): Promise<void> {
  const removesAdmin =
    patch === "delete" || (patch.status !== undefined && patch.status !== "active") || (patch.role !== undefined && patch.role !== "admin");
  if (!removesAdmin || user.role !== "admin") return;
  if (user.id === c.var.principal.userId) {
    throw new GatehouseError("conflict", { message: "You cannot disable, demote or delete your own account." });
  }
  if (user.status === "active" && (await countActiveAdmins(c.env.DB)) <= 1) {
    throw new GatehouseError("conflict", { message: "This is the last active admin." });
  }
}
