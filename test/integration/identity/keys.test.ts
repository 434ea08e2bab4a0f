import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test, vi } from "vitest";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { asKey, asSession, chat, errorCode, goodPassword, seedKey, seedUser, sessionCookie, unique } from "./helpers";

beforeEach(async () => {
  await resetSimulator();
});

interface CreatedKey {
  key: { id: string; prefix: string; name: string; scope: unknown; expiresAt: number | null };
  secret: string;
}

describe("own keys (happy)", () => {
  test("create, list, use and revoke a key; the secret is shown once", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const created = await asSession(cookie, "POST", "/account/api/keys", { name: "laptop" });
    expect(created.status).toBe(201);
    expect(created.headers.get("Cache-Control")).toBe("no-store");
    const { key, secret } = await created.json<CreatedKey>();
    expect(secret).toMatch(/^gh_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(secret.startsWith(`${key.prefix}_`)).toBe(true);

    const listing = await asSession(cookie, "GET", "/account/api/keys");
    const text = await listing.text();
    expect(text).toContain(key.id);
    expect(text).not.toContain(secret.slice(key.prefix.length + 1));

    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(200);
    expect((await asSession(cookie, "DELETE", `/account/api/keys/${key.id}`)).status).toBe(204);
    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(401);
  });

  test("a key with models, an expiry and tighter limits keeps them", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await asSession(cookie, "POST", "/account/api/keys", { name: "ci", models: ["llama3.2*"], expiresAt, limits: { rpm: 3 } });
    expect(created.status).toBe(201);
    const { key, secret } = await created.json<CreatedKey>();
    expect(key.scope).toEqual({ models: ["llama3.2*"], limits: { rpm: 3 } });
    expect(key.expiresAt).toBe(Date.parse(expiresAt));
    const me = await asKey(secret, "GET", "/account/api/me");
    // A scoped key may read its own account, and sees its narrowed limits.
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ via: "key", keyId: key.id, limits: { rpm: 3, models: ["llama3.2*"] } });
  });
});

describe("own keys (error)", () => {
  test.each([
    [{}, /^name/],
    [{ name: "x", expiresAt: "2001-01-01T00:00:00Z" }, /^expiresAt/],
    [{ name: "x", models: ["bad model!"] }, /^models\.0/],
    [{ name: "x", sources: ["10.0.0.0/99"] }, /^sources\.0/],
    [{ name: "x", endpoints: ["everything"] }, /^endpoints\.0/],
    [{ name: "x", secretHash: "abc" }, /./],
  ])("%j is 400", async (body, message) => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await asSession(cookie, "POST", "/account/api/keys", body);
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(message);
  });

  test("someone else's key cannot be revoked (404) and keeps working", async () => {
    const owner = await seedUser();
    const other = await seedUser();
    const key = await seedKey(owner.id);
    const cookie = await sessionCookie(other.username);
    expect((await asSession(cookie, "DELETE", `/account/api/keys/${key.id}`)).status).toBe(404);
    expect((await asKey(key.secret, "GET", "/api/tags")).status).toBe(200);
  });
});

describe("key scopes only narrow (security)", () => {
  test("a model scope refuses other models and hides them from listings", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id, { scope: { models: ["llama3.2*"] } });
    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(200);
    const other = await asKey(secret, "POST", "/api/chat", { ...chat, model: "qwen2.5:0.5b" });
    expect(other.status).toBe(403);
    expect(await errorCode(other)).toBe("model_not_allowed");
    const tags = await (await asKey(secret, "GET", "/api/tags")).json<{ models: { name: string }[] }>();
    expect(tags.models.every((model) => model.name.startsWith("llama3.2"))).toBe(true);
  });

  test("a key cannot widen its owner's model list", async () => {
    const user = await seedUser({ limits: JSON.stringify({ rpm: 10, burst: 10, concurrency: 2, dailyTokens: null, monthlyTokens: null, models: ["llama3.2:*"] }) });
    const { secret } = await seedKey(user.id, { scope: { models: ["*"] } });
    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(200);
    expect((await asKey(secret, "POST", "/api/chat", { ...chat, model: "qwen2.5:0.5b" })).status).toBe(403);
  });

  test("an endpoint-group scope refuses other groups", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id, { scope: { endpoints: ["metadata"] } });
    expect((await asKey(secret, "GET", "/api/tags")).status).toBe(200);
    const chatResponse = await asKey(secret, "POST", "/api/chat", chat);
    expect(chatResponse.status).toBe(403);
    expect((await asKey(secret, "GET", "/account/api/keys")).status).toBe(403);
    expect((await simulatorLog()).requests.filter((r) => r.path === "/api/chat")).toHaveLength(0);
  });

  test("a source-network scope uses the socket address, not X-Forwarded-For", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id, { scope: { sources: ["192.168.10.0/24"] } });
    expect((await asKey(secret, "GET", "/api/tags", undefined, { "CF-Connecting-IP": "192.168.10.7" })).status).toBe(200);
    const outside = await asKey(secret, "GET", "/api/tags", undefined, { "CF-Connecting-IP": "10.1.1.1", "X-Forwarded-For": "192.168.10.7" });
    expect(outside.status).toBe(403);
  });

  test("a scoped key cannot mint an unscoped one", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id, { scope: { models: ["llama3.2*"], endpoints: ["inference", "control"] } });
    const response = await asKey(secret, "POST", "/account/api/keys", { name: "escape" });
    expect(response.status).toBe(403);
  });

  test("an unscoped key may manage its owner's keys (scripts, the CLI) without Origin", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    expect((await asKey(secret, "POST", "/account/api/keys", { name: "rotated" })).status).toBe(201);
  });

  test("no key secret is stored anywhere in D1", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const { secret } = await (await asSession(cookie, "POST", "/account/api/keys", { name: "probe" })).json<CreatedKey>();
    await asKey(secret, "GET", "/api/tags");
    const randomPart = secret.split("_").slice(2).join("_");
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(rows.results);
      expect(dump, name).not.toContain(randomPart);
    }
  });
});

describe("secrets never reach the logs (security)", () => {
  test("key secrets, passwords and cookies appear in no log line", async () => {
    const lines: string[] = [];
    const spies = (["log", "info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" "))),
    );
    try {
      const admin = await seedUser({ role: "admin" });
      const cookie = await sessionCookie(admin.username);
      const created = await asSession(cookie, "POST", "/admin/api/users", { username: unique("logged") });
      const { user, temporaryPassword } = await created.json<{ user: { id: string }; temporaryPassword: string }>();
      const { secret } = await (await asSession(cookie, "POST", `/admin/api/users/${user.id}/keys`, { name: "k" })).json<CreatedKey>();
      await asKey(secret, "POST", "/api/chat", chat);
      await asKey(`${secret}x`, "POST", "/api/chat", chat);
      const reset = await (await asSession(cookie, "POST", `/admin/api/users/${user.id}/reset-password`)).json<{ temporaryPassword: string }>();
      await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, { status: "disabled" });
      await asKey(secret, "GET", "/api/tags");
      const everything = lines.join("\n");
      // The worker runs in this test's isolate (the plugin's main worker), so its console is the one spied on.
      for (const sensitive of [secret, temporaryPassword, reset.temporaryPassword, goodPassword, cookie.split("=")[1]!]) {
        expect(everything).not.toContain(sensitive);
      }
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
