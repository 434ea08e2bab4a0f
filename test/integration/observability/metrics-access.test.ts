import { describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { basic, goodPassword, seedKey, seedUser, sessionCookie } from "../identity/helpers";

/**
 * Who may read /metrics: a client on this box (loopback), or an active
 * admin (API key or console session). The address is the socket's
 * (CF-Connecting-IP, which workerd sets), never a client's X-Forwarded-For.
 */

const scrape = (headers: Record<string, string>) => gateway("/metrics", { headers });
const lan = "192.168.1.50";

async function errorOf(response: Response): Promise<{ code?: string; request_id?: string }> {
  expect(response.headers.get("Content-Type")).toMatch(/^application\/json/);
  return (await response.json<{ error: { code?: string; request_id?: string } }>()).error;
}

describe("GET /metrics: happy paths", () => {
  test.each(["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])("from loopback %s, no credentials needed", async (address) => {
    const response = await scrape({ "CF-Connecting-IP": address });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("# TYPE gatehouse_requests_total counter");
  });

  test("from the LAN with an admin's API key", async () => {
    const admin = await seedUser({ role: "admin" });
    const { secret } = await seedKey(admin.id);
    const response = await scrape({ "CF-Connecting-IP": lan, Authorization: `Bearer ${secret}` });
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  });

  test("from the LAN with an admin's console session", async () => {
    const admin = await seedUser({ role: "admin" });
    const cookie = await sessionCookie(admin.username);
    expect((await scrape({ "CF-Connecting-IP": lan, Cookie: cookie })).status).toBe(200);
  });
});

describe("GET /metrics: refused", () => {
  test("from the LAN without credentials: 401 in the one error shape, with WWW-Authenticate", async () => {
    const response = await scrape({ "CF-Connecting-IP": lan });
    expect(response.status).toBe(401);
    expect(response.headers.get("WWW-Authenticate")).toContain("Bearer");
    const error = await errorOf(response);
    expect(error.code).toBe("unauthenticated");
    expect(error.request_id).toBe(response.headers.get("X-Request-Id"));
  });

  test("with no known socket address (not loopback): 401", async () => {
    expect((await scrape({})).status).toBe(401);
  });

  test("a user's API key or session is not enough: 403 forbidden", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    const byKey = await scrape({ "CF-Connecting-IP": lan, Authorization: `Bearer ${secret}` });
    expect(byKey.status).toBe(403);
    expect((await errorOf(byKey)).code).toBe("forbidden");
    const bySession = await scrape({ "CF-Connecting-IP": lan, Cookie: await sessionCookie(user.username) });
    expect(bySession.status).toBe(403);
  });

  test("a service account's key is not enough either", async () => {
    const service = await seedUser({ role: "service" });
    const { secret } = await seedKey(service.id);
    expect((await scrape({ "CF-Connecting-IP": lan, Authorization: `Bearer ${secret}` })).status).toBe(403);
  });

  test("an admin whose account is disabled, or whose key is revoked: refused", async () => {
    const disabled = await seedUser({ role: "admin", status: "disabled" });
    const { secret: disabledKey } = await seedKey(disabled.id);
    expect((await scrape({ "CF-Connecting-IP": lan, Authorization: `Bearer ${disabledKey}` })).status).toBe(403);
    const admin = await seedUser({ role: "admin" });
    const { secret: revoked } = await seedKey(admin.id, { revokedAt: Date.now() - 1000 });
    expect((await scrape({ "CF-Connecting-IP": lan, Authorization: `Bearer ${revoked}` })).status).toBe(401);
  });

  test("an admin password over Basic is not accepted (keys and sessions only, as on /admin/api)", async () => {
    const admin = await seedUser({ role: "admin" });
    expect((await scrape({ "CF-Connecting-IP": lan, Authorization: basic(admin.username, goodPassword) })).status).toBe(401);
  });

  test("a client's own X-Forwarded-For: 127.0.0.1 is not believed (no trusted proxy is configured)", async () => {
    const response = await scrape({ "CF-Connecting-IP": lan, "X-Forwarded-For": "127.0.0.1" });
    expect(response.status).toBe(401);
  });

  test("a bad key is a 401 that names no part of it", async () => {
    const response = await scrape({ "CF-Connecting-IP": lan, Authorization: "Bearer gh_definitely-not-a-key-0123456789" });
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain("definitely-not-a-key");
  });

  test("only GET: a POST to /metrics is not a way in", async () => {
    const response = await gateway("/metrics", { method: "POST", headers: { "CF-Connecting-IP": "127.0.0.1" } });
    expect(response.status).toBe(404);
  });
});
