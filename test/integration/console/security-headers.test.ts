import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { configureSimulator, resetSimulator } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";

/**
 * The browser-facing security headers (issue 7): on every response the
 * gateway gives — console pages, JSON APIs, errors, streamed inference.
 */

const generous = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });
let authorization = "";

beforeAll(async () => {
  const user = await seedUser({ limits: generous });
  authorization = `Bearer ${(await seedKey(user.id)).secret}`;
});
beforeEach(() => resetSimulator());

const expectedPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function expectSecurityHeaders(response: Response): void {
  const headers = response.headers;
  expect(headers.get("content-security-policy")).toBe(expectedPolicy);
  expect(headers.get("content-security-policy")).not.toMatch(/unsafe-/);
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("x-content-type-options")).toBe("nosniff");
  expect(headers.get("referrer-policy")).toBe("no-referrer");
  expect(headers.get("cross-origin-opener-policy")).toBe("same-origin");
  expect(headers.get("x-request-id")).toBeTruthy();
}

function chatRequest(body: unknown): RequestInit {
  return { method: "POST", headers: { "Content-Type": "application/json", Authorization: authorization }, body: JSON.stringify(body) };
}

describe("security headers (happy)", () => {
  test("the sign-in page", async () => {
    const response = await gateway("/");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expectSecurityHeaders(response);
    await response.body?.cancel();
  });

  test("a JSON API answer and /health", async () => {
    for (const path of ["/health", "/api/tags"]) {
      const response = await gateway(path, { headers: { Authorization: authorization } });
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
      await response.body?.cancel();
    }
  });

  test("a non-streamed inference answer", async () => {
    const response = await gateway("/api/chat", chatRequest({ model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }], stream: false }));
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    await response.json();
  });
});

describe("security headers on errors (error)", () => {
  test.each([
    ["an unknown API path", "/api/nope", {}, 404],
    ["an unknown page", "/no-such-page", {}, 404],
    ["no credentials", "/account/api/me", {}, 401],
    ["a malformed body with a bad key (credentials are checked first)", "/api/chat", { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer x" }, body: "{" }, 401],
    ["an unknown method on the API", "/admin/api/users", { method: "PUT" }, 401],
    ["an OpenAI-shaped refusal", "/v1/chat/completions", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }, 401],
    ["a refused stats query", "/admin/api/stats", {}, 401],
    ["a refused usage query", "/account/api/usage", {}, 401],
  ] as const)("%s", async (_name, path, init, status) => {
    const response = await gateway(path, init as RequestInit);
    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toContain("application/json");
    expectSecurityHeaders(response);
    await response.body?.cancel();
  });

  test("an upstream failure (502) carries them too", async () => {
    await configureSimulator({ status: 500, errorBody: { error: "boom" } });
    const response = await gateway("/api/chat", chatRequest({ model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }], stream: false }));
    expect(response.status).toBeGreaterThanOrEqual(500);
    expectSecurityHeaders(response);
    await response.body?.cancel();
  });
});

describe("streams stay streams (security headers do not buffer)", () => {
  test("NDJSON: every line reaches the client as its own chunk, the first long before the last", async () => {
    await configureSimulator({ chunkCount: 5, chunkDelayMs: 150 });
    const response = await gateway("/api/chat", chatRequest({ model: "llama3.2:latest", messages: [{ role: "user", content: "tell me a story" }] }));
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const reads: string[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(decoder.decode(value));
    }
    // Buffered, the whole answer would arrive in one read; relayed, each delayed line is its own.
    expect(reads.length).toBeGreaterThanOrEqual(5);
    expect(reads[0]).not.toContain('"done":true');
    expect(reads.at(-1)).toContain('"done":true');
  });

  test("OpenAI SSE: events arrive one by one with the headers set", async () => {
    await configureSimulator({ chunkCount: 4, chunkDelayMs: 150 });
    const response = await gateway("/v1/chat/completions", chatRequest({ model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }], stream: true }));
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expectSecurityHeaders(response);
    const reader = response.body!.getReader();
    let reads = 0;
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads += 1;
      text += new TextDecoder().decode(value);
    }
    expect(reads).toBeGreaterThanOrEqual(4);
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
  });
});
