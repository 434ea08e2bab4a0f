import { z } from "zod";
import { GatehouseError } from "../errors";
import { bucketMs, type Bucket, type Totals } from "../db/stats";

/**
 * The time range and buckets of a usage query, and the zero-filled series
 * the charts draw. Pure: the routes pass `now` in.
 */

const dayMs = bucketMs.day;
/** The largest time an ISO string can show (year 9999). */
const latestMs = 253_402_300_799_999;

export const maxRangeDays = 366;
export const maxBuckets = 2_000;
/** Ranges up to this long are drawn hour by hour unless the caller picks. */
const hourlyUpToMs = 2 * dayMs;

/** ms since the epoch, or an ISO 8601 date/time. */
export const instant = z.string().transform((text, ctx) => {
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || ms < 0 || ms > latestMs) {
    ctx.addIssue({ code: "custom", message: "expected ms since the epoch or an ISO 8601 time" });
    return z.NEVER;
  }
  return ms;
});

export const statsQuery = z.object({
  from: instant.optional(),
  to: instant.optional(),
  bucket: z.enum(["hour", "day"]).optional(),
  user: z.uuid("expected a user id").optional(),
  model: z.string().min(1).max(300).optional(),
});

export type StatsQuery = z.infer<typeof statsQuery>;

export interface StatsRange {
  from: number;
  to: number;
  bucket: Bucket;
  /** Start of the first bucket (from, rounded down to the bucket). */
  first: number;
  count: number;
}

function invalid(message: string): GatehouseError {
  return new GatehouseError("invalid_request", { message });
}

/** Defaults: to = now, from = to − 24 h, hourly up to two days, daily beyond. */
export function resolveRange(query: StatsQuery, now: number): StatsRange {
  const to = query.to ?? now;
  const from = query.from ?? Math.max(0, to - dayMs);
  if (from >= to) throw invalid("from: must be before to");
  if (to - from > maxRangeDays * dayMs) throw invalid(`to: the range is at most ${maxRangeDays} days`);
  const bucket: Bucket = query.bucket ?? (to - from <= hourlyUpToMs ? "hour" : "day");
  const size = bucketMs[bucket];
  const first = Math.floor(from / size) * size;
  const count = Math.ceil((to - first) / size);
  if (count > maxBuckets) throw invalid(`bucket: at most ${maxBuckets} buckets; pick "day" or a shorter range`);
  return { from, to, bucket, first, count };
}

/** The last `days` UTC dates up to and including today's, as a daily range. */
export function lastDays(days: number, now: number): StatsRange {
  const today = Math.floor(now / dayMs) * dayMs;
  const first = today - (days - 1) * dayMs;
  return { from: first, to: today + dayMs, bucket: "day", first, count: days };
}

export const emptyTotals: Totals = { requests: 0, errors: 0, promptTokens: 0, completionTokens: 0, avgLatencyMs: null, costUsd: 0 };

/** Every bucket of the range, ascending, with the totals SQL found or zeros. */
export function zeroFilled(range: StatsRange, rows: Array<Totals & { t: number }>): Array<Totals & { t: number }> {
  const found = new Map(rows.map((row) => [row.t, row]));
  const size = bucketMs[range.bucket];
  return Array.from({ length: range.count }, (_, index) => {
    const t = range.first + index * size;
    return { ...emptyTotals, ...found.get(t), t };
  });
}
