import { describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { goodPassword, origin, seedKey, seedUser, sessionCookie, unique } from "./helpers";
import { errorCode } from "../../helpers/error-shape";

/**
 * Every control-plane route against every kind of caller. Admins and users
 * come with a console session; service accounts have no password, so they
 * come with an API key; anonymous callers bring nothing.
 */
type Caller = "admin" | "user" | "service" | "anonymous";

interface Route {
  method: string;
  path: (target: string) => string;
  body?: () => unknown;
  /** Status per caller. */
  expect: Record<Caller, number>;
}

const adminOnly = (ok: number): Record<Caller, number> => ({ admin: ok, user: 403, service: 403, anonymous: 401 });
const anyAccount = (ok: number): Record<Caller, number> => ({ admin: ok, user: ok, service: ok, anonymous: 401 });

const routes: Route[] = [
  { method: "GET", path: () => "/account/api/me", expect: anyAccount(200) },
  { method: "GET", path: () => "/account/api/keys", expect: anyAccount(200) },
  { method: "POST", path: () => "/account/api/keys", body: () => ({ name: "k" }), expect: anyAccount(201) },
  { method: "DELETE", path: () => "/account/api/keys/no-such-key", expect: anyAccount(404) },
  { method: "GET", path: () => "/admin/api/users", expect: adminOnly(200) },
  { method: "GET", path: () => "/admin/api/users?status=pending", expect: adminOnly(200) },
  { method: "POST", path: () => "/admin/api/users", body: () => ({ username: unique("made") }), expect: adminOnly(201) },
  { method: "GET", path: (t) => `/admin/api/users/${t}`, expect: adminOnly(200) },
  { method: "PATCH", path: (t) => `/admin/api/users/${t}`, body: () => ({ limits: { rpm: 5 } }), expect: adminOnly(200) },
  { method: "POST", path: (t) => `/admin/api/users/${t}/reset-password`, expect: adminOnly(200) },
  { method: "GET", path: (t) => `/admin/api/users/${t}/keys`, expect: adminOnly(200) },
  { method: "POST", path: (t) => `/admin/api/users/${t}/keys`, body: () => ({ name: "k" }), expect: adminOnly(201) },
  { method: "DELETE", path: (t) => `/admin/api/users/${t}/keys/no-such-key`, expect: adminOnly(404) },
  { method: "DELETE", path: (t) => `/admin/api/users/${t}`, expect: adminOnly(204) },
  { method: "GET", path: () => "/admin/api/anything-else", expect: adminOnly(404) },
  {
    method: "POST",
    path: () => "/auth/password",
    body: () => ({ currentPassword: goodPassword, newPassword: "another long passphrase" }),
    // Service accounts have no password to change; a key is not accepted here.
    expect: { admin: 204, user: 204, service: 401, anonymous: 401 },
  },
  { method: "POST", path: () => "/auth/logout", expect: { admin: 204, user: 204, service: 204, anonymous: 204 } },
];

async function credentialsFor(caller: Caller): Promise<Record<string, string>> {
  if (caller === "anonymous") return {};
  if (caller === "service") {
    const service = await seedUser({ role: "service" });
    return { Authorization: `Bearer ${(await seedKey(service.id)).secret}` };
  }
  const user = await seedUser({ role: caller });
  return { Cookie: await sessionCookie(user.username), Origin: origin };
}

const cases = routes.flatMap((route) =>
  (["admin", "user", "service", "anonymous"] as const).map((caller) => [route.method, route.path(":id"), caller, route.expect[caller], route] as const),
);

describe("role matrix over the control plane", () => {
  test.each(cases)("%s %s as %s → %i", async (_method, _path, caller, status, route) => {
    const target = await seedUser();
    const headers = { "Content-Type": "application/json", ...(await credentialsFor(caller)) };
    const body = route.body?.();
    const response = await gateway(route.path(target.id), {
      method: route.method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(status);
  });
});

describe("accounts that are not active get nothing", () => {
  test.each(["pending", "disabled"] as const)("a %s account's key is refused on every control route", async (status) => {
    const user = await seedUser({ status });
    const { secret } = await seedKey(user.id);
    for (const route of routes.filter((r) => !r.path("x").startsWith("/auth/"))) {
      const target = await seedUser();
      const response = await gateway(route.path(target.id), {
        method: route.method,
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
        body: route.body ? JSON.stringify(route.body()) : undefined,
      });
      expect(response.status, `${route.method} ${route.path(":id")}`).toBe(403);
      expect(errorCode(await response.json())).toBe(`account_${status}`);
    }
  });
});
