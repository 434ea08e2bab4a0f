import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { Admission } from "../../../src/governance/admission";
import { leaseRenewMs } from "../../../src/governance/lease";
import { releaseLingerMs } from "../../../src/governance/user-limiter";
import { defaultLimits } from "../../../src/governance/limits";
import { resetSimulator } from "../helpers/simulator";
import { chatBody, globalQueue, limiterOf, principalFor, send } from "./harness";

beforeEach(async () => {
  await resetSimulator();
});

/** Every call made on the stub is recorded as `label.method`. */
function countingStub<T extends Rpc.DurableObjectBranded>(stub: DurableObjectStub<T>, label: string, calls: string[]): DurableObjectStub<T> {
  return new Proxy(stub, {
    get(target, property) {
      const value = Reflect.get(target, property) as unknown;
      if (typeof value !== "function" || typeof property !== "string") return value;
      // An RPC stub's methods are themselves stubs: call them as methods, never through .apply.
      const rpc = target as unknown as Record<string, (...args: unknown[]) => unknown>;
      return (...args: unknown[]) => {
        calls.push(`${label}.${property}`);
        return rpc[property]!(...args);
      };
    },
  });
}

/**
 * Durable Object round trips per request, counted at the bindings: every
 * call the worker makes on a stub of ADMISSION or USER_LIMITER is recorded.
 * Issue 15's budget: one call to be admitted and one to be released per
 * object; the per-backend gate and the breaker's outcome must not add any.
 */
function counting<T extends Rpc.DurableObjectBranded>(namespace: DurableObjectNamespace<T>, label: string, calls: string[]): DurableObjectNamespace<T> {
  return {
    idFromName: (name: string) => namespace.idFromName(name),
    get: (id: DurableObjectId) => countingStub(namespace.get(id), label, calls),
  } as unknown as DurableObjectNamespace<T>;
}

/**
 * Storage writes inside a live object, counted by wrapping its storage (the
 * same object its code writes through): KV puts and deletes, alarm changes,
 * and SQL statements other than reads. Each write a call makes is part of
 * that call's commit; writes in different calls are different commits.
 * Returns the function that unwraps it.
 */
async function countWrites(stub: DurableObjectStub, label: string, writes: string[]): Promise<() => Promise<void>> {
  type Patchable = Record<string, (...args: unknown[]) => unknown>;
  const names = ["put", "delete", "deleteAll", "setAlarm", "deleteAlarm"];
  await runInDurableObject(stub, (_instance, state) => {
    const storage = state.storage as unknown as Patchable;
    for (const name of names) {
      const original = storage[name]!.bind(storage);
      storage[name] = (...args: unknown[]) => {
        writes.push(`${label}.${name}`);
        return original(...args);
      };
    }
    const sql = state.storage.sql as unknown as Patchable;
    const exec = sql.exec!.bind(sql);
    sql.exec = (query: unknown, ...bindings: unknown[]) => {
      if (!/^\s*(SELECT|PRAGMA)\b/i.test(String(query))) writes.push(`${label}.sql`);
      return exec(query, ...bindings);
    };
  });
  return () =>
    runInDurableObject(stub, (_instance, state) => {
      for (const name of [...names, "exec"]) delete (state.storage as unknown as Patchable)[name];
      delete (state.storage.sql as unknown as Patchable).exec;
    });
}

describe("Durable Object round trips per request", () => {
  test.each([false, true])("stream=%s: one call to each object to be admitted, one to each to be released", async (stream) => {
    const calls: string[] = [];
    const bindings = { ADMISSION: counting(env.ADMISSION, "queue", calls), USER_LIMITER: counting(env.USER_LIMITER, "user", calls) };
    const { response, settled } = await send(principalFor(`rt-${crypto.randomUUID()}`), "/api/chat", chatBody("count the calls", stream), { bindings });
    const text = await response.text();
    await settled;
    expect(response.status, text).toBe(200);
    // A health probe round (at most once per GATEHOUSE_PROBE_INTERVAL, off the response path) is not part of a request.
    const perRequest = calls.filter((call) => call !== "queue.probed");
    expect(perRequest.sort()).toEqual(["queue.enter", "queue.release", "user.acquire", "user.release"]);
  });
});

