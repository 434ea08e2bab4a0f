import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Charges survive a stop. A busy user's releases are written within a few
 * milliseconds of each other, sharing one commit (src/governance/user-limiter.ts),
 * so the last answers before a stop are charged in memory first: a graceful
 * stop (SIGTERM, as systemd and Ctrl-C send) the moment they are answered
 * must still find every one of them on disk after the restart. Over real
 * sockets against `npm start`.
 */
describe("quota charges across a stop", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;
  const limits = { rpm: null, burst: null, concurrency: null, dailyTokens: 10_000_000, monthlyTokens: null, models: null };

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    const admin = await AdminClient.signIn(gatehouse.url);
    ({ secret } = await admin.userWithKey("busy", { limits }));
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  const chat = async (): Promise<number> => {
    const response = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "charge me" }], stream: false }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { prompt_eval_count: number; eval_count: number };
    return body.prompt_eval_count + body.eval_count;
  };
  const usedToday = async (): Promise<number> => {
    const response = await fetch(`${gatehouse.url}/account/api/me`, { headers: { Authorization: `Bearer ${secret}` } });
    return ((await response.json()) as { usage: { day: { used: number } } }).usage.day.used;
  };

  test("eight answers at once, SIGTERM the moment they are in: after the restart every token is still charged", { timeout: 120_000 }, async () => {
    let charged = 0;
    for (let round = 0; round < 3; round++) {
      const tokens = await Promise.all(Array.from({ length: 8 }, chat));
      charged += tokens.reduce((sum, count) => sum + count, 0);
      const dataDir = gatehouse.dataDir;
      expect(await gatehouse.stop("SIGTERM")).toBe(0);
      gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}` }, dataDir });
      expect(await usedToday(), `round ${round}`).toBe(charged);
    }
  });
});
