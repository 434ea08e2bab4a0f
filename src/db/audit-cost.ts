import { isNotNull, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { builtInBackendName } from "../backends/types";
import { auditEvents } from "./schema";

/**
 * Money spent per backend, from the audit rows' cost_micros (set from a
 * backend's prices and the tokens it reported). Read through the partial
 * index audit_events_cost (migrations/0023_create_cost_index.sql), which holds priced rows only.
 */
export async function costMicrosByBackend(db: D1Database): Promise<{ backend: string; micros: number }[]> {
  const rows = await drizzle(db)
    .select({ backend: auditEvents.backend, micros: sql<number>`sum(${auditEvents.costMicros})` })
    .from(auditEvents)
    .where(isNotNull(auditEvents.costMicros))
    .groupBy(auditEvents.backend);
  return rows.map((row) => ({ backend: row.backend ?? builtInBackendName, micros: Number(row.micros) }));
}
