import { describe, expect, test } from "vitest";
import { charge, checkQuota, dayKey, monthKey, nextDayStart, nextMonthStart, rollUsage } from "../../../src/governance/quota-window";

const at = (iso: string) => Date.parse(iso);

describe("UTC quota windows", () => {
  test("keys are UTC dates, whatever the local time zone", () => {
    expect(dayKey(at("2026-11-24T23:59:59.999Z"))).toBe("2026-11-24");
    expect(dayKey(at("2026-11-25T00:00:00.000Z"))).toBe("2026-11-25");
    expect(monthKey(at("2026-11-30T23:59:59Z"))).toBe("2026-11");
  });

  test("next window starts roll over month and year ends", () => {
    expect(nextDayStart(at("2026-12-31T18:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(nextDayStart(at("2028-02-28T01:00:00Z"))).toBe(at("2028-02-29T00:00:00Z"));
    expect(nextMonthStart(at("2026-12-15T00:00:00Z"))).toBe(at("2027-01-01T00:00:00Z"));
    expect(nextMonthStart(at("2026-01-31T23:00:00Z"))).toBe(at("2026-02-01T00:00:00Z"));
  });

  test("charges land in both windows and the day rolls over at UTC midnight", () => {
    let usage = charge(null, 300, at("2026-11-24T23:59:00Z"));
    usage = charge(usage, 200, at("2026-11-24T23:59:59Z"));
    expect(usage).toEqual({ day: "2026-11-24", dayTokens: 500, month: "2026-11", monthTokens: 500 });
    usage = charge(usage, 50, at("2026-11-25T00:00:01Z"));
    expect(usage).toEqual({ day: "2026-11-25", dayTokens: 50, month: "2026-11", monthTokens: 550 });
  });

  test("the month rolls over at the first of the month, UTC", () => {
    const usage = charge(null, 1000, at("2026-11-30T23:59:59Z"));
    expect(rollUsage(usage, at("2026-12-01T00:00:00Z"))).toEqual({ day: "2026-12-01", dayTokens: 0, month: "2026-12", monthTokens: 0 });
  });

  test("bogus counts are not charged", () => {
    expect(charge(null, -5, 0).dayTokens).toBe(0);
    expect(charge(null, Number.NaN, 0).dayTokens).toBe(0);
    expect(charge(null, 2.7, 0).dayTokens).toBe(2);
  });

  test("refuses once a quota is used up, naming the window and when it resets", () => {
    const now = at("2026-11-24T10:00:00Z");
    const usage = charge(null, 1000, now);
    expect(checkQuota(usage, { dailyTokens: 1001, monthlyTokens: null }, now)).toEqual({ ok: true });
    expect(checkQuota(usage, { dailyTokens: 1000, monthlyTokens: null }, now)).toEqual({
      ok: false, window: "day", limit: 1000, used: 1000, resetAt: at("2026-11-25T00:00:00Z"),
    });
    expect(checkQuota(usage, { dailyTokens: null, monthlyTokens: 900 }, now)).toMatchObject({
      ok: false, window: "month", resetAt: at("2026-12-01T00:00:00Z"),
    });
    // Tomorrow the daily quota is back, the monthly one is not.
    const tomorrow = at("2026-11-25T00:00:00Z");
    expect(checkQuota(usage, { dailyTokens: 1000, monthlyTokens: 5000 }, tomorrow)).toEqual({ ok: true });
  });

  test("null quotas mean no limit", () => {
    expect(checkQuota(charge(null, 1e12, 0), { dailyTokens: null, monthlyTokens: null }, 0)).toEqual({ ok: true });
  });
});
