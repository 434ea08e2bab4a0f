import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { defaultLimits, type Limits } from "../../../src/governance/limits";
import { gateway, postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";

/** The limits as the real pipeline applies them: authenticated by API key, limits from D1. */

beforeEach(async () => {
  await resetSimulator();
});

const chat = { model: "llama3.2:latest", messages: [{ role: "user", content: "hello" }], stream: false };
const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });
const stored = (overrides: Partial<Limits>) => JSON.stringify({ ...defaultLimits, ...overrides });

/**
 * Sends one after another. Settlement (slot release, token charge) runs in
 * waitUntil after the answer, so wait for the user's slots to be back before
 * the next request: a quota test must not race its own charge.
 */
async function statuses(secret: string, count: number, userId: string): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) {
    const response = await postJson("/api/chat", chat, bearer(secret));
    await response.arrayBuffer();
    result.push(response.status);
    await untilReleased(userId);
  }
  return result;
}

async function untilReleased(userId: string): Promise<void> {
  const limiter = env.USER_LIMITER.get(env.USER_LIMITER.idFromName(userId));
  for (let i = 0; i < 400; i++) {
    if ((await limiter.report(defaultLimits)).inflight === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error("the user's slot was never given back");
}

describe("limits through the real pipeline", () => {
  test("a user's stored limits are enforced and the answers carry RateLimit headers", async () => {
    const user = await seedUser({ limits: stored({ rpm: 2, burst: 2 }) });
    const key = await seedKey(user.id);
    const first = await postJson("/api/chat", chat, bearer(key.secret));
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-limit")).toBe("2");
    expect(first.headers.get("ratelimit-remaining")).toBe("1");
    await first.arrayBuffer();
    await untilReleased(user.id);
    expect(await statuses(key.secret, 2, user.id)).toEqual([200, 429]);
    expect((await simulatorLog()).requests.filter((r) => r.path === "/api/chat")).toHaveLength(2);
  });

  test("a key's scope narrows its owner's limits, never widens them", async () => {
    const user = await seedUser({ limits: stored({ rpm: 2, burst: 2 }) });
    const tight = await seedKey(user.id, { scope: { limits: { rpm: 1, burst: 1 } } });
    expect(await statuses(tight.secret, 2, user.id)).toEqual([200, 429]);
    const other = await seedUser({ limits: stored({ rpm: 1, burst: 1 }) });
    const loose = await seedKey(other.id, { scope: { limits: { rpm: 100, burst: 100 } } });
    expect(await statuses(loose.secret, 2, other.id)).toEqual([200, 429]);
  });

  test("an admin's change of limits applies to the very next request", async () => {
    const user = await seedUser({ limits: stored({ dailyTokens: 1 }) });
    const key = await seedKey(user.id);
    expect(await statuses(key.secret, 2, user.id)).toEqual([200, 429]);
    const admin = await seedUser({ role: "admin" });
    const adminKey = await seedKey(admin.id);
    const patched = await gateway(`/admin/api/users/${user.id}`, {
      method: "PATCH",
      headers: { ...bearer(adminKey.secret), "Content-Type": "application/json" },
      body: JSON.stringify({ limits: { dailyTokens: null } }),
    });
    expect(patched.status).toBe(200);
    await patched.arrayBuffer();
    expect(await statuses(key.secret, 1, user.id)).toEqual([200]);
  });

  test("metadata routes are not rate limited or queued", async () => {
    const user = await seedUser({ limits: stored({ rpm: 1, burst: 1 }) });
    const key = await seedKey(user.id);
    for (let i = 0; i < 3; i++) {
      const response = await gateway("/api/tags", { headers: bearer(key.secret) });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
  });
});

describe("GET /admin/api/queue", () => {
  test("an admin sees in flight and waiting per user", async () => {
    const admin = await seedUser({ role: "admin" });
    const key = await seedKey(admin.id);
    const response = await gateway("/admin/api/queue", { headers: bearer(key.secret) });
    expect(response.status).toBe(200);
    const body = await response.json<Record<string, unknown>>();
    // Counts depend on slots other tests' settlements may still be giving back.
    expect(body).toMatchObject({ maxInflight: 2, maxQueue: 16, inflight: expect.any(Number), waiting: expect.any(Number) });
    expect(Array.isArray(body.users)).toBe(true);
  });

  test.each([
    ["a plain user", "user", 403],
    ["a service account", "service", 403],
  ] as const)("%s is refused", async (_, role, status) => {
    const user = await seedUser({ role });
    const key = await seedKey(user.id);
    const response = await gateway("/admin/api/queue", { headers: bearer(key.secret) });
    expect(response.status).toBe(status);
  });

  test("no credentials is 401", async () => {
    expect((await gateway("/admin/api/queue")).status).toBe(401);
  });
});
