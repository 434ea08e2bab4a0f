import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { killGroup, projectRoot, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";
import { errorCode } from "../helpers/error-shape";

/**
 * The audit trail against `npm start`: a crash under load loses no record of
 * an answered request, and an edit made with the sqlite3 CLI straight in the
 * D1 file is caught by `npm run gatehouse -- audit verify`.
 */

const run = promisify(execFile);

let simulator: OllamaSimulator;
let gatehouse: GatehouseProcess;
let dataDir: string;
let userKey: string;
let adminKey: string;
/** A user whose rate bucket is spent just before the crash: its state must survive kill -9. */
let thriftyKey: string;

const settings = { GATEHOUSE_MAX_INFLIGHT: "32", GATEHOUSE_MAX_QUEUE: "512" };
const start = (dir?: string) => startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, ...settings }, dataDir: dir });

beforeAll(async () => {
  simulator = await startSimulator();
  gatehouse = await start();
  dataDir = gatehouse.dataDir;
  const admin = await AdminClient.signIn(gatehouse.url);
  const generous = { rpm: 100_000, burst: 100_000, concurrency: 100, dailyTokens: null, monthlyTokens: null, models: null };
  userKey = (await admin.userWithKey("audit-load", { limits: generous })).secret;
  adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "audit-cli" })).secret;
  const thrifty = { rpm: 1, burst: 5, concurrency: 4, dailyTokens: null, monthlyTokens: null, models: null };
  thriftyKey = (await admin.userWithKey("thrifty", { limits: thrifty })).secret;
}, 90_000);

afterAll(async () => {
  await gatehouse?.stop();
  await gatehouse?.cleanup();
  await simulator?.close();
});

async function simulatorConfig(config: Record<string, unknown>): Promise<void> {
  await fetch(`http://127.0.0.1:${simulator.port}/__sim/config`, { method: "POST", body: JSON.stringify(config) }).then((r) => r.arrayBuffer());
}

async function cliVerify(): Promise<{ code: number; stdout: string }> {
  const env = { ...process.env, GATEHOUSE_URL: gatehouse.url, GATEHOUSE_ADMIN_KEY: adminKey };
  try {
    const { stdout } = await run("npm", ["run", "--silent", "gatehouse", "--", "audit", "verify"], { cwd: projectRoot, env });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: `${failed.stdout}${failed.stderr}` };
  }
}

async function d1File(): Promise<string> {
  const entries = await readdir(join(dataDir, "d1"), { recursive: true });
  const file = entries.find((entry) => entry.endsWith(".sqlite"));
  if (!file) throw new Error("no D1 sqlite file under the data dir");
  return join(dataDir, "d1", file);
}

const sqlite = async (sql: string) => (await run("sqlite3", [await d1File(), sql])).stdout.trim();

/** Clients sending chats (streamed and not) until told to stop; every answer's request id is kept. */
function load(clients: number) {
  const answered = new Map<string, number>();
  let stopped = false;
  const one = async (i: number) => {
    while (!stopped) {
      try {
        const response = await fetch(`${gatehouse.url}/api/chat`, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${userKey}` },
          body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: `load ${i}` }], stream: i % 2 === 0 }),
        });
        answered.set(response.headers.get("x-request-id")!, response.status);
        await response.arrayBuffer();
      } catch {
        // The gateway died under us: expected.
      }
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
  return { answered, stop: async () => ((stopped = true), await running) };
}

function chatAs(key: string): Promise<Response> {
  return fetch(`${gatehouse.url}/api/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "count me" }], stream: false }),
  });
}

async function tokensToday(key: string): Promise<number> {
  const me = await fetch(`${gatehouse.url}/account/api/me`, { headers: { Authorization: `Bearer ${key}` } });
  return ((await me.json()) as { usage: { day: { used: number } } }).usage.day.used;
}

describe("audit trail of a real process", () => {
  test("kill -9 of workerd under load: every answered request has its record; open ones are interrupted", { timeout: 180_000 }, async () => {
    await simulatorConfig({ chunkDelayMs: 25, chunkCount: 12 });
    const traffic = load(16);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    // Spend the thrifty user's whole bucket (5) and note the load user's tokens so far.
    for (let i = 0; i < 5; i++) expect((await chatAs(thriftyKey)).status).toBe(200);
    const tokensBefore = await tokensToday(userKey);
    expect(tokensBefore).toBeGreaterThan(0);
    const { stdout } = await run("ps", ["-o", "pid=,comm=", "-g", String(gatehouse.child.pid)]);
    const workerd = stdout.split("\n").map((line) => line.trim().split(/\s+/)).filter(([, comm]) => comm === "workerd").map(([pid]) => Number(pid));
    expect(workerd.length).toBeGreaterThan(0);
    for (const pid of workerd) process.kill(pid, "SIGKILL");
    await traffic.stop();
    killGroup(gatehouse.child, "SIGKILL");
    await gatehouse.stop("SIGKILL");
    await simulatorConfig({ chunkDelayMs: null, chunkCount: null });

    const answered = [...traffic.answered.keys()];
    expect(answered.length).toBeGreaterThan(20);
    gatehouse = await start(dataDir);

    const ids = new Set((await sqlite("SELECT id FROM audit_events WHERE kind = 'request'")).split("\n"));
    const missing = answered.filter((id) => !ids.has(id));
    expect(missing).toEqual([]);
    expect(await sqlite("SELECT COUNT(*) FROM audit_events WHERE finished_at IS NULL")).toBe("0");
    expect(Number(await sqlite("SELECT COUNT(*) FROM audit_events WHERE outcome = 'interrupted'"))).toBeGreaterThan(0);
    const verified = await cliVerify();
    expect(verified.stdout).toContain("intact");
    expect(verified.code).toBe(0);

    // Limits survived the crash: the spent bucket is still spent (1 rpm refills one a minute),
    // and the tokens charged before the crash are still counted.
    const refused = await chatAs(thriftyKey);
    expect(refused.status).toBe(429);
    expect(errorCode(await refused.json())).toBe("rate_limited");
    expect(await tokensToday(userKey)).toBeGreaterThanOrEqual(tokensBefore);
  });

  test("a row edited or deleted with sqlite3 makes verify fail", { timeout: 180_000 }, async () => {
    const response = await fetch(`${gatehouse.url}/api/chat`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${userKey}` },
      body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: "to be tampered with" }], stream: false }),
    });
    const id = response.headers.get("x-request-id")!;
    await response.arrayBuffer();
    expect((await cliVerify()).code).toBe(0);
    await gatehouse.stop();

    await sqlite(`UPDATE audit_events SET completion_tokens = 99999 WHERE id = '${id}'`);
    gatehouse = await start(dataDir);
    const edited = await cliVerify();
    expect(edited.code).toBe(1);
    expect(edited.stdout).toContain(id);
    expect(edited.stdout).toContain("record_changed");
    await gatehouse.stop();

    const victim = await sqlite("SELECT id FROM audit_events WHERE sealed_seq IS NOT NULL ORDER BY seq LIMIT 1 OFFSET 3");
    await sqlite(`DELETE FROM audit_events WHERE id = '${victim}'`);
    gatehouse = await start(dataDir);
    const deleted = await cliVerify();
    expect(deleted.code).toBe(1);
    expect(deleted.stdout).toContain(victim);
    expect(deleted.stdout).toContain("missing_record");

    // Nothing secret on the console either (the first admin's password was given, so never printed).
    for (const secret of [userKey, adminKey, "the-admins-own-password-2026"]) expect(gatehouse.output()).not.toContain(secret);
  });
});
