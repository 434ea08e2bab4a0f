import { env } from "cloudflare:test";
import { describe, expect, test } from "vitest";
import { defaultLimits } from "../../../src/governance/limits";
import { gateway } from "../helpers/gateway";
import { asKey, asSession, chat, errorCode, freshAddress, goodPassword, login, origin, seedKey, seedUser, sessionCookie, unique } from "./helpers";

interface UserJson {
  id: string;
  username: string;
  role: string;
  status: string;
  mustChangePassword: boolean;
  limits: typeof defaultLimits;
  customLimits: boolean;
}

async function adminSession(): Promise<{ cookie: string; id: string }> {
  const admin = await seedUser({ role: "admin" });
  return { cookie: await sessionCookie(admin.username), id: admin.id };
}

function register(email: string, password = goodPassword, address = freshAddress()): Promise<Response> {
  return gateway("/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: origin, "CF-Connecting-IP": address },
    body: JSON.stringify({ email, password }),
  });
}

describe("registration throttling (security)", () => {
  test("one address gets 5 registrations in 15 minutes, then 429 with Retry-After", async () => {
    const address = freshAddress();
    for (let i = 0; i < 5; i++) expect((await register(`${unique("flood")}@example.test`, goodPassword, address)).status).toBe(201);
    const refused = await register(`${unique("flood")}@example.test`, goodPassword, address);
    expect(refused.status).toBe(429);
    expect(await errorCode(refused)).toBe("too_many_attempts");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another address is not affected.
    expect((await register(`${unique("calm")}@example.test`)).status).toBe(201);
  });
});

describe("registration and approval (happy)", () => {
  test("register → pending → approved → signs in", async () => {
    const email = `${unique("new")}@example.org`;
    const registered = await register(email);
    expect(registered.status).toBe(201);
    expect(await registered.json()).toEqual({ status: "pending" });
    const before = await login(email, goodPassword);
    expect(before.status).toBe(403);
    expect(await errorCode(before)).toBe("account_pending");

    const { cookie } = await adminSession();
    const pending = await (await asSession(cookie, "GET", "/admin/api/users?status=pending")).json<{ users: UserJson[] }>();
    const mine = pending.users.find((user) => user.username === email)!;
    expect(mine.status).toBe("pending");
    const approved = await asSession(cookie, "PATCH", `/admin/api/users/${mine.id}`, { status: "active" });
    expect(approved.status).toBe(200);
    expect((await login(email, goodPassword)).status).toBe(200);
  });

  test("refusing (disabling) a pending registration keeps it out", async () => {
    const email = `${unique("refused")}@example.org`;
    await register(email);
    const { cookie } = await adminSession();
    const id = (await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first<{ id: string }>())!.id;
    expect((await asSession(cookie, "PATCH", `/admin/api/users/${id}`, { status: "disabled" })).status).toBe(200);
    const response = await login(email, goodPassword);
    expect(await errorCode(response)).toBe("account_disabled");
  });
});

