import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { revokeApiKey } from "../../../src/db/api-keys";
import { updateUser } from "../../../src/db/users";
import { gateway, postJson } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { asKey, basic, chat, errorCode, freshAddress, goodPassword, seedKey, seedUser } from "./helpers";

beforeEach(async () => {
  await resetSimulator();
});

describe("credentials on inference routes (happy)", () => {
  test("a Bearer key runs a chat", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const response = await asKey(secret, "POST", "/api/chat", chat);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ done: true });
  });

  test("Basic username:password runs a chat", async () => {
    const user = await seedUser();
    const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, goodPassword) });
    expect(response.status).toBe(200);
  });

  test("POST /chat takes the body's auth, and the credentials never reach Ollama", async () => {
    const user = await seedUser();
    const response = await postJson("/chat", { auth: { username: user.username, password: goodPassword }, messages: chat.messages });
    expect(response.status).toBe(200);
    const [seen] = (await simulatorLog()).requests;
    expect(JSON.stringify(seen)).not.toContain(goodPassword);
    expect(seen?.body).not.toHaveProperty("auth");
  });

  test("a service account's key works; its role does not open model management", async () => {
    const service = await seedUser({ role: "service" });
    const { secret } = await seedKey(service.id);
    expect((await asKey(secret, "GET", "/api/tags")).status).toBe(200);
    const pull = await asKey(secret, "POST", "/api/pull", { model: "llama3.2" });
    expect(pull.status).toBe(403);
    expect(await errorCode(pull)).toBe("forbidden");
  });

  test("model management is for admins", async () => {
    const admin = await seedUser({ role: "admin" });
    const { secret } = await seedKey(admin.id);
    const response = await asKey(secret, "POST", "/api/copy", { source: "llama3.2:latest", destination: "llama-copy:latest" });
    expect(response.status).not.toBe(401);
    expect(response.status).not.toBe(403);
  });
});

describe("credentials on inference routes (error)", () => {
  test.each([
    ["no credentials", {}],
    ["an unknown key", { Authorization: "Bearer gh_0123456789ab_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
    ["something that is not a key", { Authorization: "Bearer hello" }],
    ["an unknown scheme", { Authorization: "Digest abc" }],
    ["broken Basic", { Authorization: "Basic !!!" }],
  ])("%s is 401 with WWW-Authenticate, and nothing is forwarded", async (_name, headers: Record<string, string>) => {
    const response = await postJson("/api/chat", chat, headers);
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    expect(await errorCode(response)).toBe("unauthenticated");
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("OpenAI routes answer 401 in OpenAI's shape", async () => {
    const response = await postJson("/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "hi" }] });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: "authentication_error", code: "unauthenticated" } });
  });

  test("a wrong Basic password is 401", async () => {
    const user = await seedUser();
    const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, "wrong password!"), "CF-Connecting-IP": freshAddress() });
    expect(response.status).toBe(401);
  });

  test("pending and disabled accounts get 403 with their own codes", async () => {
    for (const status of ["pending", "disabled"] as const) {
      const user = await seedUser({ status });
      const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, goodPassword) });
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe(`account_${status}`);
    }
  });

  test("a forced password change blocks inference too", async () => {
    const user = await seedUser({ mustChangePassword: true });
    const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, goodPassword) });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("password_change_required");
  });
});

// The changes below are made through src/db, as every route that makes them
// does: its writes are what tell the isolate's credential cache to forget
// (test/integration/identity/credential-cache.test.ts drives the routes themselves).
describe("revocation at once and the credential cache (security)", () => {
  test("a revoked or expired key is 401 on its next request", async () => {
    const user = await seedUser();
    const key = await seedKey(user.id);
    expect((await asKey(key.secret, "GET", "/api/tags")).status).toBe(200);
    await revokeApiKey(env.DB, user.id, key.id);
    expect((await asKey(key.secret, "GET", "/api/tags")).status).toBe(401);
    const expired = await seedKey(user.id, { expiresAt: Date.now() - 1 });
    expect((await asKey(expired.secret, "GET", "/api/tags")).status).toBe(401);
  });

  test("disabling a user stops their keys at once", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    expect((await asKey(secret, "GET", "/api/tags")).status).toBe(200);
    await updateUser(env.DB, user.id, { status: "disabled" });
    const response = await asKey(secret, "GET", "/api/tags");
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("account_disabled");
  });

  test("a role change applies to keys at once", async () => {
    const admin = await seedUser({ role: "admin" });
    const { secret } = await seedKey(admin.id);
    const body = { source: "llama3.2:latest", destination: "copy-x:latest" };
    expect((await asKey(secret, "POST", "/api/copy", body)).status).not.toBe(403);
    await updateUser(env.DB, admin.id, { role: "user" });
    expect((await asKey(secret, "POST", "/api/copy", body)).status).toBe(403);
  });

  test("a cached Basic credential stops working the moment the password changes", async () => {
    const user = await seedUser();
    const headers = { Authorization: basic(user.username, goodPassword) };
    expect((await postJson("/api/chat", chat, headers)).status).toBe(200);
    expect((await postJson("/api/chat", chat, headers)).status).toBe(200); // now from the cache
    await updateUser(env.DB, user.id, { passwordHash: "pbkdf2-sha256$1000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=" });
    expect((await postJson("/api/chat", chat, { ...headers, "CF-Connecting-IP": freshAddress() })).status).toBe(401);
  });

  test("a tampered hash asking for a billion iterations is refused at once, not computed", async () => {
    const user = await seedUser();
    await env.DB.prepare("UPDATE users SET password_hash = 'pbkdf2-sha256$1000000000$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' WHERE id = ?").bind(user.id).run();
    const started = Date.now();
    const response = await postJson("/api/chat", chat, { Authorization: basic(user.username, goodPassword), "CF-Connecting-IP": freshAddress() });
    expect(response.status).toBe(401);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test("the key's last use is recorded", async () => {
    const user = await seedUser();
    const key = await seedKey(user.id);
    await asKey(key.secret, "GET", "/api/tags");
    // The write runs in waitUntil, after the answer: poll for it.
    const lastUsed = async () =>
      (await env.DB.prepare("SELECT last_used_at FROM api_keys WHERE id = ?").bind(key.id).first<{ last_used_at: number | null }>())?.last_used_at;
    await expect.poll(lastUsed, { timeout: 2000 }).toBeGreaterThan(0);
  });
});

describe("an unknown path is still 404 for the anonymous", () => {
  test("GET /api/nope", async () => {
    expect((await gateway("/api/nope")).status).toBe(404);
  });
});
