import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { untilWaiting } from "./queue-waiting";
import type { AdmissionQueue, EnterResult } from "../../../src/governance/admission-queue";
import { spillAfterMs } from "../../../src/governance/lease";

// The test config sets GATEHOUSE_MAX_INFLIGHT=2, GATEHOUSE_MAX_QUEUE=16, GATEHOUSE_QUEUE_TIMEOUT=4.
const queueStub = () => env.ADMISSION.get(env.ADMISSION.idFromName(`test-${crypto.randomUUID()}`));
type Stub = ReturnType<typeof queueStub>;

const request = (userId: string, service = false) => ({ leaseId: crypto.randomUUID(), userId, username: userId, service });

/** Enters and records the order in which grants come back. */
function enterTracked(stub: Stub, req: ReturnType<typeof request>, order: string[]): Promise<EnterResult> {
  return stub.enter(req).then((result) => {
    if (result.ok) order.push(`${req.userId}:${req.leaseId.slice(0, 4)}`);
    return result;
  });
}

describe("AdmissionQueue (happy)", () => {
  test("grants at most GATEHOUSE_MAX_INFLIGHT at once; a release hands the slot on", async () => {
    const stub = queueStub();
    const a = request("alice");
    const b = request("bob");
    expect(await stub.enter(a)).toMatchObject({ ok: true, waitedMs: 0 });
    expect(await stub.enter(b)).toMatchObject({ ok: true });
    const c = request("carol");
    const third = stub.enter(c);
    await untilWaiting(stub, 1);
    expect((await stub.snapshot()).inflight).toBe(2);
    await stub.release(a.leaseId);
    expect(await third).toMatchObject({ ok: true });
    const snapshot = await stub.snapshot();
    expect(snapshot).toMatchObject({ maxInflight: 2, inflight: 2, waiting: 0 });
    expect(snapshot.users.map((u) => u.userId).sort()).toEqual(["bob", "carol"]);
  });

  test("a calm user's request gets the next free slot while another user floods", async () => {
    const stub = queueStub();
    const order: string[] = [];
    const held = [request("flood"), request("flood")];
    for (const req of held) await stub.enter(req);
    const flood = Array.from({ length: 8 }, () => request("flood"));
    const floodResults = flood.map((req) => enterTracked(stub, req, order));
    await untilWaiting(stub, 8);
    const calm = request("calm");
    const calmResult = enterTracked(stub, calm, order);
    await untilWaiting(stub, 9);
    // One slot turnover: the calm request is served before the other 8 queued earlier.
    await stub.release(held[0]!.leaseId);
    expect(await calmResult).toMatchObject({ ok: true });
    expect(order[0]).toMatch(/^calm:/);
    // Clean up: let the flood through.
    await stub.release(held[1]!.leaseId);
    await stub.release(calm.leaseId);
    for (const req of flood) {
      await stub.release(req.leaseId);
    }
    await Promise.all(floodResults);
  });

  test("GET /admin/api/queue's view: in flight and waiting per user", async () => {
    const stub = queueStub();
    const held = [request("ci", true), request("ci", true)];
    for (const req of held) await stub.enter(req);
    const waiting = [stub.enter(request("ci", true)), stub.enter(request("ann"))];
    await untilWaiting(stub, 2);
    const snapshot = await stub.snapshot();
    expect(snapshot).toMatchObject({ maxInflight: 2, maxQueue: 16, inflight: 2, waiting: 2 });
    expect(snapshot.users).toEqual([
      expect.objectContaining({ userId: "ci", inflight: 2, waiting: 1 }),
      expect.objectContaining({ userId: "ann", inflight: 0, waiting: 1 }),
    ]);
    for (const req of held) await stub.release(req.leaseId);
    await Promise.all(waiting);
  });
});

