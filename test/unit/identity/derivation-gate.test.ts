import { describe, expect, test } from "vitest";
import { DerivationsBusy, gatedDerivation, maxWaitingDerivations } from "../../../src/auth/derivation-gate";

/** One password derivation at a time, a short line behind it, refusal past that. */
describe("the derivation gate", () => {
  test("runs one at a time, queues a few, refuses the rest at once", async () => {
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      gatedDerivation(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => releases.push(resolve));
        running -= 1;
        return "done";
      });
    const admitted = Array.from({ length: 1 + maxWaitingDerivations }, work);
    await expect(work()).rejects.toBeInstanceOf(DerivationsBusy);
    for (let finished = 0; finished < admitted.length; finished++) {
      while (releases.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      releases.shift()!();
    }
    expect(await Promise.all(admitted)).toEqual(Array(admitted.length).fill("done"));
    expect(most).toBe(1);
    // The line drained: a new derivation runs at once.
    const next = gatedDerivation(async () => "again");
    expect(await next).toBe("again");
  });
});
