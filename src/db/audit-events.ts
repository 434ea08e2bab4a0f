import { and, desc, eq, gt, gte, isNotNull, isNull, lt, lte, ne, or, sql, type SQL } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { auditEvents, users } from "./schema";

/**
 * Queries on audit_events. The writers return unexecuted queries: the audit
 * ledger (src/audit/ledger.ts) commits many of them in one D1 batch.
 */

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type NewAuditEvent = typeof auditEvents.$inferInsert;
export type Db = DrizzleD1Database;

export type EventCompletion = Pick<
  AuditEventRow,
  "status" | "outcome" | "code" | "latencyMs" | "ttfbMs" | "promptTokens" | "completionTokens" | "bytesOut" | "responseSha256" | "responseBytes" | "finishedAt"
> & { tokensEstimated?: boolean } & Partial<Pick<AuditEventRow, "backend" | "servedModel" | "failover" | "costMicros">>;

export function markSealed(d: Db, id: string, seq: number) {
  return d.update(auditEvents).set({ sealedSeq: seq }).where(and(eq(auditEvents.id, id), isNull(auditEvents.sealedSeq)));
}

/** Counts one more unauthenticated refusal in its address/minute/code bucket (until the bucket is sealed). */
export function countFlood(d: Db, row: NewAuditEvent) {
  return d
    .insert(auditEvents)
    .values(row)
    .onConflictDoUpdate({ target: auditEvents.id, set: { count: sql`${auditEvents.count} + 1` }, setWhere: isNull(auditEvents.sealedSeq) });
}

export async function getEvent(db: D1Database, id: string): Promise<AuditEventRow | null> {
  return (await drizzle(db).select().from(auditEvents).where(eq(auditEvents.id, id)).get()) ?? null;
}

/**
 * Finished rows not yet in the chain (crash recovery, closed refusal
 * buckets), oldest first. A refusal bucket counts as finished `bucketGraceMs`
 * after its minute ends, so counts arriving just late still land.
 */
export async function unsealedFinished(db: D1Database, now: number, bucketGraceMs: number, limit: number): Promise<AuditEventRow[]> {
  const closed = or(and(ne(auditEvents.kind, "refusals"), lte(auditEvents.finishedAt, now)), lte(auditEvents.finishedAt, now - bucketGraceMs));
  return drizzle(db)
    .select()
    .from(auditEvents)
    .where(and(isNull(auditEvents.sealedSeq), closed))
    .orderBy(auditEvents.finishedAt, auditEvents.seq)
    .limit(limit)
    .all();
}

/**
 * After a crash: records started before this process came up and never
 * finished are marked interrupted (the ledger seals them later). Requests
 * started since are left alone, so this may run while the gateway serves.
 */
export async function markInterrupted(db: D1Database, startedBefore: number, now = Date.now()): Promise<number> {
  const rows = await drizzle(db)
    .update(auditEvents)
    .set({ outcome: "interrupted", finishedAt: now })
    .where(and(isNull(auditEvents.finishedAt), lt(auditEvents.startedAt, startedBefore)))
    .returning({ id: auditEvents.id })
    .all();
  return rows.length;
}

export interface EventFilter {
  userId?: string;
  model?: string;
  outcome?: string;
  /** ms epoch, inclusive */
  from?: number;
  /** ms epoch, exclusive */
  to?: number;
  /** Only rows started at or before this time (an export's snapshot). */
  startedAtMost?: number;
}

function filterOf(filter: EventFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.userId !== undefined) where.push(eq(auditEvents.userId, filter.userId));
  if (filter.model !== undefined) where.push(eq(auditEvents.model, filter.model));
  if (filter.outcome !== undefined) where.push(eq(auditEvents.outcome, filter.outcome));
  if (filter.from !== undefined) where.push(gte(auditEvents.startedAt, filter.from));
  if (filter.to !== undefined) where.push(lt(auditEvents.startedAt, filter.to));
  if (filter.startedAtMost !== undefined) where.push(lte(auditEvents.startedAt, filter.startedAtMost));
  return where;
}

export type EventWithUser = AuditEventRow & { username: string | null };

/** Newest first; `before` is the seq cursor from the previous page. */
export async function listEvents(db: D1Database, filter: EventFilter, before: number | null, limit: number): Promise<EventWithUser[]> {
  const where = filterOf(filter);
  if (before !== null) where.push(lt(auditEvents.seq, before));
  const rows = await drizzle(db)
    .select({ event: auditEvents, username: users.username })
    .from(auditEvents)
    .leftJoin(users, eq(auditEvents.userId, users.id))
    .where(and(...where))
    .orderBy(desc(auditEvents.seq))
    .limit(limit)
    .all();
  return rows.map((row) => ({ ...row.event, username: row.username }));
}

/** Oldest first, after the seq cursor: keyset pagination for exports of any size. */
export async function exportPage(db: D1Database, filter: EventFilter, after: number, limit: number): Promise<EventWithUser[]> {
  const rows = await drizzle(db)
    .select({ event: auditEvents, username: users.username })
    .from(auditEvents)
    .leftJoin(users, eq(auditEvents.userId, users.id))
    .where(and(...filterOf(filter), sql`${auditEvents.seq} > ${after}`))
    .orderBy(auditEvents.seq)
    .limit(limit)
    .all();
  return rows.map((row) => ({ ...row.event, username: row.username }));
}

/**
 * Whether the user has records no export covered: started after their last
 * export (any, if never exported), or not yet finished when it was taken.
 */
export async function hasUnexportedEvents(db: D1Database, userId: string, lastExportAt: number | null): Promise<boolean> {
  const uncovered =
    lastExportAt === null
      ? sql`1 = 1`
      : or(gt(auditEvents.startedAt, lastExportAt), isNull(auditEvents.finishedAt), gt(auditEvents.finishedAt, lastExportAt));
  const row = await drizzle(db)
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), uncovered))
    .limit(1)
    .get();
  return row !== undefined;
}

/** Micro-dollars a user's requests cost since `since` (ms epoch): the monthly spending limit's measure. */
export async function costSince(db: D1Database, userId: string, since: number): Promise<number> {
  const row = await drizzle(db)
    .select({ total: sql<number | null>`sum(${auditEvents.costMicros})` })
    .from(auditEvents)
    .where(and(eq(auditEvents.userId, userId), gte(auditEvents.startedAt, since), isNotNull(auditEvents.costMicros)))
    .get();
  return Number(row?.total ?? 0);
}
