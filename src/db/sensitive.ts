import { and, eq, gte, lt, or, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { PolicyAction } from "../sensitive/categories";
import type { CustomPattern } from "../sensitive/custom-patterns";
import type { PolicySet } from "../sensitive/policy";
import { guardOff, guardSettingKey, guardSettingsSchema, type GuardSettings } from "../sensitive/guard-verdict";
import { settings } from "./schema";
import { screeningChanged } from "./screening-epoch";
import { policyScopes, sensitiveFindings, sensitivePatterns, sensitivePolicies } from "./sensitive-schema";

/** Queries on the sensitive-data tables (findings, policies, admin patterns). */

export type NewFinding = typeof sensitiveFindings.$inferInsert;
export type PolicyScope = (typeof policyScopes)[number];

/** Inserted in statements of at most this many rows (D1 binds at most 100 parameters). */
const rowsPerInsert = 9;

export async function insertFindings(db: D1Database, rows: readonly NewFinding[]): Promise<void> {
  if (rows.length === 0) return;
  const d = drizzle(db);
  const statements = [];
  for (let i = 0; i < rows.length; i += rowsPerInsert) statements.push(d.insert(sensitiveFindings).values(rows.slice(i, i + rowsPerInsert)));
  await d.batch(statements as [(typeof statements)[number], ...(typeof statements)[number][]]);
}

/** The policies that apply to one caller and the admin patterns, in one round trip. */
export async function loadScreening(db: D1Database, userId: string | null, keyId: string | null): Promise<{ policy: PolicySet; patterns: CustomPattern[]; guard: GuardSettings }> {
  const d = drizzle(db);
  const scopes: SQL[] = [eq(sensitivePolicies.scope, "global")];
  if (userId) scopes.push(and(eq(sensitivePolicies.scope, "user"), eq(sensitivePolicies.subjectId, userId))!);
  if (keyId) scopes.push(and(eq(sensitivePolicies.scope, "key"), eq(sensitivePolicies.subjectId, keyId))!);
  const [policies, patterns, guardRows] = await d.batch([
    d.select().from(sensitivePolicies).where(or(...scopes)),
    d.select().from(sensitivePatterns).orderBy(sensitivePatterns.name),
    d.select().from(settings).where(eq(settings.key, guardSettingKey)),
  ]);
  const policy: { global: Record<string, PolicyAction>; user: Record<string, PolicyAction>; key: Record<string, PolicyAction> } = { global: {}, user: {}, key: {} };
  for (const row of policies) policy[row.scope][row.category] = row.action;
  return { policy, patterns: patterns.map((p) => ({ name: p.name, source: p.source, caseInsensitive: p.caseInsensitive })), guard: guardSettingsOf(guardRows[0]?.value) };
}

/** The stored guard settings; anything unreadable means off. */
export function guardSettingsOf(text: string | undefined | null): GuardSettings {
  if (!text) return guardOff;
  try {
    const parsed = guardSettingsSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : guardOff;
  } catch {
    return guardOff;
  }
}

export async function listPolicies(db: D1Database, scope: PolicyScope, subjectId: string): Promise<Record<string, PolicyAction>> {
  const rows = await drizzle(db).select().from(sensitivePolicies).where(and(eq(sensitivePolicies.scope, scope), eq(sensitivePolicies.subjectId, subjectId))).all();
  return Object.fromEntries(rows.map((row) => [row.category, row.action]));
}

/** Replaces one scope's policy: the categories given, nothing else (a missing category falls back). */
export async function putPolicies(db: D1Database, scope: PolicyScope, subjectId: string, actions: Record<string, PolicyAction>): Promise<void> {
  const d = drizzle(db);
  const now = Date.now();
  const where = and(eq(sensitivePolicies.scope, scope), eq(sensitivePolicies.subjectId, subjectId));
  const inserts = Object.entries(actions).map(([category, action]) => d.insert(sensitivePolicies).values({ scope, subjectId, category, action, updatedAt: now }));
  try {
    await d.batch([d.delete(sensitivePolicies).where(where), ...inserts]);
  } finally {
    screeningChanged();
  }
}

export function listPatterns(db: D1Database) {
  return drizzle(db).select().from(sensitivePatterns).orderBy(sensitivePatterns.name).all();
}

export async function putPattern(db: D1Database, pattern: CustomPattern): Promise<void> {
  const row = { name: pattern.name, source: pattern.source, caseInsensitive: pattern.caseInsensitive, createdAt: Date.now() };
  try {
    await drizzle(db).insert(sensitivePatterns).values(row).onConflictDoUpdate({ target: sensitivePatterns.name, set: { source: row.source, caseInsensitive: row.caseInsensitive } });
  } finally {
    screeningChanged();
  }
}

export async function deletePattern(db: D1Database, name: string): Promise<boolean> {
  try {
    const result = await drizzle(db).delete(sensitivePatterns).where(eq(sensitivePatterns.name, name)).run();
    return (result.meta.changes ?? 0) > 0;
  } finally {
    screeningChanged();
  }
}

export function findingsOf(db: D1Database, requestId: string) {
  return drizzle(db).select().from(sensitiveFindings).where(eq(sensitiveFindings.requestId, requestId)).orderBy(sensitiveFindings.id).all();
}

/** Findings counted per day, category, user and model (for the console), within [from, to). */
export function findingTotals(db: D1Database, from: number, to: number) {
  const day = sql<string>`strftime('%Y-%m-%d', ${sensitiveFindings.at} / 1000, 'unixepoch')`;
  return drizzle(db)
    .select({
      day,
      category: sensitiveFindings.category,
      userId: sensitiveFindings.userId,
      model: sensitiveFindings.model,
      action: sensitiveFindings.action,
      location: sensitiveFindings.location,
      findings: sql<number>`sum(${sensitiveFindings.count})`,
      requests: sql<number>`count(distinct ${sensitiveFindings.requestId})`,
    })
    .from(sensitiveFindings)
    .where(and(gte(sensitiveFindings.at, from), lt(sensitiveFindings.at, to)))
    .groupBy(day, sensitiveFindings.category, sensitiveFindings.userId, sensitiveFindings.model, sensitiveFindings.action, sensitiveFindings.location)
    .all();
}
