import type { Context } from "hono";
import type { AppEnv } from "../env";

/**
 * Records what an admin did to whom (approve, disable, reset a password,
 * create a key, delete a user …). One call site per action in the control
 * routes. Minimal for now: a JSON line on the log (never a secret: only the
 * action, the actor, the target and the request id). The audit work replaces
 * the body with a committed admin_actions row.
 */
export type AdminAction =
  | "user.create"
  | "user.approve"
  | "user.disable"
  | "user.enable"
  | "user.role"
  | "user.limits"
  | "user.settings"
  | "user.reset_password"
  | "user.delete"
  | "key.create"
  | "key.revoke";

export interface AdminActionRecord {
  action: AdminAction;
  targetUserId: string;
  /** Non-secret facts about the change (new role, key id …). */
  detail?: Record<string, string | number | boolean | null>;
}

export async function recordAdminAction(c: Context<AppEnv>, record: AdminActionRecord): Promise<void> {
  console.log(
    JSON.stringify({
      level: "info",
      event: "admin_action",
      request_id: c.var.requestId,
      actor: c.var.principal?.userId ?? null,
      action: record.action,
      target: record.targetUserId,
      detail: record.detail ?? null,
    }),
  );
}
