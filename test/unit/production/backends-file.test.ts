import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openCredential } from "../../../src/backends/credential-seal";
import { readBackendsFile, syncBackendsFile } from "../../../scripts/lib/backends-file";
import { d1OverFile } from "../../../scripts/lib/d1-file";
import { applyMigrations } from "../../../scripts/lib/migrate";
import { projectRoot } from "../../e2e/helpers/gatehouse-process";

/**
 * GATEHOUSE_BACKENDS_FILE's rules, checked the way the start checks them
 * (readBackendsFile), and its sync into a migrated SQLite file the way the
 * start writes it (node:sqlite behind d1OverFile). test/e2e/backends-file.test.ts
 * shows the same through `npm start`.
 */

const secret = "unit-test-session-secret-that-is-long-enough-0123";
let dir: string;
let sqlite: DatabaseSync;
let db: D1Database;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "gatehouse-backends-file-"));
  sqlite = new DatabaseSync(join(dir, "d1.sqlite"));
  db = d1OverFile(sqlite);
  await applyMigrations(db, join(projectRoot, "migrations"));
});
afterEach(async () => {
  sqlite.close();
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(entries: unknown): Promise<string> {
  const path = join(dir, "backends.json");
  await writeFile(path, typeof entries === "string" ? entries : JSON.stringify(entries));
  return path;
}

const box = (overrides: Record<string, unknown> = {}) => ({ name: "box-a", kind: "ollama", url: "http://10.0.0.2:11434", boundary: "lan", ...overrides });

async function refusal(entries: unknown, env: Record<string, string> = {}): Promise<string> {
  const error = await readBackendsFile(await fileWith(entries), env).then(
    () => null,
    (e: Error) => e,
  );
  if (error === null) throw new Error("the file was accepted");
  return error.message;
}

describe("reading the file", () => {
  test.each([
    ["not JSON", "[{", /not valid JSON/],
    ["an object, not a list", { name: "x" }, /the list: /],
    ["the reserved name `local`", [box({ name: "local" })], /entry 0\.name: /],
    ["an upper-case name", [box({ name: "Box" })], /entry 0\.name: /],
    ["a name twice", [box(), box()], /the list: each name once/],
    ["a URL with user info", [box({ url: "http://u:p@10.0.0.2" })], /entry 0\.url: /],
    ["a javascript: URL", [box({ url: "javascript:alert(1)" })], /entry 0\.url: only http and https/],
    ["no boundary", [box({ boundary: undefined })], /entry 0\.boundary: /],
    ["slots 0", [box({ slots: 0 })], /entry 0\.slots: /],
    ["a credential written in the file", [box({ credential: "sk-in-the-file" })], /entry 0: Unrecognized key/],
    ["an id", [box({ id: "x" })], /entry 0: Unrecognized key/],
    ["a credentialEnv that is not a variable name", [box({ credentialEnv: "A B" })], /entry 0\.credentialEnv: /],
    ["a credential variable that is not set", [box({ credentialEnv: "NOT_SET" })], /entry 0\.credentialEnv: NOT_SET is not set/],
  ])("%s is refused, naming the variable, the file and the entry", async (_what, entries, message) => {
    const text = await refusal(entries);
    expect(text).toMatch(/^GATEHOUSE_BACKENDS_FILE: .*backends\.json: /);
    expect(text).toMatch(message);
    expect(text).not.toContain("sk-in-the-file");
  });

  test("a credential variable holding a newline is refused without showing it", async () => {
    const text = await refusal([box({ credentialEnv: "KEY" })], { KEY: "sk-secret-value\nX: y" });
    expect(text).toMatch(/KEY is not printable ASCII/);
    expect(text).not.toContain("sk-secret-value");
  });

  test("a missing file is refused", async () => {
    await expect(readBackendsFile(join(dir, "nope.json"), {})).rejects.toThrow(/cannot read it \(ENOENT\)/);
  });

  test("a good file: defaults filled in, URL normalised, the credential read from the environment", async () => {
    const read = await readBackendsFile(await fileWith([box({ url: "http://10.0.0.2:11434/", credentialEnv: "KEY" })]), { KEY: "sk-abc" });
    expect(read).toEqual([{ name: "box-a", kind: "ollama", url: "http://10.0.0.2:11434", boundary: "lan", slots: 1, priority: 0, enabled: true, models: null, prices: null, credential: "sk-abc" }]);
  });
});

describe("sealing in Node", () => {
  test("Node opens what it sealed, and the vector the worker's test opens too", async () => {
    const workerSecret = "test-session-secret-that-is-long-enough-0123456789";
    expect(await openCredential(workerSecret, "v1.vsDjfVtC37ZHfYOf.FGJ2PO-v5QVWCo8h33xUSxyHndr8v9SCqcOBr67SFmZLtJOn7VY")).toBe("sk-known-answer-vector");
    await expect(openCredential(secret, "v1.vsDjfVtC37ZHfYOf.FGJ2PO-v5QVWCo8h33xUSxyHndr8v9SCqcOBr67SFmZLtJOn7VY")).rejects.toThrow(/does not open/);
  });
});

describe("syncing into the catalog", () => {
  const rows = () => db.prepare("SELECT name, url, slots, source, credential_ciphertext AS sealed FROM backends ORDER BY name").all<{ name: string; url: string; slots: number; source: string; sealed: string | null }>();

  test("added, changed, removed; API rows of other names left alone; credentials sealed", async () => {
    await db.prepare("INSERT INTO backends (id, name, kind, url, boundary, source, created_at, updated_at) VALUES ('api-1', 'mine', 'ollama', 'http://h', 'lan', 'api', 0, 0)").run();
    const first = await syncBackendsFile(db, await readBackendsFile(await fileWith([box(), box({ name: "box-b", credentialEnv: "KEY" })]), { KEY: "sk-abc" }), secret);
    expect(first).toEqual({ declared: ["box-a", "box-b"], added: ["box-a", "box-b"], removed: [] });
    const stored = (await rows()).results;
    expect(stored.map((r) => [r.name, r.source])).toEqual([["box-a", "file"], ["box-b", "file"], ["mine", "api"]]);
    expect(JSON.stringify(stored)).not.toContain("sk-abc");
    expect(await openCredential(secret, stored[1]!.sealed!)).toBe("sk-abc");

    const second = await syncBackendsFile(db, await readBackendsFile(await fileWith([box({ slots: 5 }), box({ name: "box-c" })]), {}), secret);
    expect(second).toEqual({ declared: ["box-a", "box-c"], added: ["box-c"], removed: ["box-b"] });
    expect((await rows()).results.map((r) => [r.name, r.slots, r.source])).toEqual([["box-a", 5, "file"], ["box-c", 1, "file"], ["mine", 1, "api"]]);

    expect(await syncBackendsFile(db, [], secret)).toEqual({ declared: [], added: [], removed: ["box-a", "box-c"] });
    expect((await rows()).results.map((r) => r.name)).toEqual(["mine"]);
  });

  test("a name the admin API made becomes the file's (the file is the source of truth for what it declares)", async () => {
    await db.prepare("INSERT INTO backends (id, name, kind, url, boundary, source, credential_ciphertext, created_at, updated_at) VALUES ('api-1', 'box-a', 'openai', 'http://old', 'cloud', 'api', 'v1.a.b', 0, 0)").run();
    await syncBackendsFile(db, await readBackendsFile(await fileWith([box()]), {}), secret);
    expect((await rows()).results).toEqual([{ name: "box-a", url: "http://10.0.0.2:11434", slots: 1, source: "file", sealed: null }]);
  });
});
