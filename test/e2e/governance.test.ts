import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator, SimulatorLog } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";
import { errorCode } from "../helpers/error-shape";

/**
 * Limits and the GPU gate against `npm start`: the counters live in Durable
 * Object storage under GATEHOUSE_DATA and survive a restart, and Ollama never
 * sees more than GATEHOUSE_MAX_INFLIGHT requests at once.
 */
const maxInflight = 2;
const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };
// Service accounts: keys only, no first-password change between them and the API.
const chat = (content: string, stream = false) => ({ model: "llama3.2:latest", messages: [{ role: "user", content }], stream });

describe("limits and the GPU gate under npm start", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;

  const start = (dataDir?: string) =>
    startGatehouse({
      ...(dataDir ? { dataDir } : {}),
      env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_MAX_INFLIGHT: String(maxInflight) },
    });
  const send = (secret: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}`, ...headers },
      body: JSON.stringify(body),
    });
  const simLog = async () => (await (await fetch(`${simulator.url}/__sim/requests`)).json()) as SimulatorLog;
  const reset = () => fetch(`${simulator.url}/__sim/reset`, { method: "POST" }).then((r) => r.arrayBuffer());

  /** Sends and reads the answer, then gives the settlement (off the response path) a moment to land. */
  async function statusOf(secret: string, content: string): Promise<number> {
    const response = await send(secret, chat(content));
    await response.arrayBuffer();
    return response.status;
  }

  beforeAll(async () => {
    simulator = await startSimulator();
    gatehouse = await start();
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    await simulator?.close();
  });

  test("Ollama never sees more than GATEHOUSE_MAX_INFLIGHT requests at once; the rest wait their turn", async () => {
    await reset();
    const admin = await AdminClient.signIn(gatehouse.url);
    const users = await Promise.all(["gpu-a", "gpu-b", "gpu-c"].map((name) => admin.userWithKey(name, { role: "service", limits: generous })));
    const chunkDelayMs = 40;
    const chunkCount = 8;
    // Set on the simulator: Gatehouse never forwards a client's own headers.
    await fetch(`${simulator.url}/__sim/config`, { method: "POST", body: JSON.stringify({ chunkDelayMs, chunkCount }) }).then((r) => r.arrayBuffer());
    const started = Date.now();
    const responses = await Promise.all(
      users.flatMap((user, u) => Array.from({ length: 4 }, (_, i) => send(user.secret, chat(`gpu ${u}-${i}`, true)))),
    );
    await Promise.all(responses.map((response) => response.arrayBuffer()));
    const elapsed = Date.now() - started;
    expect(responses.map((r) => r.status)).toEqual(Array(12).fill(200));
    const log = await simLog();
    expect(log.requests.filter((r) => r.path === "/api/chat")).toHaveLength(12);
    expect(log.maxConcurrent).toBeGreaterThanOrEqual(1);
    expect(log.maxConcurrent).toBeLessThanOrEqual(maxInflight);
    // 12 answers of ~320 ms through 2 slots take at least 6 turns; without the gate they would overlap in one.
    expect(elapsed).toBeGreaterThanOrEqual((12 / maxInflight) * chunkDelayMs * chunkCount * 0.9);
    await reset();
  });

  test("rate and quota counters survive a restart", async () => {
    const admin = await AdminClient.signIn(gatehouse.url);
    // One request per minute: the bucket stays empty across a restart that takes less than a minute.
    const rated = await admin.userWithKey("restart-rate", { role: "service", limits: { ...generous, rpm: 1, burst: 1 } });
    const quota = await admin.userWithKey("restart-quota", { role: "service", limits: { ...generous, dailyTokens: 1 } });
    expect(await statusOf(rated.secret, "first")).toBe(200);
    expect(await statusOf(quota.secret, "spend the quota")).toBe(200);
    // The charge is settled off the response path; wait for it to be visible.
    for (let i = 0; i < 100 && (await statusOf(quota.secret, "probe")) !== 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await statusOf(rated.secret, "second")).toBe(429);

    const dataDir = gatehouse.dataDir;
    await gatehouse.stop();
    gatehouse = await start(dataDir);

    const rateAfter = await send(rated.secret, chat("after restart"));
    expect(rateAfter.status).toBe(429);
    expect(errorCode(await rateAfter.json())).toBe("rate_limited");
    expect(Number(rateAfter.headers.get("retry-after"))).toBeGreaterThan(0);
    const quotaAfter = await send(quota.secret, chat("after restart"));
    expect(quotaAfter.status).toBe(429);
    expect(errorCode(await quotaAfter.json())).toBe("quota_exceeded");
  });
});
