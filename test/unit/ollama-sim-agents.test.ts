import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { startOllamaSimulator } from "../fixtures/ollama-sim/server";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";

/** The simulator's agent dialects, /api/status, remote models and look-ups, as Ollama documents them. */
let sim: OllamaSimulator;
type Json = Record<string, any>;

beforeAll(async () => {
  sim = await startOllamaSimulator({ port: 0 });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(async () => {
  await fetch(`${sim.url}/__sim/reset`, { method: "POST" });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${sim.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
const events = (text: string): Json[] =>
  text.split("\n\n").filter((block) => block.trim()).map((block) => {
    const [eventLine, dataLine] = block.split("\n");
    const data = JSON.parse(dataLine!.slice(6)) as Json;
    expect(eventLine).toBe(`event: ${data.type}`);
    return data;
  });

describe("/v1/messages", () => {
  const ask = { model: "llama3.2", max_tokens: 16, system: "be terse", messages: [{ role: "user", content: [{ type: "text", text: "hello there" }] }] };

  test("a whole message with usage", async () => {
    const body = (await (await post("/v1/messages", ask)).json()) as Json;
    expect(body).toMatchObject({ type: "message", role: "assistant", model: "llama3.2", stop_reason: "end_turn", content: [{ type: "text", text: "Echo: hello there" }], usage: { input_tokens: 4, output_tokens: 3 } });
  });

  test("streamed: Ollama's event order, an estimate in message_start and the counts in message_delta", async () => {
    const response = await post("/v1/messages", { ...ask, stream: true, thinking: { type: "enabled", budget_tokens: 8 } });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const list = events(await response.text());
    expect(list.map((e) => e.type)).toEqual([
      "message_start", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start",
      "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    expect(list[0]!.message.usage.input_tokens).not.toBe(4);
    expect(list.at(-2)).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { input_tokens: 4, output_tokens: 6 } });
  });

  test("errors in Anthropic's shape: missing max_tokens, unknown model, max_tokens cut", async () => {
    const missing = await post("/v1/messages", { ...ask, max_tokens: undefined });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    const unknown = await post("/v1/messages", { ...ask, model: "nope" });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    const cut = (await (await post("/v1/messages", { ...ask, max_tokens: 1 })).json()) as Json;
    expect(cut).toMatchObject({ stop_reason: "max_tokens", usage: { output_tokens: 1 } });
    const busy = await post("/v1/messages", ask, { "x-sim-fault": JSON.stringify({ busy: true }) });
    expect(await busy.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
  });
});

describe("/v1/responses", () => {
  test("not streamed (the default): output and usage", async () => {
    const body = (await (await post("/v1/responses", { model: "llama3.2", instructions: "be nice", input: [{ role: "user", content: [{ type: "input_text", text: "hi you" }] }] })).json()) as Json;
    expect(body).toMatchObject({ object: "response", status: "completed", output: [{ type: "message", content: [{ type: "output_text", text: "Echo: hi you" }] }], usage: { input_tokens: 4, output_tokens: 3 } });
  });

  test("streamed: created … deltas … completed with usage, sequence numbers in order", async () => {
    const list = events(await (await post("/v1/responses", { model: "llama3.2", input: "hi", stream: true, max_output_tokens: 1 })).text());
    expect(list[0]!.type).toBe("response.created");
    expect(list.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta)).toEqual(["Echo:"]);
    expect(list.at(-1)).toMatchObject({ type: "response.completed", response: { usage: { input_tokens: 1, output_tokens: 1 } } });
    expect(list.map((e) => e.sequence_number)).toEqual(list.map((_, i) => i));
  });

  test("an unknown model in OpenAI's shape", async () => {
    const response = await post("/v1/responses", { model: "nope", input: "hi" });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { type: "not_found_error" } });
  });
});

describe("cloud status, remote models and Gatehouse's look-ups", () => {
  test("/api/status follows the control switch; remote models show remote_host in tags and show", async () => {
    expect(await (await fetch(`${sim.url}/api/status`)).json()).toEqual({ cloud: { disabled: false, source: "none" } });
    await post("/__sim/status", { cloudDisabled: true });
    expect(await (await fetch(`${sim.url}/api/status`)).json()).toEqual({ cloud: { disabled: true, source: "env" } });
    await post("/__sim/models", { name: "coder", remote: { host: "https://ollama.com:443", model: "qwen3-coder:480b" } });
    const tags = (await (await fetch(`${sim.url}/api/tags`)).json()) as { models: Json[] };
    expect(tags.models.find((m) => m.name === "coder:latest")).toMatchObject({ remote_host: "https://ollama.com:443", remote_model: "qwen3-coder:480b" });
    expect(await (await post("/api/show", { model: "coder" })).json()).toMatchObject({ remote_host: "https://ollama.com:443" });
  });

  test("requests marked X-Gatehouse-Lookup are logged apart", async () => {
    await fetch(`${sim.url}/api/tags`, { headers: { "X-Gatehouse-Lookup": "egress-guard" } });
    await fetch(`${sim.url}/api/tags`);
    const log = (await (await fetch(`${sim.url}/__sim/requests`)).json()) as { requests: Json[]; lookups: Json[] };
    expect([log.requests.length, log.lookups.length]).toEqual([1, 1]);
  });
});
