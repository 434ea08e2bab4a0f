import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { DatabaseSync } from "node:sqlite";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { BackupError, backupDataDir, manifestName, readManifest, restoreDataDir } from "../../../scripts/lib/backup";

/**
 * The backup library on a data dir shaped like Miniflare's (WAL-mode SQLite
 * under d1/ and durable-objects/, a 0600 session-secret), with a writer
 * committing rows while the backup runs.
 */

let root: string;
let dataDir: string;
const d1Path = () => join(dataDir, "d1", "miniflare-D1DatabaseObject", "db.sqlite");
const doPath = () => join(dataDir, "durable-objects", "-AuditLedger", "ledger.sqlite");

function openWal(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS rows (seq INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  return db;
}

function count(path: string): number {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return Number((db.prepare("SELECT count(*) AS n FROM rows").get() as { n: number }).n);
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "gatehouse-backup-unit-"));
  dataDir = join(root, "data");
  await mkdir(join(dataDir, "d1", "miniflare-D1DatabaseObject"), { recursive: true });
  await mkdir(join(dataDir, "durable-objects", "-AuditLedger"), { recursive: true });
  await writeFile(join(dataDir, "session-secret"), "s".repeat(64), { mode: 0o600 });
});

afterEach(() => rm(root, { recursive: true, force: true }));

describe("backup while a writer commits", () => {
  test("every SQLite file is a consistent snapshot; restore gives back the same state", async () => {
    const d1 = openWal(d1Path());
    const ledger = openWal(doPath());
    const insert = d1.prepare("INSERT INTO rows (body) VALUES (?)");
    for (let i = 0; i < 500; i++) insert.run(`row ${i} ${"x".repeat(200)}`);
    ledger.prepare("INSERT INTO rows (body) VALUES (?)").run("anchor");
    // Keep committing (in this thread, between the backup's awaits) while the backup runs.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        insert.run(`late ${n++}`);
        await new Promise((resolve) => setImmediate(resolve));
      }
      return n;
    })();
    const { manifest } = await backupDataDir(dataDir, join(root, "backup"));
    writing = false;
    const late = await writer;
    d1.close();
    ledger.close();

    expect(manifest.files.map((file) => [file.path, file.kind])).toEqual([
      ["durable-objects/-AuditLedger/ledger.sqlite", "sqlite"],
      ["d1/miniflare-D1DatabaseObject/db.sqlite", "sqlite"],
      ["session-secret", "file"],
    ]);
    // No WAL or shared-memory file travels: the snapshot holds every committed row.
    expect(await readdir(join(root, "backup", "data", "d1", "miniflare-D1DatabaseObject"))).toEqual(["db.sqlite"]);
    const backedUp = count(join(root, "backup", "data", "d1", "miniflare-D1DatabaseObject", "db.sqlite"));
    expect(late).toBeGreaterThan(0);
    expect(backedUp).toBeGreaterThanOrEqual(500);
    expect(backedUp).toBeLessThanOrEqual(500 + late);

    const restored = join(root, "restored");
    await restoreDataDir(join(root, "backup"), restored);
    expect(count(join(restored, "d1", "miniflare-D1DatabaseObject", "db.sqlite"))).toBe(backedUp);
    expect(count(join(restored, "durable-objects", "-AuditLedger", "ledger.sqlite"))).toBe(1);
    expect(await readFile(join(restored, "session-secret"), "utf8")).toBe("s".repeat(64));
    expect((await stat(join(restored, "session-secret"))).mode & 0o777).toBe(0o600);
  });
});

describe("refusals", () => {
  async function backup(): Promise<string> {
    openWal(d1Path()).close();
    const out = join(root, "backup");
    await backupDataDir(dataDir, out);
    return out;
  }

  test("a file altered after the backup fails the hash check, and nothing is written", async () => {
    const out = await backup();
    await writeFile(join(out, "data", "session-secret"), "t".repeat(64));
    await expect(restoreDataDir(out, join(root, "restored"))).rejects.toThrow(/session-secret does not match its SHA-256/);
    await expect(stat(join(root, "restored"))).rejects.toThrow(/ENOENT/);
  });

  test("a missing file or manifest is refused", async () => {
    const out = await backup();
    await rm(join(out, "data", "session-secret"));
    await expect(restoreDataDir(out, join(root, "r1"))).rejects.toThrow(/session-secret is missing/);
    await rm(join(out, manifestName));
    await expect(restoreDataDir(out, join(root, "r2"))).rejects.toThrow(/manifest.json is missing/);
  });

  test("a manifest naming a path outside the backup is refused", async () => {
    const out = await backup();
    const manifest = await readManifest(out);
    manifest.files[0]!.path = "../../etc/evil";
    await writeFile(join(out, manifestName), JSON.stringify(manifest));
    await expect(readManifest(out)).rejects.toThrow(BackupError);
    await expect(readManifest(out)).rejects.toThrow(/outside the backup/);
  });

  test("a non-empty data dir is not overwritten without force; with force it is moved aside", async () => {
    const out = await backup();
    const target = join(root, "existing");
    await mkdir(target);
    await writeFile(join(target, "keep-me"), "old");
    await expect(restoreDataDir(out, target)).rejects.toThrow(/not empty/);
    expect(await readFile(join(target, "keep-me"), "utf8")).toBe("old");
    const { movedAside } = await restoreDataDir(out, target, { force: true });
    expect(await readFile(join(movedAside!, "keep-me"), "utf8")).toBe("old");
    expect(await readFile(join(target, "session-secret"), "utf8")).toBe("s".repeat(64));
  });

  test("an empty existing data dir is fine; a non-empty backup dir is not", async () => {
    const out = await backup();
    await mkdir(join(root, "empty"));
    await restoreDataDir(out, join(root, "empty"));
    await expect(backupDataDir(dataDir, out)).rejects.toThrow(/is not empty/);
    await expect(backupDataDir(join(root, "nope"), join(root, "b2"))).rejects.toThrow(/does not exist/);
    await expect(backupDataDir(dataDir, join(dataDir, "backups", "today"))).rejects.toThrow(/inside the data dir/);
  });
});
