import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { WriteSoon } from "../../../src/governance/write-soon";

/** A WriteSoon over a write that records what state it wrote, and can be made to fail. */
function recorder() {
  const state = { value: 0 };
  const written: number[] = [];
  let failWith: Error | null = null;
  const soon = new WriteSoon(async () => {
    const value = state.value;
    await Promise.resolve();
    if (failWith) throw failWith;
    written.push(value);
  });
  return { state, written, soon, fail: (error: Error | null) => (failWith = error) };
}

describe("one write shared by the changes made until it runs", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  test("three changes within the deadline: one write of the last state, and every waiter answered only after it", async () => {
    const { state, written, soon } = recorder();
    const answered: number[] = [];
    for (let change = 1; change <= 3; change++) {
      state.value = change;
      void soon.within(5).then(() => answered.push(change));
    }
    await vi.advanceTimersByTimeAsync(4);
    expect(written).toEqual([]);
    expect(answered).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(written).toEqual([3]);
    expect(answered).toEqual([1, 2, 3]);
  });

  test("the earliest deadline wins: a later, shorter one brings the write forward and answers the earlier waiter too", async () => {
    const { state, written, soon } = recorder();
    let spilled = false;
    state.value = 1;
    void soon.within(5_000).then(() => (spilled = true));
    state.value = 2;
    const released = soon.within(5);
    await vi.advanceTimersByTimeAsync(5);
    await released;
    expect(written).toEqual([2]);
    expect(spilled).toBe(true);
    // And nothing more at the old deadline.
    await vi.advanceTimersByTimeAsync(6_000);
    expect(written).toEqual([2]);
  });

  test("a write made now answers whoever waits, and cancels the pending one", async () => {
    const { state, written, soon } = recorder();
    state.value = 1;
    const waiting = soon.within(5);
    expect(soon.dueWithin(5)).toBe(true);
    state.value = 2;
    await soon.now();
    await waiting;
    expect(soon.dueWithin(5)).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(written).toEqual([2]);
  });

  test("dueWithin: only a write due by then counts", () => {
    const { soon } = recorder();
    expect(soon.dueWithin(5)).toBe(false);
    void soon.within(5_000);
    expect(soon.dueWithin(5)).toBe(false);
    expect(soon.dueWithin(5_000)).toBe(true);
  });

  test("a failed write rejects every waiter (none is told its change is on disk); one nobody waits for leaves no unhandled rejection", async () => {
    const { soon, written, fail } = recorder();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      fail(new Error("disk full"));
      void soon.within(5_000); // an admission's spill: nobody waits
      const waiter = soon.within(5);
      const outcome = waiter.then(() => "written", (error: Error) => error.message);
      await vi.advanceTimersByTimeAsync(5);
      expect(await outcome).toBe("disk full");
      expect(written).toEqual([]);
      // The next change tries again.
      fail(null);
      await expect(soon.now()).resolves.toBeUndefined();
      await vi.advanceTimersByTimeAsync(0);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});
