import { and, eq, isNull, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { users } from "./schema";

/**
 * users.last_export_at: when an admin last exported a user's whole audit
 * trail (the export's snapshot time). Deleting a user needs it to cover every
 * record (src/audit/user-data.ts: assertExportCovers). Only ever moves forward.
 */
export async function markExported(db: D1Database, userId: string | null, at: number): Promise<void> {
  const earlier = or(isNull(users.lastExportAt), lt(users.lastExportAt, at));
  await drizzle(db)
    .update(users)
    .set({ lastExportAt: at })
    .where(userId === null ? earlier : and(eq(users.id, userId), earlier))
    .run();
}