describe("storage writes per governed request", () => {
  test("a short request: the user's object writes once (its release), the queue nothing", async () => {
    const userId = `writes-${crypto.randomUUID()}`;
    const principal = principalFor(userId, { dailyTokens: 1_000_000 });
    // The first request of a fresh object may set its alarm; count a later one, as on a busy gate.
    const warm = await send(principal, "/api/chat", chatBody("warm up"));
    await warm.response.text();
    await warm.settled;
    const writes: string[] = [];
    const unwrap = [await countWrites(limiterOf(userId), "user", writes), await countWrites(globalQueue(), "queue", writes)];
    try {
      const { response, settled } = await send(principal, "/api/chat", chatBody("count the writes"));
      const text = await response.text();
      await settled;
      expect(response.status, text).toBe(200);
      // Admitted in memory (written within spillAfterMs if still held), released with one put: the charge, the bucket, the lease gone.
      expect(writes.sort()).toEqual(["user.put"]);
      expect((await limiterOf(userId).report(principal.limits)).day.used).toBeGreaterThan(0);
      // Nothing held ever reached the disk, so no alarm was set either.
      expect(await runDurableObjectAlarm(limiterOf(userId))).toBe(false);
      expect((await limiterOf(userId).report(principal.limits)).inflight).toBe(0);
    } finally {
      for (const undo of unwrap) await undo();
    }
  });
});

describe("releases of one busy user share a commit", () => {
  test("five requests released together: one put within the linger, each release answered once it is on disk, every charge counted", async () => {
    const userId = `linger-${crypto.randomUUID()}`;
    const limits = { ...defaultLimits, concurrency: null, dailyTokens: 1_000_000 };
    const queue = env.ADMISSION.get(env.ADMISSION.idFromName(`linger-${crypto.randomUUID()}`));
    const admissions = Array.from({ length: 5 }, () => new Admission(limiterOf(userId), queue, crypto.randomUUID()));
    for (const admission of admissions) await admission.acquireUser(limits);
    const writes: string[] = [];
    const unwrap = await countWrites(limiterOf(userId), "user", writes);
    try {
      const started = Date.now();
      await Promise.all(admissions.map((admission) => admission.release({ promptTokens: 10, completionTokens: 5 })));
      // Each release answered once the shared write was done: one commit for the five, not five, within the linger.
      expect(writes).toEqual(["user.put"]);
      expect(Date.now() - started).toBeLessThan(releaseLingerMs + 1_000);
      const report = await limiterOf(userId).report(limits);
      expect(report.inflight).toBe(0);
      expect(report.day.used).toBe(75);
      await new Promise((resolve) => setTimeout(resolve, releaseLingerMs + 50));
      expect(writes).toEqual(["user.put"]);
      // On disk: what a restarted object would read back.
      const stored = await runInDurableObject(limiterOf(userId), (_instance, state) => state.storage.get<{ leases: Record<string, number>; usage: { dayTokens: number } }>("state"));
      expect(Object.keys(stored!.leases)).toEqual([]);
      expect(stored!.usage.dayTokens).toBe(75);
    } finally {
      await unwrap();
    }
  });

  test("a user's only request in flight is charged on disk before its release returns", async () => {
    const userId = `alone-${crypto.randomUUID()}`;
    const limits = { ...defaultLimits, concurrency: null, dailyTokens: 1_000_000 };
    const admission = new Admission(limiterOf(userId), globalQueue(), crypto.randomUUID());
    await admission.acquireUser(limits);
    await admission.release({ promptTokens: 3, completionTokens: 4 });
    const stored = await runInDurableObject(limiterOf(userId), (_instance, state) => state.storage.get<{ leases: Record<string, number> }>("state"));
    expect(stored).toBeDefined();
    expect(Object.keys(stored!.leases)).toEqual([]);
  });
});

