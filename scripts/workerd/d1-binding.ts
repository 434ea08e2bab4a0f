import type { D1Answer, D1DatabaseRpc, D1Param, D1StatementAnswer } from "./d1-wire";

/**
 * The `DB` binding under production workerd: the D1Database API the worker
 * and drizzle-orm/d1 call (prepare, bind, first, run, all, raw, batch, exec),
 * answered by Gatehouse's database object (d1-database.ts) over JS RPC. It
 * replaces workerd's `cloudflare-internal:d1-api` wrapper over Miniflare's
 * entry worker and D1 object: one RPC per call instead of two HTTP hops with
 * JSON at both ends (README "Performance").
 *
 * Every answer is shaped as d1-api shaped Miniflare's (its fetch path, the one
 * without the experimental d1_binding_jsrpc flag): the same result objects,
 * the same `D1_ERROR: …` / `D1_TYPE_ERROR` / `D1_COLUMN_NOTFOUND` /
 * `D1_EXEC_ERROR` errors with the same causes. test/e2e/d1-production.test.ts
 * holds the two side by side. Sessions (withSession) and dump() are not
 * offered: Gatehouse uses neither, and they would need bookmarks.
 *
 * Loaded by workerd as an internal extension module named in a `wrapped`
 * binding (scripts/lib/workerd-config.ts); `DATABASE` is the database
 * object's namespace, `NAME` the database's name.
 */

interface Env {
  DATABASE: DurableObjectNamespace<D1DatabaseRpc & Rpc.DurableObjectBranded>;
  NAME: string;
}

type Row = Record<string, unknown>;
type Result<T = Row> = { success: true; meta: D1StatementAnswer["meta"]; results: T[] };

const d1Error = (prefix: string, message: string) => new Error(`${prefix}: ${message}`, { cause: new Error(message) });

class Database {
  readonly #id: DurableObjectId;

  constructor(private readonly env: Env) {
    this.#id = env.DATABASE.idFromName(env.NAME);
  }

  prepare(sql: string): PreparedStatement {
    return new PreparedStatement(this, sql, []);
  }

  async batch<T = Row>(statements: PreparedStatement[]): Promise<Result<T>[]> {
    return (await this.send(statements.map((s) => ({ sql: s.statement, params: s.params })))).map((answer) => asObjects<T>(answer));
  }

  async exec(query: string): Promise<{ count: number; duration: number }> {
    const lines = query.trim().split("\n");
    const answer = await this.ask(lines.map((sql) => ({ sql, params: [] })));
    if (!Array.isArray(answer)) {
      const legacy = `Error in line 1: ${lines[0]}: ${answer.error || "Something went wrong"}`;
      throw d1Error("D1_EXEC_ERROR", legacy);
    }
    return { count: answer.length, duration: answer.reduce((sum, { meta }) => sum + meta.duration, 0) };
  }

  async query(): Promise<never> {
    throw new Error("D1_ERROR: D1Database.query() requires the d1_binding_jsrpc compatibility flag. Enable d1_binding_jsrpc before calling query().");
  }

  /** The statements' answers; a failed batch throws `D1_ERROR: <SQLite's message>`. */
  async send(queries: { sql: string; params: D1Param[] }[]): Promise<D1StatementAnswer[]> {
    const answer = await this.ask(queries);
    if (!Array.isArray(answer)) throw d1Error("D1_ERROR", answer.error);
    return answer;
  }

  private async ask(queries: { sql: string; params: D1Param[] }[]): Promise<D1Answer> {
    // A stub belongs to the request that made it; the id is the same for all of them.
    return (await this.env.DATABASE.get(this.#id).query(queries)) as D1Answer;
  }
}

class PreparedStatement {
  constructor(
    private readonly db: Database,
    readonly statement: string,
    readonly params: D1Param[],
  ) {}

  /** d1-api's checks and conversions: booleans as 0/1, byte arrays and views as number arrays, anything else refused. */
  bind(...values: unknown[]): PreparedStatement {
    return new PreparedStatement(this.db, this.statement, values.map(boundValue));
  }

  async first<T = Row>(column?: string): Promise<T | null> {
    const [row] = asObjects<Row>(await this.one()).results;
    if (row === undefined) return null;
    if (column === undefined) return row as T;
    if (row[column] === undefined) throw new Error(`D1_COLUMN_NOTFOUND: Column not found (${column})`, { cause: new Error("Column not found") });
    return row[column] as T;
  }

  async run<T = Row>(): Promise<Result<T>> {
    return asObjects<T>(await this.one());
  }

  async all<T = Row>(): Promise<Result<T>> {
    return asObjects<T>(await this.one());
  }

  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    const { columns, rows } = (await this.one()).results;
    return [...(options?.columnNames ? [columns as T] : []), ...(rows as T[])];
  }

  private async one(): Promise<D1StatementAnswer> {
    const [answer] = await this.db.send([{ sql: this.statement, params: this.params }]);
    return answer!;
  }
}

function boundValue(value: unknown): D1Param {
  const type = typeof value;
  if (type === "number" || type === "string") return value as number | string;
  if (type === "boolean") return value ? 1 : 0;
  if (type === "object") {
    if (value === null) return null;
    if (Array.isArray(value) && value.every((b: unknown) => typeof b === "number" && b >= 0 && b < 256)) return value as number[];
    if (value instanceof ArrayBuffer) return Array.from(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>);
  }
  throw d1Error("D1_TYPE_ERROR", `Type '${type}' not supported for value '${String(value)}'`);
}

/** Rows as objects keyed by column (a repeated column name: the last one wins), as d1-api's toArrayOfObjects. */
function asObjects<T>({ success, meta, results: { columns, rows } }: D1StatementAnswer): Result<T> {
  return { success, meta, results: rows.map((row) => Object.fromEntries(row.map((cell, i) => [columns[i], cell])) as T) };
}

export default function makeBinding(env: Env): Database {
  return new Database(env);
}
