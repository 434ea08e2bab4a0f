import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, adminPassword, firstAdminPassword, personWithPassword } from "./helpers/accounts";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";

/**
 * The structured log of `npm start`, as journald would keep it: every
 * stdout line is one JSON object (lifecycle events and one line per
 * request), and no credential appears anywhere in the output after a run
 * that used API keys, passwords (Basic, the /chat body, sign-in), sessions
 * and a wrong password.
 */

type Line = Record<string, unknown>;
const requestFields = ["time", "level", "msg", "requestId", "method", "route", "status", "outcome", "user", "model", "latencyMs", "ttfbMs", "clientAddress", "bytes"];
const generous = { rpm: 1000, burst: 1000, concurrency: 10, dailyTokens: null, monthlyTokens: null, models: null };
const chat = (stream = false) => ({ model: "llama3.2:latest", messages: [{ role: "user", content: "log me" }], stream });
const basic = (username: string, password: string) => `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;

describe("JSON log lines on stdout", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;
  let exitCode: number | null;
  const personPassword = "person-password-for-the-log-test-42";
  const wrongPassword = "a-wrong-password-that-must-not-show";
  const secrets: string[] = [firstAdminPassword, adminPassword, personPassword, wrongPassword];
  /** Request ids of the answers this test received, with what it expects of their lines. */
  const sent: { id: string; expect: Line }[] = [];

  async function call(path: string, init: RequestInit, expected: Line): Promise<Response> {
    const response = await fetch(`${gatehouse.url}${path}`, init);
    await response.arrayBuffer();
    const id = response.headers.get("X-Request-Id");
    expect(id).toBeTruthy();
    sent.push({ id: id!, expect: { status: response.status, ...expected } });
    return response;
  }

  beforeAll(async () => {
    simulator = await startSimulator();
    gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}` } });
    const admin = await AdminClient.signIn(gatehouse.url);
    secrets.push(admin.cookie.split("=").slice(1).join("="));
    const { secret: adminKey } = await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "logs-admin" });
    const service = await admin.userWithKey("log-pipeline", { role: "service", limits: generous });
    await personWithPassword(admin, "log-person", personPassword);
    secrets.push(adminKey, service.secret, basic("log-person", personPassword), basic("log-person", wrongPassword));

    const json = (headers: Record<string, string>, body: unknown): RequestInit => ({
      method: "POST",
      headers: { "Content-Type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    const pipeline = { user: "log-pipeline", model: "llama3.2:latest", route: "/api/chat", outcome: "ok" };
    await call("/api/chat", json({ Authorization: `Bearer ${service.secret}` }, chat()), pipeline);
    await call("/api/chat", json({ Authorization: `Bearer ${service.secret}` }, chat(true)), pipeline);
    await call("/api/chat", json({ Authorization: basic("log-person", personPassword) }, chat()), { user: "log-person", route: "/api/chat" });
    await call("/chat", json({}, { auth: { username: "log-person", password: personPassword }, messages: chat().messages }), { user: "log-person", route: "/chat" });
    await call("/api/chat", json({ Authorization: basic("log-person", wrongPassword) }, chat()), { user: null, status: 401, level: "warn" });
    await call("/metrics", { headers: { Authorization: `Bearer ${adminKey}` } }, { route: "/metrics", method: "GET" });
    await call("/admin/api/users", { headers: { Cookie: admin.cookie } }, { user: "admin", route: "/admin/api/users" });
    await call("/health", {}, { route: "/health", user: null });
    await call("/no/such/path", { method: "POST" }, { route: "unmatched", status: 404 });

    // Exchanges are logged when they settle, just after the answer ends.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !sent.every(({ id }) => gatehouse.stdout().includes(id))) await new Promise((resolve) => setTimeout(resolve, 100));
    exitCode = await gatehouse.stop("SIGTERM");
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    await simulator?.close();
  });

  const lines = (): Line[] =>
    gatehouse
      .stdout()
      .split("\n")
      .filter((text) => text.length > 0)
      .map((text) => {
        const parsed = JSON.parse(text) as unknown; // throws on any line that is not JSON
        expect(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed), text).toBe(true);
        return parsed as Line;
      });

  test("every stdout line is a JSON object with time, level and msg", () => {
    expect(exitCode).toBe(0);
    const all = lines();
    expect(all.length).toBeGreaterThan(sent.length);
    for (const line of all) {
      expect(new Date(String(line.time)).toISOString(), JSON.stringify(line)).toBe(line.time);
      expect(["debug", "info", "warn", "error"]).toContain(line.level);
      expect(typeof line.msg).toBe("string");
    }
  });

  test("lifecycle: starting, migrations applied, first admin, listening with its URL, stopping, stopped", () => {
    const lifecycle = lines().filter((line) => line.event === "lifecycle");
    const msgs = lifecycle.map((line) => String(line.msg));
    expect(msgs[0]).toBe("starting");
    expect(lifecycle[0]).toMatchObject({ port: gatehouse.port, dataDir: expect.any(String), version: expect.any(String) });
    expect(lifecycle.find((line) => line.msg === "migrations applied")?.migrations).toBeGreaterThan(0);
    expect(msgs.some((msg) => msg.startsWith("created the first admin account `admin` with GATEHOUSE_ADMIN_PASSWORD"))).toBe(true);
    const listening = lifecycle.find((line) => String(line.msg).includes("listening on"));
    expect(listening).toMatchObject({ url: `http://127.0.0.1:${gatehouse.port}`, instance: expect.any(String) });
    expect(msgs).toContain("SIGTERM received, stopping");
    expect(msgs.at(-1)).toMatch(/^stopped in \d+ ms$/);
  });

  test("one line per request, with every field, the username and never a credential", () => {
    const requests = lines().filter((line) => line.msg === "request");
    const ids = requests.map((line) => line.requestId);
    expect(new Set(ids).size).toBe(ids.length); // nobody logged twice
    for (const { id, expect: expected } of sent) {
      const mine = requests.filter((line) => line.requestId === id);
      expect(mine, id).toHaveLength(1);
      const line = mine[0]!;
      for (const field of requestFields) expect(line, `${field} in ${JSON.stringify(line)}`).toHaveProperty(field);
      expect(line).toMatchObject(expected);
      expect(line.clientAddress).toBe("127.0.0.1");
      expect(line.latencyMs).toEqual(expect.any(Number));
    }
    const streamed = requests.find((line) => line.requestId === sent[1]!.id)!;
    expect(Number(streamed.bytes)).toBeGreaterThan(0);
    expect(Number(streamed.completionTokens)).toBeGreaterThan(0);
    expect(Number(streamed.ttfbMs)).toBeLessThanOrEqual(Number(streamed.latencyMs));
  });

  test("no secret anywhere in the output (stdout and stderr): keys, passwords, session cookie, Basic credentials", () => {
    const output = gatehouse.output();
    expect(secrets.length).toBeGreaterThanOrEqual(9);
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(8);
      expect(output.includes(secret), `a secret of length ${secret.length} was printed`).toBe(false);
    }
    expect(output).not.toMatch(/authorization|cookie|bearer |basic [a-z0-9+/=]{8}/i);
  });
});
