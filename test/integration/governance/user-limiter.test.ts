import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { spillAfterMs } from "../../../src/governance/lease";
import { defaultLimits, type Limits } from "../../../src/governance/limits";
import type { UserLimiter } from "../../../src/governance/user-limiter";
import type { LimiterState } from "../../../src/governance/user-policy";

const limiter = () => env.USER_LIMITER.get(env.USER_LIMITER.idFromName(crypto.randomUUID()));
const lease = () => crypto.randomUUID();
const limits = (overrides: Partial<Limits> = {}): Limits => ({ ...defaultLimits, ...overrides });

describe("UserLimiter (happy)", () => {
  test("40 racing requests against a burst of 10 admit exactly 10", async () => {
    const stub = limiter();
    const decisions = await Promise.all(
      Array.from({ length: 40 }, () => stub.acquire({ leaseId: lease(), limits: limits({ concurrency: null }) })),
    );
    expect(decisions.filter((d) => d.ok)).toHaveLength(10);
    const refused = decisions.filter((d) => !d.ok);
    expect(new Set(refused.map((d) => (d.ok ? "" : d.code)))).toEqual(new Set(["rate_limited"]));
    expect(refused[0]).toMatchObject({ retryAfter: 6, rate: { limit: 10, remaining: 0 } });
  });

  test("admissions report the bucket left for the RateLimit headers", async () => {
    const stub = limiter();
    const first = await stub.acquire({ leaseId: lease(), limits: limits({ rpm: 60, burst: 5 }) });
    expect(first).toMatchObject({ ok: true, rate: { limit: 5, remaining: 4 } });
  });

  test("the concurrency cap holds, and a released slot is free again", async () => {
    const stub = limiter();
    const [a, b, c] = [lease(), lease(), lease()];
    expect((await stub.acquire({ leaseId: a, limits: limits() })).ok).toBe(true);
    expect((await stub.acquire({ leaseId: b, limits: limits() })).ok).toBe(true);
    expect(await stub.acquire({ leaseId: c, limits: limits() })).toMatchObject({ ok: false, code: "too_many_concurrent", retryAfter: 1 });
    await stub.release(a, null);
    expect((await stub.acquire({ leaseId: c, limits: limits() })).ok).toBe(true);
  });

  test("tokens are charged on release and the quota refuses before anything is forwarded", async () => {
    const stub = limiter();
    const quota = limits({ dailyTokens: 100, monthlyTokens: 1000 });
    const id = lease();
    expect((await stub.acquire({ leaseId: id, limits: quota })).ok).toBe(true);
    await stub.release(id, { promptTokens: 60, completionTokens: 40 });
    const refused = await stub.acquire({ leaseId: lease(), limits: quota });
    expect(refused).toMatchObject({ ok: false, code: "quota_exceeded", rate: { limit: 100, remaining: 0 } });
    expect(refused.ok === false && refused.retryAfter).toBeGreaterThan(0);
    expect(refused.ok === false && refused.retryAfter).toBeLessThanOrEqual(86_400);
    const report = await stub.report(quota);
    expect(report).toMatchObject({ inflight: 0, day: { used: 100, limit: 100 }, month: { used: 100, limit: 1000 } });
  });

  test("a refused request consumes no rate token, slot or quota", async () => {
    const stub = limiter();
    const tight = limits({ rpm: 60, burst: 3, concurrency: 1 });
    expect((await stub.acquire({ leaseId: lease(), limits: tight })).ok).toBe(true);
    for (let i = 0; i < 5; i++) expect((await stub.acquire({ leaseId: lease(), limits: tight })).ok).toBe(false);
    const report = await stub.report(tight);
    expect(report.rate).toMatchObject({ limit: 3, remaining: 2 });
    expect(report.inflight).toBe(1);
  });

  test("limits changed by an admin apply to the next request at once", async () => {
    const stub = limiter();
    expect((await stub.acquire({ leaseId: lease(), limits: limits({ concurrency: null }) })).ok).toBe(true);
    expect(await stub.acquire({ leaseId: lease(), limits: limits({ concurrency: 1 }) })).toMatchObject({ ok: false, code: "too_many_concurrent" });
    expect((await stub.acquire({ leaseId: lease(), limits: limits({ concurrency: null, rpm: null }) })).ok).toBe(true);
  });

  test("counters survive the object being evicted (they are on disk)", async () => {
    const stub = limiter();
    const id = lease();
    await stub.acquire({ leaseId: id, limits: limits() });
    await stub.release(id, { promptTokens: 7, completionTokens: 5 });
    await evictDurableObject(stub);
    const report = await stub.report(limits());
    expect(report.day.used).toBe(12);
    expect(report.rate?.remaining).toBe(9);
  });

  test("a slot held past spillAfterMs is on disk: an evicted limiter still counts it and its rate token", async () => {
    const stub = limiter();
    const one = limits({ concurrency: 1 });
    expect((await stub.acquire({ leaseId: lease(), limits: one })).ok).toBe(true);
    // workerd evicts an object 10 s after its last call; an admission is written by spillAfterMs, under that.
    await new Promise((resolve) => setTimeout(resolve, spillAfterMs + 500));
    await evictDurableObject(stub);
    expect(await stub.report(one)).toMatchObject({ inflight: 1, rate: { remaining: 9 } });
    expect(await stub.acquire({ leaseId: lease(), limits: one })).toMatchObject({ ok: false, code: "too_many_concurrent" });
  });
});

