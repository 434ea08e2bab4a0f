/**
 * Requests-per-minute as a token bucket: a user may send `capacity` requests
 * at once (the burst), and the bucket refills continuously at rpm/60 tokens a
 * second. Pure math; the user's Durable Object keeps the bucket and calls
 * these with its own clock, so the result is exact under contention.
 */

export interface Bucket {
  /** Tokens left (fractional while refilling). */
  tokens: number;
  /** When `tokens` was last computed (ms epoch). */
  at: number;
}

export interface RateRule {
  /** Requests per minute: the refill rate. */
  rpm: number;
  /** Bucket size: requests allowed back to back. */
  capacity: number;
}

/** The RateLimit-* header values for this bucket (seconds, whole numbers). */
export interface RateInfo {
  limit: number;
  remaining: number;
  /** Seconds until the bucket is full again. */
  reset: number;
}

export type TakeResult =
  | { ok: true; bucket: Bucket; info: RateInfo }
  | { ok: false; bucket: Bucket; info: RateInfo; retryAfterSeconds: number };

/**
 * The rule for a user's limits, or null when they have no rate limit.
 * A missing burst means "rpm at once", the bucket a plain per-minute limit would give.
 */
export function rateRule(limits: { rpm: number | null; burst: number | null }): RateRule | null {
  if (limits.rpm === null) return null;
  return { rpm: limits.rpm, capacity: limits.burst ?? limits.rpm };
}

/** The bucket at `now`. A new user starts full; a lowered capacity applies at once. */
export function refill(bucket: Bucket | null, rule: RateRule, now: number): Bucket {
  if (!bucket) return { tokens: rule.capacity, at: now };
  // A clock that went backwards (restored backup, NTP step) refills nothing.
  const elapsed = Math.max(0, now - bucket.at);
  const tokens = Math.min(rule.capacity, bucket.tokens + (elapsed * rule.rpm) / 60_000);
  return { tokens, at: Math.max(now, bucket.at) };
}

/** Milliseconds until the bucket holds `target` tokens. */
function msUntil(bucket: Bucket, rule: RateRule, target: number): number {
  const missing = target - bucket.tokens;
  return missing <= 0 ? 0 : (missing * 60_000) / rule.rpm;
}

export function rateInfo(bucket: Bucket, rule: RateRule): RateInfo {
  return {
    limit: rule.capacity,
    remaining: Math.max(0, Math.floor(bucket.tokens + 1e-9)),
    reset: Math.ceil(msUntil(bucket, rule, rule.capacity) / 1000),
  };
}

/** Refills, then takes one token if there is one. A refusal takes nothing. */
export function take(previous: Bucket | null, rule: RateRule, now: number): TakeResult {
  const bucket = refill(previous, rule, now);
  // The epsilon absorbs float error from many small refills (0.9999999 is a token).
  if (bucket.tokens + 1e-9 >= 1) {
    const after = { tokens: Math.max(0, bucket.tokens - 1), at: bucket.at };
    return { ok: true, bucket: after, info: rateInfo(after, rule) };
  }
  const retryAfterSeconds = Math.max(1, Math.ceil(msUntil(bucket, rule, 1) / 1000));
  return { ok: false, bucket, info: rateInfo(bucket, rule), retryAfterSeconds };
}
