import { env, SELF } from "cloudflare:test";
import { SignJWT } from "jose";
import { describe, expect, test } from "vitest";
import { sessionAudience, sessionIssuer } from "../../../src/auth/sessions";
import { getUser } from "../../../src/db/users";
import { gateway } from "../helpers/gateway";
import { asSession, errorCode, goodPassword, login, seedUser, sessionCookie } from "./helpers";

const secret = () => new TextEncoder().encode(env.SESSION_SECRET);

async function token(claims: Record<string, unknown>, options: { key?: Uint8Array; audience?: string; issuer?: string; expiresIn?: number } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(options.issuer ?? sessionIssuer)
    .setAudience(options.audience ?? sessionAudience)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .sign(options.key ?? secret());
}

const me = (cookie: string) => gateway("/account/api/me", { headers: { Cookie: cookie } });

describe("sign-in (happy)", () => {
  test("a right password gives the user and an HttpOnly, SameSite=Strict session cookie", async () => {
    const user = await seedUser();
    const response = await login(user.username, goodPassword);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      user: { id: user.id, username: user.username, role: "user", status: "active", mustChangePassword: false },
    });
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^gatehouse_session=[\w-]+\.[\w-]+\.[\w-]+;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/");
    expect(cookie).toContain("Max-Age=28800");
    // Plain HTTP here: no Secure flag, no __Host- prefix (browsers would drop them).
    expect(cookie).not.toContain("Secure");
  });

  test("over HTTPS the cookie is Secure and __Host- prefixed", async () => {
    const user = await seedUser();
    const response = await SELF.fetch("https://gatehouse.test/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: user.username, password: goodPassword }),
    });
    expect(response.status).toBe(200);
    const cookie = response.headers.get("Set-Cookie")!;
    expect(cookie).toMatch(/^__Host-gatehouse_session=/);
    expect(cookie).toContain("Secure");
  });

  test("the cookie opens the account API; username and email are case-insensitive", async () => {
    const user = await seedUser({ email: `Mixed.${crypto.randomUUID().slice(0, 6)}@Example.org` });
    const byEmail = await login(user.email!.toUpperCase(), goodPassword);
    expect(byEmail.status).toBe(200);
    const cookie = await sessionCookie(user.username.toUpperCase());
    const response = await me(cookie);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ user: { id: user.id }, via: "session" });
  });
});

describe("sign-in (error)", () => {
  test("a wrong password and an unknown user get the same 401", async () => {
    const user = await seedUser();
    const wrong = await login(user.username, "not the right password");
    const unknown = await login("nobody-at-all", "not the right password");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await wrong.json<{ error: { message: string } }>(), await unknown.json<{ error: { message: string } }>()];
    expect(a.error.message).toBe(b.error.message);
    expect(wrong.headers.get("Set-Cookie")).toBeNull();
  });

  test("a body without a password is 400 naming the field", async () => {
    const response = await gateway("/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ username: "x" }) });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(/^password/);
  });

  test("service accounts cannot sign in with a password", async () => {
    const service = await seedUser({ role: "service" });
    expect((await login(service.username, goodPassword)).status).toBe(401);
  });
});

