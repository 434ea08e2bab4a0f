import { describe, expect, test } from "vitest";
import { defaultLimits, type Limits } from "../../../src/governance/limits";
import { charge } from "../../../src/governance/quota-window";
import { decide, emptyLimiterState, usageReport, type LimiterState } from "../../../src/governance/user-policy";

const now = Date.parse("2026-11-24T12:00:00Z");
const limits = (overrides: Partial<Limits> = {}): Limits => ({ ...defaultLimits, ...overrides });

describe("a user's admission decision", () => {
  test("checks rate first: an empty bucket is rate_limited even when also at the concurrency cap", () => {
    const state: LimiterState = { bucket: { tokens: 0, at: now }, usage: null, leases: { a: now + 1, b: now + 1 } };
    expect(decide(state, limits(), now)).toMatchObject({ ok: false, code: "rate_limited" });
  });

  test("then concurrency, then quota", () => {
    const busy: LimiterState = { bucket: null, usage: charge(null, 50, now), leases: { a: now + 1, b: now + 1 } };
    expect(decide(busy, limits({ dailyTokens: 10 }), now)).toMatchObject({ ok: false, code: "too_many_concurrent" });
    const idle: LimiterState = { ...busy, leases: {} };
    expect(decide(idle, limits({ dailyTokens: 10 }), now)).toMatchObject({
      ok: false, code: "quota_exceeded", retryAfter: 12 * 3600, rate: { limit: 10, remaining: 0, reset: 12 * 3600 },
    });
  });

  test("an admission takes one token and reports what is left", () => {
    const decision = decide(emptyLimiterState(), limits(), now);
    expect(decision).toMatchObject({ ok: true, bucket: { tokens: 9, at: now }, rate: { limit: 10, remaining: 9, reset: 6 } });
  });

  test("no limits at all admits without headers", () => {
    const none = limits({ rpm: null, burst: null, concurrency: null });
    expect(decide(emptyLimiterState(), none, now)).toEqual({ ok: true, bucket: null, rate: null, output: 0, held: 0 });
  });

  test("what running requests hold counts as spent: the output is cut to what is left, then refused", () => {
    const quota = limits({ rpm: null, burst: null, concurrency: null, dailyTokens: 300 });
    const need = { prompt: 20, output: 100 };
    let state: LimiterState = { ...emptyLimiterState(), usage: charge(null, 50, now) };
    const held: number[] = [];
    for (let i = 0; i < 3; i++) {
      const decision = decide(state, quota, now, need);
      if (!decision.ok) throw new Error(`refused at ${i}`);
      held.push(decision.held);
      state = { ...state, reserved: { ...state.reserved, [`r${i}`]: decision.held } };
    }
    // 250 free: 120, 120, then 10 left, of which the prompt takes 20 — one output token still goes.
    expect(held).toEqual([120, 120, 21]);
    expect(decide(state, quota, now, need)).toMatchObject({ ok: false, code: "quota_exceeded", retryAfter: 1 });
  });

  test("without a quota the ceiling passes unchanged; embeddings reserve no output", () => {
    const open = limits({ rpm: null, burst: null, concurrency: null });
    expect(decide(emptyLimiterState(), open, now, { prompt: 7, output: 4096 })).toMatchObject({ ok: true, output: 4096, held: 4103 });
    const quota = limits({ rpm: null, burst: null, concurrency: null, monthlyTokens: 10 });
    expect(decide(emptyLimiterState(), quota, now, { prompt: 4, output: 0 })).toMatchObject({ ok: true, output: 0, held: 4 });
  });

  test("the usage report rolls windows and counts held slots", () => {
    const state: LimiterState = { bucket: null, usage: charge(null, 42, now - 86_400_000), leases: { a: now + 1 } };
    const report = usageReport(state, limits({ monthlyTokens: 1000 }), now);
    expect(report).toMatchObject({ inflight: 1, concurrency: 2, day: { used: 0, limit: null }, month: { used: 42, limit: 1000 } });
  });
});

describe("configured default limits", () => {
  test("unset variables give the documented defaults; token quotas stay off", async () => {
    const { parseConfig } = await import("../../../src/config");
    const { configuredDefaultLimits } = await import("../../../src/governance/limits");
    expect(configuredDefaultLimits(parseConfig({}))).toEqual(defaultLimits);
    const set = parseConfig({ GATEHOUSE_DEFAULT_RPM: "30", GATEHOUSE_DEFAULT_DAILY_TOKENS: "50000", GATEHOUSE_DEFAULT_MONTHLY_TOKENS: "" });
    expect(configuredDefaultLimits(set)).toMatchObject({ rpm: 30, burst: 10, dailyTokens: 50_000, monthlyTokens: null });
  });

  test("a bad default stops startup naming the variable", async () => {
    const { parseConfig } = await import("../../../src/config");
    expect(() => parseConfig({ GATEHOUSE_DEFAULT_CONCURRENCY: "0" })).toThrow(/GATEHOUSE_DEFAULT_CONCURRENCY/);
  });
});
