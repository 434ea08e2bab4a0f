import { env } from "cloudflare:test";
import { afterEach, describe, expect, test } from "vitest";
import { asKey, asSession, errorCode, seedKey, seedUser, sessionCookie } from "../identity/helpers";
import { adminCookie, backendBody, backendNameFor, createBackend, type BackendJson } from "./helpers";

/**
 * GET|POST /admin/api/backends, GET|PATCH|DELETE /admin/api/backends/:id:
 * the catalog as admins manage it (API.md). Happy paths and refusals; the
 * credential's own tests are in credential.test.ts.
 */

const ollamaAddress = env.GATEHOUSE_OLLAMA;

afterEach(async () => {
  await env.DB.prepare("DROP TRIGGER IF EXISTS refuse_admin_records").run();
});

async function list(cookie: string): Promise<BackendJson[]> {
  const response = await asSession(cookie, "GET", "/admin/api/backends");
  expect(response.status).toBe(200);
  return ((await response.json()) as { backends: BackendJson[] }).backends;
}

describe("the catalog through the admin API", () => {
  test("the built-in `local` is listed: GATEHOUSE_OLLAMA, kind ollama, boundary local, GATEHOUSE_MAX_INFLIGHT slots", async () => {
    const cookie = await adminCookie();
    const local = (await list(cookie)).find((b) => b.name === "local");
    expect(local).toEqual({
      id: "local",
      name: "local",
      kind: "ollama",
      url: `http://${ollamaAddress}`,
      slots: 2,
      priority: 0,
      enabled: true,
      boundary: "local",
      models: null,
      prices: null,
      hasCredential: false,
      source: "builtin",
    });
    const one = await asSession(cookie, "GET", "/admin/api/backends/local");
    expect(((await one.json()) as { backend: BackendJson }).backend.source).toBe("builtin");
  });

  test("add one: 201 with defaults filled in and the URL normalised; then listed, and found by id and by name", async () => {
    const cookie = await adminCookie();
    const name = backendNameFor("vllm");
    const created = await createBackend(cookie, { name, kind: "openai", url: "http://10.0.0.2:8000/v1//", boundary: "lan" });
    expect(created).toMatchObject({ name, kind: "openai", url: "http://10.0.0.2:8000/v1", slots: 1, priority: 0, enabled: true, boundary: "lan", models: null, prices: null, hasCredential: false, source: "api" });
    expect((await list(cookie)).some((b) => b.id === created.id)).toBe(true);
    for (const key of [created.id, name]) {
      const response = await asSession(cookie, "GET", `/admin/api/backends/${key}`);
      expect(((await response.json()) as { backend: BackendJson }).backend.id).toBe(created.id);
    }
  });

  test("every field given is kept; the list is by priority, highest first, `local` (0) among them", async () => {
    const cookie = await adminCookie();
    const low = await createBackend(cookie, backendBody({ priority: -5 }));
    const high = await createBackend(
      cookie,
      backendBody({ kind: "anthropic", url: "https://api.anthropic.com", boundary: "cloud", slots: 8, priority: 50, enabled: false, models: ["claude-sonnet-4-5"], prices: { inputPerMTok: 3, outputPerMTok: 15 } }),
    );
    expect(high).toMatchObject({ kind: "anthropic", url: "https://api.anthropic.com", boundary: "cloud", slots: 8, priority: 50, enabled: false, models: ["claude-sonnet-4-5"], prices: { inputPerMTok: 3, outputPerMTok: 15 } });
    const ids = (await list(cookie)).map((b) => b.id);
    expect(ids.indexOf(high.id)).toBeLessThan(ids.indexOf("local"));
    expect(ids.indexOf("local")).toBeLessThan(ids.indexOf(low.id));
  });

  test("PATCH changes only what it names; rename, disable, models back to discovery; each is an admin action", async () => {
    const cookie = await adminCookie();
    const created = await createBackend(cookie, backendBody({ models: ["a:1"], slots: 3 }));
    const name = backendNameFor("renamed");
    const response = await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { name, enabled: false, models: null });
    expect(response.status).toBe(200);
    const patched = ((await response.json()) as { backend: BackendJson }).backend;
    expect(patched).toMatchObject({ id: created.id, name, enabled: false, models: null, slots: 3, url: created.url });
    const actions = await env.DB.prepare("SELECT action, detail FROM admin_actions WHERE detail LIKE ? ORDER BY seq").bind(`%${created.id}%`).all<{ action: string; detail: string }>();
    expect(actions.results.map((a) => a.action)).toEqual(["backend.create", "backend.update"]);
    expect(JSON.parse(actions.results[1]!.detail)).toMatchObject({ name, enabled: false });
  });

  test("DELETE removes it (204, then 404) with its record", async () => {
    const cookie = await adminCookie();
    const created = await createBackend(cookie, backendBody());
    expect((await asSession(cookie, "DELETE", `/admin/api/backends/${created.id}`)).status).toBe(204);
    expect((await asSession(cookie, "GET", `/admin/api/backends/${created.id}`)).status).toBe(404);
    expect((await asSession(cookie, "DELETE", `/admin/api/backends/${created.id}`)).status).toBe(404);
    const record = await env.DB.prepare("SELECT action FROM admin_actions WHERE action = 'backend.delete' AND detail LIKE ?").bind(`%${created.id}%`).first();
    expect(record).not.toBeNull();
  });

  test("an admin's API key manages the catalog as the CLI does (no Origin, no cookie)", async () => {
    const admin = await seedUser({ role: "admin" });
    const { secret } = await seedKey(admin.id);
    const response = await asKey(secret, "POST", "/admin/api/backends", backendBody());
    expect(response.status).toBe(201);
  });
});

