import { describe, expect, test } from "vitest";
import { estimatedUsage, promptEstimate } from "../../../src/governance/reservation";
import { OllamaReader, OpenAiReader } from "../../../src/inference/translators";

describe("what a request reserves and what a cut stream costs", () => {
  test("the prompt estimate is a quarter of the forwarded body's bytes, rounded up", () => {
    expect(promptEstimate(0)).toBe(0);
    expect(promptEstimate(101)).toBe(26);
    expect(estimatedUsage({ prompt: 9, output: 100 }, 3)).toEqual({ promptTokens: 9, completionTokens: 3, estimated: true });
  });

  test("Ollama chunks count one token each, thinking and tool calls included; the final chunk does not", () => {
    const reader = new OllamaReader();
    reader.line(JSON.stringify({ message: { role: "assistant", content: "", thinking: "hm" }, done: false }));
    reader.line(JSON.stringify({ message: { role: "assistant", content: "Hi" }, done: false }));
    reader.line(JSON.stringify({ response: " there", done: false }));
    expect(reader.contentChunks).toBe(3);
    reader.line(JSON.stringify({ done: true, eval_count: 3, prompt_eval_count: 2 }));
    expect(reader.contentChunks).toBe(3);
  });

  test("OpenAI deltas count when they carry output, not the role-only opener or the finish event", () => {
    const reader = new OpenAiReader();
    reader.line(`data: ${JSON.stringify({ choices: [{ delta: { role: "assistant", content: "" } }] })}`);
    reader.line(`data: ${JSON.stringify({ choices: [{ delta: { content: "Hi" } }] })}`);
    reader.line(`data: ${JSON.stringify({ choices: [{ delta: { tool_calls: [{ index: 0 }] } }] })}`);
    reader.line(`data: ${JSON.stringify({ choices: [{ delta: {}, finish_reason: "stop" }] })}`);
    expect(reader.contentChunks).toBe(2);
  });
});
