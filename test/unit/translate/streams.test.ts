import { describe, expect, test } from "vitest";
import { AnthropicReader } from "../../../src/inference/agent-readers";
import { OllamaReader, OpenAiReader } from "../../../src/inference/translators";
import { exchangeFor } from "../../../src/translate/exchange";
import { bytes, route, sentBody } from "./routes";
import { anthropicTextStream, anthropicToolStream, byteByByte, metered, ndjsonLines, openAiTextStream, openAiToolStream, sseData, sseEvent, sseEvents, streamed } from "./wire";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user", content: "Say hello" }] };

describe("Ollama /api/chat streamed from an OpenAI-compatible backend", () => {
  const exchange = () => exchangeFor(route("/api/chat"), "openai", bytes(chat));

  test("asks the backend to stream with usage, and answers in NDJSON chunk by chunk with a done line carrying the counts", async () => {
    const x = exchange();
    expect(x.request).toMatchObject({ method: "POST", path: "/chat/completions" });
    expect(sentBody(x.request.body)).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const answer = x.answer(streamed(openAiTextStream(["Hello", " there"])).response);
    expect(answer.headers.get("Content-Type")).toBe("application/x-ndjson");
    const text = await answer.text();
    const lines = ndjsonLines(text);
    expect(lines.map((line) => (line.message as { content: string }).content)).toEqual(["Hello", " there", ""]);
    expect(lines.slice(0, 2).every((line) => line.done === false)).toBe(true);
    expect(lines[2]).toMatchObject({ model: "gpt-4o-mini-2024-07-18", done: true, done_reason: "stop", prompt_eval_count: 9, eval_count: 2 });
    const reader = metered(new OllamaReader(), text, true);
    expect(reader).toMatchObject({ text: "Hello there", usage: { promptTokens: 9, completionTokens: 2 }, finished: true, failed: false });
  });

  test("lines and UTF-8 characters cut at every byte, and CRLF line ends, come out the same", async () => {
    const whole = openAiTextStream(["Grüß", " 🙂"], "length").join("").replace(/\n/g, "\r\n");
    const lines = ndjsonLines(await exchange().answer(byteByByte(whole)).text());
    expect(lines.map((line) => (line.message as { content: string }).content).join("")).toBe("Grüß 🙂");
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "length" });
  });

  test("a tool call's argument fragments go out as one Ollama tool_calls chunk with an object, before the done line", async () => {
    const lines = ndjsonLines(await exchange().answer(streamed(openAiToolStream()).response).text());
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ done: false, message: { role: "assistant", content: "", tool_calls: [{ id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", function: { name: "get_weather", arguments: { city: "Paris" } } }] } });
    expect(lines[1]).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 80, eval_count: 17 });
  });

  test("hostile stream: comments, garbage, unknown fields, nulls and a huge field are skipped or carried, never thrown on", async () => {
    const pieces = [
      ": keep-alive\n\n",
      "data: {broken\n\n",
      "data: null\n\n",
      "data: []\n\n",
      "event: whatever\n",
      sseData({ choices: [{ index: 0, delta: { content: null, role: null }, finish_reason: null }], usage: null, x_unknown: { deep: [1, 2] } }),
      sseData({ choices: [null, { delta: { content: "A" } }] }),
      sseData({ choices: [{ index: 0, delta: { content: "x".repeat(200_000) }, finish_reason: null }] }),
      sseData({ choices: [{ index: 0, delta: { tool_calls: [null, { index: "zero", function: null }] }, finish_reason: 7 }] }),
      sseData({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: { prompt_tokens: "nine", completion_tokens: -1 } }),
      "data: [DONE]\n\n",
    ];
    const text = await exchange().answer(streamed(pieces).response).text();
    const lines = ndjsonLines(text);
    expect((lines[0]!.message as { content: string }).content).toBe("A");
    expect((lines[1]!.message as { content: string }).content).toHaveLength(200_000);
    const done = lines.at(-1)!;
    expect(done).toMatchObject({ done: true, done_reason: "stop" });
    // Counts that are not counts are not invented: an unknown input is 0, a negative output reads as 0.
    expect(done.prompt_eval_count).toBe(0);
    expect(metered(new OllamaReader(), text, true).finished).toBe(true);
  });

  test("a stream cut mid-event (no finish, no [DONE], half a line) writes no done line: the relay's abort line follows", async () => {
    const pieces = openAiTextStream(["Hel", "lo"]).slice(0, 3);
    pieces.push('data: {"id":"x","choices":[{"index":0,"delta":{"content":"tr');
    const text = await exchange().answer(streamed(pieces).response).text();
    const lines = ndjsonLines(text);
    expect(lines.every((line) => line.done === false)).toBe(true);
    const reader = metered(new OllamaReader(), text, true);
    expect(reader).toMatchObject({ finished: false, failed: false, text: "Hello" });
  });

  test("an error in the stream becomes Ollama's {error} line, which the meter sees as a failure", async () => {
    const pieces = [...openAiTextStream(["Hi"]).slice(0, 2), sseData({ error: { message: "model overloaded", type: "server_error" } })];
    const text = await exchange().answer(streamed(pieces).response).text();
    expect(ndjsonLines(text).at(-1)).toEqual({ error: "model overloaded" });
    expect(metered(new OllamaReader(), text, true).failed).toBe(true);
  });

  test("the client going away cancels the backend's body (the backend call closes)", async () => {
    const { response, cancelled } = streamed([...openAiTextStream(["a", "b", "c", "d"]), ...openAiTextStream(["e"])]);
    const reader = exchange().answer(response).body!.getReader();
    await reader.read();
    await reader.cancel("client left");
    expect(cancelled.called).toBe(true);
  });

  test("/api/generate streams Ollama's `response` field", async () => {
    const x = exchangeFor(route("/api/generate"), "openai", bytes({ model: "m", prompt: "Say hello" }));
    const lines = ndjsonLines(await x.answer(streamed(openAiTextStream(["Hi", "!"])).response).text());
    expect(lines.map((line) => line.response)).toEqual(["Hi", "!", ""]);
    expect(lines.at(-1)).toMatchObject({ done: true, eval_count: 2 });
  });
});

