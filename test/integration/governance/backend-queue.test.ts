import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { untilWaiting } from "./queue-waiting";
import { healthyFirst } from "../../../src/backends/health-order";
import { Admission, backendHealth, reportOutcome } from "../../../src/governance/admission";
import { defaultLimits } from "../../../src/governance/limits";
import type { AdmissionQueue, EnterResult } from "../../../src/governance/admission-queue";

// The test config sets GATEHOUSE_MAX_INFLIGHT=2, GATEHOUSE_MAX_QUEUE=16, GATEHOUSE_QUEUE_TIMEOUT=4,
// GATEHOUSE_BREAKER_COOLDOWN=1 (and the default of 3 failures to open).
const queueStub = () => env.ADMISSION.get(env.ADMISSION.idFromName(`boxes-${crypto.randomUUID()}`));
type Stub = ReturnType<typeof queueStub>;

const boxA = { name: "box-a", slots: 1 };
const boxB = { name: "box-b", slots: 2 };
const request = (userId: string, candidates = [boxA, boxB]) => ({ leaseId: crypto.randomUUID(), userId, username: userId, service: false, candidates });
const granted = (backend: string) => ({ ok: true, backend });
const backendOf = async (stub: Stub, name: string) => (await stub.snapshot()).backends.find((b) => b.name === name);

describe("per-backend slots (happy)", () => {
  test("slots are counted per box: box-a's one, then box-b's two, then the request waits", async () => {
    const stub = queueStub();
    const held = [request("u1"), request("u2"), request("u3")];
    expect(await stub.enter(held[0]!)).toMatchObject(granted("box-a"));
    expect(await stub.enter(held[1]!)).toMatchObject(granted("box-b"));
    expect(await stub.enter(held[2]!)).toMatchObject(granted("box-b"));
    const fourth = request("u4");
    const waiting = stub.enter(fourth);
    await untilWaiting(stub, 1);
    const snapshot = await stub.snapshot();
    expect(snapshot.inflight).toBe(3);
    expect(snapshot.backends.filter((b) => b.name !== "local")).toEqual([
      expect.objectContaining({ name: "box-a", slots: 1, inflight: 1, waiting: 1, breaker: "closed" }),
      expect.objectContaining({ name: "box-b", slots: 2, inflight: 2, waiting: 1, breaker: "closed" }),
    ]);
    // The built-in backend's gate is separate: GATEHOUSE_MAX_INFLIGHT slots, none used by the boxes.
    expect(await stub.enter(request("u5", [{ name: "local", slots: 2 }]))).toMatchObject(granted("local"));
    await stub.release(held[0]!.leaseId);
    expect(await waiting).toMatchObject(granted("box-a"));
  });

  test("a request that two backends could serve takes whichever frees first", async () => {
    for (const [frees, other] of [["box-a", "box-b"], ["box-b", "box-a"]] as const) {
      const stub = queueStub();
      const onA = request("a-only", [{ name: "box-a", slots: 1 }]);
      const onB = request("b-only", [{ name: "box-b", slots: 1 }]);
      await stub.enter(onA);
      await stub.enter(onB);
      const either = stub.enter(request("either", [{ name: "box-a", slots: 1 }, { name: "box-b", slots: 1 }]));
      await untilWaiting(stub, 1);
      await stub.release((frees === "box-a" ? onA : onB).leaseId);
      expect(await either).toMatchObject(granted(frees));
      expect(await backendOf(stub, other)).toMatchObject({ inflight: 1 });
    }
  });

  test("fairness across boxes: a calm user is served at the next free slot on either box while another floods", async () => {
    const stub = queueStub();
    const held = [request("flood"), request("flood"), request("flood")];
    for (const req of held) await stub.enter(req);
    const order: string[] = [];
    const track = (req: ReturnType<typeof request>) =>
      stub.enter(req).then((result: EnterResult) => (result.ok && order.push(req.userId), result));
    const flood = Array.from({ length: 6 }, () => request("flood"));
    const floodResults = flood.map(track);
    await untilWaiting(stub, 6);
    const calm = request("calm");
    const calmResult = track(calm);
    await untilWaiting(stub, 7);
    await stub.release(held[1]!.leaseId); // a box-b slot
    expect(await calmResult).toMatchObject(granted("box-b"));
    expect(order).toEqual(["calm"]);
    for (const req of [...held, calm, ...flood]) await stub.release(req.leaseId);
    await Promise.all(floodResults);
  });

  test("a request waiting for a busy box does not hold up one a free box can serve; it keeps its turn", async () => {
    const stub = queueStub();
    const onA = request("holder", [boxA]);
    await stub.enter(onA);
    const first = stub.enter(request("first", [boxA]));
    await untilWaiting(stub, 1);
    const secondRequest = request("second", [boxA]);
    const second = stub.enter(secondRequest);
    await untilWaiting(stub, 2);
    // box-b is free: a later user who may use it is served at once.
    expect(await stub.enter(request("later", [boxB]))).toMatchObject(granted("box-b"));
    await stub.release(onA.leaseId);
    expect(await first).toMatchObject(granted("box-a"));
    expect((await stub.snapshot()).users.find((u) => u.userId === "second")).toMatchObject({ waiting: 1 });
    await stub.release(secondRequest.leaseId);
    expect(await second).toMatchObject({ ok: false, reason: "cancelled" });
  });
});