describe("lease renewal", () => {
  test("five long requests of one user: one call per object per beat renews all their leases", async () => {
    const userId = `beat-${crypto.randomUUID()}`;
    const queue = env.ADMISSION.get(env.ADMISSION.idFromName(`beat-${crypto.randomUUID()}`));
    const calls: string[] = [];
    const admissions = Array.from({ length: 5 }, () =>
      new Admission(countingStub(limiterOf(userId), "user", calls), countingStub(queue, "queue", calls), crypto.randomUUID()),
    );
    for (const admission of admissions) {
      await admission.acquireUser({ ...defaultLimits, concurrency: null });
      await admission.enterQueue({ userId, username: userId, service: false, candidates: [{ name: "local", slots: 10 }] });
    }
    const userLeases = () => runInDurableObject(limiterOf(userId), (instance) => ({ ...(instance as unknown as { state: { leases: Record<string, number> } }).state.leases }));
    const queueLeases = () =>
      runInDurableObject(queue, (instance) => {
        const held = (instance as unknown as { inflight: { values(): Iterable<{ leaseId: string; expiresAt: number }> } }).inflight;
        return Object.fromEntries([...held.values()].map((lease) => [lease.leaseId, lease.expiresAt]));
      });
    const granted = { user: await userLeases(), queue: await queueLeases() };
    expect(Object.keys(granted.queue)).toHaveLength(5);
    calls.length = 0;
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Every request's beat, one renewal period after its grant.
    const beat = Date.now() + leaseRenewMs;
    for (const admission of admissions) await admission.renew(beat);
    expect(calls.sort()).toEqual(["queue.renewAll", "user.renewAll"]);
    // And every lease was extended, on both objects.
    const renewed = { user: await userLeases(), queue: await queueLeases() };
    for (const object of ["user", "queue"] as const) {
      for (const [leaseId, expiresAt] of Object.entries(granted[object])) expect(renewed[object][leaseId], object).toBeGreaterThan(expiresAt);
    }
    // A beat soon after finds them fresh: no call at all.
    calls.length = 0;
    await admissions[0]!.renew(beat + 1_000);
    expect(calls).toEqual([]);
    await Promise.all(admissions.map((admission) => admission.release(null)));
    expect(await queue.renewAll(admissions.map(() => crypto.randomUUID()))).toEqual([false, false, false, false, false]);
    expect((await queue.snapshot()).inflight).toBe(0);
  });
});

describe("renewal lists (security)", () => {
  test("both objects refuse a malformed list of lease ids outright, and renew nothing", async () => {
    const userId = `renew-hostile-${crypto.randomUUID()}`;
    const queue = globalQueue();
    const admission = new Admission(limiterOf(userId), queue, crypto.randomUUID());
    await admission.acquireUser({ ...defaultLimits, concurrency: null });
    await admission.enterQueue({ userId, username: userId, service: false, candidates: [{ name: "local", slots: 10 }] });
    const hostile: unknown[] = [
      "not-a-list",
      null,
      [null],
      [{ toString: () => "x" }],
      [""],
      ["x".repeat(101)],
      Array.from({ length: 10_001 }, () => "id"),
    ];
    try {
      for (const ids of hostile) {
        const label = JSON.stringify(ids).slice(0, 40);
        expect(await refusalOf(() => limiterOf(userId).renewAll(ids as string[])), label).toBeInstanceOf(Error);
        expect(await refusalOf(() => queue.renewAll(ids as string[])), label).toBeInstanceOf(Error);
      }
    } finally {
      await admission.release(null);
    }
  });
});

/**
 * The error a Durable Object call rejects with, or undefined when it succeeds.
 * Awaited here rather than handed to expect(...).rejects: chai probes the
 * value's properties, and every property read on an RPC promise pipelines a
 * new call that rejects on its own, unhandled, failing the run.
 */
async function refusalOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return error;
  }
}
