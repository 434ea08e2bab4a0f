import { describe, expect, test } from "vitest";
import { rateRule, refill, take, type Bucket } from "../../../src/governance/token-bucket";

const rule = { rpm: 10, capacity: 10 };
const t0 = Date.UTC(2026, 10, 24, 12, 0, 0);

describe("token bucket", () => {
  test("a new user starts with a full burst", () => {
    expect(refill(null, rule, t0)).toEqual({ tokens: 10, at: t0 });
  });

  test("a burst of 10 admits exactly 10, then refuses with the wait for one token", () => {
    let bucket: Bucket | null = null;
    const results = Array.from({ length: 40 }, () => {
      const result = take(bucket, rule, t0);
      bucket = result.bucket;
      return result;
    });
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results[10]!;
    expect(refused.ok).toBe(false);
    // 10 rpm: one token every 6 seconds.
    expect(refused.ok === false && refused.retryAfterSeconds).toBe(6);
    expect(refused.info).toEqual({ limit: 10, remaining: 0, reset: 60 });
  });

  test("refills at rpm/60 per second, never above the burst", () => {
    const empty = { tokens: 0, at: t0 };
    expect(refill(empty, rule, t0 + 6_000).tokens).toBeCloseTo(1);
    expect(refill(empty, rule, t0 + 30_000).tokens).toBeCloseTo(5);
    expect(refill(empty, rule, t0 + 3_600_000).tokens).toBe(10);
  });

  test("many tiny refills add up to a whole token despite float error", () => {
    let bucket: Bucket = { tokens: 0, at: t0 };
    for (let i = 1; i <= 6000; i++) bucket = refill(bucket, rule, t0 + i);
    expect(take(bucket, rule, t0 + 6000).ok).toBe(true);
  });

  test("a lowered burst applies at once", () => {
    const full = { tokens: 10, at: t0 };
    const result = take(full, { rpm: 10, capacity: 2 }, t0);
    expect(result.info).toMatchObject({ limit: 2, remaining: 1 });
  });

  test("a clock that goes backwards refills nothing", () => {
    expect(refill({ tokens: 1, at: t0 }, rule, t0 - 60_000)).toEqual({ tokens: 1, at: t0 });
  });

  test("no rpm means no rate rule; no burst means rpm at once", () => {
    expect(rateRule({ rpm: null, burst: 5 })).toBeNull();
    expect(rateRule({ rpm: 30, burst: null })).toEqual({ rpm: 30, capacity: 30 });
  });

  test("a refusal consumes nothing", () => {
    const bucket = { tokens: 0.5, at: t0 };
    const result = take(bucket, rule, t0);
    expect(result.ok).toBe(false);
    expect(result.bucket.tokens).toBe(0.5);
  });
});