describe("failover before the first byte", () => {
  test("gives back the failed box's slot and takes a free one on another candidate without queueing", async () => {
    const stub = queueStub();
    const req = request("u1");
    expect(await stub.enter(req)).toMatchObject(granted("box-a"));
    expect(await stub.failover({ leaseId: req.leaseId, outcome: "failure", candidates: [boxA, boxB] })).toMatchObject(granted("box-b"));
    expect(await backendOf(stub, "box-a")).toMatchObject({ inflight: 0, consecutiveFailures: 1 });
    expect(await backendOf(stub, "box-b")).toMatchObject({ inflight: 1 });
    await stub.release(req.leaseId);
    expect((await stub.snapshot()).inflight).toBe(0);
  });

  test("when the other box is full, the failover is first in line ahead of earlier waiters", async () => {
    const stub = queueStub();
    const onB = [request("b1", [boxB]), request("b2", [boxB])];
    for (const req of onB) await stub.enter(req);
    const earlier = stub.enter(request("earlier", [boxB]));
    await untilWaiting(stub, 1);
    const moving = request("moving", [boxA]);
    await stub.enter(moving);
    const moved = stub.failover({ leaseId: moving.leaseId, outcome: "failure", candidates: [boxA, boxB] });
    await untilWaiting(stub, 2);
    await stub.release(onB[0]!.leaseId);
    expect(await moved).toMatchObject(granted("box-b"));
    await stub.release(onB[1]!.leaseId);
    expect(await earlier).toMatchObject(granted("box-b"));
  });

  test("no other candidate, or a lease not held: nothing is held afterwards", async () => {
    const stub = queueStub();
    const req = request("u1", [boxA]);
    await stub.enter(req);
    expect(await stub.failover({ leaseId: req.leaseId, outcome: "failure", candidates: [boxA] })).toMatchObject({ ok: false, reason: "none" });
    expect((await stub.snapshot()).inflight).toBe(0);
    expect(await stub.failover({ leaseId: crypto.randomUUID(), outcome: null, candidates: [boxA, boxB] })).toMatchObject({ ok: false, reason: "none" });
    expect((await stub.snapshot()).inflight).toBe(0);
  });
});

describe("the worker's side (Admission)", () => {
  test("enterQueue says the backend, failover moves the request, release frees the new slot and feeds its breaker", async () => {
    const stub = queueStub();
    const userId = `u-${crypto.randomUUID()}`;
    const limiter = env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId));
    const admission = new Admission(limiter, stub, crypto.randomUUID());
    await admission.acquireUser(defaultLimits);
    expect(await admission.enterQueue({ userId, username: "u", service: false, candidates: [boxA, boxB] })).toBe("box-a");
    expect(await admission.failover("failure", [boxA, boxB])).toBe("box-b");
    expect(admission.backend).toBe("box-b");
    await admission.release(null, "failure");
    expect(await backendOf(stub, "box-a")).toMatchObject({ inflight: 0, consecutiveFailures: 1 });
    expect(await backendOf(stub, "box-b")).toMatchObject({ inflight: 0, consecutiveFailures: 1 });
    // Nothing left to move once released.
    expect(await admission.failover("failure", [boxA, boxB])).toBeNull();
    expect((await stub.snapshot()).inflight).toBe(0);
  });

  test("a failover with nowhere to go holds nothing afterwards, and release changes nothing more", async () => {
    const stub = queueStub();
    const userId = `u-${crypto.randomUUID()}`;
    const admission = new Admission(env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId)), stub, crypto.randomUUID());
    await admission.acquireUser(defaultLimits);
    await admission.enterQueue({ userId, username: "u", service: false, candidates: [boxA] });
    expect(await admission.failover("failure", [boxA])).toBeNull();
    expect(admission.backend).toBeNull();
    await admission.release(null, "failure");
    expect(await backendOf(stub, "box-a")).toMatchObject({ inflight: 0, consecutiveFailures: 1 });
  });
});

