import { beforeAll, beforeEach, describe, expect, test } from "vitest";
import { gateway } from "../helpers/gateway";
import { resetSimulator, simulatorLog } from "../helpers/simulator";
import { keyFor, postText } from "./helpers";

/**
 * Issue 13.13: `null` in an optional field is what Go's decoder makes of it
 * (the field left unset), and model names engines advertise — llama.cpp's
 * file paths, Ollama's `name@sha256:<hex>` — are accepted, without a name
 * ever becoming an upstream path.
 */

let key = "";
let llamaOnly = "";
beforeAll(async () => {
  key = await keyFor(null);
  llamaOnly = await keyFor(["llama3.2:*"]);
});
beforeEach(() => resetSimulator());

describe("null is absent where Ollama accepts it (happy)", () => {
  test.each([
    ["/api/chat", { model: "llama3.2", stream: false, messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: null, tool_calls: [{ function: { name: "w", arguments: {} } }] }, { role: "tool", content: "sunny", images: null }] }],
    ["/api/chat", { model: "llama3.2", messages: [{ role: "user", content: "x" }], stream: null, options: null, keep_alive: null, format: null }],
    ["/api/generate", { model: "llama3.2", prompt: "x", stream: false, images: null, system: null, suffix: null, options: { num_predict: null } }],
    ["/api/embed", { model: "nomic-embed-text", input: "x", options: null, keep_alive: null }],
    ["/v1/chat/completions", { model: "llama3.2", messages: [{ role: "assistant", content: null, tool_calls: [] }, { role: "user", content: "x" }], stream: null, stream_options: null, max_tokens: null }],
    ["/api/show", { model: "llama3.2", name: null }],
  ])("%s %j", async (path, body) => {
    const response = await postText(path, JSON.stringify(body), key);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect((await simulatorLog()).requests).toHaveLength(1);
  });

  test("a null model is still no model (400, as Ollama answers)", async () => {
    const response = await postText("/api/chat", '{"model":null,"messages":[]}', key);
    expect(response.status).toBe(400);
    expect((await response.json<{ error: string }>()).error).toMatch(/^model/);
  });
});

describe("model names engines advertise (happy)", () => {
  test.each(["/models/qwen2.5-7b-instruct-q4_k_m.gguf", "qwen.gguf", `llama3.2@sha256:${"ab".repeat(32)}`, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"])("%s is accepted and forwarded in the body", async (model) => {
    const response = await postText("/api/generate", JSON.stringify({ model, prompt: "x", stream: false }), key);
    expect(response.status).not.toBe(400);
    await response.arrayBuffer();
    const [seen] = (await simulatorLog()).requests;
    expect(seen?.path).toBe("/api/generate");
    expect(seen?.body).toMatchObject({ model });
  });

  test("a pinned digest is held to the allowlist of the name it pins", async () => {
    const allowed = await postText("/api/generate", JSON.stringify({ model: `llama3.2@sha256:${"0".repeat(64)}`, prompt: "x", stream: false }), llamaOnly);
    expect(allowed.status).not.toBe(403);
    const refused = await postText("/api/generate", JSON.stringify({ model: `qwen2.5:0.5b@sha256:${"0".repeat(64)}`, prompt: "x" }), llamaOnly);
    expect(refused.status).toBe(403);
  });
});

describe("a name never becomes an upstream path (security)", () => {
  test.each(["..", ".", "%2e%2e", "models/../../api/pull", "a//b", "%2F..%2Fapi%2Fpull"])("GET /v1/models/%s is 404 and never forwarded", async (id) => {
    const response = await gateway(`/v1/models/${id}`, { headers: { Authorization: `Bearer ${key}` } });
    expect(response.status).toBe(404);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });

  test("a path-like name is sent as one encoded segment", async () => {
    const response = await gateway(`/v1/models/${encodeURIComponent("/models/qwen.gguf")}`, { headers: { Authorization: `Bearer ${key}` } });
    await response.arrayBuffer();
    expect((await simulatorLog()).requests.map((seen) => seen.path)).toEqual(["/v1/models/%2Fmodels%2Fqwen.gguf"]);
  });

  test.each(["../../etc/passwd", "a/./b", "llama3.2@sha256:zz"])("%s in a body is refused (400)", async (model) => {
    const response = await postText("/api/generate", JSON.stringify({ model, prompt: "x" }), key);
    expect(response.status).toBe(400);
    expect((await simulatorLog()).requests).toHaveLength(0);
  });
});
