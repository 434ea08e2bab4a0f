import { env } from "cloudflare:test";
import { afterAll, beforeEach, describe, expect, inject, test } from "vitest";
import { errorOf } from "../../helpers/error-shape";
import { simulatorApiKey } from "../setup/ollama-simulator";
import { everyAuditCell } from "../audit/helpers";
import { gateway, postJson } from "../helpers/gateway";
import { seedKey, seedUser } from "../identity/helpers";
import { addBackend, addSimModel, bearer, box, clearBackends, finishedRecord, local, secondBox } from "./helpers";

/**
 * A cloud backend (the second simulator, spoken to as an OpenAI-compatible
 * provider or as Anthropic): who may reach it, what it is sent, what it costs,
 * and where its key never shows.
 */

const providerKey = "sk-provider-secret-0123456789abcdef";
const cloudModel = "gpt-sim:latest";

// Later files expect no catalog rows (an install as before the catalog).
afterAll(clearBackends);

beforeEach(async () => {
  await clearBackends();
  await Promise.all([local().reset(), box().reset()]);
  await addSimModel(secondBox(), cloudModel);
});

async function caller(boundaries: string[] | null) {
  const user = await seedUser();
  if (boundaries?.includes("cloud")) await env.DB.prepare("UPDATE users SET allow_cloud_models = 1 WHERE id = ?").bind(user.id).run();
  if (boundaries) await env.DB.prepare("UPDATE users SET boundaries = ? WHERE id = ?").bind(JSON.stringify(boundaries), user.id).run();
  return { user, key: await seedKey(user.id) };
}

const openAiChat = (model: string) => ({ model, messages: [{ role: "user", content: "one two three" }] });

async function cloudBackend(): Promise<void> {
  await addBackend({
    name: "cloudy", kind: "openai", url: `http://${secondBox()}/v1`, boundary: "cloud", credential: providerKey,
    models: [cloudModel], prices: { inputPerMTok: 3, outputPerMTok: 15 },
  });
}

describe("data boundaries are permissions", () => {
  test("a user without the cloud grant is refused (403 boundary_not_allowed) and nothing is sent", async () => {
    await cloudBackend();
    const { key } = await caller(null);
    for (const model of [cloudModel, `cloudy/${cloudModel}`]) {
      const response = await postJson("/v1/chat/completions", openAiChat(model), bearer(key.secret));
      expect(response.status).toBe(403);
      expect(errorOf(await response.json()).code).toBe("boundary_not_allowed");
    }
    expect((await box().log()).requests).toHaveLength(0);
    expect((await local().log()).requests).toHaveLength(0);
  });

  test("listings show a backend's models only to those who may cross its boundary", async () => {
    await cloudBackend();
    const listed = async (secret: string) => (await (await gateway("/v1/models", { headers: bearer(secret) })).json<{ data: { id: string }[] }>()).data.map((model) => model.id);
    expect(await listed((await caller(null)).key.secret)).not.toContain(`cloudy/${cloudModel}`);
    expect(await listed((await caller(["local", "cloud"])).key.secret)).toContain(`cloudy/${cloudModel}`);
  });

  test("granted, the request reaches the provider with its key, in the provider's own terms", async () => {
    await cloudBackend();
    const { key } = await caller(["local", "cloud"]);
    const response = await postJson("/v1/chat/completions", openAiChat(cloudModel), { ...bearer(key.secret), "OpenAI-Organization": "org-client", Cookie: "a=b" });
    expect(response.status).toBe(200);
    const [sent] = (await box().log()).requests;
    expect(sent!.path).toBe("/v1/chat/completions");
    expect(sent!.headers.authorization).toBe(`Bearer ${providerKey}`);
    expect(sent!.headers.cookie).toBeUndefined();
    expect(sent!.headers["openai-organization"]).toBeUndefined();
  });

  test("a prompt toward a cloud backend is screened as leaving the organisation: secrets are redacted by default", async () => {
    await cloudBackend();
    const { key } = await caller(["local", "cloud"]);
    const aws = "AKIAIOSFODNN7EXAMPLE";
    const response = await postJson("/v1/chat/completions", { model: cloudModel, messages: [{ role: "user", content: `my key is ${aws} ok` }] }, bearer(key.secret));
    expect(response.status).toBe(200);
    const [sent] = (await box().log()).requests;
    expect(Buffer.from(sent!.rawBase64!, "base64").toString()).not.toContain(aws);
    // The same toward a local box is observed, not redacted (the default for local).
    await addBackend({ name: "box2", url: `http://${secondBox()}`, priority: 50, models: ["llama3.2:latest"] });
    await postJson("/api/chat", { model: "box2/llama3.2:latest", messages: [{ role: "user", content: `my key is ${aws} ok` }], stream: false }, bearer(key.secret));
    const local = (await box().log()).requests.find((request) => request.path === "/api/chat");
    expect(Buffer.from(local!.rawBase64!, "base64").toString()).toContain(aws);
  });

  test("cost is recorded from the backend's prices and the tokens it reported", async () => {
    await cloudBackend();
    const { key } = await caller(["local", "cloud"]);
    const response = await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret));
    const answer = await response.json<{ usage: { prompt_tokens: number; completion_tokens: number } }>();
    const row = await finishedRecord(response.headers.get("x-request-id")!);
    expect(answer.usage.prompt_tokens).toBeGreaterThan(0);
    expect(row).toMatchObject({
      backend: "cloudy", served_model: cloudModel,
      cost_micros: answer.usage.prompt_tokens * 3 + answer.usage.completion_tokens * 15,
    });
  });

  test("an Anthropic backend gets x-api-key and anthropic-version, and no Authorization", async () => {
    await addBackend({ name: "claude", kind: "anthropic", url: `http://${secondBox()}`, boundary: "cloud", credential: providerKey, models: [cloudModel] });
    const { key } = await caller(["local", "cloud"]);
    const response = await postJson("/v1/messages", { model: cloudModel, max_tokens: 50, messages: [{ role: "user", content: "hi" }] }, bearer(key.secret));
    expect(response.status).toBe(200);
    const [sent] = (await box().log()).requests;
    expect(sent!.headers["x-api-key"]).toBe(providerKey);
    expect(sent!.headers["anthropic-version"]).toBe("2023-06-01");
    expect(sent!.headers.authorization).toBeUndefined();
  });

  test("the provider key is never in D1 in clear, in the audit, or in an error", async () => {
    await cloudBackend();
    const { key } = await caller(["local", "cloud"]);
    await (await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret))).text();
    await box().configure({ status: 500 });
    const failed = await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret));
    expect(await failed.text()).not.toContain(providerKey);
    await box().configure({ status: 302, location: "http://127.0.0.1:9/" });
    const redirected = await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret));
    expect(redirected.status).toBe(502);
    expect(await redirected.text()).not.toContain(providerKey);
    await finishedRecord(redirected.headers.get("x-request-id")!);
    const tables = (await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%'").all<{ name: string }>()).results;
    for (const { name } of tables) {
      const dump = JSON.stringify((await env.DB.prepare(`SELECT * FROM "${name}"`).all()).results);
      expect(dump, name).not.toContain(providerKey);
    }
    expect(await everyAuditCell()).not.toContain(providerKey);
  });
});