describe("refusals", () => {
  const invalid: [string, Record<string, unknown>, string][] = [
    ["an upper-case name", { name: "Box" }, "name"],
    ["a name starting with '-'", { name: "-box" }, "name"],
    ["a name with '/'", { name: "a/b" }, "name"],
    ["a name of 64 characters", { name: "a".repeat(64) }, "name"],
    ["an unknown kind", { kind: "gemini" }, "kind"],
    ["ftp", { url: "ftp://10.0.0.2/v1" }, "url"],
    ["file:", { url: "file:///etc/passwd" }, "url"],
    ["a relative URL", { url: "/v1" }, "url"],
    ["user info", { url: "http://user:pw@10.0.0.2:8000" }, "url"],
    ["a query", { url: "http://10.0.0.2:8000/v1?x=1" }, "url"],
    ["a fragment", { url: "http://10.0.0.2:8000/v1#x" }, "url"],
    ["a space", { url: "http://10.0.0.2:8000/ v1" }, "url"],
    ["a newline", { url: "http://10.0.0.2:8000/v1\r\nHost: evil" }, "url"],
    ["a backslash", { url: "http://evil.test\\@10.0.0.2/" }, "url"],
    ["slots 0", { slots: 0 }, "slots"],
    ["slots 257", { slots: 257 }, "slots"],
    ["fractional slots", { slots: 1.5 }, "slots"],
    ["priority as text", { priority: "1" }, "priority"],
    ["no boundary", { boundary: undefined }, "boundary"],
    ["an unknown boundary", { boundary: "internet" }, "boundary"],
    ["an empty model list", { models: [] }, "models"],
    ["a model listed twice", { models: ["a:1", "a:1"] }, "models"],
    ["a negative price", { prices: { inputPerMTok: -1, outputPerMTok: 1 } }, "prices.inputPerMTok"],
    ["half a price", { prices: { inputPerMTok: 1 } }, "prices.outputPerMTok"],
    ["a credential with a newline", { credential: "sk-abc\r\nX-Evil: 1" }, "credential"],
    ["a credential of 4097 characters", { credential: "k".repeat(4097) }, "credential"],
    ["an empty credential", { credential: "" }, "credential"],
    ["an unknown field", { source: "file" }, "body"],
    ["a string id", { id: "mine" }, "body"],
  ];

  test.each(invalid)("POST with %s: 400 invalid_request naming the field", async (_what, overrides, field) => {
    const cookie = await adminCookie();
    const body = backendBody(overrides);
    const response = await asSession(cookie, "POST", "/admin/api/backends", body);
    expect(response.status).toBe(400);
    const error = ((await response.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("invalid_request");
    expect(error.message.startsWith(`${field}:`) || (field === "body" && error.message.includes("nrecognized"))).toBe(true);
    const named = await env.DB.prepare("SELECT COUNT(*) AS n FROM backends WHERE name = ?").bind(String(body.name)).first<{ n: number }>();
    expect(named?.n).toBe(0);
  });

  test("a refused URL or credential is never echoed in the error", async () => {
    const cookie = await adminCookie();
    for (const overrides of [{ url: "http://admin:hunter2-secret@10.0.0.2" }, { credential: "sk-hunter2-secret\n" }]) {
      const response = await asSession(cookie, "POST", "/admin/api/backends", backendBody(overrides));
      expect(response.status).toBe(400);
      expect(await response.text()).not.toContain("hunter2");
    }
  });

  test("`local` is reserved and protected: no row may take the name; PATCH and DELETE of the built-in are 409", async () => {
    const cookie = await adminCookie();
    const taken = await asSession(cookie, "POST", "/admin/api/backends", backendBody({ name: "local" }));
    expect(taken.status).toBe(400);
    const other = await createBackend(cookie, backendBody());
    const rename = await asSession(cookie, "PATCH", `/admin/api/backends/${other.id}`, { name: "local" });
    expect(rename.status).toBe(400);
    for (const [method, body] of [["PATCH", { priority: 9 }], ["PATCH", { name: "renamed" }], ["DELETE", undefined]] as const) {
      const response = await asSession(cookie, method, "/admin/api/backends/local", body);
      expect(response.status).toBe(409);
      expect(await errorCode(response)).toBe("conflict");
    }
    expect((await list(cookie)).find((b) => b.name === "local")).toMatchObject({ source: "builtin", priority: 0 });
  });

  test("names are unique: a second backend of the same name, or a rename onto one, is 409", async () => {
    const cookie = await adminCookie();
    const first = await createBackend(cookie, backendBody());
    const again = await asSession(cookie, "POST", "/admin/api/backends", backendBody({ name: first.name }));
    expect(again.status).toBe(409);
    const second = await createBackend(cookie, backendBody());
    const rename = await asSession(cookie, "PATCH", `/admin/api/backends/${second.id}`, { name: first.name });
    expect(rename.status).toBe(409);
    const row = await env.DB.prepare("SELECT name FROM backends WHERE id = ?").bind(second.id).first<{ name: string }>();
    expect(row?.name).toBe(second.name);
  });

  test("a backend declared in the file is read-only here (409), though listed", async () => {
    const cookie = await adminCookie();
    const id = crypto.randomUUID();
    const name = backendNameFor("filed");
    await env.DB.prepare("INSERT INTO backends (id, name, kind, url, boundary, source, created_at, updated_at) VALUES (?, ?, 'ollama', 'http://10.0.0.9:11434', 'lan', 'file', 0, 0)").bind(id, name).run();
    expect((await list(cookie)).find((b) => b.id === id)?.source).toBe("file");
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${id}`, { enabled: false })).status).toBe(409);
    expect((await asSession(cookie, "DELETE", `/admin/api/backends/${name}`)).status).toBe(409);
    const row = await env.DB.prepare("SELECT enabled FROM backends WHERE id = ?").bind(id).first<{ enabled: number }>();
    expect(row?.enabled).toBe(1);
  });

  test("PATCH with nothing, an unknown id, or a bad field", async () => {
    const cookie = await adminCookie();
    const created = await createBackend(cookie, backendBody());
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, {})).status).toBe(400);
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { slots: 0 })).status).toBe(400);
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { credentialCiphertext: "v1.x.y" })).status).toBe(400);
    expect((await asSession(cookie, "PATCH", "/admin/api/backends/no-such-backend", { slots: 2 })).status).toBe(404);
  });

  test("users and non-admin keys cannot see or change the catalog (403), nor anyone signed out (401)", async () => {
    const user = await seedUser();
    const cookie = await sessionCookie(user.username);
    expect((await asSession(cookie, "GET", "/admin/api/backends")).status).toBe(403);
    expect((await asSession(cookie, "POST", "/admin/api/backends", backendBody())).status).toBe(403);
    const { secret } = await seedKey(user.id);
    expect((await asKey(secret, "GET", "/admin/api/backends")).status).toBe(403);
    const admin = await seedUser({ role: "admin" });
    const narrowed = await seedKey(admin.id, { scope: { endpoints: ["inference"] } });
    expect((await asKey(narrowed.secret, "POST", "/admin/api/backends", backendBody())).status).toBe(403);
    expect((await asKey("gh_nope_nope", "GET", "/admin/api/backends")).status).toBe(401);
  });

  test("a change whose admin record cannot be written is not made (503 audit_unavailable)", async () => {
    const cookie = await adminCookie();
    const kept = await createBackend(cookie, backendBody());
    await env.DB.prepare("CREATE TRIGGER refuse_admin_records BEFORE INSERT ON admin_actions BEGIN SELECT RAISE(ABORT, 'refused for the test'); END").run();
    const body = backendBody();
    const created = await asSession(cookie, "POST", "/admin/api/backends", body);
    expect(created.status).toBe(503);
    expect(await errorCode(created)).toBe("audit_unavailable");
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${kept.id}`, { enabled: false })).status).toBe(503);
    expect((await asSession(cookie, "DELETE", `/admin/api/backends/${kept.id}`)).status).toBe(503);
    const rows = await env.DB.prepare("SELECT name, enabled FROM backends WHERE name IN (?, ?)").bind(String(body.name), kept.name).all<{ name: string; enabled: number }>();
    expect(rows.results).toEqual([{ name: kept.name, enabled: 1 }]);
  });
});
