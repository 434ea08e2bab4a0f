import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import type { GatehouseProcess } from "../helpers/gatehouse-process";
import { httpRequest, rawRequest } from "../helpers/raw-http";
import { startStack, stopStack } from "../helpers/stack";
import { generous } from "./helpers";

/**
 * The bad-input corpus (../bad-input.test.ts) for the coding-agent dialects,
 * sent as raw bytes: every case a 4xx in its route's own error shape
 * (Anthropic's on /v1/messages, OpenAI's on /v1/responses), none a 5xx, and
 * none reaching Ollama.
 */
type Case = [name: string, path: string, headers: Record<string, string>, body: string | Buffer];

function corpus(key: string): Case[] {
  const bearer = { "Content-Type": "application/json", Authorization: `Bearer ${key}` };
  const apiKey = { "Content-Type": "application/json", "x-api-key": key };
  const msg = (extra: string) => `{"model":"llama3.2","max_tokens":8,"messages":[{"role":"user","content":"hi"}]${extra}}`;
  const resp = (extra: string) => `{"model":"llama3.2","input":"hi"${extra}}`;
  const bomb = gzipSync(Buffer.concat([Buffer.from('{"model":"llama3.2","input":"'), Buffer.alloc(32 * 1024 * 1024, 0x61), Buffer.from('"}')]));
  return [
    // Anthropic Messages
    ["messages: truncated JSON", "/v1/messages", apiKey, '{"model":"llama3.2","messages":['],
    ["messages: not an object", "/v1/messages", apiKey, "[1,2]"],
    ["messages: missing", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8}'],
    ["messages: empty", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8,"messages":[]}'],
    ["messages: a string", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8,"messages":"hi"}'],
    ["messages: content a number", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8,"messages":[{"role":"user","content":5}]}'],
    ["messages: block without type", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8,"messages":[{"role":"user","content":[{"text":"x"}]}]}'],
    ["messages: max_tokens a string", "/v1/messages", apiKey, msg(',"max_tokens":"8"')],
    ["messages: max_tokens a float", "/v1/messages", apiKey, msg(',"max_tokens":8.5')],
    ["messages: stream a string", "/v1/messages", apiKey, msg(',"stream":"true"')],
    ["messages: tools an object", "/v1/messages", apiKey, msg(',"tools":{"name":"x"}')],
    ["messages: tool type a number", "/v1/messages", apiKey, msg(',"tools":[{"type":7}]')],
    ["messages: system a number", "/v1/messages", apiKey, msg(',"system":42')],
    ["messages: model a path", "/v1/messages", apiKey, '{"model":"../../api/pull","max_tokens":8,"messages":[{"role":"user","content":"x"}]}'],
    ["messages: model cloud", "/v1/messages", apiKey, '{"model":"glm-4.6:cloud","max_tokens":8,"messages":[{"role":"user","content":"x"}]}'],
    ["messages: web search tool", "/v1/messages", apiKey, msg(',"tools":[{"type":"web_search_20250305","name":"web_search"}]')],
    ["messages: NUL in content", "/v1/messages", apiKey, '{"model":"llama3.2","max_tokens":8,"messages":[{"role":"user","content":"a\\u0000"}]}'],
    ["messages: __proto__", "/v1/messages", apiKey, msg(',"__proto__":{"x":1}')],
    ["messages: base_url redirect", "/v1/messages", apiKey, msg(',"base_url":"http://10.0.0.1"')],
    ["messages: x-api-key and Bearer disagree", "/v1/messages", { ...apiKey, Authorization: "Bearer gh_other_key" }, msg("")],
    ["messages: x-api-key with a space", "/v1/messages", { "Content-Type": "application/json", "x-api-key": `${key} extra` }, msg("")],
    ["messages: no credentials", "/v1/messages", { "Content-Type": "application/json", "anthropic-version": "2023-06-01" }, msg("")],
    ["messages: text/plain", "/v1/messages", { ...apiKey, "Content-Type": "text/plain" }, msg("")],
    ["count_tokens: messages missing", "/v1/messages/count_tokens", apiKey, '{"model":"llama3.2"}'],
    ["batches: not offered", "/v1/messages/batches", apiKey, "{}"],
    // OpenAI Responses
    ["responses: truncated JSON", "/v1/responses", bearer, '{"model":"llama3.2","input":'],
    ["responses: input missing", "/v1/responses", bearer, '{"model":"llama3.2"}'],
    ["responses: input a number", "/v1/responses", bearer, '{"model":"llama3.2","input":42}'],
    ["responses: input items not objects", "/v1/responses", bearer, '{"model":"llama3.2","input":["hi"]}'],
    ["responses: instructions an array", "/v1/responses", bearer, resp(',"instructions":["x"]')],
    ["responses: max_output_tokens a string", "/v1/responses", bearer, resp(',"max_output_tokens":"9"')],
    ["responses: stream a number", "/v1/responses", bearer, resp(',"stream":1')],
    ["responses: previous_response_id", "/v1/responses", bearer, resp(',"previous_response_id":"resp_1"')],
    ["responses: conversation", "/v1/responses", bearer, resp(',"conversation":{"id":"conv_1"}')],
    ["responses: background", "/v1/responses", bearer, resp(',"background":true')],
    ["responses: web_search_preview tool", "/v1/responses", bearer, resp(',"tools":[{"type":"web_search_preview"}]')],
    ["responses: model cloud", "/v1/responses", bearer, '{"model":"gpt-oss:120b-cloud","input":"hi"}'],
    ["responses: lone surrogate", "/v1/responses", bearer, '{"model":"llama3.2","input":"\\ud800"}'],
    ["responses: gzip bomb", "/v1/responses", { ...bearer, "Content-Encoding": "gzip" }, bomb],
    ["responses: corrupt gzip", "/v1/responses", { ...bearer, "Content-Encoding": "gzip" }, Buffer.from("not gzip at all")],
    ["responses: zstd (runtime lacks it)", "/v1/responses", { ...bearer, "Content-Encoding": "zstd" }, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0])],
    ["responses: br", "/v1/responses", { ...bearer, "Content-Encoding": "br" }, Buffer.from([0x0b, 0x01, 0x80])],
    ["responses: two codings", "/v1/responses", { ...bearer, "Content-Encoding": "gzip, gzip" }, gzipSync(gzipSync(resp("")))],
  ];
}

