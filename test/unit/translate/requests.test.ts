import { describe, expect, test } from "vitest";
import { readAnthropic } from "../../../src/translate/read-anthropic-request";
import { readOllamaChat, readOllamaGenerate } from "../../../src/translate/read-ollama-request";
import { readOpenAiChat } from "../../../src/translate/read-openai-request";
import { writeAnthropic } from "../../../src/translate/write-anthropic-request";
import { writeOpenAiChat } from "../../../src/translate/write-openai-request";

/** A 1×1 PNG, as Ollama's clients send images: bare base64. */
const png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
const weatherTool = { type: "function", function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } };

describe("Ollama /api/chat → OpenAI chat completions", () => {
  test("messages, images, tools, tool calls and answers, options and format all carry over", () => {
    const body = {
      model: "qwen3:8b",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "What is in this picture, and the weather in Paris?", images: [png] },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] },
        { role: "tool", content: "18°C and sunny", tool_name: "get_weather" },
      ],
      tools: [weatherTool],
      format: "json",
      options: { num_predict: 64, temperature: 0.2, top_p: 0.9, seed: 7, stop: ["\n\n"], num_ctx: 8192, frequency_penalty: 0.5, presence_penalty: 0.25 },
    };
    const sent = writeOpenAiChat(readOllamaChat(body));
    expect(sent).toEqual({
      model: "qwen3:8b",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture, and the weather in Paris?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
        { role: "assistant", content: null, tool_calls: [{ id: "call_2_0", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_2_0", content: "18°C and sunny" },
      ],
      // Ollama streams unless told not to; the usage event is always asked for.
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      seed: 7,
      frequency_penalty: 0.5,
      presence_penalty: 0.25,
      stop: ["\n\n"],
      response_format: { type: "json_object" },
      tools: [weatherTool],
    });
  });

  test("tool answers pair with parallel calls by id, by tool name, else in order", () => {
    const body = {
      model: "m",
      messages: [
        { role: "assistant", content: "", tool_calls: [{ function: { name: "a", arguments: {} } }, { function: { name: "b", arguments: {} } }, { id: "given", function: { name: "c", arguments: {} } }] },
        { role: "tool", content: "for c", tool_call_id: "given" },
        { role: "tool", content: "for b", tool_name: "b" },
        { role: "tool", content: "for a" },
      ],
    };
    const ids = writeOpenAiChat(readOllamaChat(body)).messages as { tool_call_id?: string; content: string }[];
    expect(ids.slice(1).map((message) => [message.content, message.tool_call_id])).toEqual([["for c", "given"], ["for b", "call_0_1"], ["for a", "call_0_0"]]);
  });

  test("fields are read as Ollama reads them: any case, Unicode folding, null as absent", () => {
    const body = { MODEL: "llama3", "\u212Aeep_alive": "5m", Messages: [{ ROLE: "user", Content: "hi" }], Stream: null, Options: { Num_Predict: 5 } };
    const sent = writeOpenAiChat(readOllamaChat(body));
    expect(sent).toMatchObject({ model: "llama3", messages: [{ role: "user", content: "hi" }], stream: true, max_tokens: 5 });
    expect(JSON.stringify(sent)).not.toContain("keep_alive");
  });

  test("a JSON schema format becomes a json_schema response_format; num_predict -1 leaves the limit to the backend", () => {
    const schema = { type: "object", properties: { a: { type: "number" } } };
    const sent = writeOpenAiChat(readOllamaChat({ model: "m", messages: [], stream: false, format: schema, options: { num_predict: -1 } }));
    expect(sent).toEqual({ model: "m", messages: [], stream: false, response_format: { type: "json_schema", json_schema: { name: "response", schema } } });
  });

  test("hostile messages: nulls, wrong types and unknown fields never throw and never leak through", () => {
    const body = {
      model: "m",
      messages: [null, 7, { role: null, content: null, images: [null, 3] }, { role: "assistant", tool_calls: [null, { function: null }] }, { role: "tool" }, { role: "user", content: "x", evil: { base_url: "http://169.254.169.254" } }],
      tools: [null, { type: "function" }, { function: { name: 5 } }],
      options: null,
      format: 42,
    };
    const sent = writeOpenAiChat(readOllamaChat(body));
    expect(JSON.stringify(sent)).not.toContain("169.254");
    expect(sent.messages).toEqual([
      { role: "user", content: "" },
      // A call without a function name is nothing a backend can take; the answer after it pairs with nothing.
      { role: "assistant", content: "" },
      { role: "tool", tool_call_id: "call_unmatched", content: "" },
      { role: "user", content: "x" },
    ]);
    expect(sent).not.toHaveProperty("tools");
    expect(sent).not.toHaveProperty("response_format");
  });

  test("/api/generate is a chat: system, then the prompt with its images as the user's message", () => {
    const sent = writeOpenAiChat(readOllamaGenerate({ model: "m", system: "You are terse.", prompt: "Describe", images: [png], stream: false, options: { num_predict: 10 } }));
    expect(sent).toEqual({
      model: "m",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "Describe" }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }] },
      ],
      stream: false,
      max_tokens: 10,
    });
  });
});

