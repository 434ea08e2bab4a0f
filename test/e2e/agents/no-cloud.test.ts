import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../../fixtures/ollama-sim/server";
import { AdminClient } from "../helpers/accounts";
import type { GatehouseProcess } from "../helpers/gatehouse-process";
import { startStack, stopStack } from "../helpers/stack";
import { generous, seenRequests } from "./helpers";

/**
 * GATEHOUSE_REQUIRE_NO_CLOUD=1: inference is refused (503, fail closed) while
 * Ollama's GET /api/status says its cloud features are on; /health and
 * /metrics say which it is.
 */
describe("GATEHOUSE_REQUIRE_NO_CLOUD", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_REQUIRE_NO_CLOUD: "1" }));
    const admin = await AdminClient.signIn(gatehouse.url);
    secret = (await admin.userWithKey("no-cloud-user", { limits: generous })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  const setCloud = (disabled: boolean) =>
    fetch(`${simulator.url}/__sim/status`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ cloudDisabled: disabled }) });
  const ask = () =>
    fetch(`${gatehouse.url}/v1/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "x-api-key": secret },
      body: JSON.stringify({ model: "llama3.2", max_tokens: 8, messages: [{ role: "user", content: "hi" }] }),
    });
  const health = async () => ((await (await fetch(`${gatehouse.url}/health`)).json()) as { upstream: { ollamaCloud: string } }).upstream.ollamaCloud;
  const gauge = async () => /^gatehouse_ollama_cloud_enabled (-?\d)/m.exec(await (await fetch(`${gatehouse.url}/metrics`)).text())?.[1];

  /** Polls until `check` holds (the engine's answer is cached for a few seconds). */
  async function eventually(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error("condition never held");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  test("refused with 503 and Retry-After while the cloud is on; served once it is off; and back", async () => {
    const refused = await ask();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ type: "error", error: { type: "overloaded_error", message: expect.stringContaining("GATEHOUSE_REQUIRE_NO_CLOUD") } });
    expect(await health()).toBe("enabled");
    expect(await gauge()).toBe("1");
    expect((await seenRequests(simulator)).filter((s) => s.path === "/v1/messages")).toEqual([]);

    await setCloud(true);
    await eventually(async () => (await ask()).status === 200);
    expect(await health()).toBe("disabled");
    expect(await gauge()).toBe("0");

    await setCloud(false);
    await eventually(async () => (await ask()).status === 503);
  });

  test("an engine that cannot say (no /api/status, older Ollama) is refused too", async () => {
    await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ status: 404 }) });
    try {
      await eventually(async () => (await gauge()) === "-1");
      const refused = await ask();
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain("GATEHOUSE_REQUIRE_NO_CLOUD");
    } finally {
      await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
    }
  });
});
