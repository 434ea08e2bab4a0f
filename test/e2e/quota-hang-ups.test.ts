import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startRequest, timeUntil } from "./helpers/hang-up";
import { configureSimulator, resetSimulator } from "./helpers/simulator-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Quotas hold when clients hang up: Ollama reports token counts only in its
 * final chunk, so a stream cut before it must still be charged (one token per
 * generated chunk relayed, and the prompt's estimate), and requests that run
 * at once must not together spend more than the quota (each holds its
 * output ceiling until it settles). Over real sockets against `npm start`.
 */
describe("quotas under hang-ups", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let cutter: { userId: string; secret: string };
  const unlimited = { rpm: null, burst: null, concurrency: null, dailyTokens: 1_000_000, monthlyTokens: null, models: null };
  const prompt = { model: "llama3.2", prompt: "tell me a story" };

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_MAX_NUM_PREDICT: "100" }));
    admin = await AdminClient.signIn(gatehouse.url);
    cutter = await admin.userWithKey("cutter", { limits: unlimited });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });
  beforeEach(async () => {
    await resetSimulator(simulator);
  });

  const usage = async (secret: string) => {
    const response = await fetch(`${gatehouse.url}/account/api/me`, { headers: { Authorization: `Bearer ${secret}` } });
    return ((await response.json()) as { usage: { day: { used: number }; inflight: number } }).usage;
  };
  /** The user's latest audit record, once it is complete. */
  const lastRecord = async (userId: string) => {
    const { events } = await admin.json<{ events: { outcome: string | null; completionTokens: number | null; tokensEstimated: boolean }[] }>(
      "GET",
      `/admin/api/audit?user=${userId}&limit=1`,
    );
    return events[0];
  };
  /** Runs `cut` and returns what the user was charged for it, once the request has settled. */
  const chargedFor = async (cut: () => Promise<void>) => {
    const before = (await usage(cutter.secret)).day.used;
    await cut();
    await timeUntil(async () => (await usage(cutter.secret)).inflight === 0);
    await timeUntil(async () => (await lastRecord(cutter.userId))?.outcome !== null);
    return (await usage(cutter.secret)).day.used - before;
  };

  test("a client that leaves before the first byte is charged the prompt it sent", async () => {
    // One ordinary answer first: Gatehouse's own look-up of the model (the egress guard) is then cached, not delayed.
    const warm = startRequest(gatehouse.url, "/api/generate", cutter.secret, prompt);
    await warm.ended;
    await timeUntil(async () => (await usage(cutter.secret)).inflight === 0);
    await configureSimulator(simulator, { firstByteDelayMs: 30_000 });
    const charged = await chargedFor(async () => {
      const request = startRequest(gatehouse.url, "/api/generate", cutter.secret, prompt);
      await timeUntil(() => simulator.state.log().requests.filter((seen) => seen.path === "/api/generate").length === 2);
      request.leave();
    });
    expect(charged).toBeGreaterThan(0);
    expect(await lastRecord(cutter.userId)).toMatchObject({ outcome: "client_aborted", completionTokens: 0, tokensEstimated: true });
  });

  /** A line that carries generated output: an Ollama chunk before done, or an SSE event with a `delta` (OpenAI, Anthropic, Responses). */
  const generatedLine = (line: string) => line.includes('"done":false') || (line.startsWith("data:") && line.includes('"delta":'));

  test.each([
    ["/api/generate", prompt],
    ["/v1/chat/completions", { model: "llama3.2", messages: [{ role: "user", content: "tell me a story" }], stream: true }],
    ["/v1/messages", { model: "llama3.2", max_tokens: 100, messages: [{ role: "user", content: "tell me a story" }], stream: true }],
    ["/v1/responses", { model: "llama3.2", input: "tell me a story", stream: true }],
  ])("a client that leaves mid-stream on %s (before the final counts) is charged every chunk relayed", async (path, body) => {
    await configureSimulator(simulator, { chunkCount: 60, chunkDelayMs: 40 });
    let seen = 0;
    const charged = await chargedFor(async () => {
      const request = startRequest(gatehouse.url, path, cutter.secret, body);
      await request.waitForLines(20);
      request.leave();
      seen = request.lines.filter(generatedLine).length;
    });
    expect(seen).toBeGreaterThanOrEqual(5);
    expect(seen).toBeLessThan(60);
    // Gatehouse relayed at least what the client saw; each generated chunk is one token.
    const record = await lastRecord(cutter.userId);
    expect(record).toMatchObject({ outcome: "client_aborted", tokensEstimated: true });
    expect(record?.completionTokens).toBeGreaterThanOrEqual(seen);
    expect(record?.completionTokens).toBeLessThan(60);
    expect(charged).toBeGreaterThanOrEqual(seen);
    expect(charged).toBeLessThan(60 + 100);
  });

  test("a client that leaves just before Ollama's final chunk is charged every token it got", async () => {
    // The final chunk (with the counts) comes 1 s after the last content chunk.
    await configureSimulator(simulator, { chunkCount: 6, chunkDelayMs: 1000 });
    const charged = await chargedFor(async () => {
      const request = startRequest(gatehouse.url, "/api/generate", cutter.secret, prompt);
      await request.waitForLines(6, 30_000);
      request.leave();
    });
    expect(charged).toBeGreaterThanOrEqual(6);
    expect(await lastRecord(cutter.userId)).toMatchObject({ outcome: "client_aborted", completionTokens: 6, tokensEstimated: true });
  });

  test("an engine that dies just before its final chunk still costs what it generated", async () => {
    await configureSimulator(simulator, { chunkCount: 30, dieAfterChunks: 30 });
    const charged = await chargedFor(async () => {
      const request = startRequest(gatehouse.url, "/api/generate", cutter.secret, prompt);
      await request.ended;
    });
    expect(charged).toBeGreaterThanOrEqual(30);
    expect(await lastRecord(cutter.userId)).toMatchObject({ outcome: "upstream_error", completionTokens: 30, tokensEstimated: true });
  });

  test("requests racing for a small quota cannot overrun it", async () => {
    const racer = await admin.userWithKey("racer", { limits: { ...unlimited, dailyTokens: 300 } });
    // Every answer would run to the 100-token ceiling.
    await configureSimulator(simulator, { chunkCount: 1000, chunkDelayMs: 2 });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const response = await fetch(`${gatehouse.url}/api/generate`, {
          method: "POST",
          headers: { Authorization: `Bearer ${racer.secret}`, "Content-Type": "application/json" },
          body: JSON.stringify({ ...prompt, stream: false }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    await timeUntil(async () => (await usage(racer.secret)).inflight === 0);
    const used = (await usage(racer.secret)).day.used;
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThanOrEqual(1);
    // Each request's output is held until it settles; only a prompt (4 words here) may go over.
    expect(used).toBeLessThanOrEqual(300 + 4);
    expect(used).toBeGreaterThan(200);
  });
});
