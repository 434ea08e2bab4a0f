import type { Context } from "hono";
import type { AppEnv } from "../env";
import type { UserRow } from "../db/users";
import { assertExportCovers as assertAuditExported, deleteUserAudit } from "../audit/user-data";

/**
 * DELETE /admin/api/users/:id answers 409 export_required while audit rows
 * exist that no export has covered (users.last_export_at); the rule and the
 * deletion of the user's prompts and responses live with the audit trail
 * (src/audit/user-data.ts).
 */
export async function assertExportCovers(c: Context<AppEnv>, user: UserRow): Promise<void> {
  await assertAuditExported(c.env.DB, user.id);
}

/** After the account is gone: its audit text goes too; records and chain stay verifiable. */
export async function deleteAuditContentOf(c: Context<AppEnv>, user: UserRow): Promise<void> {
  await deleteUserAudit(c.env.DB, user.id);
}
