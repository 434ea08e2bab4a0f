import { execFileSync } from "node:child_process";
import { request } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import type { GatehouseProcess } from "./helpers/gatehouse-process";
import { timeUntil } from "./helpers/hang-up";
import { startStack, stopStack } from "./helpers/stack";

/**
 * Work anyone can cause without credentials stays small: header credentials
 * are checked before a body is read, so huge bodies without credentials cost
 * the gateway nothing and a keyed user's latency holds; and failed sign-ins
 * with invented names leave the data directory flat, with no name on disk.
 */
describe("unauthenticated work is bounded", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let secret: string;

  beforeAll(async () => {
    ({ simulator, gatehouse } = await startStack({ GATEHOUSE_PBKDF2_ITERATIONS: "1000" }));
    const admin = await AdminClient.signIn(gatehouse.url);
    const open = { rpm: null, burst: null, concurrency: null, dailyTokens: null, monthlyTokens: null, models: null };
    secret = (await admin.userWithKey("steady", { limits: open })).secret;
  });
  afterAll(async () => {
    await stopStack(simulator, gatehouse);
  });

  /** Median milliseconds of `count` sequential keyed requests. */
  async function keyedMedian(count: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const response = await fetch(`${gatehouse.url}/api/generate`, {
        method: "POST",
        headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" },
        body: JSON.stringify({ model: "llama3.2", prompt: "hi", stream: false }),
      });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)]!;
  }

  /** Posts `body` without credentials to `path`, again and again, until `stop` says so. */
  async function attacker(path: string, body: Buffer, stop: () => boolean): Promise<number[]> {
    const statuses: number[] = [];
    while (!stop()) {
      statuses.push(
        await new Promise<number>((resolve) => {
          const req = request(`${gatehouse.url}${path}`, { method: "POST", headers: { "Content-Type": "application/json", "Content-Length": body.length } });
          // The gateway answers 401 without reading the body and may reset the rest of the upload.
          req.on("socket", (socket) => socket.on("error", () => {}));
          req.on("response", (res) => {
            res.on("error", () => {});
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
            res.on("close", () => resolve(res.statusCode ?? 0));
          });
          req.on("error", () => resolve(0));
          req.on("close", () => resolve(0));
          req.end(body);
        }),
      );
    }
    return statuses;
  }

  test("a keyed user's latency holds while clients without credentials send huge, deep bodies", async () => {
    const baseline = await keyedMedian(15);
    // 7.5 MiB of nested objects: costly to parse, just under the 8 MiB body limit.
    const unit = '{"role":"user","content":[{"a":[{"b":[1,2,3]}]}]},';
    const body = Buffer.from(`{"model":"llama3.2","messages":[${unit.repeat(Math.floor((7.5 * 1024 * 1024) / unit.length))}{"role":"user","content":"x"}]}`);
    let done = false;
    // POST /chat too, whose credentials would be in the body: it reads no more than the first 64 KiB.
    const attackers = ["/api/chat", "/api/chat", "/chat", "/chat"].map((path) => attacker(path, body, () => done));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const underLoad = await keyedMedian(15);
    done = true;
    const statuses = (await Promise.all(attackers)).flat();
    expect(statuses.length).toBeGreaterThan(0);
    expect(statuses.every((status) => status === 401 || status === 0)).toBe(true);
    // Generous: reading and parsing those bodies first took seconds per keyed request.
    expect(underLoad).toBeLessThan(baseline * 4 + 250);
  }, 120_000);

  test("POST /chat over a socket: a body that never ends after 64 KiB without auth is answered 401 at once, not after the body deadline", async () => {
    const socket = connect(gatehouse.port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk: Buffer) => (answer += chunk.toString()));
    socket.on("error", () => {});
    const started = Date.now();
    // Declares 8 MiB (within the body limit), sends 80 KiB of it, and never the rest.
    socket.write(`POST /chat HTTP/1.1\r\nHost: gatehouse\r\nContent-Type: application/json\r\nContent-Length: ${8 * 1024 * 1024 - 1024}\r\n\r\n`);
    socket.write(`{"messages":[{"role":"user","content":"${"x".repeat(80 * 1024)}`);
    await timeUntil(() => answer.includes("\r\n\r\n"), 10_000);
    const elapsed = Date.now() - started;
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(answer).toMatch(/"code":"unauthenticated"/);
    // GATEHOUSE_BODY_TIMEOUT is 30 s: the answer did not wait for a body that never comes.
    expect(elapsed).toBeLessThan(5_000);
  });

  test("1,000 failed sign-ins with invented names leave the data directory flat and no name on disk", async () => {
    const size = () => Number(execFileSync("du", ["-sb", gatehouse.dataDir]).toString().split("\t")[0]);
    // Settle what normal start-up writes first.
    for (let i = 0; i < 3; i++) await signIn(`warmup-${i}`);
    const before = size();
    const names = Array.from({ length: 1000 }, (_, i) => `zqinvented${i}x${Math.random().toString(36).slice(2, 8)}`);
    for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map(signIn));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const grown = size() - before;
    expect(grown).toBeLessThan(1024 * 1024);
    const found = execFileSync("sh", ["-c", `grep -rl zqinvented ${JSON.stringify(gatehouse.dataDir)} || true`]).toString().trim();
    expect(found).toBe("");
  }, 180_000);

  async function signIn(username: string): Promise<void> {
    const response = await fetch(`${gatehouse.url}/auth/login`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Origin: gatehouse.url },
      body: JSON.stringify({ username, password: "not the password at all" }),
    });
    await response.arrayBuffer();
    expect([401, 429]).toContain(response.status);
  }
});
