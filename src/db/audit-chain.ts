import { desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./audit-events";
import { adminActions, auditChain, auditEvents } from "./schema";

/** Queries on audit_chain, the hash chain over audit_events and admin_actions. */

export type ChainRow = typeof auditChain.$inferSelect;
export type NewChainRow = typeof auditChain.$inferInsert;

export function insertLink(d: Db, link: NewChainRow) {
  return d.insert(auditChain).values(link);
}

export async function lastLink(db: D1Database): Promise<ChainRow | null> {
  return (await drizzle(db).select().from(auditChain).orderBy(desc(auditChain.seq)).limit(1).get()) ?? null;
}

export interface ChainEntry {
  link: ChainRow;
  event: typeof auditEvents.$inferSelect | null;
  admin: typeof adminActions.$inferSelect | null;
}

/** Links after `after`, in order, each with the record it seals (null when that row is gone). */
export async function chainPage(db: D1Database, after: number, limit: number): Promise<ChainEntry[]> {
  return drizzle(db)
    .select({ link: auditChain, event: auditEvents, admin: adminActions })
    .from(auditChain)
    .leftJoin(auditEvents, sql`${auditChain.recordKind} = 'event' AND ${auditEvents.id} = ${auditChain.recordId}`)
    .leftJoin(adminActions, sql`${auditChain.recordKind} = 'admin' AND ${adminActions.id} = ${auditChain.recordId}`)
    .where(sql`${auditChain.seq} > ${after}`)
    .orderBy(auditChain.seq)
    .limit(limit)
    .all();
}

export async function linkAt(db: D1Database, seq: number): Promise<ChainRow | null> {
  return (await drizzle(db).select().from(auditChain).where(eq(auditChain.seq, seq)).get()) ?? null;
}