describe("Ollama /api/chat streamed from an Anthropic backend", () => {
  test("text deltas become NDJSON; usage from message_start (input) and message_delta (output); stop_reason → done_reason", async () => {
    const x = exchangeFor(route("/api/chat"), "anthropic", bytes({ ...chat, options: { num_predict: 50 } }));
    expect(x.request).toMatchObject({ path: "/v1/messages", headers: { "anthropic-version": "2023-06-01" } });
    expect(sentBody(x.request.body)).toMatchObject({ max_tokens: 50, stream: true });
    const text = await x.answer(streamed(anthropicTextStream(["Hello", "!"], "max_tokens")).response).text();
    const lines = ndjsonLines(text);
    expect(lines.at(-1)).toMatchObject({ done: true, done_reason: "length", prompt_eval_count: 25, eval_count: 15 });
    expect(metered(new OllamaReader(), text, true)).toMatchObject({ text: "Hello!", usage: { promptTokens: 25, completionTokens: 15 }, finished: true });
  });

  test("thinking and tool_use come through as Ollama's thinking and tool_calls", async () => {
    const x = exchangeFor(route("/api/chat"), "anthropic", bytes(chat), { maxTokens: 99 });
    expect(sentBody(x.request.body).max_tokens).toBe(99);
    const lines = ndjsonLines(await x.answer(streamed(anthropicToolStream()).response).text());
    expect(lines[0]).toMatchObject({ message: { thinking: "Need the weather." } });
    expect(lines[1]).toMatchObject({ message: { content: "Checking." } });
    expect(lines[2]).toMatchObject({ message: { tool_calls: [{ id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", function: { name: "get_weather", arguments: { location: "San Francisco, CA" } } }] } });
    expect(lines[3]).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 472, eval_count: 89 });
  });
});

describe("/v1/chat/completions streamed from an Anthropic backend", () => {
  test("events become chat.completion.chunk SSE: role first, deltas, finish_reason, the usage chunk, [DONE]", async () => {
    const x = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ ...chat, stream: true, max_tokens: 20 }));
    const answer = x.answer(streamed(anthropicTextStream(["Hello", "!"])).response);
    expect(answer.headers.get("Content-Type")).toMatch(/text\/event-stream/);
    const text = await answer.text();
    const events = sseEvents(text).map((event) => event.data as { choices?: { delta: Record<string, unknown>; finish_reason: string | null }[]; usage?: unknown });
    expect(events[0]!.choices![0]!.delta).toEqual({ role: "assistant", content: "" });
    expect(events.slice(1, 3).map((event) => event.choices![0]!.delta.content)).toEqual(["Hello", "!"]);
    expect(events[3]!.choices![0]!.finish_reason).toBe("stop");
    expect(events[4]).toMatchObject({ choices: [], usage: { prompt_tokens: 25, completion_tokens: 15, total_tokens: 40 } });
    expect(events[5]).toBe("[DONE]");
    expect(metered(new OpenAiReader(), text, true)).toMatchObject({ text: "Hello!", usage: { promptTokens: 25, completionTokens: 15 }, finished: true, contentChunks: 2 });
  });

  test("tool_use becomes tool_calls deltas (id and name first, then argument fragments) and finish_reason tool_calls", async () => {
    const x = exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ ...chat, stream: true }));
    const events = sseEvents(await x.answer(streamed(anthropicToolStream()).response).text()).map((event) => event.data as { choices: { delta: Record<string, unknown>; finish_reason: string | null }[] });
    const calls = events.flatMap((event) => (event.choices?.[0]?.delta.tool_calls as { index: number; id?: string; function: { name?: string; arguments: string } }[] | undefined) ?? []);
    expect(calls[0]).toEqual({ index: 0, id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6", type: "function", function: { name: "get_weather", arguments: "" } });
    expect(calls.map((call) => call.function.arguments).join("")).toBe('{"location": "San Francisco, CA"}');
    expect(events.find((event) => event.choices?.[0]?.finish_reason)?.choices[0]!.finish_reason).toBe("tool_calls");
    expect(events.some((event) => event.choices?.[0]?.delta.reasoning_content === "Need the weather.")).toBe(true);
  });

  test("an Anthropic error event becomes OpenAI's in-stream error; a cut stream gets no [DONE]", async () => {
    const x = () => exchangeFor(route("/v1/chat/completions"), "anthropic", bytes({ ...chat, stream: true }));
    const failing = [...anthropicTextStream(["Hi"]).slice(0, 3), sseEvent("error", { error: { type: "overloaded_error", message: "Overloaded" } })];
    const text = await x().answer(streamed(failing).response).text();
    expect(sseEvents(text).at(-1)!.data).toEqual({ error: { message: "Overloaded", type: "api_error", param: null, code: null } });
    expect(metered(new OpenAiReader(), text, true).failed).toBe(true);
    const cut = await x().answer(streamed(anthropicTextStream(["Hi", "there"]).slice(0, 4)).response).text();
    expect(cut).not.toContain("[DONE]");
    expect(metered(new OpenAiReader(), cut, true).finished).toBe(false);
  });
});

