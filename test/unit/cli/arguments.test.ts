import { describe, expect, test } from "vitest";
import { instantFlag } from "../../../scripts/cli/audit";
import { UsageError } from "../../../scripts/cli/errors";
import { expiryFrom } from "../../../scripts/cli/keys";
import { limitsPatchFrom } from "../../../scripts/cli/users";
import { pickUser } from "../../../scripts/cli/resolve-user";
import type { UserView } from "../../../scripts/cli/api-schemas";

describe("users limits flags", () => {
  test("become the PATCH body's limits, none meaning no limit", () => {
    expect(limitsPatchFrom({ rpm: "30", burst: "60", "daily-tokens": "none", models: "llama3*, qwen2.5:*" }, "u")).toEqual({
      rpm: 30,
      burst: 60,
      dailyTokens: null,
      models: ["llama3*", "qwen2.5:*"],
    });
    expect(limitsPatchFrom({ concurrency: "2", "monthly-tokens": "5000000", models: "any" }, "u")).toEqual({
      concurrency: 2,
      monthlyTokens: 5_000_000,
      models: null,
    });
    expect(limitsPatchFrom({ "monthly-budget-usd": "12.50" }, "u")).toEqual({ monthlyBudgetUsd: 12.5 });
    expect(limitsPatchFrom({ "monthly-budget-usd": "none" }, "u")).toEqual({ monthlyBudgetUsd: null });
  });

  test.each([
    [{ rpm: "0" }, /--rpm must be a positive whole number/],
    [{ burst: "-3" }, /--burst/],
    [{ rpm: "1.5" }, /--rpm/],
    [{ concurrency: "many" }, /--concurrency/],
    [{ models: " , " }, /--models needs/],
    [{}, /at least one limit/],
    [{ "monthly-budget-usd": "-1" }, /--monthly-budget-usd must be US dollars/],
    [{ "monthly-budget-usd": "$5" }, /--monthly-budget-usd must be US dollars/],
  ])("refuses %o", (values, message) => {
    expect(() => limitsPatchFrom(values, "u")).toThrow(UsageError);
    expect(() => limitsPatchFrom(values, "u")).toThrow(message);
  });
});

describe("dates", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");
  test("--expires takes a day (midnight UTC) or a full time, only in the future", () => {
    expect(expiryFrom("2027-01-31", "u", now)).toBe(Date.parse("2027-01-31T00:00:00Z"));
    expect(expiryFrom("2026-12-01T13:00:00+00:00", "u", now)).toBe(now + 3_600_000);
    expect(() => expiryFrom("2026-11-30", "u", now)).toThrow(/in the future/);
    expect(() => expiryFrom("next tuesday", "u", now)).toThrow(/must be a date/);
  });
  test("--from/--to take a day, a time or ms", () => {
    expect(instantFlag("from", "2026-11-30", "u")).toBe(Date.parse("2026-11-30T00:00:00Z"));
    expect(instantFlag("to", "1764500000000", "u")).toBe(1764500000000);
    expect(() => instantFlag("to", "yesterday", "u")).toThrow(/--to must be/);
  });
});

test("a user is found by id, or by username regardless of case", () => {
  const limits = { rpm: 1, burst: 1, concurrency: 1, dailyTokens: null, monthlyTokens: null, models: null };
  const users: UserView[] = [
    { id: "u1", username: "Alice", role: "user", status: "active", limits },
    { id: "alice", username: "bob", role: "user", status: "active", limits },
  ];
  expect(pickUser(users, "u1")?.username).toBe("Alice");
  expect(pickUser(users, "ALICE")?.id).toBe("u1");
  // An exact id wins over a username.
  expect(pickUser(users, "alice")?.username).toBe("bob");
  expect(pickUser(users, "carol")).toBeUndefined();
});
