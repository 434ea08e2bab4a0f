/// <reference types="vite/client" />
import { describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { getJson, person } from "./helpers";

/**
 * The console's pages: clean URLs (/account, /admin) served from public/,
 * never cached, with the security headers; API prefixes never fall through
 * to a page. The files are read at build time (Vite's import.meta.glob), so
 * the test compares what is served with what is on disk.
 */

const files = import.meta.glob<string>("../../../public/*.html", { query: "?raw", import: "default", eager: true });
const pageFile = (name: string): string | undefined => files[`../../../public/${name}.html`];

const pages = [
  ["/", "index"],
  ["/account", "account"],
  ["/admin", "admin"],
] as const;

describe("clean URLs (happy)", () => {
  test("public/ has the three console pages", () => {
    expect(Object.keys(files).sort()).toEqual(expect.arrayContaining(pages.map(([, name]) => `../../../public/${name}.html`).sort()));
  });

  test.each(pages)("GET %s serves public/%s.html, uncached, with the headers", async (path, name) => {
    const file = pageFile(name);
    expect(file, `public/${name}.html`).toBeDefined();
    const response = await gateway(path);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(response.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("x-request-id")).toBeTruthy();
    expect(await response.text()).toBe(file);
  });

  test.each([
    ["/account.html", "/account"],
    ["/admin.html", "/admin"],
    ["/index.html", "/"],
  ])("GET %s redirects to %s", async (path, location) => {
    const response = await gateway(path, { redirect: "manual" });
    expect(response.status).toBe(307);
    expect(response.headers.get("location")).toBe(location);
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    await response.body?.cancel();
  });

  test("scripts and styles keep the assets service's revalidation, with nosniff", async () => {
    const response = await gateway("/assets/css/console.css");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/css");
    expect(response.headers.get("cache-control")).not.toBe("no-store");
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    await response.body?.cancel();
  });
});

describe("pages work under the CSP (security)", () => {
  // With script-src/style-src 'self' and no 'unsafe-inline', any of these would be blocked (or be an XSS sink).
  test.each(Object.entries(files))("%s has no inline script, handler, style or javascript: URL", (_path, html) => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i);
    expect(html).not.toMatch(/<style[\s>]/i);
    expect(html).not.toMatch(/\sstyle\s*=/i);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).not.toMatch(/https?:\/\//i); // nothing from a CDN: the box may be offline
  });
});

describe("API prefixes never fall through to a page (error)", () => {
  test.each(["/api/nope", "/v1/nope", "/auth/nope", "/chat", "/account/api/nope", "/admin/api/nope"])("GET %s → JSON, not HTML", async (path) => {
    const response = await gateway(path);
    expect([401, 404]).toContain(response.status);
    expect(response.headers.get("content-type")).toContain("application/json");
    await response.body?.cancel();
  });

  test("behind the admin prefix an unknown path is a JSON 404 for an admin too", async () => {
    const admin = await person({ role: "admin" });
    const response = await getJson(admin.secret, "/admin/api/no-such-thing");
    expect(response.status).toBe(404);
    expect((await response.json<{ error: { code: string } }>()).error.code).toBe("not_found");
    const user = await person();
    const own = await getJson(user.secret, "/account/api/no-such-thing");
    expect(own.status).toBe(404);
    expect(own.headers.get("content-security-policy")).toContain("default-src 'self'");
    await own.body?.cancel();
  });
});
