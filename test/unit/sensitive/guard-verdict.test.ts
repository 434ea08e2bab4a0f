import { describe, expect, test } from "vitest";
import { Breaker, disagrees, readVerdict } from "../../../src/sensitive/guard-verdict";

describe("reading a guard model's answer", () => {
  test.each([
    ["safe", { verdict: "safe", categories: [] }],
    ["\n  safe \n", { verdict: "safe", categories: [] }],
    ["unsafe\nS1,S10", { verdict: "unsafe", categories: ["S1", "S10"] }],
    ["unsafe", { verdict: "unsafe", categories: [] }],
    ["Yes", { verdict: "unsafe", categories: [] }], // Granite Guardian
    ["No", { verdict: "safe", categories: [] }],
    ["I think this is fine", { verdict: "invalid", categories: [] }],
    ["", { verdict: "invalid", categories: [] }],
    ["unsafe\nS1, <script>", { verdict: "unsafe", categories: ["S1"] }],
  ])("%j", (answer, expected) => {
    expect(readVerdict(answer)).toEqual(expected);
  });

  test("disagreement: one side flags, the other does not; an invalid answer never disagrees", () => {
    expect(disagrees({ verdict: "unsafe", categories: [] }, false)).toBe(true);
    expect(disagrees({ verdict: "safe", categories: [] }, true)).toBe(true);
    expect(disagrees({ verdict: "unsafe", categories: [] }, true)).toBe(false);
    expect(disagrees({ verdict: "invalid", categories: [] }, true)).toBe(false);
  });
});

describe("the breaker", () => {
  test("opens after three failures in a row, for the cool-down; a success resets the count", () => {
    const breaker = new Breaker(3, 1000);
    breaker.record(false, 0);
    breaker.record(false, 0);
    breaker.record(true, 0);
    breaker.record(false, 0);
    breaker.record(false, 0);
    expect(breaker.allows(1)).toBe(true);
    breaker.record(false, 10);
    expect(breaker.allows(11)).toBe(false);
    expect(breaker.allows(1009)).toBe(false);
    expect(breaker.allows(1010)).toBe(true);
  });
});
