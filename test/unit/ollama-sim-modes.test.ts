import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startOllamaSimulator, type OllamaSimulator } from "../fixtures/ollama-sim/server";

/** The simulator playing an OpenAI-compatible engine and Anthropic's API (modes.ts), over real HTTP. */
let openai: OllamaSimulator;
let anthropic: OllamaSimulator;
const key = "sk-sim-0123456789abcdef";

beforeAll(async () => {
  openai = await startOllamaSimulator({ port: 0, mode: "openai", apiKey: key });
  anthropic = await startOllamaSimulator({ port: 0, mode: "anthropic", apiKey: key });
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
});

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
const chat = { model: "llama3.2", messages: [{ role: "user", content: "hello there" }] };

describe("openai mode", () => {
  test("no Ollama-native route answers: /api/* is a 404, as on vLLM or OpenAI", async () => {
    for (const path of ["/api/chat", "/api/tags", "/api/version", "/v1/messages", "/v1/responses"]) {
      const response = await post(`${openai.url}${path}`, chat, { Authorization: `Bearer ${key}` });
      expect(response.status, path).toBe(404);
    }
  });

  test("chat completions answer with the key, streamed with the usage chunk; a wrong key is a 401 that echoes part of it", async () => {
    const ok = await post(`${openai.url}/v1/chat/completions`, { ...chat, stream: true, stream_options: { include_usage: true } }, { Authorization: `Bearer ${key}` });
    expect(ok.status).toBe(200);
    const text = await ok.text();
    expect(text).toContain('"usage":{"prompt_tokens":2');
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    const wrong = await post(`${openai.url}/v1/chat/completions`, chat, { Authorization: "Bearer sk-wrong-key-123456789" });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toContain("sk-wrong-key");
    expect((await post(`${openai.url}/v1/chat/completions`, chat)).status).toBe(401);
  });
});

describe("anthropic mode", () => {
  const headers = { "x-api-key": key, "anthropic-version": "2023-06-01" };

  test("only /v1/messages and /v1/models; x-api-key and anthropic-version are required", async () => {
    const body = { ...chat, max_tokens: 10 };
    expect((await post(`${anthropic.url}/v1/messages`, body, headers)).status).toBe(200);
    expect((await post(`${anthropic.url}/v1/messages`, body, { "anthropic-version": "2023-06-01" })).status).toBe(401);
    expect((await post(`${anthropic.url}/v1/messages`, body, { "x-api-key": "nope", "anthropic-version": "2023-06-01" })).status).toBe(401);
    // A Bearer token is not Anthropic's header.
    expect((await post(`${anthropic.url}/v1/messages`, body, { Authorization: `Bearer ${key}`, "anthropic-version": "2023-06-01" })).status).toBe(401);
    expect((await post(`${anthropic.url}/v1/messages`, body, { "x-api-key": key })).status).toBe(400);
    for (const path of ["/api/chat", "/v1/chat/completions", "/v1/embeddings"]) expect((await post(`${anthropic.url}${path}`, body, headers)).status, path).toBe(404);
    const models = (await (await fetch(`${anthropic.url}/v1/models`, { headers })).json()) as { data: { type: string; id: string }[]; has_more: boolean };
    expect(models.has_more).toBe(false);
    expect(models.data[0]).toMatchObject({ type: "model", id: "llama3.2:latest" });
  });
});

describe("tool calls (tool-replies.ts)", () => {
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];

  test("OpenAI-compatible: a call of the first tool, its arguments in two fragments, finish tool_calls", async () => {
    const body = { model: "llama3.2", messages: [{ role: "user", content: "call weather in Oslo" }], tools, stream: true, stream_options: { include_usage: true } };
    const text = await (await post(`${openai.url}/v1/chat/completions`, body, { Authorization: `Bearer ${key}` })).text();
    const chunks = text.split("\n\n").filter((e) => e.startsWith("data: {")).map((e) => JSON.parse(e.slice(6)) as { choices: { delta: { tool_calls?: { function: { name?: string; arguments: string } }[] }; finish_reason: string | null }[] });
    const args = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []).map((t) => t.function.arguments).join("");
    expect(JSON.parse(args)).toEqual({ query: "weather in Oslo" });
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "tool_calls")).toBe(true);
    // Without "call " it echoes as before.
    const plain = (await (await post(`${openai.url}/v1/chat/completions`, { ...body, stream: false, messages: [{ role: "user", content: "hi" }] }, { Authorization: `Bearer ${key}` })).json()) as { choices: { message: { content: string } }[] };
    expect(plain.choices[0]!.message.content).toBe("Echo: hi");
  });

  test("Anthropic: a tool_use block with stop_reason tool_use", async () => {
    const body = { model: "llama3.2", max_tokens: 20, messages: [{ role: "user", content: "call the thing" }], tools: [{ name: "lookup", input_schema: { type: "object" } }] };
    const message = (await (await post(`${anthropic.url}/v1/messages`, body, { "x-api-key": key, "anthropic-version": "2023-06-01" })).json()) as Record<string, unknown>;
    expect(message).toMatchObject({ stop_reason: "tool_use", content: [{ type: "tool_use", name: "lookup", input: { query: "the thing" } }] });
  });
});
