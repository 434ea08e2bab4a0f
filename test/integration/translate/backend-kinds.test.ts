import { describe, expect, inject, test } from "vitest";
import { AnthropicReader } from "../../../src/inference/agent-readers";
import type { ExchangeResult } from "../../../src/inference/exchange";
import { relay } from "../../../src/inference/relay";
import { routeTable } from "../../../src/inference/route-table";
import { OllamaReader, OpenAiReader, type ResponseReader } from "../../../src/inference/translators";
import { exchangeFor, type BackendExchange } from "../../../src/translate/exchange";
import { simulatorApiKey } from "../setup/ollama-simulator";

/**
 * The whole exchange inside workerd, as routing will run it: exchangeFor's
 * request sent with fetch to the simulator playing an OpenAI-compatible
 * engine or Anthropic's API, its answer translated and handed through the
 * real relay with the route dialect's reader (what meters and audits it).
 */

const openaiBase = () => `http://127.0.0.1:${inject("openaiSimPort")}/v1`;
const anthropicBase = () => `http://127.0.0.1:${inject("anthropicSimPort")}`;
const route = (path: string) => routeTable.find((row) => row.path === path)!;
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

async function send(base: string, exchange: BackendExchange, credential: Record<string, string>, extra: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const { request } = exchange;
  return fetch(`${base}${request.path}`, {
    method: request.method,
    headers: { "Content-Type": "application/json", ...request.headers, ...credential, ...extra },
    body: request.body,
    signal,
  });
}

const bearer = { Authorization: `Bearer ${simulatorApiKey}` };
const xApiKey = { "x-api-key": simulatorApiKey };

/** Relays the translated answer as forward.ts does; resolves with what the client read and what was metered. */
async function relayed(answer: Response, reader: ResponseReader): Promise<{ text: string; result: ExchangeResult }> {
  let result!: ExchangeResult;
  const body = relay({ upstream: answer, reader, receivedAt: Date.now(), clientSignal: new AbortController().signal, onEnd: (r) => (result = r) });
  const text = await new Response(body).text();
  return { text, result };
}

describe("Ollama /api/chat to an OpenAI-compatible engine (no /api/* routes)", () => {
  const body = { model: "llama3.2", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "hello there friend" }] };

  test("streamed: NDJSON chunks to the client, counts from the engine's usage chunk metered", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes(body));
    const upstream = await send(openaiBase(), x, bearer);
    expect(upstream.headers.get("Content-Type")).toMatch(/event-stream/);
    const { text, result } = await relayed(x.answer(upstream), new OllamaReader());
    const lines = text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.filter((line) => line.done === false).map((line) => (line.message as { content: string }).content).join("")).toBe("Echo: hello there friend");
    // The simulator counts words: 2 (system) + 3 (user) in, 4 out.
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 5, eval_count: 4 });
    expect(result).toMatchObject({ status: 200, outcome: "ok", usage: { promptTokens: 5, completionTokens: 4 }, responseText: "Echo: hello there friend" });
  });

  test("not streamed, with num_predict → max_tokens: one Ollama answer, done_reason length", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ ...body, stream: false, options: { num_predict: 2 } }));
    const { text, result } = await relayed(x.answer(await send(openaiBase(), x, bearer)), new OllamaReader());
    expect(JSON.parse(text)).toMatchObject({ message: { role: "assistant", content: "Echo: hello" }, done: true, done_reason: "length", prompt_eval_count: 5, eval_count: 2 });
    expect(result.usage).toEqual({ promptTokens: 5, completionTokens: 2 });
  });

  test("/api/embed and /api/tags reach /embeddings and /models", async () => {
    const embed = exchangeFor(route("/api/embed"), "openai", bytes({ model: "nomic-embed-text", input: ["one two", "three"] }));
    const vectors = (await embed.answer(await send(openaiBase(), embed, bearer)).json()) as { embeddings: number[][]; prompt_eval_count: number };
    expect(vectors.embeddings).toHaveLength(2);
    expect(vectors.prompt_eval_count).toBe(3);
    const tags = exchangeFor(route("/api/tags"), "openai", undefined);
    const listing = (await tags.answer(await send(openaiBase(), tags, bearer)).json()) as { models: { name: string }[] };
    expect(listing.models.map((model) => model.name)).toContain("llama3.2:latest");
  });

  test("the engine refusing the provider key is a 502 in Ollama's shape that never shows the key", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes(body));
    const answer = x.answer(await send(openaiBase(), x, { Authorization: "Bearer sk-wrong-but-secret-987654321" }));
    expect(answer.status).toBe(502);
    const text = await answer.text();
    expect(JSON.parse(text).error).toContain("refused Gatehouse's credentials");
    expect(text).not.toContain("sk-wrong");
  });

  test("a client that leaves mid-stream closes the engine's connection", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ ...body, messages: [{ role: "user", content: "cancel-probe" }] }));
    const upstream = await send(openaiBase(), x, bearer, { "x-sim-fault": JSON.stringify({ chunkCount: 400, chunkDelayMs: 20 }) });
    const client = new AbortController();
    let result: ExchangeResult | undefined;
    const body2 = relay({ upstream: x.answer(upstream), reader: new OllamaReader(), receivedAt: Date.now(), clientSignal: client.signal, onEnd: (r) => (result = r) });
    const reader = body2.getReader();
    await reader.read();
    await reader.cancel();
    expect(result?.outcome).toBe("client_aborted");
    const deadline = Date.now() + 5000;
    let closedEarly = false;
    while (!closedEarly && Date.now() < deadline) {
      const log = (await (await fetch(`${openaiBase().replace(/\/v1$/, "")}/__sim/requests`)).json()) as { requests: { body: { messages?: { content: string }[] } | null; closedEarly: boolean }[] };
      closedEarly = log.requests.some((seen) => seen.body?.messages?.[0]?.content === "cancel-probe" && seen.closedEarly);
      if (!closedEarly) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(closedEarly).toBe(true);
  });
});

