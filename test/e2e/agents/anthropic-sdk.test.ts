import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import type { GatehouseProcess } from "../helpers/gatehouse-process";
import { configureSimulator, resetSimulator } from "../helpers/simulator-process";
import { startStack, stopStack } from "../helpers/stack";
import { agentAccounts, spendQuota, finishedEvent, generous, sawClosedEarly, seenRequests, type AgentAccounts } from "./helpers";

/**
 * The official @anthropic-ai/sdk against POST /v1/messages through `npm start`:
 * answers, metering, audit, and every refusal as the SDK's own error class.
 */
describe("Anthropic Messages through Gatehouse (@anthropic-ai/sdk)", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let secret: string;
  let restricted: string;
  let slow: string;
  let quota: AgentAccounts["quota"];

  beforeAll(async () => {
    // A small body limit: a body just over it is written whole before the 413 comes back
    // (a 9 MiB one is still being written when Gatehouse answers, and the client sees a reset).
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_MAX_NUM_PREDICT: "64", GATEHOUSE_MAX_INFLIGHT: "1", GATEHOUSE_MAX_QUEUE: "1", GATEHOUSE_MAX_BODY_BYTES: "262144" }));
    admin = await AdminClient.signIn(gatehouse.url);
    ({ secret, restricted, slow, quota } = await agentAccounts(admin, "claude"));
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });
  beforeEach(async () => {
    await resetSimulator(simulator);
  });

  // This SDK sends `apiKey` as a Bearer token; Claude Code's ANTHROPIC_API_KEY goes as x-api-key, set here by hand.
  const client = (key = secret, options: { bearer?: boolean } = {}) =>
    options.bearer
      ? new Anthropic({ baseURL: gatehouse.url, apiKey: null, authToken: key, maxRetries: 0 })
      : new Anthropic({ baseURL: gatehouse.url, apiKey: null, authToken: null, defaultHeaders: { "x-api-key": key }, maxRetries: 0 });
  /** Until the simulator has a /v1/messages request in hand. */
  async function sawInFlight(): Promise<void> {
    for (let i = 0; i < 200 && !(await seenRequests(simulator)).some((s) => s.path === "/v1/messages"); i++) await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const ask = { model: "llama3.2", max_tokens: 32, messages: [{ role: "user" as const, content: "hello from claude" }] };

  test("a whole message by x-api-key: the answer, its usage, the audit record with tokens and text", async () => {
    const { data, response } = await client().messages.create(ask).withResponse();
    expect(data.content[0]).toMatchObject({ type: "text", text: "Echo: hello from claude" });
    expect(data.usage).toMatchObject({ input_tokens: 3, output_tokens: 4 });
    const event = await finishedEvent(admin, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({ endpoint: "/v1/messages", model: "llama3.2", outcome: "ok", promptTokens: 3, completionTokens: 4 });
    expect(event.responseText).toBe("Echo: hello from claude");
    // The key never travels on: neither header reaches Ollama.
    const [seen] = (await seenRequests(simulator)).filter((s) => s.path === "/v1/messages");
    expect(seen?.headers["x-api-key"]).toBeUndefined();
    expect(seen?.headers.authorization).toBeUndefined();
  });

  test("a stream by Bearer, with anthropic-version, anthropic-beta and ?beta=true: text and thinking captured, tokens from message_delta", async () => {
    const stream = client(secret, { bearer: true }).messages.stream(
      { ...ask, thinking: { type: "enabled", budget_tokens: 16 } },
      { headers: { "anthropic-beta": "interleaved-thinking-2025-05-14" }, query: { beta: "true" } },
    );
    const message = await stream.finalMessage();
    expect(message.content.map((block) => block.type)).toEqual(["thinking", "text"]);
    expect(message.usage.output_tokens).toBe(7);
    const requestId = (await stream.withResponse()).response.headers.get("x-request-id")!;
    const event = await finishedEvent(admin, requestId);
    // message_start carried Ollama's estimate; the charge is message_delta's count.
    expect(event).toMatchObject({ outcome: "ok", promptTokens: 3, completionTokens: 7 });
    expect(event.responseText).toBe("Thinking it over.Echo: hello from claude");
  });

  test("max_tokens above the ceiling, or none, reaches Ollama as the ceiling", async () => {
    await client().messages.create({ ...ask, max_tokens: 20_000 });
    const response = await fetch(`${gatehouse.url}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ model: "llama3.2", messages: ask.messages }),
    });
    expect(response.status).toBe(200);
    const seen = (await seenRequests(simulator)).filter((s) => s.path === "/v1/messages").map((s) => (s.body as { max_tokens: number }).max_tokens);
    expect(seen).toEqual([64, 64]);
  });

  test("count_tokens is answered by Gatehouse, authenticated, and never forwarded", async () => {
    const counted = await client().messages.countTokens({ model: "llama3.2", messages: [{ role: "user", content: "x".repeat(400) }] });
    expect(counted.input_tokens).toBe(101); // (4 bytes of "user" + 400) / 4
    await expect(client("gh_nope_invalid").messages.countTokens({ model: "llama3.2", messages: ask.messages })).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    expect((await seenRequests(simulator)).filter((s) => s.path.includes("count_tokens"))).toEqual([]);
  });

  test("every refusal is the SDK's matching error class, in Anthropic's error shape", async () => {
    await expect(client("gh_nope_invalid").messages.create(ask)).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    await expect(client(restricted).messages.create(ask)).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
    await expect(client().messages.create({ ...ask, messages: [] })).rejects.toBeInstanceOf(Anthropic.BadRequestError);
    await expect(client().messages.create({ ...ask, model: "no-such-model" })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
    await client(slow).messages.create(ask);
    const limited = await client(slow).messages.create(ask).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(Number((limited as InstanceType<typeof Anthropic.RateLimitError>).headers.get("retry-after"))).toBeGreaterThan(0);
    expect((limited as InstanceType<typeof Anthropic.RateLimitError>).error).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    const big = await client().messages.create({ ...ask, messages: [{ role: "user", content: "x".repeat(300 * 1024) }] }).catch((error: unknown) => error);
    expect(big).toBeInstanceOf(Anthropic.ContentTooLargeError);
    expect((big as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: "request_too_large" } });
    // None of them reached Ollama but the unknown model (Ollama's own 404).
    expect((await seenRequests(simulator)).filter((s) => s.path === "/v1/messages").map((s) => (s.body as { model: string }).model)).toEqual(["no-such-model", "llama3.2"]);
  });

  test("a full GPU queue is a 503 with Retry-After: ServiceUnavailableError", async () => {
    await configureSimulator(simulator, { firstByteDelayMs: 3_000 });
    const held = [client().messages.create(ask), client().messages.create(ask)];
    // Until one holds the GPU slot and the other the only place in the queue.
    for (let i = 0; i < 100; i++) {
      const queue = await admin.json<{ inflight: number; waiting: number }>("GET", "/admin/api/queue");
      if (queue.inflight === 1 && queue.waiting === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const refused = await client().messages.create(ask).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.ServiceUnavailableError);
    expect((refused as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({ error: { type: "overloaded_error" } });
    expect(Number((refused as InstanceType<typeof Anthropic.APIError>).headers?.get("retry-after"))).toBeGreaterThan(0);
    await Promise.all(held);
  });

  test("concurrency: a second request while the first is in flight is a 429", async () => {
    const single = (await admin.userWithKey("claude-single", { limits: { ...generous, concurrency: 1 } })).secret;
    await configureSimulator(simulator, { firstByteDelayMs: 1_500 });
    const first = client(single).messages.create(ask);
    await sawInFlight();
    const second = await client(single).messages.create(ask).catch((error: unknown) => error);
    expect(second).toBeInstanceOf(Anthropic.RateLimitError);
    expect((second as Error).message).toMatch(/in flight/i);
    await first;
  });

  test("quota: tokens charged from the answers, then a 429", async () => {
    // The 30-token day: each answer is charged from the engine's usage; once the
    // day is used up (answers near the end are cut to what is left, since the
    // output ceiling is reserved at admission) the next call is refused.
    const { answered, refused, charged } = await spendQuota(gatehouse.url, quota.secret, () => client(quota.secret).messages.create(ask));
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(charged).toBeGreaterThanOrEqual(answered * 3); // at least every answer's prompt
    expect(charged).toBeLessThanOrEqual(30 + 16); // the quota holds (only a last prompt may go over)
    expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
    expect((refused as Error).message).toMatch(/quota/i);
  });

  test("a client that hangs up mid-stream aborts the call to Ollama", async () => {
    await configureSimulator(simulator, { chunkDelayMs: 300, chunkCount: 40 });
    const controller = new AbortController();
    const stream = await client().messages.create({ ...ask, stream: true }, { signal: controller.signal });
    for await (const event of stream) {
      if (event.type === "content_block_delta") break;
    }
    controller.abort();
    expect(await sawClosedEarly(simulator, "/v1/messages")).toBe(true);
  });
});
