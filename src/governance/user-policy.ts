import type { Limits } from "./limits";
import { checkQuota, nextDayStart, nextMonthStart, rollUsage, type Usage } from "./quota-window";
import { quotaFree, type Reservation } from "./reservation";
import { rateInfo, rateRule, refill, take, type Bucket, type RateInfo } from "./token-bucket";

/**
 * One user's admission decision, as a pure function of their stored state,
 * their effective limits and the clock. Checked in the order the client is
 * told about it: rate, then concurrency, then quota. Nothing is consumed
 * unless all three pass, so a refused request costs no rate token, no slot
 * and no quota.
 */

export interface LimiterState {
  bucket: Bucket | null;
  usage: Usage | null;
  /** Held concurrency slots: lease id -> expiry (ms epoch). */
  leases: Record<string, number>;
  /** Tokens each running request holds against the quota (lease id -> tokens); absent in states saved before reservations. */
  reserved?: Record<string, number>;
}

export type LimiterRefusal = "rate_limited" | "too_many_concurrent" | "quota_exceeded";

export type Decision =
  /** `output`: the most this request may generate (its ceiling, cut to the quota left), `held` what it reserves. */
  | { ok: true; bucket: Bucket | null; rate: RateInfo | null; output: number; held: number }
  /** `rate` here describes the limit that refused, for the RateLimit-* headers. */
  | { ok: false; code: LimiterRefusal; retryAfter: number; rate: RateInfo };

/**
 * A held slot frees when a request ends, and we cannot tell when that is;
 * one second is short enough for an interactive retry and long enough not to spin.
 */
const concurrencyRetrySeconds = 1;

export function emptyLimiterState(): LimiterState {
  return { bucket: null, usage: null, leases: {} };
}

const noReservation: Reservation = { prompt: 0, output: 0 };

/** Tokens the running requests hold against the quota. */
export function heldTokens(state: LimiterState): number {
  let held = 0;
  for (const tokens of Object.values(state.reserved ?? {})) held += tokens;
  return held;
}

export function decide(state: LimiterState, limits: Limits, now: number, need: Reservation = noReservation): Decision {
  const rule = rateRule(limits);
  const taken = rule ? take(state.bucket, rule, now) : null;
  if (taken && !taken.ok) {
    return { ok: false, code: "rate_limited", retryAfter: taken.retryAfterSeconds, rate: taken.info };
  }
  const inflight = Object.keys(state.leases).length;
  if (limits.concurrency !== null && inflight >= limits.concurrency) {
    const rate = { limit: limits.concurrency, remaining: 0, reset: concurrencyRetrySeconds };
    return { ok: false, code: "too_many_concurrent", retryAfter: concurrencyRetrySeconds, rate };
  }
  const quota = checkQuota(state.usage, limits, now);
  if (!quota.ok) {
    const seconds = Math.max(1, Math.ceil((quota.resetAt - now) / 1000));
    return { ok: false, code: "quota_exceeded", retryAfter: seconds, rate: { limit: quota.limit, remaining: 0, reset: seconds } };
  }
  // What running requests hold counts as spent until they settle, so racing requests cannot overrun the quota.
  const free = quotaFree(state.usage, heldTokens(state), limits, now);
  if (free !== null && free <= 0) {
    const limit = limits.dailyTokens ?? limits.monthlyTokens ?? 0;
    const rate = { limit, remaining: 0, reset: concurrencyRetrySeconds };
    return { ok: false, code: "quota_exceeded", retryAfter: concurrencyRetrySeconds, rate };
  }
  // The output is cut to what is left after the prompt (at least one token: the prompt alone may go over, by its own size).
  const output = free === null || need.output === 0 ? need.output : Math.min(need.output, Math.max(1, free - need.prompt));
  return { ok: true, bucket: taken ? taken.bucket : state.bucket, rate: taken ? taken.info : null, output, held: need.prompt + output };
}

export interface WindowReport {
  used: number;
  limit: number | null;
  /** When the window starts again (ms epoch). */
  resetsAt: number;
}

/** What a user (or an admin) sees of their limits right now. */
export interface UsageReport {
  rate: RateInfo | null;
  inflight: number;
  concurrency: number | null;
  day: WindowReport;
  month: WindowReport;
}

export function usageReport(state: LimiterState, limits: Limits, now: number): UsageReport {
  const rule = rateRule(limits);
  const usage = rollUsage(state.usage, now);
  return {
    rate: rule ? rateInfo(refill(state.bucket, rule, now), rule) : null,
    inflight: Object.keys(state.leases).length,
    concurrency: limits.concurrency,
    day: { used: usage.dayTokens, limit: limits.dailyTokens, resetsAt: nextDayStart(now) },
    month: { used: usage.monthTokens, limit: limits.monthlyTokens, resetsAt: nextMonthStart(now) },
  };
}
