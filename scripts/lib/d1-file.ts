import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";

/**
 * The D1 database file opened directly with node:sqlite, behind the part of
 * D1's API that drizzle's D1 driver and our start-up code call (prepare,
 * bind, all, first, run, raw, batch). Only while workerd is not running: the
 * start preparation (scripts/lib/prepare.ts) migrates, creates the first
 * admin and closes interrupted audit records here, before the socket opens.
 * Same SQL, same drizzle queries (src/db/*) as the worker runs through D1.
 */

type Row = Record<string, unknown>;

class FileStatement {
  constructor(
    private readonly db: DatabaseSync,
    readonly sql: string,
    readonly params: SQLInputValue[] = [],
  ) {}

  private statement(): StatementSync {
    return this.db.prepare(this.sql);
  }

  bind(...params: unknown[]): FileStatement {
    return new FileStatement(this.db, this.sql, params.map(toSqlite));
  }

  async all<T = Row>(): Promise<{ results: T[]; success: true; meta: Record<string, unknown> }> {
    return { results: this.statement().all(...this.params) as T[], success: true, meta: {} };
  }

  async first<T = Row>(column?: string): Promise<T | null> {
    const row = this.statement().get(...this.params) as Row | undefined;
    if (row === undefined) return null;
    return (column === undefined ? row : row[column]) as T;
  }

  async run(): Promise<{ results: []; success: true; meta: { changes: number; last_row_id: number } }> {
    const result = this.statement().run(...this.params);
    return { results: [], success: true, meta: { changes: Number(result.changes), last_row_id: Number(result.lastInsertRowid) } };
  }

  async raw<T = unknown[]>(): Promise<T[]> {
    const statement = this.statement();
    statement.setReturnArrays(true);
    return statement.all(...this.params) as T[];
  }
}

function toSqlite(value: unknown): SQLInputValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  return value as SQLInputValue;
}

class FileDatabase {
  constructor(private readonly db: DatabaseSync) {}

  prepare(sql: string): FileStatement {
    return new FileStatement(this.db, sql);
  }

  /** Like D1's batch: every statement in one transaction, all or nothing. */
  async batch(statements: FileStatement[]): Promise<unknown[]> {
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const results: unknown[] = [];
      for (const statement of statements) results.push(/^\s*(select|with|pragma)|\breturning\b/i.test(statement.sql) ? await statement.all() : await statement.run());
      this.db.exec("COMMIT");
      return results;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  async exec(sql: string): Promise<{ count: number; duration: number }> {
    this.db.exec(sql);
    return { count: 1, duration: 0 };
  }
}

/**
 * A D1Database over an open node:sqlite database. The cast is the trust
 * boundary of this adapter: it implements what src/db/* and drizzle call,
 * not D1's whole interface (no sessions, no dump).
 */
export function d1OverFile(db: DatabaseSync): D1Database {
  return new FileDatabase(db) as unknown as D1Database;
}
