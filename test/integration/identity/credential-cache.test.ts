import { env } from "cloudflare:test";
import { beforeEach, describe, expect, test } from "vitest";
import { identifyByKey } from "../../../src/auth/identify";
import { postJson } from "../helpers/gateway";
import { resetSimulator } from "../helpers/simulator";
import { asKey, asSession, basic, chat, errorCode, freshAddress, goodPassword, seedKey, seedUser, sessionCookie } from "./helpers";

/**
 * Credentials are remembered in the isolate (src/auth/credential-cache.ts),
 * so a warm key or password is answered without reading D1. Every change an
 * admin or the owner makes through the API must still apply to the very next
 * request: each test warms the cache first, changes through the real route,
 * then asks once more.
 */

beforeEach(async () => {
  await resetSimulator();
});

async function adminCookie(): Promise<string> {
  return sessionCookie((await seedUser({ role: "admin" })).username);
}

/** Two good requests: the second is served from the cache. */
async function warm(send: () => Promise<Response>): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const response = await send();
    expect(response.status).toBe(200);
    await response.arrayBuffer();
  }
}

describe("a warm key is answered from memory (happy)", () => {
  test("no D1 read: a warm key still works while the keys table is unreadable", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const tags = () => asKey(secret, "GET", "/api/tags");
    await warm(tags);
    const cold = await seedKey(user.id);
    await env.DB.prepare("ALTER TABLE api_keys RENAME TO api_keys_away").run();
    try {
      expect((await tags()).status).toBe(200);
      // A key never seen has to be read from D1, which fails: never a pass.
      expect((await asKey(cold.secret, "GET", "/api/tags")).status).not.toBe(200);
    } finally {
      await env.DB.prepare("ALTER TABLE api_keys_away RENAME TO api_keys").run();
    }
  });
});

describe("changes apply to the next request with the cache warm (security)", () => {
  test("the owner revokes a key: 401 at once", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const key = await seedKey(user.id);
    await warm(() => asKey(key.secret, "POST", "/api/chat", chat));
    expect((await asSession(cookie, "DELETE", `/account/api/keys/${key.id}`)).status).toBe(204);
    expect((await asKey(key.secret, "POST", "/api/chat", chat)).status).toBe(401);
  });

  test("an admin revokes a key: 401 at once, the owner's other key still works", async () => {
    const user = await seedUser();
    const [key, other] = [await seedKey(user.id), await seedKey(user.id)];
    await warm(() => asKey(key.secret, "GET", "/api/tags"));
    await warm(() => asKey(other.secret, "GET", "/api/tags"));
    const admin = await adminCookie();
    expect((await asSession(admin, "DELETE", `/admin/api/users/${user.id}/keys/${key.id}`)).status).toBe(204);
    expect((await asKey(key.secret, "GET", "/api/tags")).status).toBe(401);
    expect((await asKey(other.secret, "GET", "/api/tags")).status).toBe(200);
  });

  test("disabling the account stops its keys and its password at once", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const byBasic = { Authorization: basic(user.username, goodPassword), "CF-Connecting-IP": freshAddress() };
    await warm(() => asKey(secret, "POST", "/api/chat", chat));
    await warm(() => postJson("/api/chat", chat, byBasic));
    const admin = await adminCookie();
    expect((await asSession(admin, "PATCH", `/admin/api/users/${user.id}`, { status: "disabled" })).status).toBe(200);
    for (const response of [await asKey(secret, "POST", "/api/chat", chat), await postJson("/api/chat", chat, byBasic)]) {
      expect(response.status).toBe(403);
      expect(await errorCode(response)).toBe("account_disabled");
    }
  });

  test("a role change applies at once: a demoted admin's key loses model management", async () => {
    const target = await seedUser({ role: "admin" });
    const { secret } = await seedKey(target.id);
    const copy = () => asKey(secret, "POST", "/api/copy", { source: "llama3.2:latest", destination: "cache-copy:latest" });
    expect((await copy()).status).not.toBe(403);
    expect((await copy()).status).not.toBe(403);
    const admin = await adminCookie();
    expect((await asSession(admin, "PATCH", `/admin/api/users/${target.id}`, { role: "user" })).status).toBe(200);
    expect((await copy()).status).toBe(403);
  });

  test("a limits change applies at once: a model taken off the list is refused", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    await warm(() => asKey(secret, "POST", "/api/chat", chat));
    const admin = await adminCookie();
    expect((await asSession(admin, "PATCH", `/admin/api/users/${user.id}`, { limits: { models: ["qwen*"] } })).status).toBe(200);
    const response = await asKey(secret, "POST", "/api/chat", chat);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("model_not_allowed");
  });

  test("the owner changes the password: the old one is 401 at once, the new one works", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const old = { Authorization: basic(user.username, goodPassword), "CF-Connecting-IP": freshAddress() };
    await warm(() => postJson("/api/chat", chat, old));
    const newPassword = "a brand new passphrase for the cache";
    expect((await asSession(cookie, "POST", "/auth/password", { currentPassword: goodPassword, newPassword })).status).toBe(204);
    expect((await postJson("/api/chat", chat, old)).status).toBe(401);
    const fresh = { Authorization: basic(user.username, newPassword), "CF-Connecting-IP": freshAddress() };
    expect((await postJson("/api/chat", chat, fresh)).status).toBe(200);
  });

  test("an admin resets the password: the cached one is 401 at once (POST /chat's body auth too)", async () => {
    const user = await seedUser();
    const legacy = () => postJson("/chat", { auth: { username: user.username, password: goodPassword }, messages: chat.messages }, { "CF-Connecting-IP": freshAddress() });
    await warm(legacy);
    const admin = await adminCookie();
    expect((await asSession(admin, "POST", `/admin/api/users/${user.id}/reset-password`)).status).toBe(200);
    expect((await legacy()).status).toBe(401);
  });
});

