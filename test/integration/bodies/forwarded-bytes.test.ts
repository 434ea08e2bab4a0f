import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { goodPassword } from "../identity/helpers";
import { decodeBase64, keyFor, postText, userFor } from "./helpers";

/**
 * Issue 14.5 and 13.2. With no policy edit the body reaches Ollama byte for
 * byte as the client sent it (whitespace, key order, escapes, number
 * spelling). An absent or null output limit is an edit — the ceiling is
 * written in — and then only that member changes: every other member keeps
 * its bytes and its place.
 */

let key = "";
let legacy = { id: "", username: "", secret: "" };
beforeAll(async () => {
  key = await keyFor(null);
  legacy = await userFor(null);
});
beforeEach(() => resetSimulator());

async function forwarded(): Promise<{ text: string; body: Record<string, unknown> }> {
  const [seen] = (await simulatorLog()).requests;
  expect(seen?.rawBase64).toBeTypeOf("string");
  return { text: new TextDecoder().decode(decodeBase64(seen!.rawBase64!)), body: seen!.body as Record<string, unknown> };
}

describe("no policy edit: the client's bytes (happy)", () => {
  test.each([
    ["/api/chat", '{ "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","required":["b","a"]}}}],\n  "model" : "llama3.2", "messages":[{"role":"user","content":"caf\\u00e9 \\"quoted\\""}],\n  "options":{"temperature":0.70,"num_predict":100,"seed":1e3}, "keep_alive":"5m", "stream":false }\n'],
    ["/api/generate", '{"prompt":"hi","model":"llama3.2","options":{"num_predict":0},"stream":false}'],
    ["/api/embed", '{"input":["a","b"],   "model":"nomic-embed-text","truncate":true}'],
    ["/api/embeddings", '{"model":"nomic-embed-text","prompt":"a"}'],
    ["/v1/chat/completions", '{"messages":[{"role":"user","content":"x"}],"model":"llama3.2","max_tokens":64,"temperature":1.0}'],
    ["/v1/completions", '{"model":"llama3.2","prompt":"x","max_tokens":8192}'],
    ["/v1/embeddings", '{"model":"nomic-embed-text","input":"x","encoding_format":"float"}'],
    ["/api/show", '{"model":"llama3.2","verbose":false}'],
  ])("%s", async (path, text) => {
    const response = await postText(path, text, key);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect((await forwarded()).text).toBe(text);
  });
});

describe("an absent or null output limit gets the ceiling (error)", () => {
  test.each([
    ["/api/chat", '{"model":"llama3.2","messages":[{"role":"user","content":"x"}],"stream":false}', ["options", "num_predict"]],
    ["/api/chat", '{"model":"llama3.2","messages":[],"options":null,"stream":false}', ["options", "num_predict"]],
    ["/api/generate", '{"model":"llama3.2","prompt":"x","options":{"num_predict":null,"top_k":5},"stream":false}', ["options", "num_predict"]],
    ["/v1/chat/completions", '{"model":"llama3.2","messages":[{"role":"user","content":"x"}]}', ["max_tokens"]],
    ["/v1/chat/completions", '{"model":"llama3.2","messages":[{"role":"user","content":"x"}],"max_tokens":null}', ["max_tokens"]],
    ["/v1/completions", '{"model":"llama3.2","prompt":"x"}', ["max_tokens"]],
  ])("%s %s", async (path, text, where) => {
    const response = await postText(path, text, key);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const { body } = await forwarded();
    const limit = where.reduce<unknown>((value, field) => (value as Record<string, unknown>)[field], body);
    expect(limit).toBe(8192);
  });

  test("POST /chat, the original API, gets it too", async () => {
    const text = `{"auth":{"username":"${legacy.username}","password":"${goodPassword}"},"messages":[{"role":"user","content":"x"}]}`;
    expect((await postText("/chat", text)).status).toBe(200);
    expect((await forwarded()).body).toMatchObject({ options: { num_predict: 8192 }, stream: false });
  });

  test("max_completion_tokens alone reaches Ollama as max_tokens", async () => {
    await postText("/v1/chat/completions", '{"model":"llama3.2","messages":[{"role":"user","content":"x"}],"max_completion_tokens":40}', key);
    expect((await forwarded()).body).toMatchObject({ max_completion_tokens: 40, max_tokens: 40 });
  });

  test("the edit changes only the limit: every other member keeps its bytes and order", async () => {
    const text = '{ "tools":[{"b":1,"a":2}] ,"model":"llama3.2", "messages":[{"role":"user","content":"caf\\u00e9"}], "options":{"seed":1.50,"num_predict":-1,"top_k":4}, "stream":false }';
    await postText("/api/chat", text, key);
    expect((await forwarded()).text).toBe(
      '{"tools":[{"b":1,"a":2}],"model":"llama3.2","messages":[{"role":"user","content":"caf\\u00e9"}],"options":{"seed":1.50,"num_predict":8192,"top_k":4},"stream":false}',
    );
  });
});
