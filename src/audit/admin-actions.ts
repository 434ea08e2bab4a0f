import type { Context } from "hono";
import type { AppEnv } from "../env";
import { GatehouseError } from "../errors";
import { credentialsChanged } from "../db/credential-epoch";
import { bumpCatalogEpoch } from "../backends/catalog-epoch";
import { isBackendWrite, type AdminWrite } from "./admin-write";
import { auditLedger } from "./ledger";

/**
 * Records what an admin did to whom (approve, disable, reset a password,
 * create a key, export, delete a user …): one admin_actions row per action,
 * committed and sealed into the audit chain by the ledger before the call
 * returns. A failure to record refuses the action's response (503
 * audit_unavailable), so an unrecorded change is at least never reported as
 * done. Detail carries only non-secret facts; keys that look like a secret
 * are dropped whatever the caller passes.
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
  | "key.revoke"
  | "audit.export"
  | "aliases.set"
  | "audit.read" //              an admin opened one record's prompt and answer text (src/control/content-reads.ts)
  | "sensitive.policy"
  | "sensitive.pattern"
  | "sensitive.guard"
  | "backend.create" //          the backend catalog (src/control/admin-backends-routes.ts); targetUserId null
  | "backend.update"
  | "backend.delete";

export type AdminDetail = Record<string, string | number | boolean | null>;

export interface AdminActionRecord {
  action: AdminAction;
  /** The account acted on; null for actions on the whole gateway (an export of all users). */
  targetUserId: string | null;
  /** Non-secret facts about the change (new role, key id …). */
  detail?: AdminDetail;
}

const secretLooking = /pass|secret|token|authorization|cookie|jwt|hash/i;

/** The detail as stored: secret-looking keys dropped, strings capped. */
export function safeDetail(detail: AdminDetail | undefined): string | null {
  if (!detail) return null;
  const kept: AdminDetail = {};
  for (const [key, value] of Object.entries(detail)) {
    if (secretLooking.test(key)) continue;
    kept[key] = typeof value === "string" ? value.slice(0, 500) : value;
  }
  return Object.keys(kept).length === 0 ? null : JSON.stringify(kept);
}

export async function recordAdminAction(c: Context<AppEnv>, record: AdminActionRecord): Promise<void> {
  await commitAdminChange(c, [record]);
}

/**
 * Writes a change (to users or the backend catalog) and its admin records in
 * one D1 batch (the ledger's): both are committed, or neither is and the
 * admin gets 503 audit_unavailable — a change is never left without its record.
 */
export async function commitAdminChange(c: Context<AppEnv>, records: readonly AdminActionRecord[], write?: AdminWrite): Promise<void> {
  const at = Date.now();
  const sealed = records.map((record) => ({
    id: crypto.randomUUID(),
    at,
    actorUserId: c.var.principal?.userId ?? null,
    action: record.action,
    targetUserId: record.targetUserId,
    requestId: c.var.requestId ?? null,
    detail: safeDetail(record.detail),
  }));
  try {
    await auditLedger(c.env).adminAction(sealed, write);
  } catch {
    throw new GatehouseError("audit_unavailable", { retryAfter: 5 });
  } finally {
    // A row may have changed (even if the answer was lost on the way back): the
    // isolate's credential cache and cached catalog must not answer from the old one.
    if (write && isBackendWrite(write)) bumpCatalogEpoch();
    else if (write) credentialsChanged();
  }
}
