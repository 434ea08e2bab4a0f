import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Clients that send slowly must not hold the gateway: a body dribbled byte
 * by byte is cut off at GATEHOUSE_BODY_TIMEOUT (408), and headers dribbled
 * byte by byte are dropped by workerd's HTTP server (its header timeout)
 * before the worker ever runs. Neither is forwarded.
 */
describe("slow clients", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_BODY_TIMEOUT: "2" }));
    secret = (await (await AdminClient.signIn(gatehouse.url)).userWithKey("dribbler")).secret;
    await fetch(`${simulator.url}/__sim/reset`, { method: "POST" });
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  /** Writes `text` one byte per `everyMs` until the server closes; returns what it answered and when. */
  function dribble(text: string, everyMs: number, limitMs: number): Promise<{ answer: string; closedAfterMs: number }> {
    return new Promise((resolve) => {
      const started = Date.now();
      const socket: Socket = connect(gatehouse.port, "127.0.0.1");
      let answer = "";
      let index = 0;
      const timer = setInterval(() => {
        if (index < text.length && !socket.destroyed) socket.write(text[index++]!);
      }, everyMs);
      const giveUp = setTimeout(() => socket.destroy(), limitMs);
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("error", () => {});
      socket.on("close", () => {
        clearInterval(timer);
        clearTimeout(giveUp);
        resolve({ answer, closedAfterMs: Date.now() - started });
      });
    });
  }

  test("a body dribbled one byte at a time gets 408 at the deadline and is never forwarded", async () => {
    const body = JSON.stringify({ model: "llama3.2", prompt: "x".repeat(200) });
    const head = [
      "POST /api/generate HTTP/1.1",
      "Host: 127.0.0.1",
      "Connection: close",
      "Content-Type: application/json",
      `Authorization: Bearer ${secret}`,
      `Content-Length: ${body.length}`,
      "",
      "",
    ].join("\r\n");
    const socket = connect(gatehouse.port, "127.0.0.1");
    socket.write(head);
    const started = Date.now();
    let answer = "";
    const timer = setInterval(() => socket.write("x"), 200);
    await new Promise<void>((resolve) => {
      socket.on("data", (chunk) => (answer += chunk.toString()));
      socket.on("error", () => {});
      socket.on("close", () => resolve());
      setTimeout(() => socket.destroy(), 8000);
    });
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(answer).toContain('"code":"request_timeout"');
    expect(Date.now() - started).toBeLessThan(6000);
    expect(simulator.state.log().requests).toHaveLength(0);
  });

  test("headers dribbled one byte at a time are dropped by workerd within its header timeout", async () => {
    const head = `POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${secret}\r\nX-Padding: ${"p".repeat(200)}\r\n\r\n`;
    const { answer, closedAfterMs } = await dribble(head, 100, 40_000);
    // Never served: no complete request ever reached the worker.
    expect(answer).not.toMatch(/^HTTP\/1\.1 2/);
    // workerd (KJ's HTTP server) allows 15 s for the whole header block.
    expect(closedAfterMs).toBeLessThan(20_000);
    expect(simulator.state.log().requests).toHaveLength(0);
  }, 45_000);
});
