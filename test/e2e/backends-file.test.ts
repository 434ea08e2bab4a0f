import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AdminClient } from "./helpers/accounts";
import { makeDataDir, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { everythingOnDisk } from "./helpers/data-dir";

/**
 * GATEHOUSE_BACKENDS_FILE read by `npm start` before the socket opens:
 * declared backends appear (source "file", read-only through the API), a
 * changed file changes them at the next start and removes what it no longer
 * declares, a credential comes from the environment and is stored sealed,
 * and a bad file stops the start (fail closed) with a message naming it.
 * Each rule of the file has its fast test in test/unit/production/backends-file.test.ts.
 */

const credential = `sk-file-${crypto.randomUUID()}`;
let dataDir: string;
let filePath: string;
let gatehouse: GatehouseProcess | undefined;

interface Listed {
  id: string;
  name: string;
  url: string;
  slots: number;
  source: string;
  hasCredential: boolean;
  boundary: string;
}

beforeAll(async () => {
  dataDir = await makeDataDir();
  filePath = join(dataDir, "..", `backends-${crypto.randomUUID()}.json`);
});
afterAll(async () => {
  await gatehouse?.stop();
  await rm(dataDir, { recursive: true, force: true });
  await rm(filePath, { force: true });
});

async function start(entries: unknown, extraEnv: Record<string, string> = {}): Promise<GatehouseProcess> {
  await writeFile(filePath, typeof entries === "string" ? entries : JSON.stringify(entries));
  return startGatehouse({ dataDir, env: { GATEHOUSE_BACKENDS_FILE: filePath, GATEHOUSE_OLLAMA: "127.0.0.1:9", BOX_KEY: credential, ...extraEnv } });
}

/** An admin's API key, made at the first start: signing in at every start would trip the failed-sign-in lockout (the first password is tried first). */
let adminKey: string | undefined;

async function call(process: GatehouseProcess, method: string, path: string, body?: unknown): Promise<Response> {
  if (adminKey === undefined) {
    const admin = await AdminClient.signIn(process.url);
    adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: "e2e" })).secret;
  }
  return fetch(`${process.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${adminKey}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function listed(process: GatehouseProcess): Promise<Listed[]> {
  return ((await (await call(process, "GET", "/admin/api/backends")).json()) as { backends: Listed[] }).backends;
}

describe("the backends file", () => {
  test("declared backends appear as file rows, read-only through the API; the credential is sealed on disk", async () => {
    gatehouse = await start([
      { name: "box-a", kind: "ollama", url: "http://10.0.0.2:11434/", boundary: "lan", slots: 2, priority: 10 },
      { name: "cloud-b", kind: "openai", url: "https://api.example.test/v1", boundary: "cloud", credentialEnv: "BOX_KEY", prices: { inputPerMTok: 1, outputPerMTok: 2 } },
    ]);
    const backends = await listed(gatehouse);
    expect(backends.map((b) => [b.name, b.source])).toEqual([["box-a", "file"], ["cloud-b", "file"], ["local", "builtin"]]);
    expect(backends.find((b) => b.name === "box-a")).toMatchObject({ url: "http://10.0.0.2:11434", slots: 2, hasCredential: false });
    expect(backends.find((b) => b.name === "cloud-b")).toMatchObject({ hasCredential: true, boundary: "cloud" });
    expect((await call(gatehouse, "PATCH", "/admin/api/backends/box-a", { slots: 9 })).status).toBe(409);
    expect((await call(gatehouse, "DELETE", "/admin/api/backends/cloud-b")).status).toBe(409);
    expect(gatehouse.output()).toContain("backends file: 2 declared");
    expect(gatehouse.output()).not.toContain(credential);
    expect(await everythingOnDisk(dataDir)).not.toContain(credential);
    expect(await gatehouse.stop()).toBe(0);
  });

  test("at the next start a changed file changes them: one changed, one removed, one added", async () => {
    gatehouse = await start([
      { name: "box-a", kind: "ollama", url: "http://10.0.0.3:11434", boundary: "lan", slots: 4 },
      { name: "box-c", kind: "openai", url: "http://10.0.0.4:8000/v1", boundary: "local", enabled: false },
    ]);
    const backends = await listed(gatehouse);
    expect(backends.map((b) => b.name).sort()).toEqual(["box-a", "box-c", "local"]);
    expect(backends.find((b) => b.name === "box-a")).toMatchObject({ url: "http://10.0.0.3:11434", slots: 4, source: "file" });
    expect(await gatehouse.stop()).toBe(0);
  });

  test.each([
    ["not JSON", "[{", /not valid JSON/],
    ["a bad URL", [{ name: "box-a", kind: "ollama", url: "ftp://10.0.0.3", boundary: "lan" }], /entry 0\.url: only http and https/],
    ["a credential variable that is not set", [{ name: "a", kind: "openai", url: "http://h", boundary: "lan", credentialEnv: "NOT_SET_ANYWHERE" }], /entry 0\.credentialEnv: NOT_SET_ANYWHERE is not set/],
  ])("a file with %s stops the start (exit 2) naming GATEHOUSE_BACKENDS_FILE, and changes nothing", async (_what, entries, message) => {
    const attempt = start(entries);
    await expect(attempt).rejects.toThrow(/exited with 2/);
    const error = (await attempt.catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(/GATEHOUSE_BACKENDS_FILE/);
    expect(error.message).toMatch(message);
  });

  test("after refused starts the catalog is still the last good file's; with the variable unset, the file's backends go", async () => {
    gatehouse = await start([
      { name: "box-a", kind: "ollama", url: "http://10.0.0.3:11434", boundary: "lan", slots: 4 },
      { name: "box-c", kind: "openai", url: "http://10.0.0.4:8000/v1", boundary: "local", enabled: false },
    ]);
    expect((await listed(gatehouse)).map((b) => b.name).sort()).toEqual(["box-a", "box-c", "local"]);
    // One made through the API stays whatever the file says.
    expect((await call(gatehouse, "POST", "/admin/api/backends", { name: "mine", kind: "ollama", url: "http://10.0.0.7:11434", boundary: "lan" })).status).toBe(201);
    expect(await gatehouse.stop()).toBe(0);
    gatehouse = await start([], { GATEHOUSE_BACKENDS_FILE: "" });
    expect((await listed(gatehouse)).map((b) => b.name).sort()).toEqual(["local", "mine"]);
    expect(gatehouse.output()).toContain("backends file: 0 declared, 0 new, 2 removed");
  });
});
