import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { configureSimulator, resetSimulator } from "./helpers/simulator-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * An engine that closes keep-alive connections after a stream (llama.cpp's
 * server) must not cost clients a 502: a request that failed before any byte
 * reached the engine is sent once more on another connection. One that did
 * reach the engine is never sent twice (no double generation).
 */
describe("upstream connections that were already dead", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_MAX_INFLIGHT: "8" }));
    const open = { rpm: null, burst: null, concurrency: null, dailyTokens: null, monthlyTokens: null, models: null };
    secret = (await (await AdminClient.signIn(gatehouse.url)).userWithKey("keepalive", { limits: open })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });
  beforeEach(async () => {
    await resetSimulator(simulator);
  });

  const chat = async (i: number) => {
    const response = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: `question ${i}` }] }),
    });
    await response.text();
    return response.status;
  };

  test("under load, no request gets 502 from a connection the engine had closed", async () => {
    await configureSimulator(simulator, { closeAfterStream: true });
    const statuses = (
      await Promise.all(
        Array.from({ length: 4 }, async (_, client) => {
          const seen: number[] = [];
          for (let i = 0; i < 12; i++) seen.push(await chat(client * 100 + i));
          return seen;
        }),
      )
    ).flat();
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    // The fault did happen: requests were sent on connections the engine had closed.
    expect(simulator.state.droppedOnDeadConnections).toBeGreaterThan(0);
    // Every answer generated once: the dropped sends never reached the engine.
    expect(simulator.state.log().requests.filter((seen) => seen.path === "/api/chat")).toHaveLength(48);
  }, 120_000);

  test("a request the engine read before the connection died is not sent again", async () => {
    await configureSimulator(simulator, { holdOpenMs: 1000 });
    expect(await chat(1)).toBe(502);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(simulator.state.log().requests.filter((seen) => seen.path === "/api/chat")).toHaveLength(1);
  });
});
