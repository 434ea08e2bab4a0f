import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { BUSY_MESSAGE, INBAND_ERROR_MESSAGE } from "../fixtures/ollama-sim/faults";
import { SIM_OLLAMA_VERSION } from "../fixtures/ollama-sim/routes-models";
import { startOllamaSimulator } from "../fixtures/ollama-sim/server";
import { chatPromptTokens, embeddingFor, generatePromptTokens, planReply } from "../fixtures/ollama-sim/tokens";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import type { SimulatorLog } from "../fixtures/ollama-sim/state";

/** The simulator over real HTTP, the way the gateway and the e2e tests reach it. */
let sim: OllamaSimulator;
type Json = Record<string, any>;

beforeAll(async () => {
  sim = await startOllamaSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  expect((await fetch(`${sim.url}/__sim/reset`, { method: "POST" })).status).toBe(200);
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal,
  });
const fault = (config: Json) => ({ "x-sim-fault": JSON.stringify(config) });
const configure = (config: Json) => post("/__sim/config", config);
const json = async (response: Response) => (await response.json()) as Json;
const ndjson = async (response: Response) => (await response.text()).trim().split("\n").map((l) => JSON.parse(l) as Json);
const sse = async (response: Response) => (await response.text()).split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
const simLog = async () => (await (await fetch(`${sim.url}/__sim/requests`)).json()) as SimulatorLog;
async function until(check: () => Promise<boolean>, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const messages = [
  { role: "system", content: "be brief" },
  { role: "user", content: "why is the sky blue" },
];
const chat = { model: "llama3.2:latest", messages };

describe("native API", () => {
  test("root, version and tags", async () => {
    const root = await fetch(sim.url);
    expect(await root.text()).toBe("Ollama is running");
    expect((await fetch(sim.url, { method: "HEAD" })).status).toBe(200);
    expect(await json(await fetch(`${sim.url}/api/version`))).toEqual({ version: SIM_OLLAMA_VERSION });
    const { models } = await json(await fetch(`${sim.url}/api/tags`));
    expect(models.map((m: Json) => m.name)).toEqual(["llama3.2:latest", "qwen2.5:0.5b", "nomic-embed-text:latest", "gpt-oss:120b-cloud"]);
    expect(models[0]).toMatchObject({
      model: "llama3.2:latest",
      modified_at: expect.any(String),
      size: expect.any(Number),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
      details: { format: "gguf", family: "llama", families: ["llama"], parameter_size: "3.2B", quantization_level: "Q4_K_M" },
    });
    expect(models[3]).toMatchObject({ remote_host: "https://ollama.com:443", remote_model: "gpt-oss:120b" });
  });

  test("show and ps", async () => {
    expect(await json(await post("/api/show", { model: "llama3.2" }))).toMatchObject({ details: { family: "llama" }, capabilities: ["completion", "tools"] });
    const missing = await post("/api/show", { model: "nope" });
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({ error: "model 'nope' not found" });
    expect((await json(await fetch(`${sim.url}/api/ps`))).models).toEqual([]);
    await (await post("/api/chat", { ...chat, stream: false })).text();
    expect((await json(await fetch(`${sim.url}/api/ps`))).models[0]).toMatchObject({ name: "llama3.2:latest", expires_at: expect.any(String) });
  });

  test("non-streamed chat: one JSON object with exact counts", async () => {
    const response = await post("/api/chat", { ...chat, stream: false });
    expect(response.headers.get("content-type")).toContain("application/json");
    const body = await json(response);
    expect(body).toMatchObject({
      model: "llama3.2:latest",
      message: { role: "assistant", content: "Echo: why is the sky blue" },
      done: true,
      done_reason: "stop",
      prompt_eval_count: 7,
      eval_count: 6,
    });
    expect(chatPromptTokens(messages)).toBe(7);
    for (const field of ["total_duration", "load_duration", "prompt_eval_duration", "eval_duration"]) expect(body[field]).toBeGreaterThan(0);
  });

  test("streamed chat (the default): NDJSON chunks, then the counts", async () => {
    const response = await post("/api/chat", chat);
    expect(response.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = await ndjson(response);
    const final = lines.at(-1)!;
    expect(lines.slice(0, -1).every((l) => l.done === false && l.message.role === "assistant")).toBe(true);
    expect(lines.slice(0, -1).map((l) => l.message.content).join("")).toBe("Echo: why is the sky blue");
    expect(final).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 7, eval_count: lines.length - 1 });
  });

  test("generate: streamed and not, num_predict cuts with done_reason length", async () => {
    const lines = await ndjson(await post("/api/generate", { model: "qwen2.5:0.5b", prompt: "tell me", system: "short" }));
    expect(lines.slice(0, -1).map((l) => l.response).join("")).toBe("Echo: tell me");
    expect(lines.at(-1)).toMatchObject({ done: true, response: "", prompt_eval_count: 3, eval_count: 3, context: expect.any(Array) });
    expect(generatePromptTokens("tell me", "short")).toBe(3);
    const cut = await json(await post("/api/generate", { model: "qwen2.5:0.5b", prompt: "a b c d", stream: false, options: { num_predict: 2 } }));
    expect(cut).toMatchObject({ response: "Echo: a", done_reason: "length", eval_count: 2 });
  });

  test("embeddings are deterministic 8-dimensional vectors", async () => {
    const body = await json(await post("/api/embed", { model: "nomic-embed-text", input: ["hello world", "bye"] }));
    expect(body.embeddings).toEqual([embeddingFor("hello world"), embeddingFor("bye")]);
    expect(body.embeddings[0]).toHaveLength(8);
    expect(body.prompt_eval_count).toBe(3);
    const legacy = await json(await post("/api/embeddings", { model: "nomic-embed-text", prompt: "hello world" }));
    expect(legacy).toEqual({ embedding: embeddingFor("hello world") });
  });

  test("pull, create, copy, delete and blobs", async () => {
    const pulled = await ndjson(await post("/api/pull", { model: "tinyllama" }));
    expect(pulled[0]).toEqual({ status: "pulling manifest" });
    expect(pulled.at(-1)).toEqual({ status: "success" });
    expect(await json(await post("/api/create", { model: "mario", from: "llama3.2", stream: false }))).toEqual({ status: "success" });
    expect((await post("/api/copy", { source: "mario", destination: "luigi" })).status).toBe(200);
    const del = await fetch(`${sim.url}/api/delete`, { method: "DELETE", body: JSON.stringify({ model: "mario" }) });
    expect(del.status).toBe(200);
    const names = (await json(await fetch(`${sim.url}/api/tags`))).models.map((m: Json) => m.name);
    expect(names).toEqual(expect.arrayContaining(["tinyllama:latest", "luigi:latest"]));
    expect(names).not.toContain("mario:latest");
    const blob = Buffer.from("layer bytes");
    const digest = `sha256:${(await import("node:crypto")).createHash("sha256").update(blob).digest("hex")}`;
    expect((await fetch(`${sim.url}/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
    expect((await fetch(`${sim.url}/api/blobs/${digest}`, { method: "POST", body: blob })).status).toBe(201);
    expect((await fetch(`${sim.url}/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(200);
    expect((await fetch(`${sim.url}/api/blobs/${digest}`, { method: "POST", body: "other" })).status).toBe(400);
  });

  test("errors in Ollama's shapes", async () => {
    const unknown = await post("/api/chat", { model: "x", messages: [{ role: "user", content: "hi" }] });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('{"error":"model \\"x\\" not found, try pulling it first"}');
    const bad = await post("/api/chat", "{not json");
    expect(bad.status).toBe(400);
    expect(await json(bad)).toEqual({ error: expect.any(String) });
    const noModel = await post("/api/generate", { prompt: "hi" });
    expect(noModel.status).toBe(400);
    expect(await json(noModel)).toEqual({ error: "model is required" });
    const embedder = await post("/api/chat", { model: "nomic-embed-text", messages: [{ role: "user", content: "hi" }] });
    expect(embedder.status).toBe(400);
    const unrouted = await fetch(`${sim.url}/api/nothing`);
    expect([unrouted.status, await unrouted.text()]).toEqual([404, "404 page not found"]);
  });
});

describe("OpenAI-compatible API", () => {
  const request = { model: "llama3.2", messages: [{ role: "user", content: "hello there" }] };

  test("streamed chat with include_usage: chunks, a usage chunk without choices, [DONE]", async () => {
    const response = await post("/v1/chat/completions", { ...request, stream: true, stream_options: { include_usage: true } });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const events = await sse(response);
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as Json);
    const usage = chunks.at(-1)!;
    expect(usage).toMatchObject({ object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 } });
    expect(chunks.at(-2)!.choices[0]).toMatchObject({ delta: { content: "" }, finish_reason: "stop" });
    expect(chunks.slice(0, -2).map((c) => c.choices[0].delta.content).join("")).toBe("Echo: hello there");
  });

  test("non-streamed chat, completions, embeddings and models", async () => {
    const body = await json(await post("/v1/chat/completions", request));
    expect(body).toMatchObject({
      object: "chat.completion",
      choices: [{ index: 0, message: { role: "assistant", content: "Echo: hello there" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
    const completion = await json(await post("/v1/completions", { model: "llama3.2", prompt: "one two", max_tokens: 2 }));
    expect(completion).toMatchObject({ choices: [{ text: "Echo: one", finish_reason: "length" }], usage: { completion_tokens: 2 } });
    const embeddings = await json(await post("/v1/embeddings", { model: "nomic-embed-text", input: "hi" }));
    expect(embeddings).toMatchObject({ object: "list", data: [{ object: "embedding", index: 0, embedding: embeddingFor("hi") }], usage: { prompt_tokens: 1 } });
    const models = await json(await fetch(`${sim.url}/v1/models`));
    expect(models.data[0]).toMatchObject({ id: "llama3.2:latest", object: "model", owned_by: "library" });
    expect(await json(await fetch(`${sim.url}/v1/models/qwen2.5:0.5b`))).toMatchObject({ id: "qwen2.5:0.5b" });
  });

  test("errors in OpenAI's shape", async () => {
    const unknown = await post("/v1/chat/completions", { ...request, model: "x" });
    expect(unknown.status).toBe(404);
    expect(await json(unknown)).toEqual({
      error: { message: 'model "x" not found, try pulling it first', type: "not_found_error", param: null, code: null },
    });
    const bad = await post("/v1/chat/completions", "{");
    expect(bad.status).toBe(400);
    expect((await json(bad)).error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
  });
});

describe("faults and observation", () => {
  test("firstByteDelayMs holds the headers back", async () => {
    await configure({ firstByteDelayMs: 300 });
    const started = Date.now();
    const response = await post("/api/chat", chat);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(response.status).toBe(200);
    await response.text();
  });

  test("chunkCount and chunkDelayMs shape the stream", async () => {
    const started = Date.now();
    const lines = await ndjson(await post("/api/chat", chat, fault({ chunkCount: 5, chunkDelayMs: 50 })));
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(lines).toHaveLength(6);
    expect(lines.at(-1)!.eval_count).toBe(5);
    expect(planReply("why is the sky blue", { chunkCount: 5 }).chunks).toHaveLength(5);
  });

  test("dieAfterChunks kills the socket mid-stream", async () => {
    const response = await post("/api/chat", chat, fault({ dieAfterChunks: 2 }));
    expect(response.status).toBe(200);
    await expect(response.text()).rejects.toThrow();
    expect((await simLog()).requests[0]!.closedEarly).toBe(false);
  });

  test("inbandErrorAfterChunks writes Ollama's error line and ends", async () => {
    const lines = await ndjson(await post("/api/chat", chat, fault({ inbandErrorAfterChunks: 2 })));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toEqual({ error: INBAND_ERROR_MESSAGE });
  });

  test("busy, status and errorBody", async () => {
    await configure({ busy: true });
    const busy = await post("/api/chat", chat);
    expect([busy.status, await busy.text()]).toEqual([503, JSON.stringify({ error: BUSY_MESSAGE })]);
    const busyV1 = await post("/v1/chat/completions", chat);
    expect((await json(busyV1)).error).toMatchObject({ message: BUSY_MESSAGE, type: "api_error" });
    // A per-request header overrides the global config; null switches a fault off.
    expect((await post("/api/chat", { ...chat, stream: false }, fault({ busy: null }))).status).toBe(200);
    const teapot = await post("/api/chat", chat, fault({ busy: null, status: 500, errorBody: { error: "boom" } }));
    expect([teapot.status, await json(teapot)]).toEqual([500, { error: "boom" }]);
    const html = await post("/api/chat", chat, fault({ busy: null, status: 502, errorBody: "<html>bad gateway</html>" }));
    expect([html.status, await html.text()]).toEqual([502, "<html>bad gateway</html>"]);
    expect((await configure({ chunkCont: 3 })).status).toBe(400);
    expect((await post("/api/chat", chat, { "x-sim-fault": "{" })).status).toBe(400);
  });

  test("splitUtf8 cuts characters across reads; the whole is valid UTF-8", async () => {
    for (const path of ["/api/chat", "/v1/chat/completions"]) {
      const response = await post(path, { ...chat, stream: true }, fault({ splitUtf8: true }));
      const reader = response.body!.getReader();
      const parts: Uint8Array[] = [];
      for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
      const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
      const broken = parts.filter((part) => {
        try {
          strict.decode(part);
          return false;
        } catch {
          return true;
        }
      });
      expect(broken.length).toBeGreaterThan(0);
      const text = strict.decode(Buffer.concat(parts));
      expect(text).toContain("é🙂");
    }
  });

  test("holdOpenMs never answers; a client timeout is logged as closedEarly", async () => {
    await expect(post("/api/chat", chat, fault({ holdOpenMs: 5000 }), AbortSignal.timeout(150))).rejects.toThrow();
    await until(async () => (await simLog()).requests[0]?.closedEarly === true);
    const started = Date.now();
    await expect(post("/api/chat", chat, fault({ holdOpenMs: 150 }))).rejects.toThrow();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  test("a client abort mid-stream is recorded as closedEarly", async () => {
    const controller = new AbortController();
    const response = await post("/api/chat", chat, fault({ chunkCount: 20, chunkDelayMs: 100 }), controller.signal);
    await response.body!.getReader().read();
    controller.abort();
    await until(async () => {
      const log = await simLog();
      return log.requests[0]!.closedEarly && log.inflight === 0;
    });
  });

  test("requests are logged with headers and body; concurrency is counted", async () => {
    await configure({ firstByteDelayMs: 200 });
    await Promise.all([1, 2, 3].map(async () => (await post("/api/chat", chat, { Authorization: "Bearer t" })).text()));
    await until(async () => (await simLog()).inflight === 0);
    const log = await simLog();
    expect(log.maxConcurrent).toBe(3);
    expect(log.requests).toHaveLength(3);
    expect(log.requests[0]).toMatchObject({ method: "POST", path: "/api/chat", body: chat, closedEarly: false });
    expect(log.requests[0]!.headers.authorization).toBe("Bearer t");
    await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
    expect(await simLog()).toEqual({ requests: [], lookups: [], maxConcurrent: 0, inflight: 0 });
  });

  test("close() does not wait for hanging requests", async () => {
    const other = await startOllamaSimulator();
    const pending = fetch(`${other.url}/api/chat`, {
      method: "POST",
      headers: fault({ holdOpenMs: 60_000 }),
      body: JSON.stringify(chat),
    }).catch(() => "failed");
    await until(async () => other.state.inflight === 1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await pending).toBe("failed");
  });
});
