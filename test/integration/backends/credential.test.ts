import { env } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { openCredential, sealCredential } from "../../../src/backends/credential-seal";
import { asSession } from "../identity/helpers";
import { adminCookie, backendBody, createBackend, everythingInD1 } from "./helpers";

/**
 * The provider credential is write-only: sealed with AES-GCM under a key
 * derived from SESSION_SECRET (not in D1) before it is stored, and never in
 * a response, listing, error, log line, admin record or export.
 */

let printed: string[] = [];
beforeEach(() => {
  printed = [];
  for (const method of ["log", "error", "warn", "info"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
  }
});
afterEach(() => vi.restoreAllMocks());

const secretOf = (label: string) => `sk-${label}-${crypto.randomUUID()}`;

async function storedCiphertext(id: string): Promise<string | null> {
  const row = await env.DB.prepare("SELECT credential_ciphertext AS c FROM backends WHERE id = ?").bind(id).first<{ c: string | null }>();
  return row?.c ?? null;
}

describe("the credential at rest", () => {
  test("stored sealed: it opens under SESSION_SECRET to what was given, and nowhere in D1 is it in clear", async () => {
    const cookie = await adminCookie();
    const credential = secretOf("create");
    const created = await createBackend(cookie, backendBody({ credential, kind: "anthropic", url: "https://api.anthropic.com", boundary: "cloud" }));
    expect(created.hasCredential).toBe(true);
    const sealed = await storedCiphertext(created.id);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(await openCredential(env.SESSION_SECRET, sealed!)).toBe(credential);
    expect(await everythingInD1()).not.toContain(credential);
    expect(await everythingInD1()).not.toContain(credential.slice(3, 20));
  });

  test("a credential sealed in Node (the backends file, at start) opens in the worker: a known-answer vector", async () => {
    // Sealed by src/backends/credential-seal.ts under Node 22 with this suite's SESSION_SECRET (test/vitest.config.ts).
    const sealedInNode = "v1.vsDjfVtC37ZHfYOf.FGJ2PO-v5QVWCo8h33xUSxyHndr8v9SCqcOBr67SFmZLtJOn7VY";
    expect(await openCredential(env.SESSION_SECRET, sealedInNode)).toBe("sk-known-answer-vector");
  });

  test("a sealed credential does not open under another secret, nor when a byte changed", async () => {
    const sealed = await sealCredential(env.SESSION_SECRET, "sk-abc");
    await expect(openCredential("another-secret-that-is-long-enough-0123456789", sealed)).rejects.toThrow(/does not open/);
    const [prefix, iv, body] = sealed.split(".");
    const flipped = `${prefix}.${iv}.${body!.slice(0, -2)}${body!.endsWith("A") ? "B" : "A"}${body!.slice(-1)}`;
    await expect(openCredential(env.SESSION_SECRET, flipped)).rejects.toThrow(/does not open/);
    await expect(openCredential(env.SESSION_SECRET, "sk-abc")).rejects.toThrow(/v1 form/);
    // Two seals of one value differ (fresh IV): equal credentials cannot be spotted in D1.
    expect(await sealCredential(env.SESSION_SECRET, "sk-abc")).not.toBe(sealed);
  });

  test("PATCH replaces it, `null` clears it, leaving it out keeps it", async () => {
    const cookie = await adminCookie();
    const created = await createBackend(cookie, backendBody({ credential: secretOf("first") }));
    const second = secretOf("second");
    await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { credential: second });
    expect(await openCredential(env.SESSION_SECRET, (await storedCiphertext(created.id))!)).toBe(second);
    await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { priority: 3 });
    expect(await openCredential(env.SESSION_SECRET, (await storedCiphertext(created.id))!)).toBe(second);
    const cleared = await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { credential: null });
    expect(((await cleared.json()) as { backend: { hasCredential: boolean } }).backend.hasCredential).toBe(false);
    expect(await storedCiphertext(created.id)).toBeNull();
  });
});

describe("the credential stays with its host", () => {
  test("moving a backend with a credential to another host needs the credential again (or null); the same host does not", async () => {
    const cookie = await adminCookie();
    const credential = secretOf("host");
    const created = await createBackend(cookie, backendBody({ url: "https://api.example.test/v1", credential }));
    const moved = await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { url: "https://collector.evil.test/v1" });
    expect(moved.status).toBe(400);
    expect(((await moved.json()) as { error: { message: string } }).error.message).toMatch(/^credential: /);
    const row = await env.DB.prepare("SELECT url FROM backends WHERE id = ?").bind(created.id).first<{ url: string }>();
    expect(row?.url).toBe("https://api.example.test/v1");
    // Another path on the same origin keeps it; a new host with a new credential, or with none, is accepted.
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { url: "https://api.example.test/v2" })).status).toBe(200);
    expect(await openCredential(env.SESSION_SECRET, (await storedCiphertext(created.id))!)).toBe(credential);
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { url: "http://10.0.0.9:8000/v1", credential: null })).status).toBe(200);
    expect(await storedCiphertext(created.id)).toBeNull();
    expect((await asSession(cookie, "PATCH", `/admin/api/backends/${created.id}`, { url: "https://api.example.test/v1" })).status).toBe(200);
  });
});

describe("the credential never comes back", () => {
  test("not in any response, listing, admin record, export or log line; the records say only set/cleared", async () => {
    const cookie = await adminCookie();
    const first = secretOf("everywhere");
    const second = secretOf("replaced");
    const responses: string[] = [];
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await asSession(cookie, method, path, body);
      responses.push(`${response.status} ${[...response.headers].join(" ")} ${await response.text()}`);
    };
    const created = await createBackend(cookie, backendBody({ credential: first }));
    await call("GET", "/admin/api/backends");
    await call("GET", `/admin/api/backends/${created.id}`);
    await call("PATCH", `/admin/api/backends/${created.id}`, { credential: second, priority: 4 });
    await call("PATCH", `/admin/api/backends/${created.id}`, { credential: `${second}\n` }); // refused: not echoed
    await call("POST", "/admin/api/backends", backendBody({ name: created.name, credential: second })); // 409: not echoed
    await call("GET", "/admin/api/audit/actions?limit=100");
    await call("GET", "/admin/api/audit.csv?reason=credential+check");
    await call("DELETE", `/admin/api/backends/${created.id}`);
    const everything = [...responses, ...printed, await everythingInD1()].join("\n");
    for (const secret of [first, second]) expect(everything).not.toContain(secret);
    expect(responses.some((text) => text.includes("hasCredential"))).toBe(true);
    const details = await env.DB.prepare("SELECT detail FROM admin_actions WHERE detail LIKE ? ORDER BY seq").bind(`%${created.id}%`).all<{ detail: string }>();
    expect(details.results.map((row) => (JSON.parse(row.detail) as { credential: string }).credential)).toEqual(["set", "set", "kept"]);
    expect(details.results.map((row) => row.detail).join("")).not.toContain("v1.");
  });
});
