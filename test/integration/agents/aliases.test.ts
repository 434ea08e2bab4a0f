import { env } from "cloudflare:test";
import { afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { seedKey, seedUser } from "../identity/helpers";

/**
 * Model aliases: resolved before policy (the allowed list and the cloud guard
 * judge the model served), audited with both names, listed for those who may
 * use them; a key's default model for requests that name none.
 */

const limits = (models: string[] | null) => JSON.stringify({ rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models });

let admin = "";
let open = "";
let llamaOnly = "";
let withDefault = "";

beforeAll(async () => {
  admin = (await seedKey((await seedUser({ role: "admin", limits: limits(null) })).id)).secret;
  const openUser = await seedUser({ limits: limits(null) });
  open = (await seedKey(openUser.id)).secret;
  llamaOnly = (await seedKey((await seedUser({ limits: limits(["llama3.2*"]) })).id)).secret;
  withDefault = (await seedKey(openUser.id, { scope: { defaultModel: "qwen2.5:0.5b" } })).secret;
});
beforeEach(() => resetSimulator());
afterEach(async () => {
  await putAliases([]);
});

function call(key: string, method: string, path: string, body?: unknown): Promise<Response> {
  return gateway(path, {
    method,
    headers: { Authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function putAliases(aliases: { pattern: string; model: string }[]): Promise<Response> {
  return call(admin, "PUT", "/admin/api/aliases", { aliases });
}

const modelsSeen = async (path: string) =>
  (await simulatorLog()).requests.filter((r) => r.path === path).map((r) => (r.body as { model?: string }).model);

async function auditRow(requestId: string): Promise<{ model: string | null; requested_model: string | null }> {
  for (let i = 0; i < 100; i++) {
    const row = await env.DB.prepare("SELECT model, requested_model FROM audit_events WHERE id = ?").bind(requestId).first<{ model: string | null; requested_model: string | null }>();
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no audit row");
}

describe("the admin API", () => {
  test("GET and PUT /admin/api/aliases, admins only, validated", async () => {
    expect((await putAliases([{ pattern: "claude-*", model: "llama3.2" }, { pattern: "gpt-5", model: "qwen2.5:0.5b" }])).status).toBe(200);
    expect(await (await call(admin, "GET", "/admin/api/aliases")).json()).toEqual({
      aliases: [{ pattern: "claude-*", model: "llama3.2" }, { pattern: "gpt-5", model: "qwen2.5:0.5b" }],
    });
    expect((await call(open, "GET", "/admin/api/aliases")).status).toBe(403);
    expect((await call(open, "PUT", "/admin/api/aliases", { aliases: [] })).status).toBe(403);
    for (const bad of [{ aliases: [{ pattern: "x", model: "llama*" }] }, { aliases: [{ pattern: "a b", model: "llama3.2" }] }, { aliases: "x" }, { aliases: [{ pattern: "x", model: "y", extra: 1 }] }]) {
      expect((await call(admin, "PUT", "/admin/api/aliases", bad)).status).toBe(400);
    }
  });
});

describe("resolution", () => {
  test("first match wins, exact or glob, on chat, Anthropic and Responses; the audit keeps both names", async () => {
    await putAliases([{ pattern: "claude-opus-4-8", model: "qwen2.5:0.5b" }, { pattern: "claude-*", model: "llama3.2" }, { pattern: "gpt-5*", model: "llama3.2" }]);
    const anthropic = await call(open, "POST", "/v1/messages", { model: "claude-opus-4-8", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
    expect(anthropic.status).toBe(200);
    const sonnet = await call(open, "POST", "/v1/messages", { model: "claude-sonnet-4-5", max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
    expect(sonnet.status).toBe(200);
    const codex = await call(open, "POST", "/v1/responses", { model: "gpt-5.1-codex", input: "hi" });
    expect(codex.status).toBe(200);
    const chat = await call(open, "POST", "/api/chat", { model: "GPT-5", messages: [{ role: "user", content: "hi" }], stream: false });
    expect(chat.status).toBe(200);
    expect(await modelsSeen("/v1/messages")).toEqual(["qwen2.5:0.5b", "llama3.2"]);
    expect(await modelsSeen("/v1/responses")).toEqual(["llama3.2"]);
    expect(await modelsSeen("/api/chat")).toEqual(["llama3.2"]);
    expect(await auditRow(anthropic.headers.get("X-Request-Id")!)).toEqual({ model: "qwen2.5:0.5b", requested_model: "claude-opus-4-8" });
    expect(await auditRow(codex.headers.get("X-Request-Id")!)).toEqual({ model: "llama3.2", requested_model: "gpt-5.1-codex" });
  });

  test("policy judges the model served: an alias to a forbidden or cloud model is refused, and cannot launder one", async () => {
    await putAliases([{ pattern: "claude-*", model: "qwen2.5:0.5b" }, { pattern: "big", model: "gpt-oss:120b-cloud" }, { pattern: "llama3.2-fast", model: "llama3.2" }]);
    expect((await call(llamaOnly, "POST", "/v1/messages", { model: "claude-x", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })).status).toBe(403);
    expect((await call(open, "POST", "/v1/responses", { model: "big", input: "hi" })).status).toBe(403);
    // An alias name that the allowed list matches does not make its target allowed...
    await putAliases([{ pattern: "llama3.2-secret", model: "qwen2.5:0.5b" }]);
    expect((await call(llamaOnly, "POST", "/api/chat", { model: "llama3.2-secret", messages: [{ role: "user", content: "hi" }] })).status).toBe(403);
    expect(await modelsSeen("/api/chat")).toEqual([]);
    expect(await modelsSeen("/v1/messages")).toEqual([]);
    expect(await modelsSeen("/v1/responses")).toEqual([]);
  });

  test("model management never resolves aliases", async () => {
    await putAliases([{ pattern: "llama3.2", model: "qwen2.5:0.5b" }]);
    const deleted = await call(admin, "DELETE", "/api/delete", { model: "llama3.2" });
    expect(deleted.status).toBe(200);
    expect(await modelsSeen("/api/delete")).toEqual(["llama3.2"]);
  });
});

describe("listings", () => {
  test("/api/tags and /v1/models show exact aliases whose target the caller may use", async () => {
    await putAliases([{ pattern: "claude-sonnet-4-5", model: "qwen2.5:0.5b" }, { pattern: "gpt-5", model: "llama3.2" }, { pattern: "claude-*", model: "llama3.2" }]);
    const tags = (await (await call(open, "GET", "/api/tags")).json()) as { models: { name: string; digest: string }[] };
    expect(tags.models.map((m) => m.name)).toEqual(expect.arrayContaining(["claude-sonnet-4-5", "gpt-5"]));
    expect(tags.models.find((m) => m.name === "gpt-5")?.digest).toBe(tags.models.find((m) => m.name === "llama3.2:latest")?.digest);
    expect(tags.models.some((m) => m.name.includes("*"))).toBe(false);
    const limited = (await (await call(llamaOnly, "GET", "/v1/models")).json()) as { data: { id: string }[] };
    expect(limited.data.map((m) => m.id)).toContain("gpt-5");
    expect(limited.data.map((m) => m.id)).not.toContain("claude-sonnet-4-5");
    // Retrieving one: the target's model object under the alias's id; a target the caller may not use is 404.
    const one = await call(llamaOnly, "GET", "/v1/models/gpt-5");
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: "gpt-5", object: "model" });
    expect((await call(llamaOnly, "GET", "/v1/models/claude-sonnet-4-5")).status).toBe(404);
  });
});

describe("a key's default model", () => {
  test("fills in a request naming none (POST /chat and Anthropic included); a named model still wins", async () => {
    const chat = await call(withDefault, "POST", "/api/chat", { messages: [{ role: "user", content: "hi" }], stream: false });
    expect(chat.status).toBe(200);
    const legacy = await call(withDefault, "POST", "/chat", { messages: [{ role: "user", content: "hi" }] });
    expect(legacy.status).toBe(200);
    const anthropic = await call(withDefault, "POST", "/v1/messages", { max_tokens: 8, messages: [{ role: "user", content: "hi" }] });
    expect(anthropic.status).toBe(200);
    const named = await call(withDefault, "POST", "/api/chat", { model: "llama3.2", messages: [{ role: "user", content: "hi" }], stream: false });
    expect(named.status).toBe(200);
    expect(await modelsSeen("/api/chat")).toEqual(["qwen2.5:0.5b", "qwen2.5:0.5b", "llama3.2"]);
    expect(await modelsSeen("/v1/messages")).toEqual(["qwen2.5:0.5b"]);
    // Without a default, naming none is still a 400.
    expect((await call(open, "POST", "/api/chat", { messages: [{ role: "user", content: "hi" }] })).status).toBe(400);
  });
});
