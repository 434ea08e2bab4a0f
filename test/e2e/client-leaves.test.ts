import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startRequest, timeUntil } from "./helpers/hang-up";
import { configureSimulator, resetSimulator } from "./helpers/simulator-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * A client that goes away gives everything back at once, at every stage:
 * while it waits in the fair GPU queue (its place goes, and its request never
 * reaches the engine), while the engine has not answered yet (its user and
 * GPU slots free within a second and the engine call is aborted), and while
 * the answer streams. Over real sockets against `npm start` (workerd), with
 * one GPU slot so the queue is easy to fill.
 */
describe("clients that leave", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let holder: string;
  let waiter: string;
  const generous = { rpm: null, burst: null, concurrency: 1, dailyTokens: null, monthlyTokens: null, models: null };
  const body = { model: "llama3.2", prompt: "tell me a long story" };

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_MAX_INFLIGHT: "1" }));
    admin = await AdminClient.signIn(gatehouse.url);
    holder = (await admin.userWithKey("holder", { limits: generous })).secret;
    waiter = (await admin.userWithKey("waiter", { limits: generous })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });
  beforeEach(async () => {
    await resetSimulator(simulator);
  });

  const queue = () => admin.json<{ inflight: number; waiting: number }>("GET", "/admin/api/queue");
  /** The user's own concurrency slots in use, from their Durable Object. */
  const userInflight = async (secret: string) => {
    const response = await fetch(`${gatehouse.url}/account/api/me`, { headers: { Authorization: `Bearer ${secret}` } });
    return ((await response.json()) as { usage: { inflight: number } }).usage.inflight;
  };
  const engineSaw = () => simulator.state.log().requests.filter((seen) => seen.path === "/api/generate").length;

  test("a client that leaves while queued gives up its place at once and is never forwarded", async () => {
    await configureSimulator(simulator, { firstByteDelayMs: 3000 });
    const first = startRequest(gatehouse.url, "/api/generate", holder, body);
    await timeUntil(() => engineSaw() === 1);
    const second = startRequest(gatehouse.url, "/api/generate", waiter, body);
    await timeUntil(async () => (await queue()).waiting === 1);
    expect(await userInflight(waiter)).toBe(1);

    second.leave();
    const gaveUp = await timeUntil(async () => (await queue()).waiting === 0 && (await userInflight(waiter)) === 0);
    expect(gaveUp).toBeLessThan(1500);

    await first.ended;
    expect(first.status()).toBe(200);
    // The GPU slot the holder freed is not handed to the request that left.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(engineSaw()).toBe(1);
    expect((await queue()).inflight).toBe(0);
  });

  test("a client that leaves before the engine's first byte frees both slots within a second and aborts the engine call", async () => {
    await configureSimulator(simulator, { firstByteDelayMs: 30_000 });
    const request = startRequest(gatehouse.url, "/api/generate", holder, body);
    await timeUntil(() => engineSaw() === 1);
    expect((await queue()).inflight).toBe(1);

    request.leave();
    const freed = await timeUntil(async () => (await queue()).inflight === 0 && (await userInflight(holder)) === 0);
    expect(freed).toBeLessThan(1500);
    await timeUntil(() => simulator.state.log().inflight === 0, 2000);
    expect(simulator.state.log().requests[0]?.closedEarly).toBe(true);

    // The slot really is free: the next request is served at once, not after the 30 s first byte.
    await configureSimulator(simulator, { firstByteDelayMs: null });
    const next = await fetch(`${gatehouse.url}/api/generate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${holder}`, "Content-Type": "application/json" },
      body: JSON.stringify({ ...body, stream: false }),
    });
    expect(next.status).toBe(200);
  });

  test("a client that leaves mid-stream frees both slots within a second and the engine stops", async () => {
    await configureSimulator(simulator, { chunkCount: 400, chunkDelayMs: 50 });
    const request = startRequest(gatehouse.url, "/api/generate", holder, body);
    await request.waitForLines(3);
    request.leave();
    const freed = await timeUntil(async () => (await queue()).inflight === 0 && (await userInflight(holder)) === 0);
    expect(freed).toBeLessThan(1500);
    await timeUntil(() => simulator.state.log().inflight === 0, 2000);
    expect(simulator.state.log().requests[0]?.closedEarly).toBe(true);
  });
});
