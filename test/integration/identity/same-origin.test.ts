import { describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { errorCode, goodPassword, origin, seedKey, seedUser, sessionCookie } from "./helpers";

/** Cookie-authenticated state changes must come from our own pages, as JSON. */
describe("same-origin and JSON for cookie sessions (security)", () => {
  const createKey = (headers: Record<string, string>) =>
    gateway("/account/api/keys", { method: "POST", headers, body: JSON.stringify({ name: "csrf" }) });

  test.each([
    ["no Origin and no Sec-Fetch-Site", {}],
    ["a foreign Origin", { Origin: "http://evil.example" }],
    ["Origin null", { Origin: "null" }],
    ["Sec-Fetch-Site cross-site", { "Sec-Fetch-Site": "cross-site", Origin: origin }],
    ["Sec-Fetch-Site same-site (a sibling host)", { "Sec-Fetch-Site": "same-site" }],
  ])("%s is 403", async (_name, extra: Record<string, string>) => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await createKey({ Cookie: cookie, "Content-Type": "application/json", ...extra });
    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("forbidden");
  });

  test.each(["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"])("Content-Type %s is 415", async (type) => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await createKey({ Cookie: cookie, Origin: origin, "Content-Type": type });
    expect(response.status).toBe(415);
  });

  test("a body-less state change (DELETE) still needs JSON and our origin", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await gateway("/account/api/keys/some-id", { method: "DELETE", headers: { Cookie: cookie, Origin: "http://evil.example" } });
    expect(response.status).toBe(403);
    const noType = await gateway("/account/api/keys/some-id", { method: "DELETE", headers: { Cookie: cookie, Origin: origin } });
    expect(noType.status).toBe(415);
  });

  test("Sec-Fetch-Site same-origin or our Origin passes", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    expect((await createKey({ Cookie: cookie, "Content-Type": "application/json", "Sec-Fetch-Site": "same-origin" })).status).toBe(201);
    expect((await createKey({ Cookie: cookie, "Content-Type": "application/json; charset=utf-8", Origin: origin })).status).toBe(201);
  });

  test("reads (GET) need no Origin", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    expect((await gateway("/account/api/me", { headers: { Cookie: cookie } })).status).toBe(200);
  });

  test("Bearer-authenticated calls need neither Origin nor a browser", async () => {
    const user = await seedUser();
    const { secret } = await seedKey(user.id);
    expect((await createKey({ Authorization: `Bearer ${secret}`, "Content-Type": "application/json" })).status).toBe(201);
  });

  test("a cross-site page cannot sign a visitor in (login CSRF)", async () => {
    const user = await seedUser();
    const response = await gateway("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: "http://evil.example", "Sec-Fetch-Site": "cross-site" },
      body: JSON.stringify({ username: user.username, password: goodPassword }),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });

  test("a script signing in with curl (no Origin) is fine", async () => {
    const user = await seedUser();
    const response = await gateway("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username: user.username, password: goodPassword }),
    });
    expect(response.status).toBe(200);
  });

  test("the session cookie is not accepted on inference routes", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    const response = await gateway("/api/tags", { headers: { Cookie: cookie } });
    expect(response.status).toBe(401);
  });
});
