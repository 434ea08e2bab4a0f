import { describe, expect, test } from "vitest";
import { FairQueue } from "../../../src/governance/fair-queue";

function drain<T>(queue: FairQueue<T>): string[] {
  const order: string[] = [];
  for (let next = queue.pop(); next; next = queue.pop()) order.push(`${next.user}:${String(next.item)}`);
  return order;
}

describe("fair queue order", () => {
  test("round robin by user with equal weights; FIFO within a user", () => {
    const queue = new FairQueue<number>();
    for (let i = 1; i <= 3; i++) queue.push("flood", 1, i);
    queue.push("calm", 1, 1);
    queue.push("other", 1, 1);
    expect(drain(queue)).toEqual(["flood:1", "calm:1", "other:1", "flood:2", "flood:3"]);
  });

  test("a calm user arriving behind 50 queued requests is served next", () => {
    const queue = new FairQueue<number>();
    for (let i = 1; i <= 50; i++) queue.push("flood", 2, i);
    expect(queue.pop()?.user).toBe("flood");
    expect(queue.pop()?.user).toBe("flood");
    queue.push("calm", 2, 1);
    expect(queue.pop()).toEqual({ user: "calm", item: 1 });
    expect(queue.size).toBe(48);
  });

  test("interactive users get two slots for each one of a service account, which never starves", () => {
    const queue = new FairQueue<number>();
    for (let i = 1; i <= 6; i++) queue.push("ci", 1, i);
    for (let i = 1; i <= 6; i++) queue.push("alice", 2, i);
    const order = drain(queue).slice(0, 9).map((entry) => entry.split(":")[0]);
    expect(order.filter((u) => u === "alice")).toHaveLength(6);
    expect(order.filter((u) => u === "ci")).toHaveLength(3);
  });

  test("leaving and rejoining the queue gains no place", () => {
    const queue = new FairQueue<string>();
    queue.push("a", 1, "a1");
    queue.push("b", 1, "b1");
    queue.push("b", 1, "b2");
    expect(queue.pop()?.user).toBe("a");
    expect(queue.pop()?.user).toBe("b");
    // a rejoins: b has had as many turns, so a goes first, then b.
    queue.push("a", 1, "a2");
    expect(drain(queue)).toEqual(["a:a2", "b:b2"]);
  });

  test("a waiter removed after a timeout is gone and the count follows", () => {
    const queue = new FairQueue<string>();
    queue.push("a", 1, "x");
    queue.push("a", 1, "y");
    expect(queue.remove("a", "x")).toBe(true);
    expect(queue.remove("a", "x")).toBe(false);
    expect(queue.size).toBe(1);
    expect([...queue.waiting()]).toEqual([["a", ["y"]]]);
    expect(queue.remove("a", "y")).toBe(true);
    expect(queue.pop()).toBeUndefined();
  });

  test("the busiest user gives up its newest request to make room", () => {
    const queue = new FairQueue<string>();
    for (const item of ["f1", "f2", "f3"]) queue.push("flood", 1, item);
    queue.push("calm", 1, "c1");
    expect(queue.busiest()).toEqual({ user: "flood", count: 3 });
    expect(queue.waitingFor("calm")).toBe(1);
    expect(queue.popNewest("flood")).toBe("f3");
    expect(queue.popNewest("nobody")).toBeUndefined();
    expect(queue.size).toBe(3);
    expect(drain(queue)).toEqual(["flood:f1", "calm:c1", "flood:f2"]);
  });

  test("weights must be positive", () => {
    expect(() => new FairQueue<number>().push("a", 0, 1)).toThrow(RangeError);
  });
});
