import { execFile } from "node:child_process";
import { cp, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { adminContentHash, linkHash } from "../../src/audit/canonical";
import type { OllamaSimulator } from "../fixtures/ollama-sim/server";
import { AdminClient } from "./helpers/accounts";
import { projectRoot, startGatehouse, type GatehouseProcess } from "./helpers/gatehouse-process";
import { startSimulator } from "./helpers/simulator-process";

/**
 * An insider with the data directory cannot hide records by restoring an
 * older database or by rewriting one record and re-hashing every later link:
 * after a restart the ledger finds D1 no longer reaching its anchor (kept in
 * its own Durable Object storage), and verify, /health and /metrics say so —
 * at once, and still after ordinary requests have been written on top.
 */
const run = promisify(execFile);

let simulator: OllamaSimulator;
let gatehouse: GatehouseProcess;
let dataDir: string;
let adminKey: string;
let userKey: string;

const start = () => startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}` }, dataDir });

/** A Gatehouse on a new data dir (the tests leave theirs broken for good), with an admin key and a user key. */
async function freshGatehouse(name: string): Promise<void> {
  if (gatehouse) {
    await gatehouse.stop();
    await gatehouse.cleanup();
  }
  gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}` } });
  dataDir = gatehouse.dataDir;
  const admin = await AdminClient.signIn(gatehouse.url);
  adminKey = (await admin.json<{ secret: string }>("POST", "/account/api/keys", { name: `${name}-check` })).secret;
  const open = { rpm: null, burst: null, concurrency: null, dailyTokens: null, monthlyTokens: null, models: null };
  userKey = (await admin.userWithKey(`${name}-user`, { limits: open })).secret;
}

beforeAll(async () => {
  simulator = await startSimulator();
  await freshGatehouse("rollback");
}, 90_000);

afterAll(async () => {
  await gatehouse?.stop();
  await gatehouse?.cleanup();
  await simulator?.close();
});

/** The D1 database file: the SQLite file under the data dir that holds audit_chain. */
async function d1File(): Promise<string> {
  const entries = await readdir(dataDir, { recursive: true });
  for (const entry of entries.filter((name) => name.endsWith(".sqlite"))) {
    const file = join(dataDir, entry);
    const { stdout } = await run("sqlite3", [file, "SELECT name FROM sqlite_master WHERE name = 'audit_chain'"]);
    if (stdout.trim() === "audit_chain") return file;
  }
  throw new Error("no D1 file under the data dir");
}
const sqlite = async (sql: string) => (await run("sqlite3", [await d1File(), sql])).stdout.trim();

