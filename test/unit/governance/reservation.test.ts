import { describe, expect, test } from "vitest";
import { capOutput, estimatedUsage, outputCeiling, promptEstimate } from "../../../src/governance/reservation";
import { OllamaReader, OpenAiReader } from "../../../src/inference/translators";

describe("what a request reserves and what a cut stream costs", () => {
  test("the output ceiling is the request's own smaller limit, else the gateway's", () => {
    expect(outputCeiling({ options: { num_predict: 50 } }, "ollama", 128)).toBe(50);
    expect(outputCeiling({ options: { num_predict: 500 } }, "ollama", 128)).toBe(128);
    expect(outputCeiling({ options: { num_predict: -1 } }, "ollama", 128)).toBe(128);
    expect(outputCeiling({ options: { num_predict: null } }, "ollama", 128)).toBe(128);
    expect(outputCeiling({}, "ollama", 128)).toBe(128);
    expect(outputCeiling({ max_tokens: 30, max_completion_tokens: 20 }, "openai", 128)).toBe(20);
    expect(outputCeiling({ max_tokens: null }, "openai", 128)).toBe(128);
    // An Ollama field on an OpenAI route is not a limit the engine honours there.
    expect(outputCeiling({ options: { num_predict: 5 } }, "openai", 128)).toBe(128);
  });

  test("the forwarded body carries the limit that was reserved", () => {
    expect(capOutput({ model: "m", options: { temperature: 0 } }, "ollama", 40)).toEqual({ model: "m", options: { temperature: 0, num_predict: 40 } });
    expect(capOutput({ model: "m" }, "openai", 40)).toEqual({ model: "m", max_tokens: 40 });
    expect(capOutput({ model: "m", max_completion_tokens: 90 }, "openai", 40)).toEqual({ model: "m", max_tokens: 40, max_completion_tokens: 40 });
  });

  test("the prompt estimate is a quarter of the forwarded body's bytes, rounded up", () => {
    expect(promptEstimate(undefined)).toBe(0);
    expect(promptEstimate({ prompt: "x".repeat(100) })).toBe(Math.ceil(JSON.stringify({ prompt: "x".repeat(100) }).length / 4));
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
