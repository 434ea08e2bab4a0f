import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * The official `ollama` and `openai` npm packages, pointed at Gatehouse
 * instead of Ollama, with nothing changed but the base URL and a key.
 */
describe("real client libraries through Gatehouse", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;
  let limitedSecret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const admin = await AdminClient.signIn(gatehouse.url);
    const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };
    secret = (await admin.userWithKey("client-lib-user", { limits: generous })).secret;
    limitedSecret = (await admin.userWithKey("qwen-only", { limits: { ...generous, models: ["qwen*"] } })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  const ollama = (key = secret) => new Ollama({ host: gatehouse.url, headers: { Authorization: `Bearer ${key}` } });
  const openai = (key = secret) => new OpenAI({ baseURL: `${gatehouse.url}/v1`, apiKey: key, maxRetries: 0 });

  describe("ollama", () => {
    test("chat, non-streaming and streaming", async () => {
      const answer = await ollama().chat({ model: "llama3.2", messages: [{ role: "user", content: "hello world" }] });
      expect(answer.message.content.length).toBeGreaterThan(0);
      expect(answer.eval_count).toBeGreaterThan(0);
      let streamed = "";
      let last: { done: boolean } | undefined;
      for await (const part of await ollama().chat({ model: "llama3.2", messages: [{ role: "user", content: "stream it" }], stream: true })) {
        streamed += part.message.content;
        last = part;
      }
      expect(streamed).toBe((await ollama().chat({ model: "llama3.2", messages: [{ role: "user", content: "stream it" }] })).message.content);
      expect(last?.done).toBe(true);
    });

    test("generate, embed, list, show", async () => {
      const generated = await ollama().generate({ model: "llama3.2", prompt: "hi" });
      expect(generated.response?.length).toBeGreaterThan(0);
      const embedded = await ollama().embed({ model: "nomic-embed-text", input: ["a", "b"] });
      expect(embedded.embeddings).toHaveLength(2);
      const listed = await ollama().list();
      expect(listed.models.map((m) => m.name)).toContain("llama3.2:latest");
      const shown = await ollama().show({ model: "llama3.2" });
      expect(shown.details).toBeTruthy();
    });

    test("a restricted key lists and uses only its models", async () => {
      const names = (await ollama(limitedSecret).list()).models.map((m) => m.name);
      expect(names.length).toBeGreaterThan(0);
      expect(names.every((name) => name.startsWith("qwen"))).toBe(true);
      await expect(ollama(limitedSecret).chat({ model: "llama3.2", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
        status_code: 403,
      });
    });

    test("a wrong key raises a 401", async () => {
      await expect(ollama("gh_nope_invalid").list()).rejects.toMatchObject({ status_code: 401 });
    });
  });

  describe("openai", () => {
    test("chat completions, non-streaming and streaming with usage", async () => {
      const completion = await openai().chat.completions.create({ model: "llama3.2", messages: [{ role: "user", content: "hello" }] });
      expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
      expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
      const stream = await openai().chat.completions.create({
        model: "llama3.2",
        messages: [{ role: "user", content: "hello" }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.length).toBeGreaterThan(0);
      expect(usage?.total_tokens).toBeGreaterThan(0);
    });

    test("completions, embeddings, models", async () => {
      const completion = await openai().completions.create({ model: "llama3.2", prompt: "say hi" });
      expect(completion.choices[0]?.text.length).toBeGreaterThan(0);
      const embeddings = await openai().embeddings.create({ model: "nomic-embed-text", input: "hello" });
      expect(embeddings.data[0]?.embedding.length).toBeGreaterThan(0);
      const models = [];
      for await (const model of openai().models.list()) models.push(model.id);
      expect(models).toContain("llama3.2:latest");
      const one = await openai().models.retrieve("llama3.2:latest");
      expect(one.id).toBe("llama3.2:latest");
    });

    test("errors arrive in OpenAI's shape, so the SDK raises the right exception", async () => {
      await expect(openai("gh_nope_invalid").models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
      await expect(
        openai(limitedSecret).chat.completions.create({ model: "llama3.2", messages: [{ role: "user", content: "x" }] }),
      ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
      await expect(openai().chat.completions.create({ model: "llama3.2", messages: [] })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    });
  });
});
