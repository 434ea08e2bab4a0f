import type { BatchItem } from "drizzle-orm/batch";
import { insertAdminAction } from "../db/admin-actions";
import { insertLink } from "../db/audit-chain";
import { insertContent } from "../db/audit-content";
import { completeEvent, countFlood, insertEvent, markSealed, type AuditEventRow, type Db, type EventCompletion } from "../db/audit-events";
import { adminContentHash, eventContentHash, sealedEventOf, type SealedAdminAction, type SealedEvent } from "./canonical";
import { adminWriteStatement, type AdminWrite } from "./admin-write";
import type { ChainDraft } from "./group-commit";

/**
 * What each ledger write turns into: the D1 statements of one op, committed
 * with others in one batch by GroupCommit. Ops that finish a record seal it
 * in the same batch, so a finished record is never left outside the chain.
 */

export type Statement = BatchItem<"sqlite">;

/** Write-ahead: the started record and its prompt (full capture mode). */
export function beginOp(d: Db, started: SealedEvent, prompt: string | null, now: number): Statement[] {
  return [insertEvent(d, started), ...(prompt === null ? [] : insertContent(d, started.id, "prompt", prompt, now))];
}

/** Completes a started record, stores the response, seals it. */
export async function completeOp(d: Db, draft: ChainDraft, started: SealedEvent, completion: EventCompletion, response: string | null, now: number): Promise<Statement[]> {
  const final: SealedEvent = { ...started, ...completion };
  const contentHash = await eventContentHash(final);
  const link = await draft.next(contentHash);
  return [
    completeEvent(d, started.id, completion, link.seq),
    ...(response === null ? [] : insertContent(d, started.id, "response", response, now)),
    insertLink(d, { seq: link.seq, recordKind: "event", recordId: started.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
  ];
}

/** A refusal already final when recorded: inserted and sealed together. */
export async function refusalOp(d: Db, draft: ChainDraft, event: SealedEvent, now: number): Promise<Statement[]> {
  const contentHash = await eventContentHash(event);
  const link = await draft.next(contentHash);
  return [
    insertEvent(d, { ...event, sealedSeq: link.seq }),
    insertLink(d, { seq: link.seq, recordKind: "event", recordId: event.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
  ];
}

/** One more refusal in an unauthenticated address/minute bucket; sealed once the minute is over. */
export function floodOp(d: Db, bucket: SealedEvent): Statement[] {
  return [countFlood(d, bucket)];
}

/** Admin records, sealed; with the change they record (users, backends), in the same batch: both land or neither. */
export async function adminOp(d: Db, draft: ChainDraft, actions: readonly SealedAdminAction[], now: number, write?: AdminWrite): Promise<Statement[]> {
  const statements: Statement[] = write ? [adminWriteStatement(d, write)] : [];
  for (const action of actions) {
    const contentHash = await adminContentHash(action);
    const link = await draft.next(contentHash);
    statements.push(
      insertAdminAction(d, action),
      insertLink(d, { seq: link.seq, recordKind: "admin", recordId: action.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
    );
  }
  return statements;
}

/** Seals rows that finished outside a completion (crash recovery, closed refusal buckets). */
export async function backlogOp(d: Db, draft: ChainDraft, rows: readonly AuditEventRow[], now: number): Promise<Statement[]> {
  const statements: Statement[] = [];
  for (const row of rows) {
    const contentHash = await eventContentHash(sealedEventOf(row));
    const link = await draft.next(contentHash);
    statements.push(
      markSealed(d, row.id, link.seq),
      insertLink(d, { seq: link.seq, recordKind: "event", recordId: row.id, contentHash, prevHash: link.prevHash, hash: link.hash, sealedAt: now }),
    );
  }
  return statements;
}
