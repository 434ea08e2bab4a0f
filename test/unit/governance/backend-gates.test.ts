import { describe, expect, test } from "vitest";
import { BackendGates } from "../../../src/governance/backend-gates";
import { FairQueue } from "../../../src/governance/fair-queue";

const gates = () => new BackendGates(() => ({ failures: 2, cooldownMs: 1_000 }));
const boxes = [{ name: "box-a", slots: 1 }, { name: "box-b", slots: 2 }];

describe("backend gates", () => {
  test("the first candidate with a free slot, in the caller's order; slots counted per backend", () => {
    const g = gates();
    g.learn(boxes);
    expect(g.pick(boxes, 0)).toBe("box-a");
    g.hold("box-a", 0);
    expect(g.pick(boxes, 0)).toBe("box-b");
    g.hold("box-b", 0);
    g.hold("box-b", 0);
    expect(g.pick(boxes, 0)).toBeNull();
    expect(g.pick([...boxes].reverse(), 0)).toBeNull();
    g.release("box-a", null, false, 0);
    expect(g.pick([...boxes].reverse(), 0)).toBe("box-a");
    expect(g.view(0, () => 0).map((b) => [b.name, b.slots, b.inflight])).toEqual([["box-a", 1, 0], ["box-b", 2, 2]]);
  });

  test("an open breaker is skipped while another candidate is usable, never turned into a refusal", () => {
    const g = gates();
    g.learn(boxes);
    g.record("box-a", "failure", 0);
    g.record("box-a", "failure", 0);
    expect(g.pick(boxes, 0)).toBe("box-b");
    // Only the open one: it is tried anyway.
    expect(g.pick([boxes[0]!], 0)).toBe("box-a");
    // Open one free, the other full: wait for the other.
    g.hold("box-b", 0);
    g.hold("box-b", 0);
    expect(g.pick(boxes, 0)).toBeNull();
    // After the cooldown one trial goes to box-a; the next waits again.
    expect(g.pick(boxes, 1_000)).toBe("box-a");
    expect(g.hold("box-a", 1_000)).toBe(true);
    g.release("box-a", "success", true, 1_100);
    expect(g.view(1_100, () => 0)[0]).toMatchObject({ name: "box-a", breaker: "closed", inflight: 0 });
  });

  test("failover never picks the backend it leaves", () => {
    const g = gates();
    g.learn(boxes);
    expect(g.pick(boxes, 0, "box-a")).toBe("box-b");
    expect(g.pick([boxes[0]!], 0, "box-a")).toBeNull();
  });
});

describe("fair queue with candidates (popFirst)", () => {
  test("a free box goes to the fairest request that may use it; the skipped user stays first for its box", () => {
    const queue = new FairQueue<{ id: string; box: string }>();
    queue.push("ann", 1, { id: "ann1", box: "a" });
    queue.push("bob", 1, { id: "bob1", box: "b" });
    queue.push("cid", 1, { id: "cid1", box: "a" });
    expect(queue.popFirst((item) => item.box === "b")?.item.id).toBe("bob1");
    expect(queue.popFirst((item) => item.box === "a")?.item.id).toBe("ann1");
    expect(queue.popFirst((item) => item.box === "b")).toBeUndefined();
    expect(queue.pop()?.item.id).toBe("cid1");
  });

  test("within one user, the oldest request the box can serve", () => {
    const queue = new FairQueue<{ id: string; box: string }>();
    queue.push("ann", 1, { id: "1", box: "a" });
    queue.push("ann", 1, { id: "2", box: "b" });
    queue.push("ann", 1, { id: "3", box: "b" });
    expect(queue.popFirst((item) => item.box === "b")?.item.id).toBe("2");
    expect(queue.size).toBe(2);
  });
});
