import { execFile } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient, adminPassword } from "./helpers/accounts";
import { projectRoot, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { configureSimulator, startSimulator } from "./helpers/simulator-process";

/**
 * Backup while requests flow, restore into a fresh data dir, and run
 * `npm start` on it: same admin password, same key, an intact audit chain
 * holding every request answered before the backup began. A backup whose
 * file was altered is refused.
 */

const run = promisify(execFile);

let simulator: OllamaSimulator;
let original: GatehouseProcess | undefined;
let restored: GatehouseProcess | undefined;
let scratch: string;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "scripts/cli.ts", ...args], { cwd: projectRoot });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  simulator = await startSimulator();
  scratch = await mkdtemp(join(tmpdir(), "gatehouse-backup-"));
}, 60_000);

afterAll(async () => {
  for (const gatehouse of [original, restored]) {
    await gatehouse?.stop();
    await gatehouse?.cleanup();
  }
  await simulator?.close();
  await rm(scratch, { recursive: true, force: true });
});

/** Chat requests from several clients until stopped; each answered request id with when it was answered. */
function traffic(url: string, key: string, clients: number) {
  const answered: Array<{ id: string; at: number }> = [];
  let stopped = false;
  const one = async (i: number) => {
    while (!stopped) {
      const response = await fetch(`${url}/api/chat`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Authorization: `Bearer ${key}` },
        body: JSON.stringify({ model: "llama3.2:latest", messages: [{ role: "user", content: `backup ${i}` }], stream: i % 2 === 0 }),
      });
      await response.arrayBuffer();
      if (response.status === 200) answered.push({ id: response.headers.get("x-request-id")!, at: Date.now() });
    }
  };
  const running = Promise.all(Array.from({ length: clients }, (_, i) => one(i)));
  return { answered, stop: async () => ((stopped = true), await running) };
}

/** Every request id in the audit trail, through the admin API, page by page. */
async function auditedIds(admin: AdminClient): Promise<Set<string>> {
  const ids = new Set<string>();
  let cursor: number | null = null;
  do {
    const page: { events: Array<{ id: string }>; next: number | null } = await admin.json("GET", `/admin/api/audit?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
    for (const event of page.events) ids.add(event.id);
    cursor = page.next;
  } while (cursor !== null);
  return ids;
}

test("backup under load, restore into a fresh dir, start on it", { timeout: 300_000 }, async () => {
  const env = { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`, GATEHOUSE_MAX_INFLIGHT: "16" };
  original = await startGatehouse({ env });
  const admin = await AdminClient.signIn(original.url);
  const generous = { rpm: 100_000, burst: 100_000, concurrency: 100, dailyTokens: null, monthlyTokens: null, models: null };
  const { secret } = await admin.userWithKey("backup-load", { limits: generous });
  await configureSimulator(simulator, { chunkDelayMs: 10, chunkCount: 8 });

  const load = traffic(original.url, secret, 6);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const backupDir = join(scratch, "backup");
  const backupStarted = Date.now();
  const backup = await cli(["backup", "--data", original.dataDir, "--out", backupDir]);
  const backupMs = Date.now() - backupStarted;
  const answeredDuring = load.answered.filter((entry) => entry.at >= backupStarted).length;
  await new Promise((resolve) => setTimeout(resolve, 500));
  await load.stop();
  await configureSimulator(simulator, { chunkDelayMs: null, chunkCount: null });
  expect(backup.stderr).toBe("");
  expect(backup.code).toBe(0);
  expect(backup.stdout).toMatch(/backed up \d+ files/);
  // Requests really were flowing while the backup ran.
  expect(answeredDuring).toBeGreaterThan(0);
  const before = load.answered.filter((entry) => entry.at < backupStarted).map((entry) => entry.id);
  expect(before.length).toBeGreaterThan(10);

  const manifest = JSON.parse(await readFile(join(backupDir, "manifest.json"), "utf8")) as { files: Array<{ path: string; kind: string }> };
  expect(manifest.files.some((file) => file.path.startsWith("d1/") && file.kind === "sqlite")).toBe(true);
  expect(manifest.files.some((file) => file.path.startsWith("durable-objects/") && file.kind === "sqlite")).toBe(true);
  expect(manifest.files.some((file) => file.path === "session-secret")).toBe(true);
  console.log(`backup of ${manifest.files.length} files took ${backupMs} ms (CLI start included) with ${answeredDuring} requests answered meanwhile`);

  await original.stop();

  // Restoring onto a non-empty dir is refused without --force.
  const refused = await cli(["restore", "--from", backupDir, "--data", original.dataDir]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("is not empty");

  const freshDir = join(scratch, "restored-data");
  const restore = await cli(["restore", "--from", backupDir, "--data", freshDir]);
  expect(restore.stderr).toBe("");
  expect(restore.code).toBe(0);
  expect(restore.stdout).toContain("SHA-256 verified");

  restored = await startGatehouse({ env, dataDir: freshDir });
  // The admin's own (changed) password, not the first one.
  const signIn = await fetch(`${restored.url}/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Origin: restored.url },
    body: JSON.stringify({ username: "admin", password: adminPassword }),
  });
  expect(signIn.status).toBe(200);
  const restoredAdmin = await AdminClient.signIn(restored.url);
  // The key made before the backup still works.
  expect((await fetch(`${restored.url}/api/tags`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(200);

  const verify = await restoredAdmin.json<{ ok: boolean; checked: number }>("GET", "/admin/api/audit/verify");
  expect(verify.ok).toBe(true);
  expect(verify.checked).toBeGreaterThanOrEqual(before.length);
  const ids = await auditedIds(restoredAdmin);
  expect(before.filter((id) => !ids.has(id))).toEqual([]);
});

test("a backup with an altered file fails restore's hash check", { timeout: 60_000 }, async () => {
  const backupDir = join(scratch, "backup");
  const tampered = join(scratch, "tampered");
  await cp(backupDir, tampered, { recursive: true });
  const d1Dir = join(tampered, "data", "d1", "miniflare-D1DatabaseObject");
  const d1File = (await readdir(d1Dir)).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite")!;
  const bytes = await readFile(join(d1Dir, d1File));
  bytes[bytes.length - 100] = bytes[bytes.length - 100]! ^ 0xff;
  await writeFile(join(d1Dir, d1File), bytes);

  const target = join(scratch, "from-tampered");
  const result = await cli(["restore", "--from", tampered, "--data", target]);
  expect(result.code).toBe(2);
  expect(result.stderr).toContain(`${d1File} does not match its SHA-256`);
  await expect(readdir(target)).rejects.toThrow(/ENOENT/);
});
