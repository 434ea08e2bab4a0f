import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway as rawGateway, ndjson } from "./helpers/gateway";
import { configureSimulator, resetSimulator, simulatorLog } from "./helpers/simulator";
import { seedKey, seedUser } from "./identity/helpers";
import { errorCode, errorOf } from "../helpers/error-shape";

const chat = { model: "llama3.2:latest", messages: [{ role: "user", content: "why is the sky blue" }] };
const generous = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });
let authorization = "";

beforeAll(async () => {
  const user = await seedUser({ limits: generous });
  authorization = `Bearer ${(await seedKey(user.id)).secret}`;
});

beforeEach(async () => {
  await resetSimulator();
});

/** The gateway, called with a valid key unless the test sets its own Authorization. */
function gateway(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("Authorization")) headers.set("Authorization", authorization);
  return rawGateway(path, { ...init, headers });
}

function postJson(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return gateway(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

describe("forwarding (happy)", () => {
  test("GET /health says Ollama is up", async () => {
    const response = await gateway("/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok", upstream: { ollama: "up" } });
  });

  test("a non-streaming chat is passed through as JSON", async () => {
    const response = await postJson("/api/chat", { ...chat, stream: false });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = await response.json<{ done: boolean; message: { content: string }; eval_count: number }>();
    expect(body.done).toBe(true);
    expect(body.message.content.length).toBeGreaterThan(0);
    expect(body.eval_count).toBeGreaterThan(0);
  });

  test("a streaming chat arrives as NDJSON, chunk by chunk, ending with the counts", async () => {
    await configureSimulator({ chunkDelayMs: 120, chunkCount: 5 });
    const response = await postJson("/api/chat", chat);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const reader = response.body!.getReader();
    const started = Date.now();
    const arrivals: number[] = [];
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
      text += decoder.decode(value, { stream: true });
    }
    // The first chunk came while the upstream was still producing the rest.
    expect(arrivals[0]!).toBeLessThan(arrivals.at(-1)! - 300);
    const lines = text.trim().split("\n").map((line) => JSON.parse(line));
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop" });
    expect(lines.at(-1).eval_count).toBeGreaterThan(0);
  });

  test("generate and tags are forwarded", async () => {
    const generated = await ndjson(await postJson("/api/generate", { model: "llama3.2:latest", prompt: "hi" }));
    expect(generated.at(-1)).toMatchObject({ done: true });
    const tags = await gateway("/api/tags").then((r) => r.json<{ models: { name: string }[] }>());
    expect(tags.models.map((m) => m.name)).toContain("llama3.2:latest");
  });

  test("curl's default content type is accepted on inference routes, as Ollama does", async () => {
    const response = await gateway("/api/generate", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: JSON.stringify({ model: "llama3.2:latest", prompt: "hi", stream: false }),
    });
    expect(response.status).toBe(200);
  });
});

describe("bad input (error)", () => {
  const expectError = async (response: Response, status: number, code: string) => {
    expect(response.status).toBe(status);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const error = errorOf(await response.json());
    expect(error.code).toBe(code);
    expect(error.requestId).toBe(response.headers.get("x-request-id"));
    return error.message;
  };

  test("broken JSON is 400 invalid_json and never forwarded", async () => {
    await expectError(await postJson("/api/chat", "{not json"), 400, "invalid_json");
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("a body that fails its schema is 400 naming the field", async () => {
    const message = await expectError(await postJson("/api/chat", { messages: [] }), 400, "invalid_request");
    expect(message).toMatch(/^model/);
    const nested = await expectError(
      await postJson("/api/chat", { model: "llama3.2", messages: [{ role: 7 }] }),
      400,
      "invalid_request",
    );
    expect(nested).toMatch(/^messages\.0\.role/);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("a wrong content type is 415", async () => {
    const response = await gateway("/api/chat", { method: "POST", headers: { "Content-Type": "text/xml" }, body: "<a/>" });
    await expectError(response, 415, "unsupported_media_type");
  });

  test("a body over the limit is 413, whether declared or streamed", async () => {
    const huge = JSON.stringify({ model: "llama3.2", prompt: "x".repeat(9 * 1024 * 1024) });
    await expectError(await postJson("/api/generate", huge), 413, "payload_too_large");
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 9; i++) controller.enqueue(new Uint8Array(1024 * 1024).fill(32));
        controller.close();
      },
    });
    const chunked = await gateway("/api/generate", { method: "POST", headers: { "Content-Type": "application/json" }, body: stream });
    await expectError(chunked, 413, "payload_too_large");
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("an upstream error status is passed through with Ollama's body", async () => {
    const response = await postJson("/api/chat", { ...chat, model: "no-such-model:latest", stream: false });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("not found") });
  });
});

describe("allowlist and headers (security)", () => {
  test.each([
    ["GET", "/api/pull"],
    ["POST", "/api/experimental/anything"],
    ["GET", "/api/me"],
    ["POST", "//api/chat"],
    ["GET", "/api/tags/../../etc/passwd"],
    ["POST", "/api/chat/extra"],
    ["GET", "/v1/nonexistent"],
    ["DELETE", "/api/tags"],
  ])("%s %s is 404 and never reaches Ollama", async (method, path) => {
    const response = await gateway(path, { method, headers: { "Content-Type": "application/json" }, body: method === "GET" ? undefined : "{}" });
    expect(response.status).toBe(404);
    expect(errorCode(await response.json())).toBe("not_found");
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("client credentials, cookies and forwarding headers are not forwarded", async () => {
    const response = await postJson("/api/chat", { ...chat, stream: false }, {
      Cookie: "gatehouse_session=abc",
      "X-Forwarded-For": "10.9.9.9",
      "X-Forwarded-Host": "evil.example",
      "X-Real-IP": "10.9.9.9",
    });
    expect(response.status).toBe(200);
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.path).toBe("/api/chat");
    const names = Object.keys(seen!.headers).map((name) => name.toLowerCase());
    for (const banned of ["authorization", "cookie", "x-forwarded-for", "x-forwarded-host", "x-real-ip"]) {
      expect(names).not.toContain(banned);
    }
    expect(JSON.stringify(seen)).not.toContain(authorization.slice(7));
  });
});
