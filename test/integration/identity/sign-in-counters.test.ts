import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { globalRegistrationsPerWindow, type AttemptCounter } from "../../../src/auth/attempt-counter";
import { gateway } from "../helpers/gateway";
import { freshAddress, goodPassword, login, origin, seedUser, unique } from "./helpers";

/**
 * Sign-in counters that cost nothing per invented name and say nothing on
 * disk: an account is counted by its id (username and email share one
 * lockout), unknown names share one bounded table keyed by HMAC, and
 * registration has a gateway-wide budget beside the per-address one.
 */
const namespace = () => env.ATTEMPTS as DurableObjectNamespace<AttemptCounter>;

/** Every key and value the unknown-name table holds, as text. */
async function unknownNamesOnDisk(): Promise<string> {
  const stub = namespace().get(namespace().idFromName("unknown-names"));
  return runInDurableObject(stub, async (_counter: AttemptCounter, state) => JSON.stringify([...(await state.storage.list())]));
}

describe("sign-in counters", () => {
  test("alternating the username and the email of one account gives no extra attempts", async () => {
    const username = unique("dual");
    const email = `${username}@example.test`;
    await seedUser({ username, email });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(i % 2 === 0 ? username : email, "wrong password!", freshAddress())).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await login(email, goodPassword, freshAddress())).status).toBe(429);
  });

  test("an invented name is counted like a real one, but stored only as an HMAC in one shared table", async () => {
    const typed = unique("Secret-Password-Typed-As-Name");
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(typed, "wrong password!", freshAddress())).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const disk = await unknownNamesOnDisk();
    expect(disk).toMatch(/name:[0-9a-f]{64}/);
    expect(disk.toLowerCase()).not.toContain(typed.toLowerCase());
    // No object of its own: the name's own counter would have been found by this id.
    const legacy = namespace().get(namespace().idFromName(`account:${typed.toLowerCase()}`));
    expect(await runInDurableObject(legacy, async (_counter: AttemptCounter, state) => (await state.storage.list()).size)).toBe(0);
  });

  test("registrations have a gateway-wide budget that many addresses share", async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= globalRegistrationsPerWindow; i++) {
      const response = await gateway("/auth/register", {
        method: "POST",
        headers: { "Content-Type": "application/json", Origin: origin, "CF-Connecting-IP": freshAddress() },
        body: JSON.stringify({ email: `${unique("wave")}@example.test`, password: goodPassword }),
      });
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 201).length).toBeLessThanOrEqual(globalRegistrationsPerWindow);
    expect(statuses.at(-1)).toBe(429);
  }, 60_000);
});
