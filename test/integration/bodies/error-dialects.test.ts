import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { configureSimulator, resetSimulator } from "../helpers/simulator";
import { goodPassword, seedKey, seedUser, sessionCookie } from "../identity/helpers";
import { finishedRecord, keyFor, limits, postText } from "./helpers";

/**
 * Issue 13.12: on Ollama-native routes and POST /chat an error is Ollama's
 * `{"error":"<message>","code","request_id"}` (Ollama's clients show `error`
 * as the message); the control plane keeps `{"error":{code,message,request_id}}`
 * and /v1 OpenAI's shape. The stream's abort line is Ollama's shape too.
 */

let key = "";
let qwenOnly = "";
let stingy = "";
beforeAll(async () => {
  key = await keyFor(null);
  qwenOnly = await keyFor(["qwen*"]);
  const user = await seedUser({ limits: JSON.stringify({ rpm: 1, burst: 1, concurrency: 5, dailyTokens: null, monthlyTokens: null, models: null }) });
  stingy = (await seedKey(user.id)).secret;
});
beforeEach(() => resetSimulator());

async function expectOllamaError(response: Response, status: number, code: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = await response.json<Record<string, unknown>>();
  expect(body).toEqual({ error: expect.any(String), code, request_id: response.headers.get("x-request-id") });
  expect((body.error as string).length).toBeGreaterThan(0);
}

describe("Ollama-native routes answer in Ollama's shape (error)", () => {
  test("400, 401, 403, 404, 415 on /api/*", async () => {
    await expectOllamaError(await postText("/api/chat", '{"model":"llama3.2","messages":"x"}', key), 400, "invalid_request");
    await expectOllamaError(await postText("/api/chat", "{nope", key), 400, "invalid_json");
    await expectOllamaError(await postText("/api/chat", '{"model":"llama3.2"}'), 401, "unauthenticated");
    await expectOllamaError(await postText("/api/generate", '{"model":"llama3.2","prompt":"x"}', qwenOnly), 403, "model_not_allowed");
    await expectOllamaError(await gateway("/api/nothing", { headers: { Authorization: `Bearer ${key}` } }), 404, "not_found");
    await expectOllamaError(await gateway("/api/chat", { method: "POST", headers: { Authorization: `Bearer ${key}`, "Content-Type": "text/plain" }, body: "{}" }), 415, "unsupported_media_type");
  });

  test("429 with Retry-After on /api/*", async () => {
    await (await postText("/api/generate", '{"model":"llama3.2","prompt":"x","stream":false}', stingy)).arrayBuffer();
    const refused = await postText("/api/generate", '{"model":"llama3.2","prompt":"x","stream":false}', stingy);
    expect(refused.headers.get("retry-after")).toBeTruthy();
    await expectOllamaError(refused, 429, "rate_limited");
  });

  test("POST /chat answers in the same shape", async () => {
    await expectOllamaError(await postText("/chat", '{"auth":{"username":"nobody","password":"wrong-password"},"messages":[{"role":"user","content":"x"}]}'), 401, "unauthenticated");
    await expectOllamaError(await postText("/chat", '{"messages":[]}', key), 400, "invalid_request");
  });

  test("a stream that dies mid-answer ends with Ollama's error line, code and request id", async () => {
    await configureSimulator({ chunkCount: 10, dieAfterChunks: 3, chunkDelayMs: 5 });
    const response = await postText("/api/chat", '{"model":"llama3.2","messages":[{"role":"user","content":"x"}]}', key);
    const last = JSON.parse((await response.text()).trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toEqual({ error: "upstream connection lost", code: "upstream_unavailable", request_id: response.headers.get("x-request-id") });
  });
});

describe("other dialects keep their shapes", () => {
  test("/v1 is OpenAI's, the control plane is Gatehouse's", async () => {
    const openai = await postText("/v1/chat/completions", '{"model":"llama3.2","messages":[]}', key);
    expect(await openai.json()).toMatchObject({ error: { type: "invalid_request_error", code: "invalid_request", param: null } });
    const control = await gateway("/admin/api/users");
    expect(await control.json()).toMatchObject({ error: { code: "unauthenticated", request_id: control.headers.get("x-request-id") } });
  });
});

describe("audit details (issue 13.14)", () => {
  test.each([
    ["/api/embed", '{"model":"nomic-embed-text","input":"x","stream":true}'],
    ["/api/embeddings", '{"model":"nomic-embed-text","prompt":"x","stream":true}'],
    ["/api/show", '{"model":"llama3.2","stream":true}'],
    ["/v1/embeddings", '{"model":"nomic-embed-text","input":"x","stream":true}'],
  ])("%s never streams: recorded stream=false", async (path, text) => {
    const response = await postText(path, text, key);
    await response.arrayBuffer();
    expect((await finishedRecord(response.headers.get("x-request-id")!)).stream).toBe(0);
  });

  test("an upstream 404 has one outcome on every route: upstream_error", async () => {
    await configureSimulator({ status: 404, errorBody: { error: "model 'x' not found" } });
    const responses = [
      await postText("/api/chat", '{"model":"llama3.2","messages":[],"stream":false}', key),
      await postText("/api/show", '{"model":"llama3.2"}', key),
      await gateway("/api/tags", { headers: { Authorization: `Bearer ${key}` } }),
      await gateway("/v1/models", { headers: { Authorization: `Bearer ${key}` } }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      await response.arrayBuffer();
      expect((await finishedRecord(response.headers.get("x-request-id")!)).outcome, response.url).toBe("upstream_error");
    }
  });
});

describe("sensitive JSON is never cached; exporting CSVs needs our origin (security)", () => {
  let cookie = "";
  let admin = "";
  let target = "";
  beforeAll(async () => {
    const person = await seedUser({ role: "admin", limits: limits(null) });
    cookie = await sessionCookie(person.username, goodPassword);
    admin = (await seedKey(person.id)).secret;
    target = (await seedUser()).id;
  });

  test.each(["/admin/api/users", `/admin/api/audit`, "/account/api/me", "/account/api/keys", "/admin/api/audit/none"])("GET %s: Cache-Control no-store", async (path) => {
    const response = await gateway(path.replace("none", crypto.randomUUID()), { headers: { Authorization: `Bearer ${admin}` } });
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  test("a user's record: no-store", async () => {
    const response = await gateway(`/admin/api/users/${target}`, { headers: { Authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
  });

  test.each(["/admin/api/audit.csv?reason=test", "/admin/api/users/TARGET/audit.csv?reason=test"])("GET %s with the cookie from another site is 403; from our pages it downloads", async (path) => {
    const url = path.replace("TARGET", target);
    const foreign: Record<string, string>[] = [{ "Sec-Fetch-Site": "cross-site" }, { Origin: "http://evil.test" }, {}];
    for (const headers of foreign) {
      const refused = await gateway(url, { headers: { Cookie: cookie, ...headers } });
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      await refused.arrayBuffer();
    }
    const allowed = await gateway(url, { headers: { Cookie: cookie, "Sec-Fetch-Site": "same-origin" } });
    expect(allowed.status).toBe(200);
    await allowed.text();
    const script = await gateway(url, { headers: { Authorization: `Bearer ${admin}` } });
    expect(script.status).toBe(200);
    await script.text();
  });
});
