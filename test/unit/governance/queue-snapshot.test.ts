import { describe, expect, test } from "vitest";
import { queueSnapshot, type Waiter } from "../../../src/governance/queue-snapshot";

const waiter = (userId: string, enqueuedAt: number): Waiter => ({
  leaseId: crypto.randomUUID(), userId, username: userId, service: false, candidates: [{ name: "local", slots: 4 }], enqueuedAt, resolve: () => {}, timer: undefined,
});

describe("queue snapshot", () => {
  test("totals and one row per user, busiest first, with the oldest wait", () => {
    const inflight = [
      { leaseId: "1", userId: "u1", username: "ann", backend: "local", grantedAt: 0, expiresAt: 1 },
      { leaseId: "2", userId: "u2", username: "ci", backend: "local", grantedAt: 0, expiresAt: 1 },
    ];
    const waiting = new Map([["u2", [waiter("u2", 900), waiter("u2", 950)]]]);
    expect(queueSnapshot(inflight, waiting, 1000, { maxInflight: 4, maxQueue: 256 })).toEqual({
      maxInflight: 4, maxQueue: 256, inflight: 2, waiting: 2,
      users: [
        { userId: "u2", username: "ci", inflight: 1, waiting: 2, oldestWaitMs: 100 },
        { userId: "u1", username: "ann", inflight: 1, waiting: 0, oldestWaitMs: 0 },
      ],
      backends: [],
    });
  });
});
