/**
 * What Gatehouse's D1 binding (d1-binding.ts, in the gateway's isolate) and
 * its database object (d1-database.ts) pass each other over JS RPC. The
 * values are those Miniflare's D1 sent as JSON over HTTP, so both ends can
 * give exactly the answers Miniflare gave (test/e2e/d1-production.test.ts
 * compares them): parameters as workerd's `cloudflare-internal:d1-api`
 * binds them (numbers, strings, null, byte arrays as number arrays), rows
 * with blobs as number arrays, and every number as JSON would carry it.
 */

export type D1Param = number | string | null | number[];

export interface D1Query {
  sql: string;
  params: D1Param[];
}

/** Miniflare's meta for one statement, field for field. */
export interface D1Meta {
  served_by: string;
  duration: number;
  changes: number;
  last_row_id: number;
  changed_db: boolean;
  size_after: number;
  rows_read: number;
  rows_written: number;
}

export interface D1StatementAnswer {
  success: true;
  meta: D1Meta;
  results: { columns: string[]; rows: unknown[][] };
}

/** One answer per statement, or the batch's error (SQLite's message): nothing of the batch was written. */
export type D1Answer = D1StatementAnswer[] | { error: string };

/** The database object's RPC surface. */
export interface D1DatabaseRpc {
  query(queries: D1Query[]): D1Answer;
}

/** A number as JSON carries it: NaN and ±Infinity become null, -0 becomes 0. */
export function asJsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value + 0 : null;
}
