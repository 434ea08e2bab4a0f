import { desc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { adminActions, auditChain, auditEvents } from "./schema";

/** Queries on audit_chain, the hash chain over audit_events and admin_actions. */

export type ChainRow = typeof auditChain.$inferSelect;
export type NewChainRow = typeof auditChain.$inferInsert;

export async function lastLink(db: D1Database): Promise<ChainRow | null> {
  return (await drizzle(db).select().from(auditChain).orderBy(desc(auditChain.seq)).limit(1).get()) ?? null;
}

/** What D1 holds where the ledger expects its head: its last link, and the hash at expected.seq (src/db/audit-writes.ts headStatement). */
export interface HeadSeen {
  lastSeq: number | null;
  lastHash: string | null;
  anchorHash: string | null;
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

/**
 * A record that claims to be sealed (or, for admin actions, always is) but has
 * no link in the chain: a row inserted behind the ledger's back. Null if none.
 */
export async function firstUnchained(db: D1Database): Promise<{ kind: "event" | "admin"; id: string } | null> {
  const d = drizzle(db);
  const event = await d
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .leftJoin(auditChain, sql`${auditChain.recordKind} = 'event' AND ${auditChain.recordId} = ${auditEvents.id}`)
    .where(sql`${auditEvents.sealedSeq} IS NOT NULL AND ${auditChain.seq} IS NULL`)
    .orderBy(auditEvents.seq)
    .limit(1)
    .get();
  if (event) return { kind: "event", id: event.id };
  const admin = await d
    .select({ id: adminActions.id })
    .from(adminActions)
    .leftJoin(auditChain, sql`${auditChain.recordKind} = 'admin' AND ${auditChain.recordId} = ${adminActions.id}`)
    .where(sql`${auditChain.seq} IS NULL`)
    .orderBy(adminActions.seq)
    .limit(1)
    .get();
  return admin ? { kind: "admin", id: admin.id } : null;
}