describe("/v1/messages streamed from an OpenAI-compatible backend", () => {
  test("events are synthesised in Anthropic's order, with the usage in message_delta", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "gpt-x", max_tokens: 30, stream: true, messages: [{ role: "user", content: "hi" }] }));
    expect(x.request.path).toBe("/chat/completions");
    expect(sentBody(x.request.body)).toMatchObject({ stream: true, stream_options: { include_usage: true }, max_tokens: 30 });
    const answer = x.answer(streamed(openAiTextStream(["Hello", " there"])).response);
    const text = await answer.text();
    const events = sseEvents(text);
    expect(events.map((event) => event.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(events.every((event) => (event.data as { type: string }).type === event.event)).toBe(true);
    expect(events[0]!.data).toMatchObject({ message: { id: "msg_chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT", role: "assistant", model: "gpt-4o-mini-2024-07-18", content: [] } });
    expect(events[5]!.data).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 9, output_tokens: 2 } });
    expect(metered(new AnthropicReader(), text, true)).toMatchObject({ text: "Hello there", usage: { promptTokens: 9, completionTokens: 2 }, finished: true });
  });

  test("tool calls become a tool_use block with input_json_delta; stop_reason tool_use", async () => {
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "gpt-x", max_tokens: 30, stream: true, messages: [{ role: "user", content: "hi" }] }));
    const events = sseEvents(await x.answer(streamed(openAiToolStream()).response).text());
    expect(events.map((event) => event.event)).toEqual(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
    expect(events[1]!.data).toMatchObject({ index: 0, content_block: { type: "tool_use", id: "call_DdmO9pD3xa9XTPNJ32zg2hcA", name: "get_weather", input: {} } });
    expect(events[2]!.data).toMatchObject({ delta: { type: "input_json_delta", partial_json: '{"ci' } });
    expect(events[5]!.data).toMatchObject({ delta: { stop_reason: "tool_use" }, usage: { input_tokens: 80, output_tokens: 17 } });
  });

  test("text then a tool call: the text block closes before the tool_use block opens", async () => {
    const base = { id: "c", model: "m" };
    const pieces = [
      sseData({ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "Let me check." } }] }),
      sseData({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: "{}" } }] } }] }),
      sseData({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] }),
    ];
    const x = exchangeFor(route("/v1/messages"), "openai", bytes({ model: "m", max_tokens: 5, stream: true, messages: [] }));
    const events = sseEvents(await x.answer(streamed(pieces).response).text());
    // No [DONE] but a finish reason: the stream still ends properly.
    expect(events.map((event) => `${event.event}:${(event.data as { index?: number }).index ?? ""}`)).toEqual([
      "message_start:",
      "content_block_start:0",
      "content_block_delta:0",
      "content_block_stop:0",
      "content_block_start:1",
      "content_block_delta:1",
      "content_block_stop:1",
      "message_delta:",
      "message_stop:",
    ]);
  });
});
