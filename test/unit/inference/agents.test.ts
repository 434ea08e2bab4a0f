import { describe, expect, test } from "vitest";
import type { Principal } from "../../../src/auth/principal";
import { parseCredentialHeaders } from "../../../src/auth/credentials";
import { encodeEvent, type SealedEvent } from "../../../src/audit/canonical";
import { parseConfig } from "../../../src/config";
import { errorBody, errorDialectFor, GatehouseError } from "../../../src/errors";
import { defaultLimits } from "../../../src/governance/limits";
import { checkAgentPolicy } from "../../../src/inference/agent-policy";
import { applyCeilings, ceilingRules } from "../../../src/inference/ceilings";
import { BodyEdits } from "../../../src/body/edits";
import { AnthropicReader, ResponsesReader } from "../../../src/inference/agent-readers";
import { resolveAlias } from "../../../src/inference/aliases";
import { estimateAnthropicTokens } from "../../../src/inference/count-tokens";
import { cloudCheck } from "../../../scripts/cli/doctor-checks";

const principal = (allowCloudModels = false): Principal => ({
  userId: "u1", username: "ana", role: "user", via: "key", keyId: "k1", limits: { ...defaultLimits, models: null },
  allowCloudModels, boundaries: allowCloudModels ? ["local", "cloud"] : ["local"], pinnedBackends: null, captureMode: null, status: "active", mustChangePassword: false, scope: null,
});
const config = parseConfig({ GATEHOUSE_MAX_NUM_PREDICT: "100" });
const sse = (type: string, data: Record<string, unknown>) => [`event: ${type}`, `data: ${JSON.stringify({ type, ...data })}`];

describe("AnthropicReader", () => {
  test("text and thinking deltas are the answer; message_delta's counts are charged, with message_start's input as fallback", () => {
    const reader = new AnthropicReader();
    for (const line of [
      ...sse("message_start", { message: { usage: { input_tokens: 40, output_tokens: 0 } } }),
      ...sse("content_block_delta", { index: 0, delta: { type: "thinking_delta", thinking: "Hmm. " } }),
      ...sse("content_block_delta", { index: 1, delta: { type: "text_delta", text: "Hi" } }),
      ...sse("content_block_delta", { index: 2, delta: { type: "input_json_delta", partial_json: "{\"a\":" } }),
      ...sse("message_delta", { delta: { stop_reason: "end_turn" }, usage: { output_tokens: 9 } }),
    ]) reader.line(line);
    expect(reader.finished).toBe(false);
    // Each generated delta is a token relayed: what a stream cut before message_delta is charged.
    expect(reader.contentChunks).toBe(3);
    reader.line(sse("message_stop", {})[1]!);
    expect(reader).toMatchObject({ text: "Hmm. Hi", usage: { promptTokens: 40, completionTokens: 9 }, finished: true, failed: false });
  });

  test("malformed events, wrong types and hostile counts never crash or charge nonsense", () => {
    const reader = new AnthropicReader();
    for (const line of ["data: {broken", "data: []", "data: null", "event: message_delta", "data: 42", ": comment", 'data: {"type":"content_block_delta","delta":null}', 'data: {"type":"content_block_delta","delta":{"type":"text_delta","text":7}}']) reader.line(line);
    reader.line('data: {"type":"message_delta","usage":{"input_tokens":-3,"output_tokens":"12"}}');
    expect(reader.text).toBe("");
    expect(reader.contentChunks).toBe(0);
    expect(reader.usage).toEqual({ promptTokens: 0, completionTokens: 0 });
    reader.line('data: {"type":"error","error":{"type":"overloaded_error","message":"x"}}');
    expect(reader.failed).toBe(true);
  });

  test("a whole message, and its abort event is Anthropic's SSE error", () => {
    const reader = new AnthropicReader();
    reader.whole(JSON.stringify({ type: "message", content: [{ type: "thinking", thinking: "a" }, { type: "text", text: "b" }, { type: "tool_use", input: {} }], usage: { input_tokens: 3, output_tokens: 2 } }));
    expect(reader).toMatchObject({ text: "ab", usage: { promptTokens: 3, completionTokens: 2 }, finished: true });
    const error = new AnthropicReader();
    error.whole(JSON.stringify({ type: "error", error: { type: "api_error", message: "x" } }));
    expect(error.failed).toBe(true);
    const abort = new AnthropicReader().abortLine("gone");
    expect(abort.startsWith("event: error\ndata: ")).toBe(true);
    expect(JSON.parse(abort.split("\n")[1]!.slice(6))).toEqual({ type: "error", error: { type: "api_error", message: "gone" } });
  });
});

