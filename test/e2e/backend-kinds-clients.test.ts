import Anthropic from "@anthropic-ai/sdk";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startOllamaSimulator, type OllamaSimulator } from "../fixtures/ollama-sim/server";
import type { SimulatorLog } from "../fixtures/ollama-sim/state";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Every client dialect to every backend kind, with the real client
 * libraries against `npm start`: the `ollama` package through /api/* to an
 * OpenAI-compatible engine that has no /api/* routes at all, the `openai`
 * package through /v1/chat/completions to an Anthropic-shaped API that
 * checks x-api-key, and the Anthropic SDK through /v1/messages to the
 * OpenAI-compatible engine. Each backend is a simulator mode (modes.ts);
 * the catalog is set up through the admin API.
 */

const providerKey = "sk-translate-e2e-provider-7f6e5d4c3b2a";
const vllmModel = "vllm-model:latest";
const vllmEmbed = "vllm-embed:latest";
const claudeModel = "claude-sim:latest";
const generous = { rpm: 10_000, burst: 10_000, concurrency: 20, dailyTokens: null, monthlyTokens: null, models: null };
const weather = { type: "function" as const, function: { name: "get_weather", description: "Weather in a city", parameters: { type: "object", properties: { query: { type: "string" } } } } };

describe("the real client libraries to backends of other kinds", () => {
  let local: OllamaSimulator;
  let vllm: OllamaSimulator;
  let claude: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;
  const seen: string[] = [];

  const addModel = (sim: OllamaSimulator, name: string) => fetch(`${sim.url}/__sim/models`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name }) });
  const log = async (sim: OllamaSimulator) => (await (await fetch(`${sim.url}/__sim/requests`)).json()) as SimulatorLog;
  const clientRequests = async (sim: OllamaSimulator) => (await log(sim)).requests.filter((request) => request.method === "POST");

  beforeAll(async () => {
    ({ simulator: local, gatehouse } = await startStack());
    vllm = await startOllamaSimulator({ port: 0, mode: "openai", apiKey: providerKey });
    claude = await startOllamaSimulator({ port: 0, mode: "anthropic", apiKey: providerKey });
    await addModel(vllm, vllmModel);
    await addModel(vllm, vllmEmbed);
    await addModel(claude, claudeModel);
    const admin = await AdminClient.signIn(gatehouse.url);
    await admin.json("POST", "/admin/api/backends", { name: "vllm", kind: "openai", url: `${vllm.url}/v1`, credential: providerKey, slots: 4, priority: 0, boundary: "lan", models: [vllmModel, vllmEmbed] });
    await admin.json("POST", "/admin/api/backends", { name: "claude", kind: "anthropic", url: claude.url, credential: providerKey, slots: 4, priority: 0, boundary: "cloud", models: [claudeModel] });
    const user = await admin.userWithKey("translate-user", { limits: generous });
    await admin.json("PATCH", `/admin/api/users/${user.userId}`, { boundaries: ["local", "lan", "cloud"] });
    secret = user.secret;
  }, 120_000);

  afterAll(async () => {
    await stopStack(local, gatehouse);
    await vllm?.close();
    await claude?.close();
    // Whatever any client was shown over the whole run: never the provider's key.
    expect(seen.join("\n")).not.toContain(providerKey);
    expect(gatehouse?.output() ?? "").not.toContain(providerKey);
  });

  const ollama = () => new Ollama({ host: gatehouse.url, headers: { Authorization: `Bearer ${secret}` } });
  const openai = () => new OpenAI({ baseURL: `${gatehouse.url}/v1`, apiKey: secret, maxRetries: 0 });
  const anthropic = () => new Anthropic({ baseURL: gatehouse.url, apiKey: secret, maxRetries: 0 });

  describe("ollama → an OpenAI-compatible engine", () => {
    test("chat, not streamed: Ollama's answer with counts; the engine saw /v1/chat/completions with its key, never /api/*", async () => {
      const answer = await ollama().chat({ model: vllmModel, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hello from ollama" }] });
      seen.push(JSON.stringify(answer));
      expect(answer.message).toMatchObject({ role: "assistant", content: "Echo: hello from ollama" });
      expect(answer).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 5, eval_count: 4 });
      const requests = await clientRequests(vllm);
      expect(requests.at(-1)).toMatchObject({ path: "/v1/chat/completions", body: { model: vllmModel, stream: false } });
      expect(requests.at(-1)!.headers.authorization).toBe(`Bearer ${providerKey}`);
      expect((await log(vllm)).requests.some((request) => request.path.startsWith("/api/"))).toBe(false);
    });

    test("chat, streamed: NDJSON parts as the engine's SSE arrives, ending done with the usage counts", async () => {
      const parts: { message: { content: string }; done: boolean; eval_count?: number; prompt_eval_count?: number }[] = [];
      for await (const part of await ollama().chat({ model: vllmModel, messages: [{ role: "user", content: "stream this to me" }], stream: true })) parts.push(part);
      seen.push(JSON.stringify(parts));
      expect(parts.length).toBeGreaterThan(2);
      expect(parts.map((part) => part.message.content).join("")).toBe("Echo: stream this to me");
      expect(parts.at(-1)).toMatchObject({ done: true, done_reason: "stop", prompt_eval_count: 4, eval_count: 5 });
      expect((await clientRequests(vllm)).at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    });

    test("tools: the engine's call comes back as Ollama's tool_calls; generate and embed reach their endpoints", async () => {
      const answer = await ollama().chat({ model: vllmModel, messages: [{ role: "user", content: "call weather in Oslo" }], tools: [weather] });
      expect(answer.message.tool_calls).toEqual([{ id: "call_sim0", function: { name: "get_weather", arguments: { query: "weather in Oslo" } } }]);
      const generated = await ollama().generate({ model: vllmModel, prompt: "say hi" });
      expect(generated.response).toBe("Echo: say hi");
      const embedded = await ollama().embed({ model: vllmEmbed, input: ["a b", "c"] });
      expect(embedded.embeddings).toHaveLength(2);
      expect((await clientRequests(vllm)).slice(-3).map((request) => request.path)).toEqual(["/v1/chat/completions", "/v1/chat/completions", "/v1/embeddings"]);
    });

    test("what the kind cannot do is a 400 the client shows, naming the kind, and nothing is sent", async () => {
      const before = (await clientRequests(claude)).length;
      const refused = await ollama().embed({ model: claudeModel, input: "x" }).catch((error: unknown) => error);
      expect(refused).toMatchObject({ status_code: 400, error: expect.stringContaining('kind "anthropic"') });
      expect((await clientRequests(claude)).length).toBe(before);
    });
  });

  describe("openai → an Anthropic-shaped API", () => {
    test("not streamed and streamed with usage; the API saw x-api-key and /v1/messages", async () => {
      const completion = await openai().chat.completions.create({ model: claudeModel, messages: [{ role: "system", content: "sys" }, { role: "user", content: "hello anthropic" }] });
      seen.push(JSON.stringify(completion));
      expect(completion.choices[0]!.message.content).toBe("Echo: hello anthropic");
      expect(completion.choices[0]!.finish_reason).toBe("stop");
      expect(completion.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 3 });
      const sent = (await clientRequests(claude)).at(-1)!;
      expect(sent).toMatchObject({ path: "/v1/messages", body: { system: "sys", max_tokens: expect.any(Number) } });
      expect(sent.headers["x-api-key"]).toBe(providerKey);
      expect(sent.headers.authorization).toBeUndefined();

      const stream = await openai().chat.completions.create({ model: claudeModel, messages: [{ role: "user", content: "stream from anthropic" }], stream: true, stream_options: { include_usage: true } });
      let text = "";
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe("Echo: stream from anthropic");
      expect(usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 4 });
    });

    test("tools round trip: tool_calls out, the tool's answer back in as a tool_result", async () => {
      const first = await openai().chat.completions.create({ model: claudeModel, messages: [{ role: "user", content: "call weather in Rome" }], tools: [weather] });
      const call = first.choices[0]!.message.tool_calls![0]!;
      expect(first.choices[0]!.finish_reason).toBe("tool_calls");
      expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ query: "weather in Rome" });
      await openai().chat.completions.create({
        model: claudeModel,
        tools: [weather],
        messages: [{ role: "user", content: "call weather in Rome" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "sunny" }],
      });
      const messages = ((await clientRequests(claude)).at(-1)!.body as { messages: unknown[] }).messages;
      expect(messages.at(-1)).toEqual({ role: "user", content: [{ type: "tool_result", tool_use_id: call.id, content: [{ type: "text", text: "sunny" }] }] });
    });
  });

  describe("anthropic → an OpenAI-compatible engine", () => {
    test("streamed: the SDK assembles the message from the synthesised events", async () => {
      const stream = anthropic().messages.stream({ model: vllmModel, max_tokens: 64, system: "be brief", messages: [{ role: "user", content: "hello claude client" }] });
      const message = await stream.finalMessage();
      seen.push(JSON.stringify(message));
      expect(message.content).toHaveLength(1);
      expect(message.content[0]).toMatchObject({ type: "text", text: "Echo: hello claude client" });
      expect(message.stop_reason).toBe("end_turn");
      expect(message.usage).toMatchObject({ input_tokens: 5, output_tokens: 4 });
    });
  });
});