describe("AdmissionQueue (error)", () => {
  test("a full queue refuses at once with a retry hint", async () => {
    const stub = queueStub();
    for (let i = 0; i < 2; i++) await stub.enter(request(`u${i}`));
    const waiting = Array.from({ length: 16 }, (_, i) => request(`w${i}`));
    const pending = waiting.map((req) => stub.enter(req));
    await untilWaiting(stub, 16);
    expect(await stub.enter(request("late"))).toEqual({ ok: false, reason: "full", retryAfter: 5 });
    for (const req of waiting) await stub.release(req.leaseId);
    expect((await Promise.all(pending)).every((r) => !r.ok && r.reason === "cancelled")).toBe(true);
  });

  test("a full queue is shared: a newcomer pushes out the flooding user's newest request", async () => {
    const stub = queueStub();
    const held = [request("flood"), request("flood")];
    for (const req of held) await stub.enter(req);
    const flood = Array.from({ length: 16 }, () => request("flood"));
    const pending = flood.map((req) => stub.enter(req));
    await untilWaiting(stub, 16);
    const calm = request("calm");
    const calmResult = stub.enter(calm);
    // The flood's newest waiter is refused; the calm request takes its place.
    expect(await pending[15]).toEqual({ ok: false, reason: "full", retryAfter: 5 });
    // A newcomer from the flood itself pushes out nobody: the queue is full for it.
    expect(await stub.enter(request("flood"))).toMatchObject({ ok: false, reason: "full" });
    await stub.release(held[0]!.leaseId);
    expect(await calmResult).toMatchObject({ ok: true });
    for (const req of [...flood, held[1]!, calm]) await stub.release(req.leaseId);
    await Promise.all(pending);
  });

  test("a request that waits past GATEHOUSE_QUEUE_TIMEOUT is refused and leaves the queue", async () => {
    const stub = queueStub();
    for (let i = 0; i < 2; i++) await stub.enter(request(`u${i}`));
    const started = Date.now();
    expect(await stub.enter(request("patient"))).toMatchObject({ ok: false, reason: "timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_900);
    expect((await stub.snapshot()).waiting).toBe(0);
  });

  test("a slot whose request died is freed by the alarm and handed to the next in line", async () => {
    const stub = queueStub();
    const dead = request("crashed");
    await stub.enter(dead);
    await stub.enter(request("alive"));
    const next = stub.enter(request("next"));
    await untilWaiting(stub, 1);
    await runInDurableObject(stub, (instance: AdmissionQueue, state) => {
      state.storage.sql.exec("UPDATE inflight SET expires_at = ? WHERE lease_id = ?", Date.now() - 1, dead.leaseId);
      const leases = (instance as unknown as { inflight: Map<string, { expiresAt: number }> }).inflight;
      leases.get(dead.leaseId)!.expiresAt = Date.now() - 1;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await next).toMatchObject({ ok: true });
    const users = (await stub.snapshot()).users.map((u) => u.userId).sort();
    expect(users).toEqual(["alive", "next"]);
  });

  test("slots held past spillAfterMs are on disk: an evicted queue still counts them", async () => {
    const stub = queueStub();
    const held = [request("a"), request("b")];
    for (const req of held) await stub.enter(req);
    // workerd evicts an object 10 s after its last call; a slot held spillAfterMs (under that) is written by then.
    await new Promise((resolve) => setTimeout(resolve, spillAfterMs + 500));
    await evictDurableObject(stub);
    expect((await stub.snapshot()).inflight).toBe(2);
    // Still full: a newcomer waits until one of the restored slots is given back.
    const c = request("c");
    const third = stub.enter(c);
    await untilWaiting(stub, 1);
    await stub.release(held[0]!.leaseId);
    expect(await third).toMatchObject({ ok: true });
    await stub.release(held[1]!.leaseId);
    await stub.release(c.leaseId);
  });

  test("a renewed lease is kept; releasing an unknown lease changes nothing", async () => {
    const stub = queueStub();
    const req = request("alice");
    await stub.enter(req);
    expect(await stub.renew(req.leaseId)).toBe(true);
    expect(await stub.renew(crypto.randomUUID())).toBe(false);
    await stub.release(crypto.randomUUID());
    expect((await stub.snapshot()).inflight).toBe(1);
  });
});