describe("ResponsesReader", () => {
  test("output_text deltas are the answer; response.completed carries the counts and ends it", () => {
    const reader = new ResponsesReader();
    for (const line of [
      ...sse("response.created", { response: { usage: null } }),
      ...sse("response.output_text.delta", { delta: "Hel" }),
      ...sse("response.reasoning_summary_text.delta", { delta: "(thinking)" }),
      ...sse("response.output_text.delta", { delta: "lo" }),
      ...sse("response.function_call_arguments.delta", { delta: "{\"a\":" }),
      ...sse("response.output_text.delta", { delta: "" }),
    ]) reader.line(line);
    expect(reader.finished).toBe(false);
    // Each generated delta is a token relayed: what a stream cut before response.completed is charged.
    expect(reader.contentChunks).toBe(4);
    for (const line of sse("response.completed", { response: { usage: { input_tokens: 5, output_tokens: 2 } } })) reader.line(line);
    expect(reader).toMatchObject({ text: "Hello", usage: { promptTokens: 5, completionTokens: 2 }, finished: true });
  });

  test("malformed events and failures", () => {
    const reader = new ResponsesReader();
    for (const line of ["data: {", 'data: {"type":"response.output_text.delta","delta":{"x":1}}', 'data: {"type":"response.completed","response":null}']) reader.line(line);
    expect(reader.text).toBe("");
    expect(reader.contentChunks).toBe(0);
    expect(reader.usage).toBeNull();
    const failed = new ResponsesReader();
    failed.line('data: {"type":"response.failed","response":{}}');
    expect(failed.failed).toBe(true);
    const whole = new ResponsesReader();
    whole.whole(JSON.stringify({ object: "response", error: null, output: [{ type: "message", content: [{ type: "output_text", text: "ok" }] }], usage: { input_tokens: 1, output_tokens: 1 } }));
    expect(whole).toMatchObject({ text: "ok", finished: true, failed: false });
  });
});

describe("agent policy", () => {
  test("output ceilings: above, absent or null become the ceiling; below stays", () => {
    const limit = (kind: "anthropic-messages" | "responses", body: Record<string, unknown>) => {
      const edits = new BodyEdits();
      return [applyCeilings(ceilingRules[kind], body, edits, config), edits.paths];
    };
    expect(limit("anthropic-messages", { max_tokens: 5000 })).toEqual([100, ["max_tokens"]]);
    expect(limit("anthropic-messages", {})).toEqual([100, ["max_tokens"]]);
    expect(limit("responses", { max_output_tokens: null })).toEqual([100, ["max_output_tokens"]]);
    expect(limit("responses", { max_output_tokens: 7 })).toEqual([7, []]);
  });

  test("stateful Responses fields are refused naming the field; their empty values pass", () => {
    expect(() => checkAgentPolicy("responses", { previous_response_id: "r" }, principal())).toThrow(/^previous_response_id/);
    expect(() => checkAgentPolicy("responses", { conversation: { id: "c" } }, principal())).toThrow(/^conversation/);
    expect(() => checkAgentPolicy("responses", { background: true }, principal())).toThrow(/^background/);
    expect(() => checkAgentPolicy("responses", { previous_response_id: null, background: false }, principal())).not.toThrow();
  });

  test("server-side web tools are refused unless the user may use cloud models", () => {
    const body = { tools: [{ name: "calc" }, { type: "Web_Search_20250305" }] };
    expect(() => checkAgentPolicy("anthropic", body, principal())).toThrow(/tools\.1: the server-side tool "Web_Search_20250305"/);
    expect(() => checkAgentPolicy("anthropic", body, principal(true))).not.toThrow();
  });
});

