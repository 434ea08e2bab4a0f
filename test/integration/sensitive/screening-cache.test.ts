import { beforeEach, describe, expect, test } from "vitest";
import { postJson } from "../helpers/gateway";
import { resetSimulator } from "../helpers/simulator";
import { asKey, errorCode, seedKey, seedUser } from "../identity/helpers";
import { clearPolicies } from "./helpers";

/**
 * The screen remembers what it read for a caller (src/sensitive/screening-cache.ts);
 * an admin's change must still apply to that same caller's very next request.
 */

beforeEach(async () => {
  await resetSimulator();
  await clearPolicies();
});

const ssn = { model: "llama3.2:latest", stream: false, prompt: "my ssn is 078-05-1120 and badge EMP-123456" };

async function caller() {
  const user = await seedUser();
  return { user, key: await seedKey(user.id) };
}

async function send(secret: string): Promise<Response> {
  const response = await postJson("/api/generate", ssn, { Authorization: `Bearer ${secret}` });
  await response.clone().text();
  return response;
}

describe("an admin's change reaches a caller the screen has already seen", () => {
  test("global, user and key policies: the next request is blocked, then allowed again", async () => {
    const admin = await seedKey((await seedUser({ role: "admin" })).id);
    const { user, key } = await caller();
    expect((await send(key.secret)).status).toBe(200); // screened once: its reads are remembered

    for (const scope of [{ scope: "global" }, { scope: "user", subject: user.id }, { scope: "key", subject: key.id }]) {
      expect((await asKey(admin.secret, "PUT", "/admin/api/sensitive/policy", { ...scope, actions: { us_ssn: "block" } })).status).toBe(200);
      const refused = await send(key.secret);
      expect(refused.status, JSON.stringify(scope)).toBe(422);
      expect(await errorCode(refused)).toBe("sensitive_data_blocked");
      expect((await asKey(admin.secret, "PUT", "/admin/api/sensitive/policy", { ...scope, actions: {} })).status).toBe(200);
      expect((await send(key.secret)).status, JSON.stringify(scope)).toBe(200);
    }
  });

  test("a pattern added, then removed, applies from the next request on", async () => {
    const admin = await seedKey((await seedUser({ role: "admin" })).id);
    expect((await asKey(admin.secret, "PUT", "/admin/api/sensitive/policy", { scope: "global", actions: { "custom:badge": "block" } })).status).toBe(200);
    const { key } = await caller();
    expect((await send(key.secret)).status).toBe(200); // no such pattern yet

    expect((await asKey(admin.secret, "PUT", "/admin/api/sensitive/patterns/badge", { source: "EMP-\\d{6}" })).status).toBe(200);
    expect((await send(key.secret)).status).toBe(422);
    expect((await asKey(admin.secret, "DELETE", "/admin/api/sensitive/patterns/badge")).status).toBe(204);
    expect((await send(key.secret)).status).toBe(200);
  });
});
