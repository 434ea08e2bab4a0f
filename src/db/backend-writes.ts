import { and, asc, desc, eq, inArray, not, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { Db } from "./audit-events";
import { backends } from "./schema";

/**
 * Writes to the backend catalog (and the reads the admin API makes around
 * them). An admin's write travels to the audit ledger as a BackendWrite and
 * is committed in one batch with its admin_actions record
 * (src/audit/admin-actions.ts); the file read at start writes its rows
 * directly (scripts/lib/backends-file.ts). The caller bumps the catalog
 * epoch (src/backends/catalog-epoch.ts) after every write.
 */

export type BackendRow = typeof backends.$inferSelect;
export type NewBackendRow = Omit<BackendRow, "createdAt" | "updatedAt">;
export type BackendChanges = Partial<Omit<BackendRow, "id" | "createdAt" | "updatedAt" | "source">>;

/** Every row, the way the admin lists them: highest priority first, then by name. */
export async function listBackendRows(db: D1Database): Promise<BackendRow[]> {
  return drizzle(db).select().from(backends).orderBy(desc(backends.priority), asc(backends.name)).all();
}

/** By id, or else by name (case-insensitive): the CLI names backends, the console uses ids. */
export async function findBackendRow(db: D1Database, idOrName: string): Promise<BackendRow | null> {
  const rows = await drizzle(db).select().from(backends).where(or(eq(backends.id, idOrName), eq(backends.name, idOrName))).all();
  return rows.find((row) => row.id === idOrName) ?? rows[0] ?? null;
}

/** Which of these names are catalog rows (enabled or not); the built-in `local` is not a row. */
export async function existingBackendNames(db: D1Database, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await drizzle(db).select({ name: backends.name }).from(backends).where(inArray(backends.name, [...names])).all();
  return new Set(rows.map((row) => row.name));
}

/**
 * A catalog change written with its admin record. Plain data, so it travels
 * to the ledger over RPC; the credential in it is already sealed.
 */
export type BackendWrite =
  | { kind: "backend.insert"; row: NewBackendRow; at: number }
  | { kind: "backend.update"; id: string; changes: BackendChanges; at: number }
  | { kind: "backend.delete"; id: string };

/**
 * The statement of a BackendWrite. Never fails on its own, so it cannot sink
 * the ledger's shared batch: an insert of a taken name does nothing, and so
 * does a rename onto a taken name (the caller reads the row back and answers
 * 409 conflict).
 */
export function backendWriteStatement(d: Db, write: BackendWrite) {
  if (write.kind === "backend.insert") {
    return d.insert(backends).values({ ...write.row, createdAt: write.at, updatedAt: write.at }).onConflictDoNothing();
  }
  if (write.kind === "backend.delete") return d.delete(backends).where(eq(backends.id, write.id));
  const { name } = write.changes;
  const free = name === undefined ? undefined : sql`NOT EXISTS (SELECT 1 FROM backends AS other WHERE other.name = ${name} AND other.id <> ${write.id})`;
  return d
    .update(backends)
    .set({ ...write.changes, updatedAt: write.at })
    .where(and(eq(backends.id, write.id), free));
}

/**
 * The declarative file's rows made the catalog's file rows, in one batch:
 * each declared name inserted or updated (a row of the same name the admin
 * API made becomes the file's), every file row no longer declared removed.
 */
export function fileSyncStatements(d: Db, declared: readonly NewBackendRow[], at: number) {
  const upserts = declared.map((row) => {
    const { id: _id, ...fields } = row;
    return d
      .insert(backends)
      .values({ ...row, source: "file", createdAt: at, updatedAt: at })
      .onConflictDoUpdate({ target: backends.name, set: { ...fields, source: "file", updatedAt: at } });
  });
  const names = declared.map((row) => row.name);
  const removal = d.delete(backends).where(and(eq(backends.source, "file"), names.length === 0 ? undefined : not(inArray(backends.name, names))));
  return [removal, ...upserts] as const;
}