describe("→ Anthropic Messages", () => {
  test("Ollama chat: system lifted, images as base64 blocks, tool calls as tool_use, answers as tool_result, roles merged", () => {
    const body = {
      model: "claude-x",
      messages: [
        { role: "system", content: "Rule one." },
        { role: "system", content: "Rule two." },
        { role: "user", content: "Look", images: ["/9j/4AAQSkZJRg=="] },
        { role: "user", content: "and check Paris" },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "t1", function: { name: "get_weather", arguments: { city: "Paris" } } }] },
        { role: "tool", content: "18°C", tool_call_id: "t1" },
      ],
      tools: [weatherTool],
      stream: false,
      options: { num_predict: 100, temperature: 0.5, top_k: 40, seed: 3, stop: ["END"] },
    };
    expect(writeAnthropic(readOllamaChat(body), 4096)).toEqual({
      model: "claude-x",
      max_tokens: 100,
      system: "Rule one.\n\nRule two.",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Look" },
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQSkZJRg==" } },
            { type: "text", text: "and check Paris" },
          ],
        },
        { role: "assistant", content: [{ type: "text", text: "Checking." }, { type: "tool_use", id: "t1", name: "get_weather", input: { city: "Paris" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "18°C" }] }] },
      ],
      stream: false,
      temperature: 0.5,
      top_k: 40,
      stop_sequences: ["END"],
      tools: [{ name: "get_weather", description: "Weather in a city", input_schema: weatherTool.function.parameters }],
    });
  });

  test("max_tokens is required by Anthropic: the ceiling when the body has none", () => {
    expect(writeAnthropic(readOllamaChat({ model: "m", messages: [{ role: "user", content: "hi" }] }), 321)).toMatchObject({ max_tokens: 321, stream: true });
  });

  test("JSON output cannot be asked of Anthropic: a 400 naming the kind, not a silent drop", () => {
    expect(() => writeAnthropic(readOllamaChat({ model: "m", messages: [], format: "json" }), 10)).toThrow(/format.*"anthropic"/);
    expect(() => writeAnthropic(readOpenAiChat({ model: "m", messages: [], response_format: { type: "json_object" } }), 10)).toThrow(/anthropic/);
  });

  test("OpenAI chat: developer/system lifted, image_url data and web URLs, tool_calls, tool answers, tool_choice", () => {
    const body = {
      model: "claude-x",
      messages: [
        { role: "developer", content: "Dev rule." },
        { role: "user", content: [{ type: "text", text: "See" }, { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } }, { type: "image_url", image_url: { url: "https://example.com/a.jpg" } }] },
        { role: "assistant", content: null, tool_calls: [{ id: "call_9", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_9", content: "-3°C" },
      ],
      max_completion_tokens: 50,
      stream: true,
      stream_options: { include_usage: true },
      stop: "STOP",
      tools: [weatherTool],
      tool_choice: "required",
    };
    expect(writeAnthropic(readOpenAiChat(body), 4096)).toEqual({
      model: "claude-x",
      max_tokens: 50,
      system: "Dev rule.",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "See" },
            { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
            { type: "image", source: { type: "url", url: "https://example.com/a.jpg" } },
          ],
        },
        { role: "assistant", content: [{ type: "tool_use", id: "call_9", name: "get_weather", input: { city: "Oslo" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "call_9", content: [{ type: "text", text: "-3°C" }] }] },
      ],
      stream: true,
      stop_sequences: ["STOP"],
      tools: [{ name: "get_weather", description: "Weather in a city", input_schema: weatherTool.function.parameters }],
      tool_choice: { type: "any" },
    });
  });

  test("what OpenAI asks that Anthropic cannot answer is refused: several choices, log probabilities", () => {
    expect(() => readOpenAiChat({ model: "m", messages: [], n: 3 })).toThrow(/n: only 1/);
    expect(() => readOpenAiChat({ model: "m", messages: [], logprobs: true })).toThrow(/logprobs/);
  });

  test("tool arguments that are not a JSON object become an empty input, never a crash", () => {
    const body = { model: "m", messages: [{ role: "assistant", tool_calls: [{ id: "a", function: { name: "f", arguments: "{not json" } }] }] };
    expect(writeAnthropic(readOpenAiChat(body), 10).messages).toEqual([{ role: "assistant", content: [{ type: "tool_use", id: "a", name: "f", input: {} }] }]);
  });
});

