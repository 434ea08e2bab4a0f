import OpenAI from "openai";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import type { GatehouseProcess } from "../helpers/gatehouse-process";
import { configureSimulator, resetSimulator } from "../helpers/simulator-process";
import { startStack, stopStack } from "../helpers/stack";
import { agentAccounts, spendQuota, finishedEvent, sawClosedEarly, seenRequests, type AgentAccounts } from "./helpers";

/**
 * The official `openai` package's client.responses.create against
 * POST /v1/responses through `npm start`: stateless answers, metering from
 * response.completed, refusals as the SDK's error classes, compressed bodies.
 */
describe("OpenAI Responses through Gatehouse (openai)", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let secret: string;
  let restricted: string;
  let slow: string;
  let quota: AgentAccounts["quota"];

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_MAX_NUM_PREDICT: "64" }));
    admin = await AdminClient.signIn(gatehouse.url);
    ({ secret, restricted, slow, quota } = await agentAccounts(admin, "codex"));
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });
  beforeEach(async () => {
    await resetSimulator(simulator);
  });

  const openai = (key = secret) => new OpenAI({ baseURL: `${gatehouse.url}/v1`, apiKey: key, maxRetries: 0 });
  const ask = { model: "llama3.2", input: "hello from codex" };
  const responsesSeen = async () => (await seenRequests(simulator)).filter((s) => s.path === "/v1/responses");

  test("not streamed: output_text, usage, and the audit record with tokens and text", async () => {
    const { data, response } = await openai().responses.create(ask).withResponse();
    expect(data.output_text).toBe("Echo: hello from codex");
    expect(data.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
    const event = await finishedEvent(admin, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({ endpoint: "/v1/responses", model: "llama3.2", outcome: "ok", promptTokens: 3, completionTokens: 4 });
    expect(event.responseText).toBe("Echo: hello from codex");
    const [seen] = await responsesSeen();
    expect(seen?.headers.authorization).toBeUndefined();
    // No max_output_tokens asked: the ceiling is sent.
    expect((seen?.body as { max_output_tokens: number }).max_output_tokens).toBe(64);
  });

  test("streamed: text from output_text deltas, tokens from response.completed", async () => {
    const { data: stream, response } = await openai().responses.create({ ...ask, instructions: "be brief", stream: true }).withResponse();
    let text = "";
    let completed: OpenAI.Responses.Response | undefined;
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") text += event.delta;
      if (event.type === "response.completed") completed = event.response;
    }
    expect(text).toBe("Echo: hello from codex");
    expect(completed?.usage).toMatchObject({ input_tokens: 5, output_tokens: 4 });
    const event = await finishedEvent(admin, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({ outcome: "ok", promptTokens: 5, completionTokens: 4 });
    expect(event.responseText).toBe("Echo: hello from codex");
  });

  test("fields a stateless engine would silently ignore are refused, naming the field", async () => {
    for (const extra of [{ previous_response_id: "resp_123" }, { conversation: "conv_1" }, { background: true }]) {
      const error = await openai().responses.create({ ...ask, ...extra }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect((error as Error).message).toContain(Object.keys(extra)[0]);
    }
    // Their harmless values pass.
    await openai().responses.create({ ...ask, previous_response_id: null, background: false });
    expect(await responsesSeen()).toHaveLength(1);
  });

  test("every refusal is the SDK's matching error class", async () => {
    await expect(openai("gh_nope_invalid").responses.create(ask)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(openai(restricted).responses.create(ask)).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(openai().responses.create({ ...ask, model: "gpt-oss:120b-cloud" })).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await expect(openai().responses.create({ ...ask, input: 42 as unknown as string })).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await openai(slow).responses.create(ask);
    const limited = await openai(slow).responses.create(ask).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get("retry-after"))).toBeGreaterThan(0);
    expect((await responsesSeen()).length).toBe(1);
  });

  test("quota: tokens charged from the answers, then a 429", async () => {
    // The 30-token day: each answer is charged from the engine's usage; once the
    // day is used up (answers near the end are cut to what is left, since the
    // output ceiling is reserved at admission) the next call is refused.
    const { answered, refused, charged } = await spendQuota(gatehouse.url, quota.secret, () => openai(quota.secret).responses.create(ask));
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(charged).toBeGreaterThanOrEqual(answered * 3); // at least every answer's prompt
    expect(charged).toBeLessThanOrEqual(30 + 16); // the quota holds (only a last prompt may go over)
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as Error).message).toMatch(/quota/i);
  });

  test("a gzip body is decoded; an unknown coding is a 415; a compression bomb is a 413", async () => {
    const post = (body: Uint8Array | string, encoding: string) =>
      fetch(`${gatehouse.url}/v1/responses`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "Content-Encoding": encoding, Authorization: `Bearer ${secret}` },
        body,
      });
    const ok = await post(gzipSync(JSON.stringify(ask)), "gzip");
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { output: unknown[] }).output.length).toBe(1);
    const zstd = await post("(\xb5/\xfd not really zstd", "zstd");
    expect(zstd.status).toBe(415);
    expect(((await zstd.json()) as { error: { message: string } }).error.message).toMatch(/zstd/);
    // 64 MiB of spaces inside a JSON string squeeze into ~64 KiB.
    const bomb = gzipSync(Buffer.concat([Buffer.from('{"model":"llama3.2","input":"'), Buffer.alloc(64 * 1024 * 1024, 0x20), Buffer.from('"}')]));
    expect(bomb.byteLength).toBeLessThan(200 * 1024);
    const refused = await post(bomb, "gzip");
    expect(refused.status).toBe(413);
    const corrupt = await post(Buffer.from("definitely not gzip"), "gzip");
    expect(corrupt.status).toBe(400);
    expect(await responsesSeen()).toHaveLength(1);
  });

  test("a client that hangs up mid-stream aborts the call to Ollama", async () => {
    await configureSimulator(simulator, { chunkDelayMs: 300, chunkCount: 40 });
    const controller = new AbortController();
    const stream = await openai().responses.create({ ...ask, stream: true }, { signal: controller.signal });
    for await (const event of stream) {
      if (event.type === "response.output_text.delta") break;
    }
    controller.abort();
    expect(await sawClosedEarly(simulator, "/v1/responses")).toBe(true);
  });
});
