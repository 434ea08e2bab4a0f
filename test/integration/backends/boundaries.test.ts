import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { resetSimulator } from "../helpers/simulator";
import { asKey, asSession, seedKey, seedUser } from "../identity/helpers";
import { adminCookie, backendBody, createBackend } from "./helpers";

/**
 * Data boundaries as a user's permission (PATCH /admin/api/users/:id
 * {"boundaries"}) kept in step with allowCloudModels, narrowed by a key's
 * scope and never widened by it; and the monthly spending limit as data.
 */

const limits = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });

interface UserJson {
  allowCloudModels: boolean;
  boundaries: string[];
  customBoundaries: boolean;
  limits: Record<string, unknown>;
}

async function patch(cookie: string, id: string, body: unknown): Promise<{ status: number; user: UserJson; text: string }> {
  const response = await asSession(cookie, "PATCH", `/admin/api/users/${id}`, body);
  const text = await response.text();
  return { status: response.status, user: (JSON.parse(text) as { user: UserJson }).user, text };
}

describe("a user's boundaries", () => {
  test("never set: `local`, plus `cloud` when allowCloudModels is on (as before)", async () => {
    const cookie = await adminCookie();
    const user = await seedUser();
    expect((await patch(cookie, user.id, { captureMode: null })).user).toMatchObject({ boundaries: ["local"], customBoundaries: false, allowCloudModels: false });
    expect((await patch(cookie, user.id, { allowCloudModels: true })).user).toMatchObject({ boundaries: ["local", "cloud"], customBoundaries: false });
  });

  test("granted: `local` always included, in order, allowCloudModels in step; recorded as user.settings", async () => {
    const cookie = await adminCookie();
    const user = await seedUser();
    expect((await patch(cookie, user.id, { boundaries: ["lan"] })).user).toMatchObject({ boundaries: ["local", "lan"], customBoundaries: true, allowCloudModels: false });
    expect((await patch(cookie, user.id, { boundaries: ["cloud", "local", "lan"] })).user).toMatchObject({ boundaries: ["local", "lan", "cloud"], allowCloudModels: true });
    // The flag turned off takes `cloud` away and keeps `lan`; turned on, gives it back.
    expect((await patch(cookie, user.id, { allowCloudModels: false })).user).toMatchObject({ boundaries: ["local", "lan"], allowCloudModels: false });
    expect((await patch(cookie, user.id, { allowCloudModels: true })).user).toMatchObject({ boundaries: ["local", "lan", "cloud"], allowCloudModels: true });
    expect((await patch(cookie, user.id, { boundaries: null })).user).toMatchObject({ boundaries: ["local", "cloud"], customBoundaries: false });
    const record = await env.DB.prepare("SELECT detail FROM admin_actions WHERE target_user_id = ? AND action = 'user.settings' ORDER BY seq LIMIT 1").bind(user.id).first<{ detail: string }>();
    expect(JSON.parse(record!.detail)).toMatchObject({ boundaries: '["local","lan"]' });
  });

  test.each([
    ["an unknown boundary", { boundaries: ["internet"] }],
    ["an empty list", { boundaries: [] }],
    ["a boundary twice", { boundaries: ["lan", "lan"] }],
    ["a string", { boundaries: "cloud" }],
    ["a flag that contradicts them", { boundaries: ["local", "cloud"], allowCloudModels: false }],
  ])("%s: 400, nothing changed", async (_what, body) => {
    const cookie = await adminCookie();
    const user = await seedUser();
    const response = await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, body);
    expect(response.status).toBe(400);
    const row = await env.DB.prepare("SELECT boundaries, allow_cloud_models AS cloud FROM users WHERE id = ?").bind(user.id).first();
    expect(row).toEqual({ boundaries: null, cloud: 0 });
  });
});

