import type { NewChainRow } from "./audit-chain";
import type { EventCompletion, NewAuditEvent } from "./audit-events";

/**
 * The audit ledger's per-request writes as plain D1 prepared statements:
 * the write-ahead insert, the prompt and response pieces, the completion
 * and the chain link, and the head check that rides in the same batch.
 *
 * Why not drizzle here, when the rest of src/db/ is: these run twice for
 * every governed request, and drizzle built each one anew (its query
 * builder, `is()` checks and statement objects were ~8 % of the gateway's
 * JavaScript time in `BENCH_PROFILE=1`). The SQL text is fixed, so it is
 * written once; the values are mapped as drizzle's schema maps them
 * (booleans as 0/1, defaults where a value is absent), and
 * test/integration/audit/plain-writes.test.ts holds the rows they write
 * against drizzle's for the same records.
 */

/** audit_events' columns in the order the insert binds them, with drizzle's defaults for absent values. */
const eventColumns = [
  ["id", "id"], ["kind", "kind"], ["startedAt", "started_at"], ["userId", "user_id"], ["keyId", "key_id"],
  ["clientAddress", "client_address"], ["method", "method"], ["endpoint", "endpoint"], ["model", "model"],
  ["stream", "stream"], ["captureMode", "capture_mode"], ["promptSha256", "prompt_sha256"], ["promptBytes", "prompt_bytes"],
  ["status", "status"], ["outcome", "outcome"], ["code", "code"], ["latencyMs", "latency_ms"], ["ttfbMs", "ttfb_ms"],
  ["promptTokens", "prompt_tokens"], ["completionTokens", "completion_tokens"], ["tokensEstimated", "tokens_estimated"],
  ["bytesOut", "bytes_out"], ["responseSha256", "response_sha256"], ["responseBytes", "response_bytes"], ["finishedAt", "finished_at"],
  ["count", "count"], ["sealedSeq", "sealed_seq"], ["requestedModel", "requested_model"], ["backend", "backend"],
  ["servedModel", "served_model"], ["failover", "failover"], ["costMicros", "cost_micros"], ["blockedCategories", "blocked_categories"],
] as const satisfies readonly (readonly [keyof NewAuditEvent, string])[];

const columnOf = new Map<string, string>(eventColumns);
const defaults: Partial<Record<keyof NewAuditEvent, number>> = { stream: 0, tokensEstimated: 0, count: 1 };

const insertEventSql = `INSERT INTO audit_events (${eventColumns.map(([, column]) => column).join(", ")}) VALUES (${eventColumns.map(() => "?").join(", ")})`;
const insertContentSql = "INSERT INTO audit_content (event_id, part, chunk, body, created_at) VALUES (?, ?, ?, ?, ?)";
const insertLinkSql = "INSERT INTO audit_chain (seq, record_kind, record_id, content_hash, prev_hash, hash, sealed_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
const headSql =
  "SELECT (SELECT seq FROM audit_chain ORDER BY seq DESC LIMIT 1) AS lastSeq, (SELECT hash FROM audit_chain ORDER BY seq DESC LIMIT 1) AS lastHash, (SELECT hash FROM audit_chain WHERE seq = ?) AS anchorHash";

/** A value as drizzle's integer-boolean columns store it; undefined as SQL NULL. */
function driverValue(value: unknown): string | number | null {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value as string | number;
}

export function insertEventStatement(db: D1Database, row: NewAuditEvent): D1PreparedStatement {
  const values = eventColumns.map(([key]) => (row[key] === undefined ? (defaults[key] ?? null) : driverValue(row[key])));
  return db.prepare(insertEventSql).bind(...values);
}

/** The completion's columns and the seal, for a record still open (drizzle's `.set()`: keys left undefined are not set). */
export function completeEventStatement(db: D1Database, id: string, completion: EventCompletion, seq: number): D1PreparedStatement {
  const set: string[] = [];
  const values: (string | number | null)[] = [];
  for (const [key, value] of Object.entries(completion)) {
    const column = columnOf.get(key);
    if (value === undefined || column === undefined) continue;
    set.push(`${column} = ?`);
    values.push(driverValue(value));
  }
  return db.prepare(`UPDATE audit_events SET ${[...set, "sealed_seq = ?"].join(", ")} WHERE id = ? AND finished_at IS NULL`).bind(...values, seq, id);
}

export function insertContentStatement(db: D1Database, eventId: string, part: "prompt" | "response", chunk: number, body: string, now: number): D1PreparedStatement {
  return db.prepare(insertContentSql).bind(eventId, part, chunk, body, now);
}

export function insertLinkStatement(db: D1Database, link: NewChainRow): D1PreparedStatement {
  return db.prepare(insertLinkSql).bind(link.seq, link.recordKind, link.recordId, link.contentHash, link.prevHash, link.hash, link.sealedAt);
}

/** What D1 holds where the ledger expects its head (src/db/audit-chain.ts HeadSeen), first in a write's batch. */
export function headStatement(db: D1Database, expected: { seq: number }): D1PreparedStatement {
  return db.prepare(headSql).bind(expected.seq);
}

/** Any drizzle query as a plain statement, for the ledger's batches (the writes not on every request's path). */
export function plainStatement(db: D1Database, query: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql, params } = query.toSQL();
  return db.prepare(sql).bind(...params);
}
