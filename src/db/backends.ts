import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { backendOfRow } from "../backends/backend-view";
import type { Backend } from "../backends/types";
import { backends } from "./schema";

/**
 * Reads of the backend catalog for the runtime (src/backends/catalog.ts);
 * the admin API's reads and writes are in ./backend-writes.ts.
 */

/** A catalog row as the runtime needs it: the listed fields plus the sealed credential. */
export interface StoredBackend extends Backend {
  /** The credential as sealed at rest (src/backends/credential-seal.ts); null when none. */
  sealedCredential: string | null;
  updatedAt: number;
}

/** The enabled backends, as stored. */
export async function enabledBackends(db: D1Database): Promise<StoredBackend[]> {
  const rows = await drizzle(db).select().from(backends).where(eq(backends.enabled, true)).all();
  return rows.map((row) => ({ ...backendOfRow(row), sealedCredential: row.credentialCiphertext, updatedAt: row.updatedAt }));
}