describe("credentials", () => {
  test("x-api-key is a bearer key; with Authorization both must name the same key", () => {
    expect(parseCredentialHeaders(undefined, "gh_a_b")).toEqual({ kind: "bearer", token: "gh_a_b" });
    expect(parseCredentialHeaders("Bearer gh_a_b", "gh_a_b")).toEqual({ kind: "bearer", token: "gh_a_b" });
    expect(parseCredentialHeaders("Bearer gh_a_b", "gh_c_d")).toBe("malformed");
    expect(parseCredentialHeaders("Basic dTpw", "gh_a_b")).toBe("malformed");
    expect(parseCredentialHeaders(undefined, "two words")).toBe("malformed");
    expect(parseCredentialHeaders(undefined, "x".repeat(5000))).toBe("malformed");
    expect(parseCredentialHeaders(undefined, " ")).toBeNull();
  });
});

describe("Anthropic errors", () => {
  test("each status maps to the type @anthropic-ai/sdk expects; only /v1/messages speaks it", () => {
    const type = (code: ConstructorParameters<typeof GatehouseError>[0]) => (errorBody(new GatehouseError(code), "r1", "anthropic") as { error: { type: string } }).error.type;
    expect([type("invalid_request"), type("unauthenticated"), type("forbidden"), type("not_found"), type("payload_too_large"), type("rate_limited"), type("overloaded"), type("upstream_unavailable")]).toEqual([
      "invalid_request_error", "authentication_error", "permission_error", "not_found_error", "request_too_large", "rate_limit_error", "overloaded_error", "api_error",
    ]);
    expect([errorDialectFor("/v1/messages"), errorDialectFor("/v1/messages/count_tokens"), errorDialectFor("/v1/messagesX"), errorDialectFor("/v1/responses"), errorDialectFor("/api/chat")]).toEqual([
      "anthropic", "anthropic", "openai", "openai", "ollama",
    ]);
  });
});

describe("aliases and token estimates", () => {
  test("the first matching alias wins; exact names match their :latest form", () => {
    const aliases = [{ pattern: "claude-opus-*", model: "big:70b" }, { pattern: "claude-*", model: "small" }, { pattern: "gpt-5", model: "llama3.2" }];
    expect(resolveAlias(aliases, "claude-opus-4-8")).toBe("big:70b");
    expect(resolveAlias(aliases, "claude-haiku-4-5")).toBe("small");
    expect(resolveAlias(aliases, "gpt-5:latest")).toBe("llama3.2");
    expect(resolveAlias(aliases, "gpt-5.1")).toBeNull();
  });

  test("count_tokens: about four bytes a token over system, roles, text and tools", () => {
    expect(estimateAnthropicTokens({ messages: [{ role: "user", content: "x".repeat(396) }] })).toBe(100);
    expect(estimateAnthropicTokens({ system: [{ type: "text", text: "abcd" }], messages: [{ role: "user", content: [{ type: "text", text: "abcd" }] }], tools: [{ name: "abcd", description: "abcd" }] })).toBe(5);
    expect(estimateAnthropicTokens({ messages: [{ role: "u", content: "" }] })).toBe(1);
  });

  test("the audit chain encodes the name asked for only when an alias applied (older records verify as before)", () => {
    const event = { id: "e", kind: "request", model: "llama3.2" } as unknown as SealedEvent;
    expect(JSON.parse(encodeEvent(event))[0]).toBe("event/v1");
    const aliased = JSON.parse(encodeEvent({ ...event, requestedModel: "claude-x" })) as unknown[];
    expect([aliased[0], aliased.at(-1)]).toEqual(["event/v2", "claude-x"]);
    expect(encodeEvent({ ...event, requestedModel: null })).toBe(encodeEvent(event));
  });

  test("doctor reads Ollama's cloud switch from /health", () => {
    expect(cloudCheck("disabled").verdict).toBe("ok");
    expect(cloudCheck("enabled").verdict).toBe("warn");
    expect(cloudCheck(undefined).verdict).toBe("warn");
  });
});
