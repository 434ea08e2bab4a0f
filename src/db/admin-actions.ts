import { desc, eq, lt, and, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./audit-events";
import { adminActions } from "./schema";

/** Queries on admin_actions: who did what to whom, sealed into the audit chain. */

export type AdminActionRow = typeof adminActions.$inferSelect;
export type NewAdminAction = typeof adminActions.$inferInsert;

export function insertAdminAction(d: Db, row: NewAdminAction) {
  return d.insert(adminActions).values(row);
}

/** Newest first; `before` is the seq cursor from the previous page. */
export async function listAdminActions(db: D1Database, targetUserId: string | null, before: number | null, limit: number): Promise<AdminActionRow[]> {
  const where: SQL[] = [];
  if (targetUserId !== null) where.push(eq(adminActions.targetUserId, targetUserId));
  if (before !== null) where.push(lt(adminActions.seq, before));
  return drizzle(db).select().from(adminActions).where(and(...where)).orderBy(desc(adminActions.seq)).limit(limit).all();
}