describe("expiry is checked on every request (security)", () => {
  test("a key remembered while valid is refused the moment it expires", async () => {
    const user = await seedUser();
    const now = Date.now();
    const key = await seedKey(user.id, { expiresAt: now + 5_000 });
    expect((await identifyByKey(env, key.secret, now)).key.id).toBe(key.id);
    expect((await identifyByKey(env, key.secret, now + 4_999)).key.id).toBe(key.id);
    await expect(identifyByKey(env, key.secret, now + 5_000)).rejects.toMatchObject({ code: "unauthenticated" });
  });
});

describe("GATEHOUSE_CREDENTIAL_CACHE (for runtimes with several isolates)", () => {
  // A write this isolate does not make (another isolate's, or sqlite3 on the data file) bumps no epoch.
  const revokeBehindItsBack = (id: string) => env.DB.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ?").bind(Date.now(), id).run();

  test("off: every request reads D1, so even a change made elsewhere applies at once", async () => {
    const off = { ...env, GATEHOUSE_CREDENTIAL_CACHE: "off" };
    const user = await seedUser();
    const key = await seedKey(user.id);
    await identifyByKey(off, key.secret);
    await identifyByKey(off, key.secret);
    await revokeBehindItsBack(key.id);
    await expect(identifyByKey(off, key.secret)).rejects.toMatchObject({ code: "unauthenticated" });
  });

  test("on (the default): a change made outside this isolate is not seen until the entry lapses", async () => {
    const on = { ...env, GATEHOUSE_CREDENTIAL_CACHE: "on" };
    const user = await seedUser();
    const key = await seedKey(user.id);
    const now = Date.now();
    await identifyByKey(on, key.secret, now);
    await revokeBehindItsBack(key.id);
    expect((await identifyByKey(on, key.secret, now + 1)).key.id).toBe(key.id);
    // Entries live a minute at most.
    await expect(identifyByKey(on, key.secret, now + 61_000)).rejects.toMatchObject({ code: "unauthenticated" });
  });
});