async function generate(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await fetch(`${gatehouse.url}/api/generate`, {
      method: "POST",
      headers: { Authorization: `Bearer ${userKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: "llama3.2", prompt: `record ${i}`, stream: false }),
    });
    await response.arrayBuffer();
    expect(response.status).toBe(200);
  }
}

async function verify(): Promise<{ ok: boolean; firstBad: { reason: string } | null; broken: { reason: string } | null }> {
  const response = await fetch(`${gatehouse.url}/admin/api/audit/verify`, { headers: { Authorization: `Bearer ${adminKey}` } });
  return (await response.json()) as { ok: boolean; firstBad: { reason: string } | null; broken: { reason: string } | null };
}
const health = async () => (await (await fetch(`${gatehouse.url}/health`)).json()) as { status: string; audit: string };
const metrics = async () => (await fetch(`${gatehouse.url}/metrics`, { headers: { Authorization: `Bearer ${adminKey}` } })).text();

/** Copies (or restores) the D1 file with its WAL, while Gatehouse is stopped. */
async function copyDatabase(from: string, to: string): Promise<void> {
  for (const suffix of ["", "-wal", "-shm"]) {
    await rm(`${to}${suffix}`, { force: true });
    await cp(`${from}${suffix}`, `${to}${suffix}`).catch(() => {});
  }
}

/** `gatehouse audit verify --checkpoints FILE` over these log outputs: its exit code and what it printed. */
async function verifyAgainstLog(logs: string[]): Promise<{ code: number; stdout: string }> {
  const file = join(dataDir, "..", `checkpoints-${Date.now()}.log`);
  await writeFile(file, logs.join("\n"));
  const env = { ...process.env, GATEHOUSE_URL: gatehouse.url, GATEHOUSE_ADMIN_KEY: adminKey };
  try {
    const { stdout } = await run("npm", ["run", "--silent", "gatehouse", "--", "audit", "verify", "--checkpoints", file], { cwd: projectRoot, env });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  } finally {
    await rm(file, { force: true });
  }
}

/** The JSON lines of a log output (anything else skipped). */
function jsonLines(text: string): { msg?: string; event?: string; seq?: number; hash?: string }[] {
  return text.split("\n").flatMap((line) => {
    try {
      return [JSON.parse(line) as { msg?: string; event?: string; seq?: number; hash?: string }];
    } catch {
      return [];
    }
  });
}

describe("audit rollback detection", () => {
  test("an older copy of the database restored behind the ledger's back is caught after a restart", { timeout: 180_000 }, async () => {
    await generate(3);
    expect((await verify()).ok).toBe(true);
    await gatehouse.stop();
    const file = await d1File();
    await copyDatabase(file, `${file}.bak`);

    gatehouse = await start();
    await generate(3);
    expect((await verify()).ok).toBe(true);
    await gatehouse.stop();
    await copyDatabase(`${file}.bak`, file);

    gatehouse = await start();
    const first = await verify();
    expect(first).toMatchObject({ ok: false, broken: { reason: "rolled_back" } });
    expect(await health()).toMatchObject({ status: "degraded", audit: "broken" });
    expect(await metrics()).toMatch(/^gatehouse_audit_chain_broken 1$/m);
    // Ordinary requests written on top of the old chain do not clear it.
    await generate(2);
    expect(await verify()).toMatchObject({ ok: false, broken: { reason: "rolled_back" } });
  });

  test("a record rewritten with every later link re-hashed is caught after a restart", { timeout: 180_000 }, async () => {
    await freshGatehouse("rehash");
    await generate(3);
    expect((await verify()).ok).toBe(true);
    await gatehouse.stop();

    // Rewrite the first admin record (who created whom) and re-hash the whole chain after it.
    const [id, at, actor, action, target, requestId, detail] = JSON.parse(
      await sqlite("SELECT json_array(id, at, actor_user_id, action, target_user_id, request_id, detail) FROM admin_actions ORDER BY seq LIMIT 1"),
    ) as [string, number, string | null, string, string | null, string | null, string | null];
    const forged = { id, at, actorUserId: actor, action, targetUserId: "someone-else", requestId, detail };
    await sqlite(`UPDATE admin_actions SET target_user_id = 'someone-else' WHERE id = '${id}'`);
    const links = JSON.parse(await sqlite("SELECT json_group_array(json_array(seq, record_id, content_hash)) FROM (SELECT * FROM audit_chain ORDER BY seq)")) as [number, string, string][];
    let prev = "0".repeat(64);
    const updates: string[] = [];
    for (const [seq, recordId, contentHash] of links) {
      const content = recordId === id ? await adminContentHash(forged) : contentHash;
      const hash = await linkHash(seq, prev, content);
      updates.push(`UPDATE audit_chain SET content_hash = '${content}', prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${seq};`);
      prev = hash;
    }
    await sqlite(updates.join("\n"));

    gatehouse = await start();
    const report = await verify();
    // D1 alone verifies (every link re-hashed); only the ledger's own anchor tells.
    expect(report).toMatchObject({ ok: false, broken: { reason: "rewritten" } });
    expect(await health()).toMatchObject({ audit: "broken" });
    await generate(1);
    expect((await verify()).ok).toBe(false);
  });

  test("a rollback of every file in the data directory is caught against the logged checkpoints", { timeout: 240_000 }, async () => {
    const logs: string[] = [];
    const restart = async () => {
      await gatehouse.stop();
      logs.push(gatehouse.stdout());
      gatehouse = await start();
      // The ledger logs a checkpoint when it starts; verify wakes it.
      expect((await verify()).ok).toBeDefined();
    };
    await freshGatehouse("checkpoint");
    await generate(2);
    await gatehouse.stop();
    logs.push(gatehouse.stdout());
    await cp(dataDir, `${dataDir}.bak`, { recursive: true });

    gatehouse = await start();
    await generate(3);
    await restart(); // logs a checkpoint with the newer head
    await gatehouse.stop();
    logs.push(gatehouse.stdout());
    // Everything under the data dir goes back: D1 and the ledger's own anchor alike.
    await rm(dataDir, { recursive: true, force: true });
    await cp(`${dataDir}.bak`, dataDir, { recursive: true });
    await rm(`${dataDir}.bak`, { recursive: true, force: true });

    gatehouse = await start();
    // On its own the restored directory is consistent…
    expect((await verify()).ok).toBe(true);
    // …but the log, kept elsewhere, remembers a head it no longer reaches.
    const result = await verifyAgainstLog([...logs, gatehouse.stdout()]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/BROKEN: checkpoint seq \d+ \(rolled_back\)/);
  });

  test("SIGTERM logs the chain's final head as a checkpoint; the log proves the database, and catches a rollback made after it", { timeout: 240_000 }, async () => {
    await freshGatehouse("shutdown");
    await generate(1);
    await gatehouse.stop();
    const logs = [gatehouse.stdout()];
    await cp(dataDir, `${dataDir}.bak`, { recursive: true });

    gatehouse = await start();
    await generate(3);
    await gatehouse.stop("SIGTERM");
    logs.push(gatehouse.stdout());
    const lines = jsonLines(gatehouse.stdout());
    const head = JSON.parse(await sqlite("SELECT json_array(seq, hash) FROM audit_chain ORDER BY seq DESC LIMIT 1")) as [number, string];
    const signalled = lines.findIndex((line) => /^SIGTERM received/.test(line.msg ?? ""));
    const last = lines.findLastIndex((line) => line.event === "audit_checkpoint");
    expect(signalled).toBeGreaterThanOrEqual(0);
    // After the signal, with the head workerd left (the requests above included); only "stopped in" follows it.
    expect(last).toBeGreaterThan(signalled);
    expect(lines[last]).toMatchObject({ seq: head[0], hash: head[1], at: "shutdown" });
    expect(lines.slice(last + 1).map((line) => line.msg)).toEqual([expect.stringMatching(/^stopped in \d+ ms$/)]);

    gatehouse = await start();
    const proved = await verifyAgainstLog(logs);
    expect(proved.code, proved.stdout).toBe(0);
    expect(proved.stdout).toMatch(/audit chain intact: \d+ records checked, \d+ checkpoints matched/);
    await gatehouse.stop();

    // Every file of the data dir back to before those three requests: only the shutdown line knows the newer head
    // (this run's start checkpoint would too; the log is cut before it to show the shutdown line alone suffices).
    await rm(dataDir, { recursive: true, force: true });
    await cp(`${dataDir}.bak`, dataDir, { recursive: true });
    await rm(`${dataDir}.bak`, { recursive: true, force: true });
    gatehouse = await start();
    expect((await verify()).ok).toBe(true);
    const caught = await verifyAgainstLog(logs);
    expect(caught.code).toBe(1);
    expect(caught.stdout).toContain(`BROKEN: checkpoint seq ${head[0]} (rolled_back)`);
  });
});
