import { describe, expect, test } from "vitest";
import { DerivationsBusy, budgetIterations, gatedDerivation, windowMs } from "../../../src/auth/derivation-gate";

/** Password derivations may take at most half of any second; past that, refused at once. */
describe("the derivation gate", () => {
  test("refuses once a window's budget is spent, and admits again when it has passed", async () => {
    let now = 10_000;
    const clock = () => now;
    const derivation = (iterations: number) => gatedDerivation(iterations, async () => "done", clock);
    const each = 600_000;
    const fit = Math.floor(budgetIterations / each);
    for (let i = 0; i < fit; i++) expect(await derivation(each)).toBe("done");
    expect(() => derivation(each)).toThrow(DerivationsBusy);
    now += windowMs;
    expect(await derivation(each)).toBe("done");
  });
});
