/**
 * Token quotas per UTC day and UTC calendar month. Usage is kept per window
 * key ("2026-11-24", "2026-11"); when the key of `now` differs from the stored
 * one the window has rolled over and its count starts again at zero. UTC, not
 * the box's local time, so a DST change or a moved server never gives a user
 * a second quota in one day.
 */

export interface Usage {
  day: string;
  dayTokens: number;
  month: string;
  monthTokens: number;
}

export interface QuotaRule {
  dailyTokens: number | null;
  monthlyTokens: number | null;
}

export type QuotaCheck =
  | { ok: true }
  | { ok: false; window: "day" | "month"; limit: number; used: number; resetAt: number };

export function dayKey(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function monthKey(now: number): string {
  return new Date(now).toISOString().slice(0, 7);
}

/** Start of the next UTC day (ms epoch). */
export function nextDayStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** Start of the next UTC month (ms epoch); Date.UTC rolls December into January. */
export function nextMonthStart(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** The usage as of `now`: windows that have ended start again at zero. */
export function rollUsage(usage: Usage | null, now: number): Usage {
  const day = dayKey(now);
  const month = monthKey(now);
  return {
    day,
    dayTokens: usage && usage.day === day ? usage.dayTokens : 0,
    month,
    monthTokens: usage && usage.month === month ? usage.monthTokens : 0,
  };
}

/** Adds tokens to both windows of `now`. Negative or fractional counts are not trusted. */
export function charge(usage: Usage | null, tokens: number, now: number): Usage {
  const rolled = rollUsage(usage, now);
  const add = Number.isFinite(tokens) && tokens > 0 ? Math.floor(tokens) : 0;
  return { ...rolled, dayTokens: rolled.dayTokens + add, monthTokens: rolled.monthTokens + add };
}

/**
 * Refuses once a window's quota is used up. The size of the next answer is
 * unknown before it is generated, so a request is admitted while any quota is
 * left and charged with the real count afterwards; concurrent requests near
 * the edge can overrun it by at most their own answers.
 */
export function checkQuota(usage: Usage | null, rule: QuotaRule, now: number): QuotaCheck {
  const current = rollUsage(usage, now);
  if (rule.dailyTokens !== null && current.dayTokens >= rule.dailyTokens) {
    return { ok: false, window: "day", limit: rule.dailyTokens, used: current.dayTokens, resetAt: nextDayStart(now) };
  }
  if (rule.monthlyTokens !== null && current.monthTokens >= rule.monthlyTokens) {
    return { ok: false, window: "month", limit: rule.monthlyTokens, used: current.monthTokens, resetAt: nextMonthStart(now) };
  }
  return { ok: true };
}
