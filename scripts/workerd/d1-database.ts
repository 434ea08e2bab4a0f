import { DurableObject } from "cloudflare:workers";
import { asJsonNumber, type D1Answer, type D1DatabaseRpc, type D1Meta, type D1Param, type D1Query, type D1StatementAnswer } from "./d1-wire";

/**
 * The D1 database under production workerd: one Durable Object holding the
 * SQLite file Miniflare's D1 kept (same service storage, same unique key, so
 * the same d1/miniflare-D1DatabaseObject/<id>.sqlite). It does what
 * Miniflare's D1DatabaseObject did for a query, and nothing else: no HTTP
 * request to route, no JSON to parse or write, no zod, no session bookmark
 * (Gatehouse never opens a D1 session), no entry worker in front. That glue
 * was about two thirds of the CPU a D1 call cost (README "Performance").
 *
 * Kept as Miniflare did it, because callers see it:
 * - a batch is one transaction: the first error rolls it all back and is
 *   returned as SQLite's message;
 * - comment-only or empty statements are dropped, none left is an error;
 * - meta.changes is the difference in total_changes() (triggers included),
 *   last_row_id is last_insert_rowid(), changed_db and size_after as well;
 * - blobs leave as number arrays, numbers as JSON would carry them.
 * `sql.exec` keeps its own cache of prepared statements, keyed by the SQL
 * text (Miniflare's `sql.prepare(…)(…)` ran through the same cache).
 */

const servedBy = "miniflare.db";

interface Counters {
  totalChanges: number;
  lastRowId: number;
  size: number;
}

/** What a statement's text says before it runs, remembered per text (a few dozen distinct ones, each sent many times). */
interface TextFacts {
  /** More than comments and blanks. */
  isStatement: boolean;
  /** One SELECT: it changes nothing (no change count, row id or size to read after it). A second statement after a `;` may. */
  readOnly: boolean;
}
const factsByText = new Map<string, TextFacts>();
const maxRemembered = 1_000;

function factsOf(sql: string): TextFacts {
  let facts = factsByText.get(sql);
  if (facts === undefined) {
    facts = { isStatement: sql.replace(/^\s+--.*/gm, "").trim().length > 0, readOnly: /^\s*select\b[^;]*;?\s*$/i.test(sql) };
    if (factsByText.size >= maxRemembered) factsByText.clear();
    factsByText.set(sql, facts);
  }
  return facts;
}

export class D1DatabaseObject extends DurableObject implements D1DatabaseRpc {
  query(queries: D1Query[]): D1Answer {
    const statements = queries.filter((query) => factsOf(query.sql).isStatement);
    if (statements.length === 0) return { error: "No SQL statements detected." };
    try {
      return this.ctx.storage.transactionSync(() => {
        // Each statement's "after" is the next one's "before": one counter read per statement, not two.
        let before = this.counters();
        return statements.map((statement) => {
          const [answer, after] = this.run(statement, before);
          before = after;
          return answer;
        });
      });
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  private run(query: D1Query, before: Counters): [D1StatementAnswer, Counters] {
    const started = performance.now();
    const cursor = this.ctx.storage.sql.exec(query.sql, ...query.params.map(sqlParam));
    const columns = cursor.columnNames;
    const rows: unknown[][] = [];
    for (const row of cursor.raw()) rows.push(row.map(jsonValue));
    const after = factsOf(query.sql).readOnly ? before : this.counters();
    const changes = after.totalChanges - before.totalChanges;
    const meta: D1Meta = {
      served_by: servedBy,
      duration: performance.now() - started,
      changes,
      last_row_id: after.lastRowId,
      changed_db: changes !== 0 || after.lastRowId !== before.lastRowId || after.size !== before.size,
      size_after: after.size,
      rows_read: cursor.rowsRead,
      rows_written: cursor.rowsWritten,
    };
    return [{ success: true, meta, results: { columns, rows } }, after];
  }

  private counters(): Counters {
    const row = this.ctx.storage.sql.exec<{ totalChanges: number; lastRowId: number }>("SELECT total_changes() AS totalChanges, last_insert_rowid() AS lastRowId").one();
    return { ...row, size: this.ctx.storage.sql.databaseSize };
  }
}

/** A parameter as Miniflare bound it after its JSON: number arrays are blobs. */
function sqlParam(param: D1Param): SqlStorageValue {
  if (Array.isArray(param)) return new Uint8Array(param).buffer;
  return typeof param === "number" ? asJsonNumber(param) : param;
}

/** A cell as Miniflare answered it in JSON: blobs as number arrays. */
function jsonValue(value: SqlStorageValue): unknown {
  if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
  return typeof value === "number" ? asJsonNumber(value) : value;
}
