import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { parseExposition, type Exposition } from "../integration/observability/exposition-parse";
import { AdminClient } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { configureSimulator, resetSimulator, startSimulator } from "./helpers/simulator-process";

/**
 * GET /metrics against `npm start`: a Prometheus on this box scrapes it
 * without credentials; from any other address only an admin may. The
 * numbers move with real requests, the queue gauges come from the
 * admission Durable Object, and gatehouse_upstream_up follows Ollama.
 */

const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };
const chat = (stream = false) => ({ model: "llama3.2:latest", messages: [{ role: "user", content: "count to ten" }], stream });

/** An IPv4 address of this machine that is not loopback, if it has one. */
const lanAddress = Object.values(networkInterfaces())
  .flat()
  .find((entry) => entry && entry.family === "IPv4" && !entry.internal)?.address;

describe("GET /metrics under npm start", () => {
  let simulator: OllamaSimulator;
  let simulatorClosed = false;
  let gatehouse: GatehouseProcess;
  let adminKey: string;
  let service: { userId: string; secret: string };

  const scrape = async (base = gatehouse.url, headers: Record<string, string> = {}): Promise<Exposition> => {
    const response = await fetch(`${base}/metrics`, { headers });
    if (response.status !== 200) throw new Error(`scrape: ${response.status} ${await response.text()}`);
    return parseExposition(await response.text());
  };
  const send = (body: unknown, secret = service.secret) =>
    fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
      body: JSON.stringify(body),
    });
  async function until(check: (metrics: Exposition) => boolean, timeoutMs = 15_000): Promise<Exposition> {
    const deadline = Date.now() + timeoutMs;
    let metrics = await scrape();
    while (!check(metrics) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      metrics = await scrape();
    }
    return metrics;
  }

  beforeAll(async () => {
    simulator = await startSimulator();
    // Listening on every address, so a scrape can come from a non-loopback one too.
    gatehouse = await startGatehouse({
      env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_HOST: "0.0.0.0", GATEHOUSE_MAX_INFLIGHT: "1" },
    });
    const admin = await AdminClient.signIn(gatehouse.url);
    ({ secret: adminKey } = await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "prometheus" }));
    service = await admin.userWithKey("metrics-pipeline", { role: "service", limits: generous });
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    if (!simulatorClosed) await simulator?.close();
  });

  test("from loopback, no credentials: valid exposition text with the Prometheus content type", async () => {
    const response = await fetch(`${gatehouse.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const metrics = parseExposition(await response.text());
    expect(metrics.value("gatehouse_upstream_up")).toBe(1);
    expect(metrics.value("gatehouse_inflight_limit")).toBe(1);
    const buildInfo = metrics.samples.find((sample) => sample.name === "gatehouse_build_info");
    expect(buildInfo?.labels).toMatchObject({ runtime: "workerd", version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(buildInfo?.value).toBe(1);
  });

  test("with an admin's API key too", async () => {
    const metrics = await scrape(gatehouse.url, { Authorization: `Bearer ${adminKey}` });
    expect(metrics.types.get("gatehouse_requests_total")).toBe("counter");
  });

  test("requests, latency, time to first byte, tokens and refusals move with real requests", async () => {
    const labels = { route: "/api/chat", status: "200", model: "llama3.2:latest", user: "metrics-pipeline" };
    const before = await scrape();
    for (const stream of [false, true]) {
      const response = await send(chat(stream));
      expect(response.status).toBe(200);
      await response.arrayBuffer();
    }
    expect((await send(chat(), "gh_not-a-key-at-all-000000")).status).toBe(401);
    const after = await until((m) => m.value("gatehouse_requests_total", labels) >= before.value("gatehouse_requests_total", labels) + 2);
    expect(after.value("gatehouse_requests_total", labels) - before.value("gatehouse_requests_total", labels)).toBe(2);
    const route = { route: "/api/chat" };
    for (const family of ["gatehouse_request_duration_seconds", "gatehouse_time_to_first_byte_seconds"]) {
      expect(after.value(`${family}_count`, route) - before.value(`${family}_count`, route), family).toBeGreaterThanOrEqual(2);
    }
    const tokens = (m: Exposition, kind: string) => m.value("gatehouse_tokens_total", { user: "metrics-pipeline", model: "llama3.2:latest", kind });
    expect(tokens(after, "completion")).toBeGreaterThan(tokens(before, "completion"));
    expect(tokens(after, "prompt")).toBeGreaterThan(tokens(before, "prompt"));
    expect(after.value("gatehouse_refusals_total", { reason: "unauthenticated" })).toBeGreaterThan(before.value("gatehouse_refusals_total", { reason: "unauthenticated" }));
    expect(after.value("gatehouse_queue_wait_seconds_count")).toBeGreaterThanOrEqual(before.value("gatehouse_queue_wait_seconds_count") + 2);
  });

  test("in flight and queue depth come from the admission queue while requests hold the GPU", async () => {
    await configureSimulator(simulator, { chunkDelayMs: 150, chunkCount: 12 });
    try {
      const before = await scrape();
      const answers = [0, 1, 2].map(() => send(chat(true)).then(async (response) => ({ status: response.status, body: await response.text() })));
      const busy = await until((m) => m.value("gatehouse_inflight") === 1 && m.value("gatehouse_queue_depth") >= 1);
      expect(busy.value("gatehouse_inflight")).toBe(1); // GATEHOUSE_MAX_INFLIGHT=1
      expect(busy.value("gatehouse_queue_depth")).toBeGreaterThanOrEqual(1);
      for (const answer of await Promise.all(answers)) expect(answer.status).toBe(200);
      const idle = await until((m) => m.value("gatehouse_inflight") === 0 && m.value("gatehouse_queue_depth") === 0);
      expect(idle.value("gatehouse_inflight")).toBe(0);
      // The ones that waited waited for real: their time in the queue is in the histogram.
      expect(idle.value("gatehouse_queue_wait_seconds_sum") - before.value("gatehouse_queue_wait_seconds_sum")).toBeGreaterThan(0.5);
    } finally {
      await resetSimulator(simulator);
    }
  });

  test.skipIf(!lanAddress)("from another address of this box: 401 without credentials, 403 for a non-admin key, 200 for an admin", async () => {
    const base = `http://${lanAddress}:${gatehouse.port}`;
    const anonymous = await fetch(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("unauthenticated");
    // A forged header changes nothing: no trusted proxy is configured.
    expect((await fetch(`${base}/metrics`, { headers: { "X-Forwarded-For": "127.0.0.1" } })).status).toBe(401);
    const user = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${service.secret}` } });
    expect(user.status).toBe(403);
    expect(((await user.json()) as { error: { code: string } }).error.code).toBe("forbidden");
    const metrics = await scrape(base, { Authorization: `Bearer ${adminKey}` });
    expect(metrics.types.size).toBeGreaterThan(5);
  });

  // Last: it takes Ollama away.
  test("gatehouse_upstream_up drops to 0 when Ollama stops answering", async () => {
    expect((await scrape()).value("gatehouse_upstream_up")).toBe(1);
    await simulator.close();
    simulatorClosed = true;
    // The probe is cached for a few seconds.
    const down = await until((m) => m.value("gatehouse_upstream_up") === 0, 20_000);
    expect(down.value("gatehouse_upstream_up")).toBe(0);
  });
});