describe("the breaker inside the queue", () => {
  test("three failures open box-a: traffic goes to box-b; after the cooldown one trial closes it again", async () => {
    const stub = queueStub();
    for (let i = 0; i < 3; i++) {
      const req = request(`f${i}`, [boxA]);
      expect(await stub.enter(req)).toMatchObject(granted("box-a"));
      await stub.release(req.leaseId, "failure");
    }
    expect(await backendOf(stub, "box-a")).toMatchObject({ breaker: "open", consecutiveFailures: 3, inflight: 0 });
    // box-a is free and preferred, but open.
    const avoided = request("u1");
    expect(await stub.enter(avoided)).toMatchObject(granted("box-b"));
    // Never a refusal on its own: a request with nowhere else to go is still sent there.
    const only = request("u2", [boxA]);
    expect(await stub.enter(only)).toMatchObject(granted("box-a"));
    await stub.release(only.leaseId);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await backendOf(stub, "box-a")).toMatchObject({ breaker: "half-open" });
    const trial = request("trial");
    expect(await stub.enter(trial)).toMatchObject(granted("box-a"));
    // One trial at a time: the next goes elsewhere.
    const next = request("next");
    expect(await stub.enter(next)).toMatchObject(granted("box-b"));
    await stub.release(trial.leaseId, "success");
    expect(await backendOf(stub, "box-a")).toMatchObject({ breaker: "closed", consecutiveFailures: 0 });
  });

  test("a waiter wakes when an open box's cooldown ends (the alarm), and probes feed the breaker", async () => {
    const stub = queueStub();
    await stub.probed([{ name: "box-a", up: false }, { name: "box-a", up: false }, { name: "box-a", up: false }]);
    expect(await backendOf(stub, "box-a")).toMatchObject({ breaker: "open", health: "down" });
    const onB = [request("b1", [boxB]), request("b2", [boxB])];
    for (const req of onB) await stub.enter(req);
    const waiting = stub.enter(request("w"));
    // box-a is free but open: the request waits rather than being sent there.
    await untilWaiting(stub, 1);
    // Nothing is released: only the cooldown's end can serve it (as box-a's trial).
    expect(await waiting).toMatchObject(granted("box-a"));
    await stub.probed([{ name: "box-a", up: true }]);
    expect(await backendOf(stub, "box-a")).toMatchObject({ health: "up" });
  });

  test("reportOutcome and backendHealth: what the worker-side helpers say reaches the same breakers", async () => {
    const stub = queueStub();
    const scoped = { ADMISSION: { idFromName: () => stub.id, get: () => stub } as unknown as typeof env.ADMISSION };
    for (let i = 0; i < 3; i++) await reportOutcome(scoped, "box-a", "failure");
    await reportOutcome(scoped, "box-b", "success");
    const health = await backendHealth(scoped);
    expect(health.get("box-a")).toEqual({ breaker: "open", health: "unknown" });
    expect(healthyFirst([boxA, boxB], health).map((b) => b.name)).toEqual(["box-b", "box-a"]);
    // The grant agrees: box-a is skipped.
    expect(await stub.enter(request("u1"))).toMatchObject(granted("box-b"));
  });

  test("bad calls are refused: unknown outcome, malformed backend names, duplicate candidates", async () => {
    const stub = queueStub();
    const req = request("u1");
    await stub.enter(req);
    // Called on the instance: a refused RPC would also surface as the object's own uncaught error.
    await runInDurableObject(stub, async (instance: AdmissionQueue) => {
      await expect(instance.release(req.leaseId, "maybe" as never)).rejects.toThrow();
      await expect(instance.reportOutcome("../etc", "failure")).rejects.toThrow();
      await expect(instance.enter(request("u2", [boxA, boxA]))).rejects.toThrow();
      await expect(instance.enter(request("u3", [{ name: "box-a", slots: 0 }]))).rejects.toThrow();
      await expect(instance.enter(request("u4", []))).rejects.toThrow();
    });
    expect(await backendOf(stub, "box-a")).toMatchObject({ inflight: 1, consecutiveFailures: 0 });
    expect((await stub.snapshot()).waiting).toBe(0);
  });
});
