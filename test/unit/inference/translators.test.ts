import { describe, expect, test } from "vitest";
import { OllamaReader, OpenAiReader, maxCapturedChars } from "../../../src/inference/translators";

describe("OllamaReader", () => {
  test("reassembles streamed chat content and reads the final counts", () => {
    const reader = new OllamaReader();
    reader.line(JSON.stringify({ message: { role: "assistant", content: "Hel" }, done: false }));
    reader.line(JSON.stringify({ message: { role: "assistant", content: "lo" }, done: false }));
    expect(reader.finished).toBe(false);
    reader.line(JSON.stringify({ done: true, prompt_eval_count: 12, eval_count: 7 }));
    expect(reader.text).toBe("Hello");
    expect(reader.usage).toEqual({ promptTokens: 12, completionTokens: 7 });
    expect(reader.finished).toBe(true);
  });

  test("generate's `response` field and a whole non-streamed body", () => {
    const reader = new OllamaReader();
    reader.whole(JSON.stringify({ response: "Hi there", done: true, prompt_eval_count: 3, eval_count: 2 }));
    expect(reader.text).toBe("Hi there");
    expect(reader.usage).toEqual({ promptTokens: 3, completionTokens: 2 });
  });

  test("embeddings count prompt tokens only", () => {
    const reader = new OllamaReader();
    reader.whole(JSON.stringify({ embeddings: [[0.1, 0.2]], prompt_eval_count: 5 }));
    expect(reader.usage).toEqual({ promptTokens: 5, completionTokens: 0 });
  });

  test("an in-band error line marks the answer failed, and garbage is ignored", () => {
    const reader = new OllamaReader();
    reader.line("not json");
    reader.line(JSON.stringify({ error: "model crashed" }));
    expect(reader.failed).toBe(true);
    expect(reader.finished).toBe(false);
  });

  test("hostile counts never become negative or NaN charges", () => {
    const reader = new OllamaReader();
    reader.line(JSON.stringify({ done: true, prompt_eval_count: -5, eval_count: "9" }));
    expect(reader.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
  });

  test("captured text is capped", () => {
    const reader = new OllamaReader();
    const big = "x".repeat(1024 * 1024);
    for (let i = 0; i < 6; i++) reader.line(JSON.stringify({ message: { content: big }, done: false }));
    expect(reader.text.length).toBe(maxCapturedChars);
  });
});

describe("OpenAiReader", () => {
  test("reads SSE deltas, usage and [DONE]", () => {
    const reader = new OpenAiReader();
    reader.line(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: "Hi" } }] })}`);
    reader.line(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 1 } })}`);
    reader.line("data: [DONE]");
    expect(reader.text).toBe("Hi");
    expect(reader.usage).toEqual({ promptTokens: 4, completionTokens: 1 });
    expect(reader.finished).toBe(true);
  });

  test("a whole chat completion and an error event", () => {
    const ok = new OpenAiReader();
    ok.whole(JSON.stringify({ choices: [{ message: { content: "Yes" } }], usage: { prompt_tokens: 2, completion_tokens: 1 } }));
    expect(ok.text).toBe("Yes");
    expect(ok.finished).toBe(true);
    const failed = new OpenAiReader();
    failed.line(`data: ${JSON.stringify({ error: { message: "boom" } })}`);
    expect(failed.failed).toBe(true);
  });

  test("the abort event is SSE in OpenAI's error shape", () => {
    const line = new OpenAiReader().abortLine("upstream connection lost");
    expect(line.startsWith("data: ")).toBe(true);
    expect(JSON.parse(line.slice(6))).toMatchObject({ error: { message: "upstream connection lost" } });
  });
});
