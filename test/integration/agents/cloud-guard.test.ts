import { env } from "cloudflare:test";
import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";

/**
 * The data boundary by the engine's own word: models Ollama reports as
 * remote, `:cloud` names on the agent routes, server-side web tools, paths
 * never forwarded, the debug renderer, /api/create with a remote host.
 * Every refusal is checked to never reach the simulator.
 */

const limits = JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null });
let user = "";
let cloudUser = "";
let admin = "";

beforeAll(async () => {
  user = (await seedKey((await seedUser({ limits })).id)).secret;
  const cloud = await seedUser({ limits });
  await env.DB.prepare("UPDATE users SET allow_cloud_models = 1 WHERE id = ?").bind(cloud.id).run();
  cloudUser = (await seedKey(cloud.id)).secret;
  admin = (await seedKey((await seedUser({ role: "admin", limits })).id)).secret;
});
beforeEach(async () => {
  await resetSimulator();
  await sim("/__sim/models", { name: "coder-big", remote: { host: "https://ollama.com:443", model: "qwen3-coder:480b" } });
});

async function sim(path: string, body: unknown): Promise<void> {
  const response = await env.OLLAMA.fetch(`http://${env.GATEHOUSE_OLLAMA}${path}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  await response.body?.cancel();
}

function call(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return gateway(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const clientRequests = async () => (await simulatorLog()).requests;
const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }], stream: false });
const anthropic = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 8, messages: [{ role: "user", content: "hi" }], ...extra });

describe("remote models, by the engine's word", () => {
  test("a local-looking name Ollama lists as remote is refused on every route, and hidden from listings", async () => {
    for (const [path, body] of [
      ["/api/chat", chat("coder-big")],
      ["/api/show", { model: "coder-big" }],
      ["/v1/chat/completions", chat("coder-big")],
      ["/v1/messages", anthropic("coder-big")],
      ["/v1/responses", { model: "coder-big", input: "hi" }],
    ] as const) {
      const response = await call(user, "POST", path, body);
      expect(response.status, path).toBe(403);
    }
    expect(await clientRequests()).toEqual([]);
    const tags = (await (await call(user, "GET", "/api/tags")).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).not.toContain("coder-big:latest");
    // The engine was asked: GET /api/tags with Gatehouse's look-up header.
    expect((await simulatorLog()).lookups.some((seen) => seen.path === "/api/tags")).toBe(true);
  });

  test("a user allowed cloud models may use it", async () => {
    expect((await call(cloudUser, "POST", "/api/chat", chat("coder-big"))).status).toBe(200);
    const tags = (await (await call(cloudUser, "GET", "/api/tags")).json()) as { models: { name: string }[] };
    expect(tags.models.map((m) => m.name)).toContain("coder-big:latest");
  });

  test("a model made remote after the list was read is still caught (an unknown name asks again)", async () => {
    expect((await call(user, "POST", "/api/chat", chat("llama3.2"))).status).toBe(200);
    await sim("/__sim/models", { name: "fresh-remote", remote: { host: "https://elsewhere.example:443", model: "x" } });
    expect((await call(user, "POST", "/v1/messages", anthropic("fresh-remote"))).status).toBe(403);
  });

  test(":cloud and -cloud names on the agent routes", async () => {
    for (const model of ["gpt-oss:120b-cloud", "glm-4.6:cloud"]) {
      expect((await call(user, "POST", "/v1/messages", anthropic(model))).status).toBe(403);
      expect((await call(user, "POST", "/v1/responses", { model, input: "hi" })).status).toBe(403);
    }
    expect(await clientRequests()).toEqual([]);
  });
});

describe("server-side web tools", () => {
  test("Anthropic web_search_* / web_fetch_* and Responses web_search* are refused naming the tool", async () => {
    const cases: [string, unknown][] = [
      ["/v1/messages", anthropic("llama3.2", { tools: [{ name: "calc", input_schema: {} }, { type: "web_search_20250305", name: "web_search" }] })],
      ["/v1/messages", anthropic("llama3.2", { tools: [{ type: "web_fetch_20250910", name: "web_fetch" }] })],
      ["/v1/responses", { model: "llama3.2", input: "hi", tools: [{ type: "web_search" }] }],
      ["/v1/responses", { model: "llama3.2", input: "hi", tools: [{ type: "WEB_SEARCH_PREVIEW" }] }],
    ];
    for (const [path, body] of cases) {
      const response = await call(user, "POST", path, body);
      expect(response.status).toBe(403);
      const { error } = (await response.json()) as { error: { message: string } };
      expect(error.message).toMatch(/^tools\.\d: the server-side tool "web_(search|fetch)/i);
    }
    expect(await clientRequests()).toEqual([]);
    // The refusal is on the audit trail (without a model: a name that was never served is not recorded as one).
    const refused = await call(user, "POST", "/v1/responses", { model: "llama3.2", input: "hi", tools: [{ type: "web_search" }] });
    const row = await env.DB.prepare("SELECT kind, code, status FROM audit_events WHERE id = ?").bind(refused.headers.get("X-Request-Id")).first();
    expect(row).toEqual({ kind: "refusal", code: "forbidden", status: 403 });
    // Client-side tools pass, and a user allowed cloud models may use web search.
    expect((await call(user, "POST", "/v1/messages", anthropic("llama3.2", { tools: [{ name: "calc", input_schema: {} }] }))).status).toBe(200);
    expect((await call(cloudUser, "POST", "/v1/responses", { model: "llama3.2", input: "hi", tools: [{ type: "web_search" }] })).status).toBe(200);
  });
});

describe("never forwarded, for anyone", () => {
  test("Ollama's account and experimental endpoints are 404 and never reach it, even for admins", async () => {
    for (const [method, path] of [
      ["POST", "/api/experimental/web_search"],
      ["POST", "/api/experimental/web_fetch"],
      ["GET", "/api/experimental/model-recommendations"],
      ["POST", "/api/me"],
      ["POST", "/api/signout"],
      ["DELETE", "/api/user/keys/abc"],
      ["GET", "/api/status"],
    ] as const) {
      const response = await call(admin, method, path, method === "GET" ? undefined : { query: "x" });
      expect(response.status, path).toBe(404);
    }
    expect(await clientRequests()).toEqual([]);
  });

  test("_debug_render_only is for admins", async () => {
    for (const path of ["/api/chat", "/api/generate", "/v1/chat/completions"]) {
      const body = path === "/api/generate" ? { model: "llama3.2", prompt: "hi", _debug_render_only: true } : { ...chat("llama3.2"), _debug_render_only: true };
      const response = await call(user, "POST", path, body);
      expect(response.status, path).toBe(403);
    }
    expect(await clientRequests()).toEqual([]);
    expect((await call(admin, "POST", "/api/chat", { ...chat("llama3.2"), _debug_render_only: true })).status).toBe(200);
  });

  test("/api/create with a remote_host, or from a cloud model, is refused even for an admin", async () => {
    expect((await call(admin, "POST", "/api/create", { model: "sneaky", from: "llama3.2", remote_host: "https://ollama.com:443", stream: false })).status).toBe(403);
    expect((await call(admin, "POST", "/api/create", { model: "sneaky", from: "gpt-oss:120b-cloud", stream: false })).status).toBe(403);
    expect(await clientRequests()).toEqual([]);
    expect((await call(admin, "POST", "/api/create", { model: "honest", from: "llama3.2", stream: false })).status).toBe(200);
  });
});
