import { describe, expect, test } from "vitest";
import { AnthropicReader } from "../../../src/inference/agent-readers";
import { OllamaReader, OpenAiReader } from "../../../src/inference/translators";
import { exchangeFor } from "../../../src/translate/exchange";
import { bytes, route, sentBody } from "./routes";
import { json, metered, ndjsonLines, openAiTextStream, openAiToolStream, sseEvents, streamed } from "./wire";

/** Recorded shape of a whole chat.completion (OpenAI API reference), with a tool call. */
const openAiWhole = {
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1741570283,
  model: "gpt-4o-2024-08-06",
  choices: [
    {
      index: 0,
      message: { role: "assistant", content: "Looking it up.", refusal: null, annotations: [], tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Lima"}' } }] },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: { prompt_tokens: 1117, completion_tokens: 46, total_tokens: 1163, prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 } },
  service_tier: "default",
};

/** Recorded shape of a whole Anthropic message (Messages API reference). */
const anthropicWhole = {
  id: "msg_013Zva2CMHLNnXjNJJKqJ2EF",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [
    { type: "thinking", thinking: "Weather needed.", signature: "sig" },
    { type: "text", text: "Let me check." },
    { type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { location: "Lima" } },
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: { input_tokens: 2095, output_tokens: 503, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
};

describe("whole (non-streamed) answers", () => {
  test("Ollama /api/chat from OpenAI: message with tool_calls as objects, done_reason, counts the meter reads", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ model: "gpt-4o", messages: [{ role: "user", content: "Lima?" }], stream: false }));
    expect(sentBody(x.request.body)).toMatchObject({ stream: false });
    expect(sentBody(x.request.body)).not.toHaveProperty("stream_options");
    const answer = x.answer(json(openAiWhole));
    expect(answer.headers.get("Content-Type")).toMatch(/application\/json/);
    const text = await answer.text();
    expect(JSON.parse(text)).toMatchObject({
      model: "gpt-4o-2024-08-06",
      message: { role: "assistant", content: "Looking it up.", tool_calls: [{ id: "call_1", function: { name: "get_weather", arguments: { city: "Lima" } } }] },
      done: true,
      done_reason: "stop",
      prompt_eval_count: 1117,
      eval_count: 46,
    });
    expect(metered(new OllamaReader(), text, false)).toMatchObject({ text: "Looking it up.", usage: { promptTokens: 1117, completionTokens: 46 }, finished: true });
  });

  test("Ollama /api/chat from Anthropic: thinking, text and tool_use; max_tokens → length", async () => {
    const x = exchangeFor(route("/api/chat"), "anthropic", bytes({ model: "c", messages: [{ role: "user", content: "Lima?" }], stream: false }));
    const body = JSON.parse(await x.answer(json(anthropicWhole)).text());
    expect(body).toMatchObject({
      message: { content: "Let me check.", thinking: "Weather needed.", tool_calls: [{ id: "toolu_01A09q90qw90lq917835lq9", function: { name: "get_weather", arguments: { location: "Lima" } } }] },
      done: true,
      prompt_eval_count: 2095,
      eval_count: 503,
    });
    const cut = JSON.parse(await x.answer(json({ ...anthropicWhole, stop_reason: "max_tokens" })).text());
    expect(cut.done_reason).toBe("length");
  });

  test("/v1/chat/completions from Anthropic: chat.completion with tool_calls as JSON text, finish_reason, usage", async () => {
    const x = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "c", messages: [{ role: "user", content: "Lima?" }] }));
    const text = await x.answer(json(anthropicWhole)).text();
    expect(JSON.parse(text)).toMatchObject({
      object: "chat.completion",
      model: "claude-sonnet-4-5-20250929",
      choices: [{ index: 0, message: { role: "assistant", content: "Let me check.", reasoning_content: "Weather needed.", tool_calls: [{ id: "toolu_01A09q90qw90lq917835lq9", type: "function", function: { name: "get_weather", arguments: '{"location":"Lima"}' } }] }, finish_reason: "tool_calls" }],
      usage: { prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 },
    });
    expect(metered(new OpenAiReader(), text, false)).toMatchObject({ usage: { promptTokens: 2095, completionTokens: 503 }, finished: true });
  });

  test("/v1/messages from OpenAI: a message with text and tool_use blocks, stop_reason, usage", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "g", max_tokens: 9, messages: [{ role: "user", content: "Lima?" }] }));
    const text = await x.answer(json(openAiWhole)).text();
    expect(JSON.parse(text)).toEqual({
      id: "msg_chatcmpl-abc123",
      type: "message",
      role: "assistant",
      model: "gpt-4o-2024-08-06",
      content: [{ type: "text", text: "Looking it up." }, { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Lima" } }],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: { input_tokens: 1117, output_tokens: 46 },
    });
    expect(metered(new AnthropicReader(), text, false)).toMatchObject({ text: "Looking it up.", usage: { promptTokens: 1117, completionTokens: 46 }, finished: true });
  });

  test("a stream asked for but answered whole by the engine still reaches the client as a stream", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "g", max_tokens: 9, stream: true, messages: [{ role: "user", content: "Lima?" }] }));
    const answer = x.answer(json(openAiWhole));
    expect(answer.headers.get("Content-Type")).toMatch(/event-stream/);
    const events = sseEvents(await answer.text());
    expect(events[0]!.event).toBe("message_start");
    expect(events.at(-1)!.event).toBe("message_stop");
  });

  test("one answer asked for but streamed by the engine is gathered into one answer", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ model: "m", messages: [{ role: "user", content: "x" }], stream: false }));
    const answer = x.answer(streamed(openAiToolStream()).response);
    expect(answer.headers.get("Content-Type")).toMatch(/application\/json/);
    expect(JSON.parse(await answer.text())).toMatchObject({ message: { tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] }, done: true, prompt_eval_count: 80, eval_count: 17 });
  });

  test("a garbage or empty body from the backend is an empty answer, never a crash", async () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ model: "m", messages: [], stream: false }));
    const body = JSON.parse(await x.answer(new Response("<html>oops</html>", { headers: { "Content-Type": "text/html" } })).text());
    expect(body).toMatchObject({ message: { role: "assistant", content: "" }, done: true, prompt_eval_count: 0, eval_count: 0 });
  });
});

