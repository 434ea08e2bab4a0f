import { and, desc, eq, gte, inArray, isNotNull, lt, sql, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { canonicalModel } from "../inference/model-names";
import { routeTable } from "../inference/route-table";
import { auditEvents, users } from "./schema";

/**
 * Usage aggregates over audit_events, computed by SQLite (GROUP BY on a
 * computed bucket), never by loading rows into the worker. Served by the
 * audit_events_started index on started_at.
 *
 * What counts: requests to the inference routes (chat, generate, embed and
 * their OpenAI and legacy forms), answered or refused, including refusals of
 * unknown callers (kind 'refusals', one row per address/minute/code with a
 * count). Listings and model management are not usage. A request still in
 * flight counts as a request, not yet as an error; tokens and latency land
 * when it finishes.
 */

/** The endpoints that run the model, from the one route table. */
export const inferenceEndpoints = routeTable.filter((route) => route.group === "inference").map((route) => route.path);

export type Bucket = "hour" | "day";
export const bucketMs: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };

export interface StatsFilter {
  /** ms epoch, inclusive */
  from: number;
  /** ms epoch, exclusive */
  to: number;
  userId?: string | undefined;
  model?: string | undefined;
}

export interface Totals {
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  /** Over requests that reached the model (kind 'request'); refusals take no model time. */
  avgLatencyMs: number | null;
  /** US dollars at the answering backends' prices (audit_events.cost_micros); 0 when none had prices. */
  costUsd: number;
}

// A refusals row stands for `count` requests; every other row for one.
const requests = sql<number>`total(${auditEvents.count})`.mapWith(Number);
const errors = sql<number>`total(case when ${auditEvents.outcome} is not null and ${auditEvents.outcome} <> 'ok' then ${auditEvents.count} else 0 end)`.mapWith(Number);
const promptTokens = sql<number>`total(${auditEvents.promptTokens})`.mapWith(Number);
const completionTokens = sql<number>`total(${auditEvents.completionTokens})`.mapWith(Number);
const avgLatency = sql<number | null>`avg(case when ${auditEvents.kind} = 'request' then ${auditEvents.latencyMs} end)`;
const costMicros = sql<number>`total(${auditEvents.costMicros})`.mapWith(Number);
const usd = (micros: number) => micros / 1_000_000;

/** Ollama's reading of a bare name (`llama3.2` is `llama3.2:latest`), so both spellings are one model. */
const modelName = sql<string>`case when instr(${auditEvents.model}, ':') = 0 then ${auditEvents.model} || ':latest' else ${auditEvents.model} end`;

function whereOf(filter: StatsFilter): SQL | undefined {
  const where: SQL[] = [
    inArray(auditEvents.endpoint, inferenceEndpoints),
    gte(auditEvents.startedAt, filter.from),
    lt(auditEvents.startedAt, filter.to),
  ];
  if (filter.userId !== undefined) where.push(eq(auditEvents.userId, filter.userId));
  if (filter.model !== undefined) where.push(eq(modelName, canonicalModel(filter.model)));
  return and(...where);
}

const roundedOrNull = (value: number | null): number | null => (value === null ? null : Math.round(Number(value)));

/** Totals per bucket start (ms epoch, UTC-aligned), only buckets that have rows, ascending. */
export async function seriesTotals(db: D1Database, filter: StatsFilter, bucket: Bucket): Promise<Array<Totals & { t: number }>> {
  // The size is one of two constants, inlined so SQLite does integer division on the INTEGER column.
  const size = sql.raw(String(bucketMs[bucket]));
  const start = sql<number>`(${auditEvents.startedAt} / ${size}) * ${size}`.mapWith(Number);
  const rows = await drizzle(db)
    .select({ t: start, requests, errors, promptTokens, completionTokens, avgLatencyMs: avgLatency, costMicros })
    .from(auditEvents)
    .where(whereOf(filter))
    .groupBy(start)
    .orderBy(start)
    .all();
  return rows.map(({ costMicros: micros, ...row }) => ({ ...row, avgLatencyMs: roundedOrNull(row.avgLatencyMs), costUsd: usd(micros) }));
}

export interface UserTotals {
  userId: string;
  /** null once the account is deleted (its records stay, pseudonymous). */
  username: string | null;
  requests: number;
  errors: number;
  tokens: number;
  avgLatencyMs: number | null;
  costUsd: number;
}

/** The busiest users first; unknown callers (no user) are left out. */
export async function topUsers(db: D1Database, filter: StatsFilter, limit: number): Promise<UserTotals[]> {
  const rows = await drizzle(db)
    .select({ userId: sql<string>`${auditEvents.userId}`, username: users.username, requests, errors, promptTokens, completionTokens, avgLatencyMs: avgLatency, costMicros })
    .from(auditEvents)
    .leftJoin(users, eq(users.id, auditEvents.userId))
    .where(and(whereOf(filter), isNotNull(auditEvents.userId)))
    .groupBy(auditEvents.userId)
    .orderBy(desc(requests), auditEvents.userId)
    .limit(limit)
    .all();
  return rows.map((row) => ({
    userId: row.userId,
    username: row.username,
    requests: row.requests,
    errors: row.errors,
    tokens: row.promptTokens + row.completionTokens,
    avgLatencyMs: roundedOrNull(row.avgLatencyMs),
    costUsd: usd(row.costMicros),
  }));
}

export interface ModelTotals {
  model: string;
  requests: number;
  errors: number;
  tokens: number;
  avgLatencyMs: number | null;
  costUsd: number;
}

/** The most used models first; requests refused before a model was read are left out. */
export async function topModels(db: D1Database, filter: StatsFilter, limit: number): Promise<ModelTotals[]> {
  const rows = await drizzle(db)
    .select({ model: modelName, requests, errors, promptTokens, completionTokens, avgLatencyMs: avgLatency, costMicros })
    .from(auditEvents)
    .where(and(whereOf(filter), isNotNull(auditEvents.model)))
    .groupBy(modelName)
    .orderBy(desc(requests), modelName)
    .limit(limit)
    .all();
  return rows.map((row) => ({
    model: row.model,
    requests: row.requests,
    errors: row.errors,
    tokens: row.promptTokens + row.completionTokens,
    avgLatencyMs: roundedOrNull(row.avgLatencyMs),
    costUsd: usd(row.costMicros),
  }));
}