describe("forged and stale tokens (security)", () => {
  const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  // Each token names a real user and differs from a valid one in exactly one thing.
  const cases: [string, (sub: string) => Promise<string>][] = [
    ["a wrong signature", (sub) => token({ sv: 1, sub }, { key: new TextEncoder().encode("another-secret-that-is-long-enough-000000") })],
    ["alg none", async (sub) => {
      const now = Math.floor(Date.now() / 1000);
      return `${b64({ alg: "none", typ: "JWT" })}.${b64({ sub, sv: 1, iss: sessionIssuer, aud: sessionAudience, iat: now, exp: now + 3600 })}.`;
    }],
    ["an expired token", (sub) => token({ sv: 1, sub }, { expiresIn: -60 })],
    ["a wrong audience", (sub) => token({ sv: 1, sub }, { audience: "someone-else" })],
    ["a wrong issuer", (sub) => token({ sv: 1, sub }, { issuer: "evil" })],
    ["an old session version", (sub) => token({ sv: 0, sub })],
    ["a payload swapped under a valid signature", async (sub) => {
      const [header, , signature] = (await token({ sv: 1, sub: "someone-else" })).split(".");
      const now = Math.floor(Date.now() / 1000);
      return `${header}.${b64({ sub, sv: 1, iss: sessionIssuer, aud: sessionAudience, iat: now, exp: now + 3600 })}.${signature}`;
    }],
    ["garbage", async () => "not.a.jwt"],
  ];
  test.each(cases)("%s is 401", async (_name, make) => {
    const user = await seedUser();
    const response = await me(`gatehouse_session=${await make(user.id)}`);
    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unauthenticated");
  });

  test("a correctly signed token for that user works (the control case)", async () => {
    const user = await seedUser();
    const response = await me(`gatehouse_session=${await token({ sv: 1, sub: user.id })}`);
    expect(response.status).toBe(200);
  });
});

describe("revocation at once (security)", () => {
  test("sign-out ends the session for every copy of the cookie", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const out = await asSession(cookie, "POST", "/auth/logout");
    expect(out.status).toBe(204);
    expect(out.headers.get("Set-Cookie")).toContain("Max-Age=0");
    expect((await me(cookie)).status).toBe(401);
  });

  test("a password change ends other sessions and keeps this one signed in", async () => {
    const user = await seedUser();
    const other = await sessionCookie(user.username);
    const mine = await sessionCookie(user.username);
    const changed = await asSession(mine, "POST", "/auth/password", { currentPassword: goodPassword, newPassword: "a brand new passphrase" });
    expect(changed.status).toBe(204);
    const fresh = changed.headers.get("Set-Cookie")!.split(";")[0]!;
    expect((await me(other)).status).toBe(401);
    expect((await me(mine)).status).toBe(401);
    expect((await me(fresh)).status).toBe(200);
    expect((await login(user.username, goodPassword)).status).toBe(401);
    expect((await login(user.username, "a brand new passphrase")).status).toBe(200);
  });

  test("disabling the account refuses its live session at once", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    await env.DB.prepare("UPDATE users SET status = 'disabled' WHERE id = ?").bind(user.id).run();
    const response = await me(cookie);
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("account_disabled");
  });
});

describe("password change (error)", () => {
  test("a wrong current password is 403 and changes nothing", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await asSession(cookie, "POST", "/auth/password", { currentPassword: "wrong wrong wrong", newPassword: "a brand new passphrase" });
    expect(response.status).toBe(403);
    expect((await getUser(env.DB, user.id))!.passwordHash).toBe(user.passwordHash);
  });

  test("a new password under 12 characters is 400", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await asSession(cookie, "POST", "/auth/password", { currentPassword: goodPassword, newPassword: "short" });
    expect(response.status).toBe(400);
    expect((await response.json<{ error: { message: string } }>()).error.message).toMatch(/^newPassword/);
  });

  test("until the forced change, everything else is 403 password_change_required", async () => {
    const user = await seedUser({ mustChangePassword: true });
    const signedIn = await login(user.username, goodPassword);
    expect(await signedIn.json()).toMatchObject({ user: { mustChangePassword: true } });
    const cookie = signedIn.headers.get("Set-Cookie")!.split(";")[0]!;
    const blocked = await me(cookie);
    expect(blocked.status).toBe(403);
    expect(await errorCode(blocked)).toBe("password_change_required");
    const changed = await asSession(cookie, "POST", "/auth/password", { currentPassword: goodPassword, newPassword: "my own passphrase 1" });
    expect(changed.status).toBe(204);
    const fresh = changed.headers.get("Set-Cookie")!.split(";")[0]!;
    expect((await me(fresh)).status).toBe(200);
  });
});
