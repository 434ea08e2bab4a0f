import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";
import { configureSimulator } from "./helpers/simulator-process";

/**
 * A client that closes its socket mid-answer must stop the model: the
 * disconnect has to travel from workerd's listening socket, through the
 * relay stream, to the connection to Ollama (workerd issue #6832 reported a
 * version where a body in between stopped being cancelled).
 */
describe("client disconnect through workerd", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const generous = { rpm: 10_000, burst: 10_000, concurrency: 50, dailyTokens: null, monthlyTokens: null, models: null };
    secret = (await (await AdminClient.signIn(gatehouse.url)).userWithKey("quitter", { limits: generous })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  /** Starts a streamed chat over a raw socket, waits for the first bytes, then destroys the socket. */
  function abandonAfterFirstChunk(path: string, body: unknown): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(`${gatehouse.url}${path}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
      });
      req.on("response", (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", (error) => (req.destroyed ? resolve() : reject(error)));
      req.end(JSON.stringify(body));
    });
  }

  test.each([
    ["/api/chat", { model: "llama3.2:latest", messages: [{ role: "user", content: "long story" }] }],
    ["/v1/chat/completions", { model: "llama3.2:latest", messages: [{ role: "user", content: "long story" }], stream: true }],
  ])("closing the socket on %s closes the upstream connection within a second", async (path, body) => {
    await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
    await configureSimulator(simulator, { chunkCount: 400, chunkDelayMs: 25 });
    const closedAt = Date.now();
    await abandonAfterFirstChunk(path, body);
    await expect
      .poll(() => simulator.state.log().requests.find((seen) => seen.path === path)?.closedEarly, { timeout: 3000, interval: 50 })
      .toBe(true);
    // 400 chunks at 25 ms would take 10 s; the upstream was cut off long before.
    expect(Date.now() - closedAt).toBeLessThan(2000);
    expect(simulator.state.log().inflight).toBe(0);
  });
});
