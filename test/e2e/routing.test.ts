import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { errorCode } from "../helpers/error-shape";
import { AdminClient } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulatorProcess, type SimulatorProcess } from "./helpers/simulator-child";

/**
 * Many engines behind one gate, against `npm start`: two simulator processes
 * as two inference boxes (`local` through GATEHOUSE_OLLAMA, `box2` in the
 * catalog, which also plays an OpenAI-compatible cloud provider), and a third
 * that no catalog row names (the SSRF sentinel). The catalog is managed
 * through the admin API, as an admin would.
 */

const providerKey = "sk-e2e-provider-key-9f8e7d6c5b4a";
const cloudModel = "gpt-sim:latest";
const generous = { rpm: 10_000, burst: 10_000, concurrency: 20, dailyTokens: null, monthlyTokens: null, models: null };
const chat = (model: string, stream = false, content = "one two three four") => ({ model, messages: [{ role: "user", content }], stream });

describe("routing between boxes and providers under npm start", () => {
  let local: SimulatorProcess;
  let box2: SimulatorProcess;
  let sentinel: SimulatorProcess;
  let gatehouse: GatehouseProcess;
  let admin: AdminClient;
  let lanUser: { userId: string; secret: string };
  let cloudUser: { userId: string; secret: string };
  let plainUser: { userId: string; secret: string };
  const seen: string[] = [];

  const send = async (secret: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${gatehouse.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}`, ...headers },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    seen.push(text);
    return { status: response.status, text, id: response.headers.get("x-request-id")! };
  };
  const chats = async (sim: SimulatorProcess) => (await sim.log()).requests.filter((request) => request.method === "POST").length;

  beforeAll(async () => {
    [local, box2, sentinel] = await Promise.all([startSimulatorProcess(), startSimulatorProcess(), startSimulatorProcess()]);
    gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: local.address, GATEHOUSE_MAX_INFLIGHT: "1" } });
    admin = await AdminClient.signIn(gatehouse.url);
    await admin.json("POST", "/admin/api/backends", { name: "box2", kind: "ollama", url: box2.url, slots: 1, priority: 10, boundary: "lan", models: ["llama3.2:latest"] });
    await admin.json("POST", "/admin/api/backends", {
      name: "cloudy", kind: "openai", url: `${box2.url}/v1`, credential: providerKey, slots: 4, priority: 0, boundary: "cloud",
      models: [cloudModel], prices: { inputPerMTok: 2, outputPerMTok: 10 },
    });
    lanUser = await admin.userWithKey("lan-user", { limits: generous });
    await admin.json("PATCH", `/admin/api/users/${lanUser.userId}`, { boundaries: ["local", "lan"] });
    cloudUser = await admin.userWithKey("cloud-user", { limits: { ...generous, monthlyBudgetUsd: 0.00005 } });
    await admin.json("PATCH", `/admin/api/users/${cloudUser.userId}`, { boundaries: ["local", "cloud"] });
    plainUser = await admin.userWithKey("plain-user", { limits: generous });
    await box2.addModel(cloudModel);
  }, 120_000);

  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    await Promise.all([local?.kill(), box2?.kill(), sentinel?.kill()]);
  });

  test("the box of higher priority answers; while its one slot is taken, the next request overflows to local", async () => {
    await Promise.all([local.reset(), box2.reset()]);
    await box2.addModel(cloudModel);
    expect((await send(lanUser.secret, "/api/chat", chat("llama3.2:latest"))).status).toBe(200);
    expect(await chats(box2)).toBe(1);
    expect(await chats(local)).toBe(0);
    await box2.configure({ chunkDelayMs: 150, chunkCount: 10 });
    const slow = send(lanUser.secret, "/api/chat", chat("llama3.2:latest", true));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const overflow = await send(lanUser.secret, "/api/chat", chat("llama3.2:latest"));
    expect(overflow.status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(await chats(local)).toBe(1);
    expect(await chats(box2)).toBe(2);
  });

  test("a user who may not cross `lan` never reaches box2", async () => {
    await Promise.all([local.reset(), box2.reset()]);
    expect((await send(plainUser.secret, "/api/chat", chat("llama3.2:latest"))).status).toBe(200);
    expect(await chats(local)).toBe(1);
    expect(await chats(box2)).toBe(0);
  });

  test("a 4xx is passed back, never failed over; a stream cut after its first byte stays cut", async () => {
    await Promise.all([local.reset(), box2.reset()]);
    await box2.configure({ status: 400, errorBody: { error: "the engine says no" } });
    expect((await send(lanUser.secret, "/api/chat", chat("llama3.2:latest"))).status).toBe(400);
    await box2.configure({ status: null, chunkCount: 8, dieAfterChunks: 2 });
    const cut = await send(lanUser.secret, "/api/chat", chat("llama3.2:latest", true));
    expect(cut.status).toBe(200);
    expect(cut.text).not.toContain('"done":true');
    expect(await chats(local)).toBe(0);
  });

  test("without the cloud grant: 403 boundary_not_allowed, and the provider is sent nothing", async () => {
    await box2.reset();
    for (const model of [cloudModel, `cloudy/${cloudModel}`]) {
      const refused = await send(plainUser.secret, "/v1/chat/completions", chat(model));
      expect(refused.status).toBe(403);
      expect(errorCode(JSON.parse(refused.text))).toBe("boundary_not_allowed");
    }
    expect((await box2.log()).requests).toHaveLength(0);
  });

  test("cloud use is priced in the audit, and the monthly spending limit refuses what follows, before it is sent", async () => {
    await box2.reset();
    await box2.addModel(cloudModel);
    const first = await send(cloudUser.secret, "/v1/chat/completions", chat(cloudModel));
    expect(first.status).toBe(200);
    const usage = (JSON.parse(first.text) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    const expected = usage.prompt_tokens * 2 + usage.completion_tokens * 10;
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && record?.costMicros === undefined; i++) {
      const page = await admin.json<{ events: Record<string, unknown>[] }>("GET", `/admin/api/audit?user=${cloudUser.userId}`);
      record = page.events.find((event) => event.id === first.id && event.costMicros !== null && event.costMicros !== undefined);
      if (!record) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(record).toMatchObject({ backend: "cloudy", costMicros: expected });
    expect(expected).toBeGreaterThan(50);
    const refused = await send(cloudUser.secret, "/v1/chat/completions", chat(cloudModel));
    expect(refused.status).toBe(429);
    expect(errorCode(JSON.parse(refused.text))).toBe("budget_exceeded");
    expect((await box2.log()).requests.filter((request) => request.method === "POST")).toHaveLength(1);
    // Local models cost nothing and stay open.
    expect((await send(cloudUser.secret, "/api/chat", chat("llama3.2:latest"))).status).toBe(200);
  });

  test("SSRF: no model name, header, body field or redirect reaches a box the catalog does not name", async () => {
    await Promise.all([box2.reset(), sentinel.reset()]);
    for (const model of [`http://${sentinel.address}/api/chat`, `${sentinel.address}/x`, "box2/../../api/pull", `box2/http://${sentinel.address}/`, "nobox/llama3.2"]) {
      await send(lanUser.secret, "/api/chat", chat(model));
    }
    const headers = { Host: sentinel.address, "X-Forwarded-Host": sentinel.address, Forwarded: `host=${sentinel.address}`, "X-Original-URL": `${sentinel.url}/api/chat` };
    await send(lanUser.secret, "/api/chat", { ...chat("llama3.2:latest"), url: `${sentinel.url}/api/chat`, host: sentinel.address, base_url: sentinel.url }, headers);
    await box2.configure({ status: 307, location: `${sentinel.url}/api/chat` });
    const redirected = await send(lanUser.secret, "/api/chat", chat("box2/llama3.2:latest"));
    expect(redirected.status).toBe(502);
    const log = await sentinel.log();
    expect(log.requests.length + log.lookups.length).toBe(0);
  });

  test("a box that is down: local answers, and the audit names the failover", async () => {
    await Promise.all([local.reset(), box2.reset()]);
    await box2.kill();
    const served = await send(lanUser.secret, "/api/chat", chat("llama3.2:latest"));
    expect(served.status).toBe(200);
    let record: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !record; i++) {
      const page = await admin.json<{ events: Record<string, unknown>[] }>("GET", `/admin/api/audit?user=${lanUser.userId}`);
      record = page.events.find((event) => event.id === served.id && event.backend !== null && event.backend !== undefined && event.outcome !== null);
      if (!record) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(record).toMatchObject({ backend: "local", failover: ["box2"] });
  });

  test("after the run, the provider key is nowhere: not in D1 in clear, logs, audit, exports, listings or errors", async () => {
    const exports = await Promise.all(["/admin/api/audit.csv", `/admin/api/users/${cloudUser.userId}/audit.csv`, "/admin/api/backends", "/admin/api/audit"].map(async (path) => (await admin.call("GET", path)).text()));
    for (const text of [...exports, ...seen, gatehouse.output()]) expect(text).not.toContain(providerKey);
    await gatehouse.stop();
    const d1 = join(gatehouse.dataDir, "d1");
    const files = (await readdir(d1, { recursive: true })).filter((name) => name.endsWith(".sqlite"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const db = new DatabaseSync(join(d1, file), { readOnly: true });
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      for (const { name } of tables) expect(JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()), name).not.toContain(providerKey);
      db.close();
      expect((await readFile(join(d1, file))).includes(Buffer.from(providerKey))).toBe(false);
    }
  });
});
