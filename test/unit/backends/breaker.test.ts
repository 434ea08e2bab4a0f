import { describe, expect, test } from "vitest";
import { Breaker, backendOutcomeOf } from "../../../src/backends/breaker";

const settings = { failures: 3, cooldownMs: 30_000 };

describe("circuit breaker (fake clock)", () => {
  test("closed -> open after N consecutive failures -> half-open after the cooldown -> closed on success", () => {
    const breaker = new Breaker(settings);
    let now = 1_000;
    breaker.record("failure", now);
    breaker.record("failure", now);
    expect(breaker.state(now)).toBe("closed");
    breaker.record("failure", now);
    expect(breaker.view(now)).toEqual({ state: "open", consecutiveFailures: 3, retryAt: 31_000 });
    expect(breaker.allows(now)).toBe(false);
    now += 29_999;
    expect(breaker.allows(now)).toBe(false);
    now += 1;
    expect(breaker.state(now)).toBe("half-open");
    // One trial at a time.
    expect(breaker.allows(now)).toBe(true);
    breaker.admit(now);
    expect(breaker.allows(now)).toBe(false);
    breaker.record("success", now);
    expect(breaker.view(now)).toEqual({ state: "closed", consecutiveFailures: 0, retryAt: null });
    expect(breaker.allows(now)).toBe(true);
  });

  test("a failed trial reopens at once for a whole new cooldown", () => {
    const breaker = new Breaker(settings);
    for (let i = 0; i < 3; i++) breaker.record("failure", 0);
    breaker.admit(30_000);
    breaker.record("failure", 30_000);
    expect(breaker.state(30_000)).toBe("open");
    expect(breaker.state(59_999)).toBe("open");
    expect(breaker.state(60_000)).toBe("half-open");
  });

  test("failures must be consecutive: a success in between starts the count again", () => {
    const breaker = new Breaker(settings);
    breaker.record("failure", 0);
    breaker.record("failure", 0);
    breaker.record("success", 0);
    breaker.record("failure", 0);
    breaker.record("failure", 0);
    expect(breaker.state(0)).toBe("closed");
  });

  test("an abandoned trial lets another through; a probe closes a half-open breaker but not an open one", () => {
    const breaker = new Breaker(settings);
    for (let i = 0; i < 3; i++) breaker.record("failure", 0);
    breaker.probe(true, 10_000);
    expect(breaker.state(10_000)).toBe("open");
    breaker.admit(30_000);
    breaker.abandonTrial();
    expect(breaker.allows(30_000)).toBe(true);
    breaker.probe(true, 30_000);
    expect(breaker.state(30_000)).toBe("closed");
  });

  test("a failed probe counts as a failure; an answering probe does not wipe real failures", () => {
    const breaker = new Breaker(settings);
    breaker.record("failure", 0);
    breaker.record("failure", 0);
    breaker.probe(true, 0);
    breaker.probe(false, 0);
    expect(breaker.state(0)).toBe("open");
  });
});

describe("what counts as the backend's failure", () => {
  test.each([
    [{ status: 200, outcome: "ok" }, "success"],
    [{ status: 404, outcome: "upstream_error" }, "success"],
    [{ status: 400, outcome: "upstream_error" }, "success"],
    [{ status: 429, outcome: "upstream_error" }, "success"],
    [{ status: 500, outcome: "upstream_error" }, "failure"],
    [{ status: 503, outcome: "upstream_error" }, "failure"],
    [{ status: 502, outcome: "upstream_error" }, "failure"],
    [{ status: 504, outcome: "upstream_timeout" }, "failure"],
    // A stream that broke after its 200.
    [{ status: 200, outcome: "upstream_error" }, "failure"],
    [{ status: 200, outcome: "client_aborted" }, null],
    [{ status: 429, outcome: "rate_limited" }, null],
    [{ status: 503, outcome: "overloaded" }, null],
    [{ status: 403, outcome: "denied" }, null],
  ])("%o -> %s", (result, expected) => {
    expect(backendOutcomeOf(result)).toBe(expected);
  });
});
