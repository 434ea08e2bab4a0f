import { drizzle } from "drizzle-orm/d1";
import { insertAdminAction } from "../db/admin-actions";
import { countFlood, markSealed, type AuditEventRow, type EventCompletion } from "../db/audit-events";
import { completeEventStatement, insertContentStatement, insertEventStatement, insertLinkStatement, plainStatement } from "../db/audit-writes";
import { chunkText } from "./content";
import { adminContentHash, eventContentHash, sealedEventOf, type SealedAdminAction, type SealedEvent } from "./canonical";
import { adminWriteStatement, type AdminWrite } from "./admin-write";
import type { ChainDraft } from "./group-commit";

/**
 * What each ledger write turns into: the D1 statements of one op, committed
 * with others in one batch by GroupCommit. Ops that finish a record seal it
 * in the same batch, so a finished record is never left outside the chain.
 * The two on every request's path (begin, complete) are plain statements
 * (src/db/audit-writes.ts); the rest are drizzle's queries, made plain.
 */

export type Statement = D1PreparedStatement;

const contentStatements = (db: D1Database, eventId: string, part: "prompt" | "response", text: string, now: number) =>
  chunkText(text).map((body, chunk) => insertContentStatement(db, eventId, part, chunk, body, now));

/** Write-ahead: the started record and its prompt (full capture mode). */
export function beginOp(db: D1Database, started: SealedEvent, prompt: string | null, now: number): Statement[] {
  return [insertEventStatement(db, started), ...(prompt === null ? [] : contentStatements(db, started.id, "prompt", prompt, now))];
}

/** Completes a started record, stores the response, seals it. */
export async function completeOp(db: D1Database, draft: ChainDraft, started: SealedEvent, completion: EventCompletion, response: string | null, now: number): Promise<Statement[]> {
  const final: SealedEvent = { ...started, ...completion };
  const contentHash = await eventContentHash(final);
  const link = await draft.next(contentHash);
  return [
    completeEventStatement(db, started.id, completion, link.seq),
    ...(response === null ? [] : contentStatements(db, started.id, "response", response, now)),
    insertLinkStatement(db, { seq: link.seq, recordKind: "event", recordId: started.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
  ];
}

/** A refusal already final when recorded: inserted and sealed together. */
export async function refusalOp(db: D1Database, draft: ChainDraft, event: SealedEvent, now: number): Promise<Statement[]> {
  const contentHash = await eventContentHash(event);
  const link = await draft.next(contentHash);
  return [
    insertEventStatement(db, { ...event, sealedSeq: link.seq }),
    insertLinkStatement(db, { seq: link.seq, recordKind: "event", recordId: event.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
  ];
}

/** One more refusal in an unauthenticated address/minute bucket; sealed once the minute is over. */
export function floodOp(db: D1Database, bucket: SealedEvent): Statement[] {
  return [plainStatement(db, countFlood(drizzle(db), bucket))];
}

/** Admin records, sealed; with the change they record (users, backends), in the same batch: both land or neither. */
export async function adminOp(db: D1Database, draft: ChainDraft, actions: readonly SealedAdminAction[], now: number, write?: AdminWrite): Promise<Statement[]> {
  const d = drizzle(db);
  const statements: Statement[] = write ? [plainStatement(db, adminWriteStatement(d, write))] : [];
  for (const action of actions) {
    const contentHash = await adminContentHash(action);
    const link = await draft.next(contentHash);
    statements.push(
      plainStatement(db, insertAdminAction(d, action)),
      insertLinkStatement(db, { seq: link.seq, recordKind: "admin", recordId: action.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
    );
  }
  return statements;
}

/** Seals rows that finished outside a completion (crash recovery, closed refusal buckets). */
export async function backlogOp(db: D1Database, draft: ChainDraft, rows: readonly AuditEventRow[], now: number): Promise<Statement[]> {
  const d = drizzle(db);
  const statements: Statement[] = [];
  for (const row of rows) {
    const contentHash = await eventContentHash(sealedEventOf(row));
    const link = await draft.next(contentHash);
    statements.push(
      plainStatement(db, markSealed(d, row.id, link.seq)),
      insertLinkStatement(db, { seq: link.seq, recordKind: "event", recordId: row.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
    );
  }
  return statements;
}
