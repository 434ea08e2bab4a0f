import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { workerBuildOptions } from "../../scripts/lib/bundle";
import { d1File } from "../../scripts/lib/data-layout";
import { loadRuntimeModules, workerdBinary } from "../../scripts/lib/runtime-files";
import { readSettings } from "../../scripts/lib/settings";
import { compatibilityDate, compatibilityFlags, workerdConfig } from "../../scripts/lib/workerd-config";
import { workerdArgs } from "../../scripts/lib/workerd-process";
import { freePort, killGroup, projectRoot } from "./helpers/gatehouse-process";

/**
 * Production's D1 (scripts/workerd/d1-binding.ts over d1-database.ts, wired by
 * the generated config) answers as Miniflare's D1 does, which the
 * integration tests and `npm run dev` use: one script
 * (test/fixtures/d1-probe/probe.ts: every value type, meta, errors and their
 * causes, batch rollback, exec, drizzle-orm/d1) stands in for the gateway
 * in the config `npm start` generates, runs once there and once on
 * Miniflare, and the two transcripts must be the same, byte for byte.
 *
 * Not compared, and why: a statement's duration (wall time) and the file's
 * size (size_after). Miniflare's D1 asks workerd for a session bookmark after
 * every call, which keeps a counter in a table of workerd's own
 * (_cf_METADATA) in the same file: one page more, and on a brand-new
 * database, until the first insert, a last_row_id of 2 (the counter's row).
 * Gatehouse's D1 keeps no bookmark; its migrations and first writes run before
 * workerd starts, so no call of the worker sees a brand-new database.
 */

async function probeScript(): Promise<string> {
  const result = await build({ ...workerBuildOptions, entryPoints: [join(projectRoot, "test/fixtures/d1-probe/probe.ts")], write: false });
  return result.outputFiles[0]!.text;
}

async function untilAnswered(url: string, child: ChildProcess, output: () => string): Promise<Response> {
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`workerd exited: ${output()}`);
    try {
      return await fetch(url);
    } catch (error) {
      if (tries > 300) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("production D1 answers as Miniflare's D1", () => {
  let dir: string;
  let script: string;
  let workerd: ChildProcess | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-d1-"));
    script = await probeScript();
  });

  async function stopWorkerd(): Promise<void> {
    const child = workerd;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    killGroup(child, "SIGTERM");
    await exited;
  }

  afterAll(async () => {
    await stopWorkerd();
    await rm(dir, { recursive: true, force: true });
  });

  async function onMiniflare(): Promise<string> {
    const miniflare = new Miniflare({ modules: true, script, compatibilityDate, compatibilityFlags, d1Databases: { DB: "gatehouse" } });
    try {
      return await (await miniflare.dispatchFetch("http://probe/")).text();
    } finally {
      await miniflare.dispose();
    }
  }

  async function onProduction(): Promise<string> {
    const port = await freePort();
    const settings = readSettings({ GATEHOUSE_HOST: "127.0.0.1", GATEHOUSE_PORT: String(port), GATEHOUSE_DATA: join(dir, "data") });
    const modules = { ...(await loadRuntimeModules()), gateway: script };
    // What the start preparation makes before workerd runs (scripts/lib/prepare.ts).
    for (const sub of ["d1", "durable-objects"]) await mkdir(join(dir, "data", sub), { recursive: true });
    const config = join(dir, "probe.capnp");
    await writeFile(config, workerdConfig({ settings, sessionSecret: "s".repeat(40), modules, publicDir: join(projectRoot, "public"), tls: null }));
    const child = spawn(workerdBinary(), workerdArgs(config), { stdio: ["ignore", "pipe", "pipe"], detached: true });
    workerd = child;
    let output = "";
    for (const stream of [child.stdout!, child.stderr!]) stream.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const response = await untilAnswered(`http://127.0.0.1:${port}/`, child, () => output);
    expect(response.status, output).toBe(200);
    return response.text();
  }

  test("the same transcript, and the database in the file Miniflare's D1 kept", async () => {
    const expected = await onMiniflare();
    const actual = await onProduction();
    // Shown step by step first: a difference names its step.
    const steps = (text: string) => (JSON.parse(text) as [string, string, unknown][]).map((step) => JSON.stringify(step));
    expect(steps(actual)).toEqual(steps(expected));
    expect(actual).toBe(expected);
    // The script itself reached what it is about: SQLite's error through a batch, and a rollback that left nothing (no b2, b3; ten log rows).
    const step = (label: string) => (JSON.parse(expected) as [string, string, unknown][]).find(([name]) => name === label);
    expect(JSON.stringify(step("batch rolled back"))).toContain("D1_ERROR: UNIQUE constraint failed: t.s: SQLITE_CONSTRAINT");
    expect(step("after rollback")).toEqual(["after rollback", "ok", [[10]]]);
    // The same file as before (d1/miniflare-D1DatabaseObject/<id of "gatehouse">.sqlite), read as the CLI and backups read it.
    await stopWorkerd();
    const file = new DatabaseSync(d1File(join(dir, "data")), { readOnly: true });
    expect(file.prepare("SELECT s FROM t WHERE id = 5").get()).toEqual({ s: "buffer" });
    file.close();
  });
});
