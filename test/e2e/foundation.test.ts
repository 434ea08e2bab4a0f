import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { freePort, killGroup, makeDataDir, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";
import { configureSimulator, resetSimulator, startSimulator } from "./helpers/simulator-process";
import { errorCode } from "../helpers/error-shape";

const run = promisify(execFile);

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start serves Gatehouse in workerd", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack());
    secret = (await (await AdminClient.signIn(gatehouse.url)).userWithKey("streamer")).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  test("/health reports Ollama up, with a request id", async () => {
    const response = await fetch(`${gatehouse.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(await response.json()).toMatchObject({ status: "ok", upstream: { ollama: "up" } });
  });

  test("the listening socket belongs to workerd, not to Node", async () => {
    const { stdout } = await run("ss", ["-ltnpH", `sport = :${gatehouse.port}`]);
    expect(stdout).toContain("workerd");
    expect(stdout).not.toMatch(/"node"/);
  });

  test("a streamed chat reaches the client chunk by chunk", async () => {
    await configureSimulator(simulator, { chunkDelayMs: 150, chunkCount: 6 });
    const response = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Authorization: `Bearer ${secret}`,
      },
      body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "hello there" }] }),
    });
    expect(response.status).toBe(200);
    const arrivals: number[] = [];
    const started = Date.now();
    const reader = response.body!.getReader();
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
      arrivals.push(Date.now() - started);
    }
    // The first chunk arrived long before the last: nothing was buffered whole.
    expect(arrivals.length).toBeGreaterThan(3);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(500);
    await resetSimulator(simulator);
  });
});

describe("npm start's lifecycle", () => {
  test("a bad variable exits non-zero naming it", async () => {
    for (const [name, value] of [
      ["GATEHOUSE_PORT", "seventy"],
      ["GATEHOUSE_MAX_INFLIGHT", "-3"],
      ["GATEHOUSE_OLLAMA", "no port here"],
    ] as const) {
      const error = await startGatehouse({ env: { [name]: value } }).then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).toContain(name);
      expect(error?.message).toMatch(/exited with 2/);
    }
  });

  test("Ollama down: /health degraded, inference 502 within 5 s", async () => {
    const gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${await freePort()}` } });
    try {
      const health = await fetch(`${gatehouse.url}/health`).then((r) => r.json());
      expect(health).toMatchObject({ status: "degraded", upstream: { ollama: "down" } });
      const { secret } = await (await AdminClient.signIn(gatehouse.url)).userWithKey("downstream");
      const started = Date.now();
      const response = await fetch(`${gatehouse.url}/api/chat`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "hi" }] }),
      });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(response.status).toBe(502);
      expect(errorCode(await response.json())).toBe("upstream_unavailable");
    } finally {
      await gatehouse.stop();
      await gatehouse.cleanup();
    }
  });

  test("no first byte in time: 504 upstream_timeout", async () => {
    const simulator = await startSimulator();
    const gatehouse = await startGatehouse({
      env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_FIRST_BYTE_TIMEOUT: "1" },
    });
    try {
      const { secret } = await (await AdminClient.signIn(gatehouse.url)).userWithKey("patient");
      await configureSimulator(simulator, { firstByteDelayMs: 4000 });
      const response = await fetch(`${gatehouse.url}/api/generate`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}` },
        body: JSON.stringify({ model: "llama3.2:latest", prompt: "slow" }),
      });
      expect(response.status).toBe(504);
      expect(errorCode(await response.json())).toBe("upstream_timeout");
    } finally {
      await gatehouse.stop();
      await gatehouse.cleanup();
      await simulator.close();
    }
  });

  test("SIGTERM stops workerd and exits 0; state survives a restart", async () => {
    const dataDir = await makeDataDir();
    const first = await startGatehouse({ dataDir });
    const instance = /instance (\S+)/.exec(first.output())?.[1];
    expect(instance).toBeTruthy();
    expect(await first.stop("SIGTERM"), first.output()).toBe(0);
    expect(first.output()).toMatch(/stopped in \d+ ms/);
    // Nothing of the process group is left (esbuild's helper exits on EOF a moment later),
    // and the port is free again.
    await expect.poll(() => groupAlive(first.child.pid!), { timeout: 5000 }).toBe(false);
    await expect(fetch(first.url)).rejects.toThrow();

    const second = await startGatehouse({ dataDir });
    try {
      expect(/instance (\S+)/.exec(second.output())?.[1]).toBe(instance);
    } finally {
      expect(await second.stop("SIGINT"), second.output()).toBe(0);
      await second.cleanup();
    }
  });

  test("starts and serves /health with no network at all", async () => {
    const port = await freePort();
    // A fresh network namespace: only a loopback interface, no route anywhere.
    const gatehouse = await startGatehouse({
      port,
      wrapper: ["unshare", "--net", "--"],
      prelude: "ip link set lo up &&",
    });
    try {
      const { stdout } = await run("nsenter", [
        `--net=/proc/${gatehouse.child.pid}/ns/net`,
        "curl", "-s", "--max-time", "5", `http://127.0.0.1:${port}/health`,
      ]);
      expect(JSON.parse(stdout)).toMatchObject({ status: "degraded", upstream: { ollama: "down" } });
    } finally {
      await gatehouse.stop();
      killGroup(gatehouse.child, "SIGKILL");
      await gatehouse.cleanup();
    }
  });
});
