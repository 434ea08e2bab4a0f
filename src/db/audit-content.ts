import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { auditContent, auditEvents } from "./schema";

/** Queries on audit_content: prompt and response text in pieces under D1's row limit. */

export type ContentPart = "prompt" | "response";

export interface EventText {
  prompt: string | null;
  response: string | null;
}

/** D1 allows at most 100 bound parameters in one query. */
const idsPerQuery = 90;

/** The stored text of these events, joined from their pieces; absent ones are left out. */
export async function contentOf(db: D1Database, eventIds: readonly string[]): Promise<Map<string, EventText>> {
  const texts = new Map<string, EventText>();
  for (let start = 0; start < eventIds.length; start += idsPerQuery) {
    const rows = await drizzle(db)
      .select({ eventId: auditContent.eventId, part: auditContent.part, body: auditContent.body })
      .from(auditContent)
      .where(inArray(auditContent.eventId, eventIds.slice(start, start + idsPerQuery)))
      .orderBy(auditContent.eventId, auditContent.part, auditContent.chunk)
      .all();
    for (const row of rows) {
      const text = texts.get(row.eventId) ?? { prompt: null, response: null };
      text[row.part] = (text[row.part] ?? "") + row.body;
      texts.set(row.eventId, text);
    }
  }
  return texts;
}

/** Deletes a user's prompts and responses (their records and the chain stay). */
export async function deleteUserContent(db: D1Database, userId: string): Promise<void> {
  const ofUser = drizzle(db).select({ id: auditEvents.id }).from(auditEvents).where(eq(auditEvents.userId, userId));
  await drizzle(db).delete(auditContent).where(inArray(auditContent.eventId, ofUser)).run();
}

/** Deletes up to `limit` pieces stored before `cutoff`; returns how many went. */
export async function purgeContentBefore(db: D1Database, cutoff: number, limit: number): Promise<number> {
  const old = drizzle(db)
    .select({ rowid: sql`rowid` })
    .from(auditContent)
    .where(and(lt(auditContent.createdAt, cutoff)))
    .limit(limit);
  const result = await drizzle(db).delete(auditContent).where(inArray(sql`rowid`, old)).run();
  return result.meta.changes ?? 0;
}
