import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { describe, expect, test } from "vitest";
import { exchangeFor } from "../../../src/translate/exchange";
import { route } from "./routes";
import { anthropicTextStream, anthropicToolStream, openAiTextStream, openAiToolStream, streamed } from "./wire";

/**
 * The translated wire formats read by the real client libraries: each SDK
 * gets a `fetch` that runs the client's request through exchangeFor and
 * answers with the translation of a recorded backend stream. If a library
 * cannot parse what the translation writes, these fail.
 */

type Backend = (request: { path: string; body: Record<string, unknown> }) => Response;

function via(path: string, kind: "openai" | "anthropic", backend: Backend): typeof fetch {
  return (async (_input: RequestInfo | URL, init?: RequestInit) => {
    const body = new TextEncoder().encode(String(init?.body ?? "{}"));
    const x = exchangeFor(route(path), kind, body);
    return x.answer(backend({ path: x.request.path, body: JSON.parse(new TextDecoder().decode(x.request.body)) as Record<string, unknown> }));
  }) as typeof fetch;
}

describe("the real SDKs parse the translated answers", () => {
  test("ollama-js: a chat streamed from an OpenAI-compatible engine, and its tool call", async () => {
    const text = new Ollama({ host: "http://gatehouse.invalid", fetch: via("/api/chat", "openai", () => streamed(openAiTextStream(["Hello", " there"])).response) });
    const parts = [];
    for await (const part of await text.chat({ model: "m", messages: [{ role: "user", content: "hi" }], stream: true })) parts.push(part);
    expect(parts.map((part) => part.message.content).join("")).toBe("Hello there");
    expect(parts.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 9, eval_count: 2 });
    const tools = new Ollama({ host: "http://gatehouse.invalid", fetch: via("/api/chat", "anthropic", () => streamed(anthropicToolStream()).response) });
    const toolParts = [];
    for await (const part of await tools.chat({ model: "m", messages: [{ role: "user", content: "weather?" }], stream: true })) toolParts.push(part);
    expect(toolParts.flatMap((part) => part.message.tool_calls ?? [])).toEqual([{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", function: { name: "get_weather", arguments: { location: "San Francisco, CA" } } }]);
  });

  test("openai: a stream from Anthropic with usage, and a tool call assembled by the SDK's runner helpers", async () => {
    const client = new OpenAI({ apiKey: "k", baseURL: "http://gatehouse.invalid/v1", maxRetries: 0, fetch: via("/v1/chat/completions", "anthropic", () => streamed(anthropicTextStream(["Hello", "!"])).response) });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of await client.chat.completions.create({ model: "c", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true } })) {
      text += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe("Hello!");
    expect(usage).toMatchObject({ prompt_tokens: 25, completion_tokens: 15 });
    const tools = new OpenAI({ apiKey: "k", baseURL: "http://gatehouse.invalid/v1", maxRetries: 0, fetch: via("/v1/chat/completions", "anthropic", () => streamed(anthropicToolStream()).response) });
    const final = await tools.chat.completions.stream({ model: "c", messages: [{ role: "user", content: "weather?" }] }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.choices[0]!.message.tool_calls).toMatchObject([{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: '{"location": "San Francisco, CA"}' } }]);
  });

  test("@anthropic-ai/sdk: the message assembled from events synthesised out of an OpenAI stream, text and tool_use", async () => {
    const client = new Anthropic({ apiKey: "k", baseURL: "http://gatehouse.invalid", maxRetries: 0, fetch: via("/v1/messages", "openai", () => streamed(openAiTextStream(["Hello", " there"])).response) });
    const message = await client.messages.stream({ model: "g", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    expect(message.content).toMatchObject([{ type: "text", text: "Hello there" }]);
    expect(message).toMatchObject({ stop_reason: "end_turn", usage: { input_tokens: 9, output_tokens: 2 } });
    const tools = new Anthropic({ apiKey: "k", baseURL: "http://gatehouse.invalid", maxRetries: 0, fetch: via("/v1/messages", "openai", () => streamed(openAiToolStream()).response) });
    const called = await tools.messages.stream({ model: "g", max_tokens: 10, messages: [{ role: "user", content: "weather?" }] }).finalMessage();
    expect(called.content).toMatchObject([{ type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: { city: "Paris" } }]);
    expect(called.stop_reason).toBe("tool_use");
  });

  test("backend errors reach each SDK as its own error class with the status", async () => {
    const refusal = () => new Response(JSON.stringify({ error: { message: "bad things", type: "invalid_request_error" } }), { status: 400, headers: { "Content-Type": "application/json" } });
    const anthropicRefusal = () => new Response(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "bad things" } }), { status: 400, headers: { "Content-Type": "application/json" } });
    const openai = new OpenAI({ apiKey: "k", baseURL: "http://g.invalid/v1", maxRetries: 0, fetch: via("/v1/chat/completions", "anthropic", anthropicRefusal) });
    await expect(openai.chat.completions.create({ model: "c", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("bad things") });
    const anthropic = new Anthropic({ apiKey: "k", baseURL: "http://g.invalid", maxRetries: 0, fetch: via("/v1/messages", "openai", refusal) });
    await expect(anthropic.messages.create({ model: "g", max_tokens: 5, messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    const ollama = new Ollama({ host: "http://g.invalid", fetch: via("/api/chat", "openai", refusal) });
    await expect(ollama.chat({ model: "m", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status_code: 400, error: "bad things" });
  });
});
