import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";
import { configureSimulator, resetSimulator, startSimulator } from "./helpers/simulator-process";

/**
 * Each way Ollama can fail, end to end: the client gets the right status (or
 * an error line in the stream), the audit record gets the right outcome, and
 * both the user's slot and the GPU slot are given back.
 */
describe("upstream faults", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let key: string;
  let userId: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_FIRST_BYTE_TIMEOUT: "2" }));
    admin = await AdminClient.signIn(gatehouse.url);
    const limits = { rpm: 1000, burst: 1000, concurrency: 2, dailyTokens: null, monthlyTokens: null, models: null };
    ({ secret: key, userId } = await admin.userWithKey("faulty-pipeline", { limits }));
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  async function chat(): Promise<{ status: number; requestId: string; lines: string[] }> {
    const response = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
      body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "tell me something" }] }),
    });
    const text = await response.text().catch(() => "");
    return { status: response.status, requestId: response.headers.get("x-request-id")!, lines: text.trim().split("\n") };
  }

  async function recorded(requestId: string): Promise<{ outcome: string; status: number }> {
    let event: { outcome: string | null; status: number; finishedAt: number | null } | undefined;
    await expect
      .poll(async () => {
        event = (await admin.json<{ event: typeof event }>("GET", `/admin/api/audit/${requestId}?reason=fault+test`)).event;
        return event?.finishedAt ?? null;
      }, { timeout: 10_000 })
      .not.toBeNull();
    return { outcome: event!.outcome!, status: event!.status };
  }

  async function slotsReleased(): Promise<void> {
    await expect
      .poll(async () => {
        const queue = await admin.json<{ inflight: number; users: { userId: string }[] }>("GET", "/admin/api/queue");
        return queue.inflight + queue.users.filter((user) => user.userId === userId).length;
      }, { timeout: 10_000 })
      .toBe(0);
  }

  test.each([
    ["no first byte before the deadline", { firstByteDelayMs: 4000 }, 504, "upstream_timeout", /upstream_timeout/],
    ["dies mid-stream", { chunkCount: 20, dieAfterChunks: 3 }, 200, "upstream_error", /"error":"upstream connection lost"/],
    ["answers 503 busy", { busy: true }, 503, "upstream_error", /server busy/],
    ["sends an in-band error line", { chunkCount: 20, inbandErrorAfterChunks: 2 }, 200, "upstream_error", /"error":"an error was encountered/],
  ])("Ollama %s", async (_name, fault, status, outcome, lastLine) => {
    await resetSimulator(simulator);
    await configureSimulator(simulator, fault);
    const answer = await chat();
    expect(answer.status).toBe(status);
    expect(answer.lines.at(-1)).toMatch(lastLine);
    expect(answer.lines.some((line) => line.includes('"done":true'))).toBe(false);
    expect(await recorded(answer.requestId)).toEqual({ outcome, status });
    await slotsReleased();
  });

  test("Ollama down: 502, recorded as upstream_error, slots released", async () => {
    await simulator.close();
    const answer = await chat();
    expect(answer.status).toBe(502);
    expect(answer.lines[0]).toContain("upstream_unavailable");
    expect(await recorded(answer.requestId)).toEqual({ outcome: "upstream_error", status: 502 });
    await slotsReleased();
  });
});