describe("embeddings and listings", () => {
  test("/api/embed → /embeddings: input kept, floats asked for; the vectors in order with the prompt count", async () => {
    const x = exchangeFor(route("/api/embed"), "openai", bytes({ model: "nomic", input: ["a", "b"], truncate: true, keep_alive: "5m" }));
    expect(x.request).toMatchObject({ method: "POST", path: "/embeddings" });
    expect(sentBody(x.request.body)).toEqual({ model: "nomic", input: ["a", "b"], encoding_format: "float" });
    const answer = { object: "list", data: [{ object: "embedding", index: 1, embedding: [0.3, 0.4] }, { object: "embedding", index: 0, embedding: [0.1, 0.2] }], model: "nomic-v1", usage: { prompt_tokens: 2, total_tokens: 2 } };
    const text = await x.answer(json(answer)).text();
    expect(JSON.parse(text)).toEqual({ model: "nomic-v1", embeddings: [[0.1, 0.2], [0.3, 0.4]], total_duration: 0, load_duration: 0, prompt_eval_count: 2 });
    expect(metered(new OllamaReader(), text, false)).toMatchObject({ finished: true, usage: { promptTokens: 2, completionTokens: 0 } });
  });

  test("/api/embeddings (prompt → one embedding)", async () => {
    const x = exchangeFor(route("/api/embeddings"), "openai", bytes({ model: "nomic", prompt: "hello" }));
    expect(sentBody(x.request.body)).toEqual({ model: "nomic", input: "hello", encoding_format: "float" });
    expect(JSON.parse(await x.answer(json({ data: [{ index: 0, embedding: [1, 0] }] })).text())).toEqual({ embedding: [1, 0] });
  });

  test("/api/tags from OpenAI's /models and from Anthropic's /v1/models; /v1/models from Anthropic", async () => {
    const fromOpenAi = exchangeFor(route("/api/tags"), "openai", undefined);
    expect(fromOpenAi.request).toEqual({ method: "GET", path: "/models" });
    const tags = JSON.parse(await fromOpenAi.answer(json({ object: "list", data: [{ id: "gpt-4o", object: "model", created: 1715367049, owned_by: "system" }, { id: null }] })).text());
    expect(tags).toEqual({ models: [{ name: "gpt-4o", model: "gpt-4o", modified_at: "2024-05-10T18:50:49.000Z", size: 0, digest: "", details: {} }] });
    const fromAnthropic = exchangeFor(route("/v1/models"), "anthropic", undefined);
    expect(fromAnthropic.request).toMatchObject({ method: "GET", path: "/v1/models", headers: { "anthropic-version": "2023-06-01" } });
    const listing = JSON.parse(await fromAnthropic.answer(json({ data: [{ type: "model", id: "claude-sonnet-4-5", display_name: "Claude Sonnet 4.5", created_at: "2025-09-29T00:00:00Z" }], has_more: false })).text());
    expect(listing).toEqual({ object: "list", data: [{ id: "claude-sonnet-4-5", object: "model", created: 1759104000, owned_by: "anthropic" }] });
  });
});

describe("one model (GET /v1/models/:id)", () => {
  const oneModel = (id: string) => ({ method: "GET" as const, upstreamPath: `/v1/models/${encodeURIComponent(id)}`, dialect: "openai" as const });

  test("to an openai backend under its /v1 base; from Anthropic's model object to OpenAI's", async () => {
    expect(exchangeFor(oneModel("org/model:7b"), "openai", undefined).request).toEqual({ method: "GET", path: "/models/org%2Fmodel%3A7b" });
    const x = exchangeFor(oneModel("claude-sonnet-4-5"), "anthropic", undefined);
    expect(x.request).toMatchObject({ method: "GET", path: "/v1/models/claude-sonnet-4-5" });
    const model = JSON.parse(await x.answer(json({ type: "model", id: "claude-sonnet-4-5", display_name: "Claude", created_at: "2025-09-29T00:00:00Z" })).text());
    expect(model).toEqual({ id: "claude-sonnet-4-5", object: "model", created: 1759104000, owned_by: "anthropic" });
  });
});

describe("the model routing chose and the output ceiling", () => {
  test("facts.model names the backend's model in a translated body", () => {
    const x = exchangeFor(route("/api/chat"), "openai", bytes({ model: "box2/llama3", messages: [] }), { model: "llama3" });
    expect(sentBody(x.request.body).model).toBe("llama3");
  });

  test("the client's stream flag decides; OpenAI's default is not to stream, Ollama's is to stream", async () => {
    const openAi = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ model: "c", messages: [{ role: "user", content: "x" }] }));
    expect(sentBody(openAi.request.body).stream).toBe(false);
    const ollama = exchangeFor(route("/api/chat"), "openai", bytes({ model: "c", messages: [] }));
    expect(sentBody(ollama.request.body).stream).toBe(true);
    expect(ndjsonLines(await ollama.answer(streamed(openAiTextStream(["x"])).response).text()).at(-1)).toMatchObject({ done: true });
  });
});
