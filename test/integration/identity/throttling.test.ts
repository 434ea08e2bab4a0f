import { env, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, test, vi } from "vitest";
import type { AttemptCounter } from "../../../src/auth/attempt-counter";
import { postJson } from "../helpers/gateway";
import { basic, chat, errorCode, freshAddress, goodPassword, login, seedUser, unique } from "./helpers";

afterEach(() => {
  vi.useRealTimers();
});

describe("brute-force throttling", () => {
  test("5 wrong passwords, then 429 too_many_attempts with Retry-After — even for the right one", async () => {
    const user = await seedUser();
    const address = freshAddress();
    for (let i = 0; i < 5; i++) expect((await login(user.username, `wrong password ${i}`, address)).status).toBe(401);
    const blocked = await login(user.username, goodPassword, address);
    expect(blocked.status).toBe(429);
    expect(await errorCode(blocked)).toBe("too_many_attempts");
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThanOrEqual(55);
    expect(blocked.headers.get("Set-Cookie")).toBeNull();
  });

  test("the account is locked whichever addresses the guesses come from", async () => {
    const user = await seedUser();
    for (let i = 0; i < 5; i++) await login(user.username, "wrong password!", freshAddress());
    expect((await login(user.username, goodPassword, freshAddress())).status).toBe(429);
  });

  test("one address guessing many accounts is locked too", async () => {
    const address = freshAddress();
    for (let i = 0; i < 5; i++) await login(unique("someone"), "wrong password!", address);
    const user = await seedUser();
    expect((await login(user.username, goodPassword, address)).status).toBe(429);
    expect((await login(user.username, goodPassword, freshAddress())).status).toBe(200);
  });

  test("unknown names are counted exactly like real ones (no enumeration)", async () => {
    const name = unique("ghost");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(name, "wrong password!", freshAddress())).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
  });

  test("Basic credentials on inference are throttled the same way", async () => {
    const user = await seedUser();
    const address = freshAddress();
    for (let i = 0; i < 5; i++) {
      await postJson("/api/chat", chat, { Authorization: basic(user.username, "wrong password!"), "CF-Connecting-IP": address });
    }
    const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, goodPassword), "CF-Connecting-IP": address });
    expect(response.status).toBe(429);
    expect(response.headers.get("Retry-After")).toBeTruthy();
  });

  test("a successful sign-in clears the account's streak", async () => {
    const user = await seedUser();
    for (let i = 0; i < 4; i++) await login(user.username, "wrong password!", freshAddress());
    expect((await login(user.username, goodPassword, freshAddress())).status).toBe(200);
    for (let i = 0; i < 4; i++) await login(user.username, "wrong password!", freshAddress());
    expect((await login(user.username, goodPassword, freshAddress())).status).toBe(200);
  });
});

describe("the AttemptCounter Durable Object", () => {
  const stubFor = (name: string) => {
    const namespace = env.ATTEMPTS as DurableObjectNamespace<AttemptCounter>;
    return namespace.get(namespace.idFromName(name));
  };

  test("each lockout is longer than the last", async () => {
    const stub = stubFor(unique("growing"));
    const waits = await runInDurableObject(stub, async (counter: AttemptCounter) => {
      vi.useFakeTimers({ toFake: ["Date"] });
      const start = Date.UTC(2026, 0, 1);
      vi.setSystemTime(start);
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) seen.push(await counter.fail());
      vi.setSystemTime(start + 61_000);
      seen.push(await counter.retryAfter());
      seen.push(await counter.fail());
      vi.setSystemTime(start + 61_000 + 121_000);
      seen.push(await counter.fail());
      return seen;
    });
    expect(waits).toEqual([0, 0, 0, 0, 60, 0, 120, 240]);
  });

  test("its count survives the object being reloaded from storage", async () => {
    const stub = stubFor(unique("persist"));
    for (let i = 0; i < 5; i++) await stub.fail();
    const stored = await runInDurableObject(stub, async (_counter: AttemptCounter, state) => state.storage.get<{ lockouts: number }>("state"));
    expect(stored?.lockouts).toBe(1);
  });
});
