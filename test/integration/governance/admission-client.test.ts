import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { GatehouseError } from "../../../src/errors";
import { Admission } from "../../../src/governance/admission";
import { leaseRenewMs } from "../../../src/governance/lease";
import { defaultLimits } from "../../../src/governance/limits";
import { userUsage } from "../../../src/governance/usage";
import type { LimiterState } from "../../../src/governance/user-policy";

/** The worker-side half of admission, against the real Durable Objects. */
function open(userId = crypto.randomUUID()) {
  const limiter = env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId));
  const queue = env.ADMISSION.get(env.ADMISSION.idFromName(`client-${crypto.randomUUID()}`));
  const leaseId = crypto.randomUUID();
  return { userId, limiter, queue, leaseId, admission: new Admission(limiter, queue, leaseId) };
}

const leaseExpiry = (stub: ReturnType<typeof open>["limiter"], leaseId: string) =>
  runInDurableObject(stub, (instance) => (instance as unknown as { state: LimiterState }).state.leases[leaseId]);

describe("Admission (the settle side)", () => {
  test("release frees both slots and charges once, however often it is called", async () => {
    const { userId, limiter, queue, admission } = open();
    await admission.acquireUser(defaultLimits);
    await admission.enterQueue({ userId, username: "u", service: false });
    expect((await queue.snapshot()).inflight).toBe(1);
    const usage = { promptTokens: 3, completionTokens: 4 };
    await Promise.all([admission.release(usage), admission.release(usage), admission.release(null)]);
    await admission.done;
    expect((await queue.snapshot()).inflight).toBe(0);
    expect(await limiter.report(defaultLimits)).toMatchObject({ inflight: 0, day: { used: 7 } });
  });

  test("a live request renews its leases", async () => {
    const { userId, limiter, queue, leaseId, admission } = open();
    await admission.acquireUser(defaultLimits);
    await admission.enterQueue({ userId, username: "u", service: false });
    const before = await leaseExpiry(limiter, leaseId);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Its beat, one renewal period on: the leases it holds are due.
    await admission.renew(Date.now() + leaseRenewMs);
    expect(await leaseExpiry(limiter, leaseId)).toBeGreaterThan(before!);
    expect(await queue.renew(leaseId)).toBe(true);
    await admission.release(null);
    expect(await queue.renew(leaseId)).toBe(false);
  });

  test("a refusal throws the limit's error with its headers and holds nothing", async () => {
    const { limiter, admission } = open();
    const limits = { ...defaultLimits, dailyTokens: 1 };
    const first = open();
    await first.admission.acquireUser(limits);
    await first.admission.release({ promptTokens: 1, completionTokens: 0 });
    const again = new Admission(first.limiter, first.queue, crypto.randomUUID());
    const error = await again.acquireUser(limits).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatehouseError);
    expect(error).toMatchObject({ code: "quota_exceeded", status: 429, headers: { "RateLimit-Limit": "1", "RateLimit-Remaining": "0" } });
    await again.release(null);
    expect((await first.limiter.report(limits)).inflight).toBe(0);
    // An unrelated admission is untouched.
    await admission.release(null);
    expect((await limiter.report(defaultLimits)).inflight).toBe(0);
  });

  test("userUsage reports for display, and null when the limiter cannot answer", async () => {
    const { userId, admission } = open();
    await admission.acquireUser(defaultLimits);
    expect(await userUsage(env, userId, defaultLimits)).toMatchObject({ inflight: 1, rate: { limit: 10, remaining: 9 } });
    await admission.release(null);
    const broken = { USER_LIMITER: { idFromName: () => { throw new Error("gone"); } } } as unknown as Parameters<typeof userUsage>[0];
    expect(await userUsage(broken, userId, defaultLimits)).toBeNull();
  });
});
