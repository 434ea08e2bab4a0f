import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "./helpers/gateway";
import { resetSimulator, simulatorLog } from "./helpers/simulator";
import { basic, goodPassword, seedKey, seedUser } from "./identity/helpers";
import { errorCode, errorOf } from "../helpers/error-shape";

/**
 * The whole Ollama-native and OpenAI-compatible surface, and the policy every
 * route applies: allowed models (everywhere, listings included), cloud
 * models, GPU ceilings, admin-only model management, no upstream redirects.
 */

const limits = (models: string[] | null) =>
  JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models });

let open = "";
let qwenOnly = "";
let admin = "";
let cloudUser = "";
let legacyUsername = "";

beforeAll(async () => {
  open = (await seedKey((await seedUser({ limits: limits(null) })).id)).secret;
  qwenOnly = (await seedKey((await seedUser({ limits: limits(["qwen*"]) })).id)).secret;
  admin = (await seedKey((await seedUser({ role: "admin", limits: limits(null) })).id)).secret;
  const cloud = await seedUser({ limits: limits(null) });
  await env.DB.prepare("UPDATE users SET allow_cloud_models = 1 WHERE id = ?").bind(cloud.id).run();
  cloudUser = (await seedKey(cloud.id)).secret;
  legacyUsername = (await seedUser({ limits: limits(null) })).username;
});
beforeEach(() => resetSimulator());

function call(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return gateway(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const code = async (response: Response) => errorCode(await response.json());

describe("every route answers (happy)", () => {
  test.each([
    ["POST", "/api/embed", { model: "nomic-embed-text", input: ["a", "b"] }, "embeddings"],
    ["POST", "/api/embeddings", { model: "nomic-embed-text", prompt: "a" }, "embedding"],
    ["POST", "/api/show", { model: "llama3.2" }, "details"],
    ["GET", "/api/version", undefined, "version"],
    ["GET", "/api/ps", undefined, "models"],
    ["POST", "/v1/completions", { model: "llama3.2", prompt: "hi" }, "choices"],
    ["POST", "/v1/embeddings", { model: "nomic-embed-text", input: "hi" }, "data"],
    ["GET", "/v1/models/llama3.2:latest", undefined, "id"],
  ])("%s %s", async (method, path, body, field) => {
    const response = await call(open, method, path, body);
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveProperty(field);
    expect((await simulatorLog()).requests.map((seen) => seen.path)).toContain(path.startsWith("/v1/models/") ? "/v1/models/llama3.2%3Alatest" : path);
  });

  test("POST /chat, the original script API: body credentials, default model, one JSON answer", async () => {
    const response = await gateway("/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ auth: { username: legacyUsername, password: goodPassword }, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ done: true, message: { role: "assistant" } });
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.path).toBe("/api/chat");
    expect(seen?.body).toMatchObject({ model: "llama3.2:latest", stream: false });
    // The credentials never travel on.
    expect(JSON.stringify(seen?.body)).not.toContain(goodPassword);
    expect(seen?.body).not.toHaveProperty("auth");
  });
});

describe("allowed models everywhere (security)", () => {
  test("listings show only the models a restricted key may use", async () => {
    const tags = (await (await call(qwenOnly, "GET", "/api/tags")).json()) as { models: { name: string }[] };
    expect(tags.models.length).toBeGreaterThan(0);
    expect(tags.models.every((m) => m.name.startsWith("qwen"))).toBe(true);
    const models = (await (await call(qwenOnly, "GET", "/v1/models")).json()) as { data: { id: string }[] };
    expect(models.data.every((m) => m.id.startsWith("qwen"))).toBe(true);
    const all = (await (await call(open, "GET", "/api/tags")).json()) as { models: unknown[] };
    expect(all.models.length).toBeGreaterThan(tags.models.length);
  });

  test.each([
    ["POST", "/api/chat", { model: "llama3.2", messages: [{ role: "user", content: "x" }] }],
    ["POST", "/api/generate", { model: "llama3.2", prompt: "x" }],
    ["POST", "/api/embed", { model: "nomic-embed-text", input: "x" }],
    ["POST", "/api/show", { model: "llama3.2" }],
    ["POST", "/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "x" }] }],
  ])("%s %s with a model outside the list is 403 and never forwarded", async (method, path, body) => {
    const response = await call(qwenOnly, method, path, body);
    expect(response.status).toBe(403);
    expect(await code(response)).toBe("model_not_allowed");
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("GET /v1/models/:id of a model outside the list is 404 in OpenAI's shape", async () => {
    const response = await call(qwenOnly, "GET", "/v1/models/llama3.2:latest");
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "not_found_error", code: "not_found" } });
  });

  test("cloud models are refused unless an admin allowed them for the user", async () => {
    const body = { model: "gpt-oss:120b-cloud", messages: [{ role: "user", content: "x" }], stream: false };
    const refused = await call(open, "POST", "/api/chat", body);
    expect(refused.status).toBe(403);
    expect(await code(refused)).toBe("model_not_allowed");
    expect((await call(cloudUser, "POST", "/api/chat", body)).status).toBe(200);
  });
});

describe("model management is for admins (security)", () => {
  test.each([
    ["POST", "/api/pull", { model: "llama3.2" }],
    ["POST", "/api/push", { model: "me/llama3.2" }],
    ["POST", "/api/create", { model: "mine", from: "llama3.2" }],
    ["POST", "/api/copy", { source: "llama3.2", destination: "mine" }],
    ["DELETE", "/api/delete", { model: "llama3.2" }],
    ["HEAD", `/api/blobs/sha256:${"a".repeat(64)}`, undefined],
  ])("%s %s: 403 for a user, forwarded for an admin", async (method, path, body) => {
    const refused = await call(open, method, path, body);
    expect(refused.status).toBe(403);
    expect((await simulatorLog()).requests).toHaveLength(0);
    const allowed = await call(admin, method, path, body);
    expect(allowed.status).toBeLessThan(500);
    expect((await simulatorLog()).requests.map((seen) => seen.path)).toEqual([path]);
  });

  test("a malformed blob digest is 400 and never forwarded", async () => {
    const response = await call(admin, "POST", "/api/blobs/sha256:..%2f..%2fetc");
    expect(response.status).toBe(400);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });
});

describe("GPU ceilings and upstream redirects (error)", () => {
  test("num_ctx over the ceiling is 400 naming the field", async () => {
    const response = await call(open, "POST", "/api/generate", { model: "llama3.2", prompt: "x", options: { num_ctx: 1_000_000 } });
    expect(response.status).toBe(400);
    expect(errorOf(await response.json()).message).toMatch(/^options\.num_ctx/);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("unbounded output and keep_alive forever are clamped before forwarding", async () => {
    const response = await call(open, "POST", "/api/generate", {
      model: "llama3.2",
      prompt: "x",
      stream: false,
      keep_alive: -1,
      options: { num_predict: -1, temperature: 0.3 },
    });
    expect(response.status).toBe(200);
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.body).toMatchObject({ keep_alive: 1800, options: { num_predict: 8192, temperature: 0.3 } });
  });

  test("a field naming another upstream is rejected", async () => {
    const response = await call(open, "POST", "/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "x" }], base_url: "http://10.0.0.9" });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { type: "invalid_request_error" } });
  });

  test("Basic credentials work on inference routes", async () => {
    const response = await gateway("/api/tags", { headers: { Authorization: basic(legacyUsername, goodPassword) } });
    expect(response.status).toBe(200);
  });
});