/** Anthropic's shape on /v1/messages, OpenAI's on /v1/responses; both with a message, and the request id header. */
function shaped(path: string, body: string, headers: Record<string, string>): boolean {
  let parsed: { type?: unknown; error?: { type?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return false;
  }
  const base = typeof parsed.error?.type === "string" && typeof parsed.error.message === "string" && headers["x-request-id"] !== undefined;
  return path.startsWith("/v1/messages") ? base && parsed.type === "error" : base;
}

describe("hostile input on the coding-agent routes", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let cases: Case[] = [];

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const { secret } = await (await AdminClient.signIn(gatehouse.url)).userWithKey("hostile-agent", { limits: generous });
    cases = corpus(secret);
    await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  test("every case is a 4xx in its dialect's error shape, and none reaches Ollama", async () => {
    const failures: string[] = [];
    for (const [name, path, headers, body] of cases) {
      const response = await rawRequest(gatehouse.port, httpRequest("POST", path, headers, body)).catch((error: Error) => ({
        status: 0,
        headers: {} as Record<string, string>,
        body: `connection failed: ${error.message}`,
      }));
      if (response.status < 400 || response.status >= 500 || !shaped(path, response.body, response.headers)) {
        failures.push(`${name}: ${response.status} ${response.body.slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(simulator.state.log().requests.map((seen) => `${seen.method} ${seen.path}`)).toEqual([]);
  });
});