describe("failures mid-answer and tool calls, end to end", () => {
  const body = { model: "llama3.2", messages: [{ role: "user", content: "tell me a long story" }] };

  test("an engine that dies mid-stream: the client's NDJSON ends with Ollama's error line, the exchange is an upstream error", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes(body));
    const upstream = await send(openaiBase(), x, bearer, { "x-sim-fault": JSON.stringify({ dieAfterChunks: 2 }) });
    const { text, result } = await relayed(x.answer(upstream), new OllamaReader("req-1"));
    const last = JSON.parse(text.trim().split("\n").at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ error: "upstream connection lost", code: "upstream_unavailable" });
    expect(text).not.toContain('"done":true');
    expect(result.outcome).toBe("upstream_error");
  });

  test("an in-band error from the engine is Ollama's {error} line; the meter marks it failed", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes(body));
    const upstream = await send(openaiBase(), x, bearer, { "x-sim-fault": JSON.stringify({ inbandErrorAfterChunks: 1 }) });
    const { text, result } = await relayed(x.answer(upstream), new OllamaReader());
    expect(JSON.parse(text.trim().split("\n").at(-1)!)).toHaveProperty("error");
    expect(result.outcome).toBe("upstream_error");
  });

  test("Ollama tools through an OpenAI-compatible engine: the call comes back as Ollama's tool_calls with an object", async () => {
    const tools = [{ type: "function", function: { name: "lookup", description: "look up", parameters: { type: "object", properties: { query: { type: "string" } } } } }];
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ model: "llama3.2", tools, messages: [{ role: "user", content: "call the weather" }] }));
    const { text, result } = await relayed(x.answer(await send(openaiBase(), x, bearer)), new OllamaReader());
    const lines = text.trim().split("\n").map((line) => JSON.parse(line) as { message: { tool_calls?: unknown }; done: boolean });
    expect(lines[0]!.message.tool_calls).toEqual([{ id: "call_sim0", function: { name: "lookup", arguments: { query: "the weather" } } }]);
    expect(result.usage).toEqual({ promptTokens: 3, completionTokens: 5 });
  });

  test("OpenAI tools through Anthropic's API and back: tool_calls with JSON arguments; the tool's answer reaches Anthropic as tool_result", async () => {
    const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }];
    const first = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "llama3.2", tools, messages: [{ role: "user", content: "call the weather" }] }));
    const answer = (await first.answer(await send(anthropicBase(), first, xApiKey)).json()) as { choices: { message: { tool_calls: { id: string; function: { name: string; arguments: string } }[] }; finish_reason: string }[] };
    const call = answer.choices[0]!.message.tool_calls[0]!;
    expect(call.function).toEqual({ name: "lookup", arguments: '{"query":"the weather"}' });
    expect(answer.choices[0]!.finish_reason).toBe("tool_calls");
    const history = [{ role: "user", content: "call the weather" }, { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: call.id, content: "sunny" }];
    const second = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "llama3.2", tools, messages: history }));
    expect((await send(anthropicBase(), second, xApiKey)).status).toBe(200);
    const log = (await (await fetch(`${anthropicBase()}/__sim/requests`)).json()) as { requests: { body: { messages?: unknown[] } | null }[] };
    expect(log.requests.at(-1)!.body!.messages!.at(-1)).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: [{ type: "text", text: "sunny" }] }] });
  });
});

describe("/v1/chat/completions to Anthropic's API", () => {
  test("streamed: OpenAI SSE with the usage chunk and [DONE], metered by the OpenAI reader", async () => {
    const x = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "llama3.2", stream: true, max_tokens: 50, messages: [{ role: "system", content: "sys words" }, { role: "user", content: "hi anthropic" }] }));
    const upstream = await send(anthropicBase(), x, xApiKey);
    expect(upstream.status).toBe(200);
    const { text, result } = await relayed(x.answer(upstream), new OpenAiReader());
    expect(text).toContain('"finish_reason":"stop"');
    expect(text.trim().endsWith("data: [DONE]")).toBe(true);
    expect(result).toMatchObject({ outcome: "ok", responseText: "Echo: hi anthropic", usage: { promptTokens: 4, completionTokens: 3 } });
  });

  test("a missing x-api-key is refused by the backend: 502 in OpenAI's shape", async () => {
    const x = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "llama3.2", messages: [{ role: "user", content: "x" }] }));
    const answer = x.answer(await send(anthropicBase(), x, bearer));
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { type: string } }).error.type).toBe("api_error");
  });
});

describe("/v1/messages to an OpenAI-compatible engine", () => {
  test("streamed: Anthropic's events in order, metered by the Anthropic reader", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "llama3.2", max_tokens: 50, stream: true, system: "be kind", messages: [{ role: "user", content: "hi openai" }] }));
    const { text, result } = await relayed(x.answer(await send(openaiBase(), x, bearer)), new AnthropicReader());
    const events = text.split("\n").filter((line) => line.startsWith("event: ")).map((line) => line.slice(7));
    expect(events[0]).toBe("message_start");
    expect(events.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(result).toMatchObject({ outcome: "ok", responseText: "Echo: hi openai", usage: { promptTokens: 4, completionTokens: 3 } });
  });
});