describe("registration (error and security)", () => {
  test.each([
    [{ email: "not-an-email", password: goodPassword }, /^email/],
    [{ email: "a@example.org", password: "too short" }, /^password/],
    [{ email: "a@example.org" }, /^password/],
  ])("%j is 400", async (body, message) => {
    const response = await gateway("/auth/register", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(message);
  });

  test("a taken email gets the same answer and changes nothing", async () => {
    const email = `${unique("dup")}@example.org`;
    await register(email);
    const again = await register(email.toUpperCase(), "another password 123");
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual({ status: "pending" });
    const rows = await env.DB.prepare("SELECT COUNT(*) AS n FROM users WHERE email = ?").bind(email).first<{ n: number }>();
    expect(rows?.n).toBe(1);
  });
});

describe("admin user management (happy)", () => {
  test("create a user with a generated temporary password that must be changed", async () => {
    const { cookie } = await adminSession();
    const created = await asSession(cookie, "POST", "/admin/api/users", { username: unique("bob") });
    expect(created.status).toBe(201);
    const { user, temporaryPassword } = await created.json<{ user: UserJson; temporaryPassword: string }>();
    expect(user).toMatchObject({ status: "active", role: "user", mustChangePassword: true });
    expect(temporaryPassword.length).toBeGreaterThanOrEqual(20);
    expect(await (await login(user.username, temporaryPassword)).json()).toMatchObject({ user: { mustChangePassword: true } });
  });

  test("create a service account and a key for it; the key runs inference", async () => {
    const { cookie } = await adminSession();
    const created = await asSession(cookie, "POST", "/admin/api/users", { username: unique("ci-bot"), role: "service" });
    const body = await created.json<{ user: UserJson; temporaryPassword?: string }>();
    expect(body.temporaryPassword).toBeUndefined();
    expect(body.user.mustChangePassword).toBe(false);
    const key = await asSession(cookie, "POST", `/admin/api/users/${body.user.id}/keys`, { name: "pipeline" });
    expect(key.status).toBe(201);
    const { secret } = await key.json<{ secret: string }>();
    expect((await asKey(secret, "POST", "/api/chat", chat)).status).toBe(200);
  });

  test("limits are validated, merged into users.limits and effective on the next request", async () => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const patched = await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, { limits: { rpm: 30, models: ["llama3.2:*"] } });
    expect(patched.status).toBe(200);
    expect((await patched.json<{ user: UserJson }>()).user).toMatchObject({ customLimits: true, limits: { ...defaultLimits, rpm: 30, models: ["llama3.2:*"] } });
    const stored = await env.DB.prepare("SELECT limits FROM users WHERE id = ?").bind(user.id).first<{ limits: string }>();
    expect(JSON.parse(stored!.limits)).toEqual({ ...defaultLimits, rpm: 30, models: ["llama3.2:*"] });
    expect((await asKey(secret, "POST", "/api/chat", { ...chat, model: "qwen2.5:0.5b" })).status).toBe(403);
    const reset = await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, { limits: null });
    expect((await reset.json<{ user: UserJson }>()).user.customLimits).toBe(false);
  });

  test("a password reset returns a random temporary password once and ends sessions", async () => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    const userCookie = await sessionCookie(user.username);
    const first = await (await asSession(cookie, "POST", `/admin/api/users/${user.id}/reset-password`)).json<{ temporaryPassword: string }>();
    const second = await (await asSession(cookie, "POST", `/admin/api/users/${user.id}/reset-password`)).json<{ temporaryPassword: string }>();
    expect(first.temporaryPassword).not.toBe(second.temporaryPassword);
    expect((await asSession(userCookie, "GET", "/account/api/me")).status).toBe(401);
    expect((await login(user.username, goodPassword)).status).toBe(401);
    expect(await (await login(user.username, second.temporaryPassword)).json()).toMatchObject({ user: { mustChangePassword: true } });
  });

  test("a role change ends the user's sessions", async () => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    const userCookie = await sessionCookie(user.username);
    expect((await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, { role: "admin" })).status).toBe(200);
    expect((await asSession(userCookie, "GET", "/account/api/me")).status).toBe(401);
  });

  test("delete removes the user and their keys", async () => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    expect((await asSession(cookie, "DELETE", `/admin/api/users/${user.id}`)).status).toBe(204);
    expect((await asKey(secret, "GET", "/api/tags")).status).toBe(401);
    expect((await asSession(cookie, "GET", `/admin/api/users/${user.id}`)).status).toBe(404);
    const keys = await env.DB.prepare("SELECT COUNT(*) AS n FROM api_keys WHERE user_id = ?").bind(user.id).first<{ n: number }>();
    expect(keys?.n).toBe(0);
  });
});

describe("admin user management (error)", () => {
  test.each([
    [{ limits: { rpm: -1 } }, /^limits\.rpm/],
    [{ limits: { unknown: 1 } }, /^limits/],
    [{ status: "pending" }, /^status/],
    [{ role: "root" }, /^role/],
  ])("PATCH %j is 400", async (body, message) => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    const response = await asSession(cookie, "PATCH", `/admin/api/users/${user.id}`, body);
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(message);
  });

  test("a taken username is 409; a service account with a password is 400", async () => {
    const { cookie } = await adminSession();
    const user = await seedUser();
    expect((await asSession(cookie, "POST", "/admin/api/users", { username: user.username.toUpperCase() })).status).toBe(409);
    expect((await asSession(cookie, "POST", "/admin/api/users", { username: unique("svc"), role: "service", password: goodPassword })).status).toBe(400);
  });

  test("an unknown user is 404", async () => {
    const { cookie } = await adminSession();
    expect((await asSession(cookie, "GET", "/admin/api/users/nope")).status).toBe(404);
    expect((await asSession(cookie, "PATCH", "/admin/api/users/nope", { status: "active" })).status).toBe(404);
  });

  test("an admin cannot disable, demote or delete themselves", async () => {
    const { cookie, id } = await adminSession();
    for (const [method, body] of [["PATCH", { status: "disabled" }], ["PATCH", { role: "user" }], ["DELETE", undefined]] as const) {
      const response = await asSession(cookie, method, `/admin/api/users/${id}`, body);
      expect(response.status).toBe(409);
    }
  });
});
