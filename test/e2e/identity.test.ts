import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";
import { errorCode } from "../helpers/error-shape";

/**
 * The whole identity flow against `npm start`, over real HTTP, as the console
 * and a script would drive it.
 */

const firstPassword = "first-admin-password-for-tests"; // what the helper passes as GATEHOUSE_ADMIN_PASSWORD
const chat = { model: "llama3.2:latest", messages: [{ role: "user", content: "hello" }], stream: false };

class Browser {
  cookie = "";
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { "Content-Type": "application/json", Origin: this.base, ...(this.cookie ? { Cookie: this.cookie } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const set = response.headers.get("Set-Cookie");
    if (set) this.cookie = set.split(";")[0]!;
    return response;
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe("identity end to end against npm start", () => {
  let simulator: OllamaSimulator;
  let gatehouse: GatehouseProcess;

  beforeAll(async () => {
    simulator = await startSimulator();
    // The real cost of a password check (the default 600,000 iterations), end to end.
    gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_PBKDF2_ITERATIONS: "600000" } });
  });
  afterAll(async () => {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
    await simulator?.close();
  });

  test("first admin, forced change, register, approve, key, infer, disable, refused", async () => {
    expect(gatehouse.output()).toContain("created the first admin account `admin` with GATEHOUSE_ADMIN_PASSWORD");
    expect(gatehouse.output()).not.toContain(firstPassword);
    const admin = new Browser(gatehouse.url);

    // First sign-in: the password must be changed before anything else.
    const first = await admin.call("POST", "/auth/login", { username: "admin", password: firstPassword });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ user: { username: "admin", role: "admin", mustChangePassword: true } });
    const blocked = await admin.call("GET", "/admin/api/users");
    expect(blocked.status).toBe(403);
    expect(await blocked.json()).toMatchObject({ error: { code: "password_change_required" } });
    expect((await admin.call("POST", "/auth/password", { currentPassword: firstPassword, newPassword: "the admin's own passphrase" })).status).toBe(204);
    expect((await admin.call("GET", "/admin/api/users")).status).toBe(200);

    // Someone registers and waits for approval.
    const person = new Browser(gatehouse.url);
    const email = `e2e-${Date.now()}@example.org`;
    expect((await person.call("POST", "/auth/register", { email, password: "a person's passphrase" })).status).toBe(201);
    const early = await person.call("POST", "/auth/login", { username: email, password: "a person's passphrase" });
    expect(errorCode(await early.json())).toBe("account_pending");
    const { users } = (await (await admin.call("GET", "/admin/api/users?status=pending")).json()) as { users: { id: string; username: string }[] };
    const pending = users.find((user) => user.username === email)!;
    expect((await admin.call("PATCH", `/admin/api/users/${pending.id}`, { status: "active" })).status).toBe(200);

    // Approved: signs in, makes a key, a script infers with it.
    expect((await person.call("POST", "/auth/login", { username: email, password: "a person's passphrase" })).status).toBe(200);
    const created = await person.call("POST", "/account/api/keys", { name: "script" });
    expect(created.status).toBe(201);
    const { secret } = (await created.json()) as { secret: string };
    const infer = () =>
      fetch(`${gatehouse.url}/api/chat`, { method: "POST", headers: { Authorization: `Bearer ${secret}`, "Content-Type": "application/json" }, body: JSON.stringify(chat) });
    const answer = await infer();
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ done: true });

    // Disabled: the key is refused on its very next request.
    expect((await admin.call("PATCH", `/admin/api/users/${pending.id}`, { status: "disabled" })).status).toBe(200);
    const refused = await infer();
    expect(refused.status).toBe(403);
    expect(errorCode(await refused.json())).toBe("account_disabled");

    // The secret is nowhere in the process's output, nor in any file of the data dir.
    expect(gatehouse.output()).not.toContain(secret);
    for (const file of await filesUnder(gatehouse.dataDir)) {
      expect((await readFile(file)).includes(Buffer.from(secret.slice(16))), file).toBe(false);
    }
  });
});

describe("first start without GATEHOUSE_ADMIN_PASSWORD", () => {
  test("a random password is printed once, works once, and is not printed again", async () => {
    const first = await startGatehouse({ env: { GATEHOUSE_ADMIN_PASSWORD: "" } });
    let restarted: GatehouseProcess | undefined;
    try {
      const printed = /gatehouse:\s+(\S{24})\n/.exec(first.output())?.[1];
      expect(printed).toBeTruthy();
      const login = await fetch(`${first.url}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username: "admin", password: printed }),
      });
      expect(await login.json()).toMatchObject({ user: { mustChangePassword: true } });
      expect(await first.stop()).toBe(0);
      restarted = await startGatehouse({ dataDir: first.dataDir, env: { GATEHOUSE_ADMIN_PASSWORD: "" } });
      expect(restarted.output()).not.toContain(printed!);
      expect(restarted.output()).not.toContain("created the first admin");
    } finally {
      await restarted?.stop();
      await first.stop();
      await first.cleanup();
    }
  });

  test("a too-short GATEHOUSE_ADMIN_PASSWORD stops startup naming it", async () => {
    const error = await startGatehouse({ env: { GATEHOUSE_ADMIN_PASSWORD: "short" } }).then(() => null, (e: Error) => e);
    expect(error?.message).toContain("GATEHOUSE_ADMIN_PASSWORD");
  });
});