describe("UserLimiter leases (error)", () => {
  test("a slot whose request died frees itself when its lease runs out (alarm)", async () => {
    const stub = limiter();
    const one = limits({ concurrency: 1 });
    expect((await stub.acquire({ leaseId: lease(), limits: one })).ok).toBe(true);
    expect((await stub.acquire({ leaseId: lease(), limits: one })).ok).toBe(false);
    // Nobody renews: move the lease's expiry into the past, as if a minute went by.
    await runInDurableObject(stub, async (instance: UserLimiter, state) => {
      const held = (instance as unknown as { state: LimiterState }).state;
      const stored = { ...held, leases: { ...held.leases } };
      for (const id of Object.keys(stored.leases)) stored.leases[id] = Date.now() - 1;
      // By then the admission was on disk with its alarm (written spillAfterMs after it).
      await state.storage.put("state", stored);
      await state.storage.setAlarm(Date.now() - 1);
      (instance as unknown as { state: LimiterState }).state = stored;
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await stub.report(one)).inflight).toBe(0);
    expect((await stub.acquire({ leaseId: lease(), limits: one })).ok).toBe(true);
  });

  test("a renewed lease is kept; an unknown one is not", async () => {
    const stub = limiter();
    const id = lease();
    await stub.acquire({ leaseId: id, limits: limits() });
    expect(await stub.renew(id)).toBe(true);
    expect(await stub.renew(lease())).toBe(false);
  });

  test("releasing twice frees once and charges what each call reports", async () => {
    const stub = limiter();
    const id = lease();
    await stub.acquire({ leaseId: id, limits: limits() });
    await stub.release(id, null);
    await stub.release(id, null);
    expect((await stub.report(limits())).inflight).toBe(0);
  });
});

describe("UserLimiter input (security)", () => {
  test("malformed limits or usage are refused, not counted", async () => {
    const stub = limiter();
    const bad = { ...defaultLimits, rpm: -1 } as Limits;
    // Called on the instance: the worker side turns such a throw into 503 limiter_unavailable.
    await runInDurableObject(stub, async (instance: UserLimiter) => {
      await expect(instance.acquire({ leaseId: lease(), limits: bad })).rejects.toThrow();
      // A malformed count still frees the slot, but charges nothing.
      await instance.release(lease(), { promptTokens: -500, completionTokens: 0 });
      await expect(instance.acquire({ leaseId: "", limits: defaultLimits })).rejects.toThrow();
    });
    expect((await stub.report(limits())).day.used).toBe(0);
    expect((await stub.report(limits())).inflight).toBe(0);
  });
});