describe("every client dialect to every backend, through routing", () => {
  test("Ollama's /api/chat reaches an OpenAI-compatible engine (no /api/* routes) with its key, and answers in Ollama's shape", async () => {
    await addBackend({ name: "vllm", kind: "openai", url: `http://127.0.0.1:${inject("openaiSimPort")}/v1`, credential: simulatorApiKey, priority: 10, models: ["llama3.2:latest"] });
    const { key } = await caller(null);
    const response = await postJson("/api/chat", { model: "llama3.2:latest", messages: [{ role: "user", content: "hello engine" }], stream: false }, bearer(key.secret));
    expect(response.status).toBe(200);
    const answer = await response.json<{ message: { content: string }; done: boolean }>();
    expect(answer.message.content).toContain("hello engine");
    expect(answer.done).toBe(true);
    const row = await finishedRecord(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({ backend: "vllm", served_model: "llama3.2:latest" });
  });
});

describe("the monthly spending limit", () => {
  test("cloud requests are refused (429 budget_exceeded) once the month's cost reaches it, before anything is sent; local ones are not", async () => {
    await cloudBackend();
    const { user, key } = await caller(["local", "cloud"]);
    const limits = { rpm: null, burst: null, concurrency: null, dailyTokens: null, monthlyTokens: null, models: null, monthlyBudgetUsd: 0.00002 };
    await env.DB.prepare("UPDATE users SET limits = ? WHERE id = ?").bind(JSON.stringify(limits), user.id).run();
    const first = await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret));
    expect(first.status).toBe(200);
    const row = await finishedRecord(first.headers.get("x-request-id")!);
    expect(row.cost_micros as number).toBeGreaterThanOrEqual(20);
    const refused = await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret));
    expect(refused.status).toBe(429);
    expect(errorOf(await refused.json()).code).toBe("budget_exceeded");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await box().log()).requests).toHaveLength(1);
    // Costs of another month do not count, and local models stay open.
    expect((await postJson("/api/chat", { model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }], stream: false }, bearer(key.secret))).status).toBe(200);
  });

  test("costs from before this month do not count", async () => {
    await cloudBackend();
    const { user, key } = await caller(["local", "cloud"]);
    const limits = { rpm: null, burst: null, concurrency: null, dailyTokens: null, monthlyTokens: null, models: null, monthlyBudgetUsd: 1 };
    await env.DB.prepare("UPDATE users SET limits = ? WHERE id = ?").bind(JSON.stringify(limits), user.id).run();
    const lastMonth = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1) - 1;
    await env.DB.prepare(
      "INSERT INTO audit_events (id, kind, started_at, user_id, client_address, method, endpoint, capture_mode, cost_micros, finished_at) VALUES (?, 'request', ?, ?, '10.0.0.1', 'POST', '/v1/chat/completions', 'metadata', 5000000, ?)",
    ).bind(crypto.randomUUID(), lastMonth, user.id, lastMonth).run();
    expect((await postJson("/v1/chat/completions", openAiChat(cloudModel), bearer(key.secret))).status).toBe(200);
  });
});