describe("a key narrows the boundaries, never widens them", () => {
  beforeEach(async () => {
    await resetSimulator();
    const response = await env.OLLAMA.fetch(`http://${env.GATEHOUSE_OLLAMA}/__sim/models`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "coder-big", remote: { host: "https://ollama.com:443", model: "qwen3-coder:480b" } }),
    });
    await response.body?.cancel();
  });
  const chat = { model: "coder-big", messages: [{ role: "user", content: "hi" }], stream: false };

  test("a user granted `cloud`: the plain key reaches a remote model, a key scoped to `local` is refused", async () => {
    const cookie = await adminCookie();
    const user = await seedUser({ limits });
    await patch(cookie, user.id, { boundaries: ["local", "lan", "cloud"] });
    const plain = await seedKey(user.id);
    const localOnly = await seedKey(user.id, { scope: { boundaries: ["local", "lan"] } });
    expect((await asKey(plain.secret, "POST", "/api/chat", chat)).status).toBe(200);
    expect((await asKey(localOnly.secret, "POST", "/api/chat", chat)).status).toBe(403);
  });

  test("GET /account/api/me shows the boundaries of the credential used", async () => {
    const cookie = await adminCookie();
    const user = await seedUser({ limits });
    await patch(cookie, user.id, { boundaries: ["lan", "cloud"] });
    const plain = await seedKey(user.id);
    const narrowed = await seedKey(user.id, { scope: { boundaries: ["local", "cloud"] } });
    const boundariesOf = async (secret: string) => ((await (await asKey(secret, "GET", "/account/api/me")).json()) as { boundaries: string[] }).boundaries;
    expect(await boundariesOf(plain.secret)).toEqual(["local", "lan", "cloud"]);
    expect(await boundariesOf(narrowed.secret)).toEqual(["local", "cloud"]);
  });

  test("a user without `cloud`: a key that names it gets nothing more", async () => {
    const user = await seedUser({ limits });
    const widening = await seedKey(user.id, { scope: { boundaries: ["local", "lan", "cloud"] } });
    expect((await asKey(widening.secret, "POST", "/api/chat", chat)).status).toBe(403);
  });

  test("keys made through the API carry boundaries and pinned backends in their scope; bad ones are refused", async () => {
    const cookie = await adminCookie();
    const [boxA, boxB] = [(await createBackend(cookie, backendBody())).name, (await createBackend(cookie, backendBody({ enabled: false }))).name];
    const user = await seedUser({ limits });
    const { secret } = await seedKey(user.id);
    // A disabled backend exists, and `local` always does: both may be pinned.
    const made = await asKey(secret, "POST", "/account/api/keys", { name: "pinned", boundaries: ["local"], backends: [boxA, boxB, "local"] });
    expect(made.status).toBe(201);
    expect(((await made.json()) as { key: { scope: unknown } }).key.scope).toEqual({ boundaries: ["local"], backends: [boxA, boxB, "local"] });
    for (const body of [{ boundaries: ["internet"] }, { backends: ["Box A"] }, { backends: ["a", "a"] }, { backends: [] }]) {
      expect((await asKey(secret, "POST", "/account/api/keys", { name: "bad", ...body })).status, JSON.stringify(body)).toBe(400);
    }
    for (const name of [boxA, boxB]) await asSession(cookie, "DELETE", `/admin/api/backends/${name}`);
  });

  test("a key pinned to a backend the catalog does not have is a 400 naming it, on the account and the admin API; no key is made", async () => {
    const cookie = await adminCookie();
    const known = (await createBackend(cookie, backendBody())).name;
    const gone = (await createBackend(cookie, backendBody())).name;
    expect((await asSession(cookie, "DELETE", `/admin/api/backends/${gone}`)).status).toBe(204);
    const user = await seedUser({ limits });
    const { secret } = await seedKey(user.id);
    const keysBefore = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?").bind(user.id).first<number>("n");
    const calls = [
      () => asKey(secret, "POST", "/account/api/keys", { name: "typo", backends: [known, "no-such-box"] }),
      () => asSession(cookie, "POST", `/admin/api/users/${user.id}/keys`, { name: "typo", backends: ["no-such-box", known] }),
      () => asKey(secret, "POST", "/account/api/keys", { name: "removed", backends: [gone] }),
    ];
    for (const [index, call] of calls.entries()) {
      const response = await call();
      const body = (await response.json()) as { error: { code: string; message: string; request_id: string } };
      expect(response.status, String(index)).toBe(400);
      expect(body.error.code).toBe("invalid_request");
      expect(body.error.message).toMatch(/^backends: /);
      expect(body.error.message).toContain(index === 2 ? `"${gone}"` : '"no-such-box"');
      expect(body.error.message).not.toContain(`"${known}"`);
    }
    expect(await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?").bind(user.id).first<number>("n")).toBe(keysBefore);
    await asSession(cookie, "DELETE", `/admin/api/backends/${known}`);
  });
});

describe("the monthly spending limit", () => {
  test("set, kept by later patches of other limits, cleared with null; negative refused", async () => {
    const cookie = await adminCookie();
    const user = await seedUser();
    expect((await patch(cookie, user.id, { limits: { monthlyBudgetUsd: 25.5 } })).user.limits.monthlyBudgetUsd).toBe(25.5);
    expect((await patch(cookie, user.id, { limits: { rpm: 5 } })).user.limits).toMatchObject({ rpm: 5, monthlyBudgetUsd: 25.5 });
    expect((await patch(cookie, user.id, { limits: { monthlyBudgetUsd: null } })).user.limits.monthlyBudgetUsd).toBeNull();
    expect((await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, { limits: { monthlyBudgetUsd: -1 } })).status).toBe(400);
  });

  test("limits stored before the budget existed still apply (no budget), not the defaults", async () => {
    const cookie = await adminCookie();
    const user = await seedUser({ limits: JSON.stringify({ rpm: 3, burst: 3, concurrency: 1, dailyTokens: 100, monthlyTokens: null, models: ["a*"] }) });
    const view = (await patch(cookie, user.id, { captureMode: null })).user;
    expect(view.limits).toEqual({ rpm: 3, burst: 3, concurrency: 1, dailyTokens: 100, monthlyTokens: null, models: ["a*"], monthlyBudgetUsd: null });
  });
});
