import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { z } from "zod";
import type { Backend, BackendPrices } from "../backends/types";
import { backends } from "./schema";

/**
 * Reads of the backend catalog for the runtime (src/backends/catalog.ts).
 * Writes live in ./backend-writes.ts. A row whose JSON columns do not parse
 * is left out (and logged): a broken row must not route traffic anywhere.
 */

/** A catalog row as the runtime needs it: the listed fields plus the sealed credential. */
export interface StoredBackend extends Backend {
  /** The credential as sealed at rest (src/backends/credential-seal.ts); null when none. */
  sealedCredential: string | null;
  updatedAt: number;
}

const modelList = z.array(z.string().min(1).max(400)).max(10_000);
const pricesSchema = z.object({ inputPerMTok: z.number().nonnegative().finite(), outputPerMTok: z.number().nonnegative().finite() });

function parsed<T>(schema: z.ZodType<T>, text: string | null): T | null | undefined {
  if (text === null) return null;
  try {
    const result = schema.safeParse(JSON.parse(text));
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

type Row = typeof backends.$inferSelect;

export function storedBackendOf(row: Row): StoredBackend | null {
  const models = parsed(modelList, row.models);
  const prices = parsed<BackendPrices>(pricesSchema, row.prices);
  if (models === undefined || prices === undefined) {
    console.error(JSON.stringify({ level: "error", event: "backend_row_unreadable", backend: row.name }));
    return null;
  }
  return {
    id: row.id,
    name: row.name.toLowerCase(),
    kind: row.kind,
    url: row.url,
    slots: row.slots,
    priority: row.priority,
    enabled: row.enabled,
    boundary: row.boundary,
    models,
    prices,
    hasCredential: row.credentialCiphertext !== null,
    source: row.source,
    sealedCredential: row.credentialCiphertext,
    updatedAt: row.updatedAt,
  };
}

/** The enabled backends, as stored. */
export async function enabledBackends(db: D1Database): Promise<StoredBackend[]> {
  const rows = await drizzle(db).select().from(backends).where(eq(backends.enabled, true)).all();
  return rows.map(storedBackendOf).filter((backend): backend is StoredBackend => backend !== null);
}