describe("Anthropic /v1/messages → OpenAI chat completions", () => {
  test("system blocks, images, tool_use, tool_result (with is_error) and tool_choice carry over; thinking and server tools do not", () => {
    const body = {
      model: "gpt-x",
      max_tokens: 256,
      system: [{ type: "text", text: "Sys A" }, { type: "text", text: "Sys B" }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Hi" }, { type: "image", source: { type: "base64", media_type: "image/gif", data: "R0lGODlh" } }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "hmm", signature: "x" }, { type: "text", text: "Let me look." }, { type: "tool_use", id: "toolu_1", name: "get_weather", input: { city: "Rome" } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "error: no data", is_error: true }, { type: "text", text: "Then guess." }] },
      ],
      tools: [{ name: "get_weather", description: "Weather", input_schema: { type: "object" } }, { type: "web_search_20250305", name: "web_search" }],
      tool_choice: { type: "tool", name: "get_weather" },
      stop_sequences: ["###"],
      top_k: 5,
      stream: true,
      metadata: { user_id: "u" },
    };
    expect(writeOpenAiChat(readAnthropic(body))).toEqual({
      model: "gpt-x",
      messages: [
        { role: "system", content: "Sys A\nSys B" },
        { role: "user", content: [{ type: "text", text: "Hi" }, { type: "image_url", image_url: { url: "data:image/gif;base64,R0lGODlh" } }] },
        { role: "assistant", content: "Let me look.", tool_calls: [{ id: "toolu_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } }] },
        { role: "tool", tool_call_id: "toolu_1", content: "error: no data" },
        { role: "user", content: "Then guess." },
      ],
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 256,
      stop: ["###"],
      tools: [{ type: "function", function: { name: "get_weather", description: "Weather", parameters: { type: "object" } } }],
      tool_choice: { type: "function", function: { name: "get_weather" } },
    });
  });

  test("a hostile body (nulls, wrong types, an empty content) reads as an empty request, never a throw", () => {
    const sent = writeOpenAiChat(readAnthropic({ model: "m", messages: [null, { role: "user", content: null }, { role: "user", content: [null, { type: "image", source: null }] }], system: 7, tools: "x" }));
    expect(sent).toEqual({ model: "m", messages: [{ role: "user", content: "" }, { role: "user", content: "" }], stream: false });
  });
});
