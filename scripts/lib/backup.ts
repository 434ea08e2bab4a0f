import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import type { DatabaseSync } from "node:sqlite";
import { z } from "zod";
import { version } from "../../src/version";

/**
 * Backup and restore of everything under GATEHOUSE_DATA, while the gateway
 * runs. Miniflare keeps D1 and every Durable Object as one SQLite file each
 * (d1/miniflare-D1DatabaseObject/<id>.sqlite, durable-objects/<class>/<id>.sqlite,
 * in WAL mode) next to plain files such as the generated session-secret.
 *
 * Each SQLite file is copied with SQLite's online backup API in one step
 * (one read transaction: a consistent snapshot even while workerd writes);
 * the -wal/-shm files are not copied, their committed content is in the
 * snapshot. Durable Objects go first and D1 last: the audit ledger's anchor
 * (in its Durable Object) is written after the D1 rows it points to, so a
 * D1 snapshot taken later always reaches the anchor and the chain verifies.
 * The manifest (written last: a backup without one is incomplete) records
 * every file's size and SHA-256; restore checks all of them before it
 * writes anything.
 */

export const manifestName = "manifest.json";
const sqliteMagic = Buffer.from("SQLite format 3\0", "latin1");
/** Sidecar files of a live SQLite database; their committed content is in the online backup. */
const sqliteSidecar = /-(wal|shm|journal)$/;

const manifestSchema = z.object({
  format: z.literal("gatehouse-backup"),
  formatVersion: z.literal(1),
  gatehouseVersion: z.string(),
  createdAt: z.string(),
  sourceDataDir: z.string(),
  files: z.array(
    z.object({
      path: z.string().min(1),
      kind: z.enum(["sqlite", "file"]),
      size: z.number().int().nonnegative(),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
      mode: z.number().int().nonnegative(),
    }),
  ),
});
export type BackupManifest = z.infer<typeof manifestSchema>;
export type ManifestEntry = BackupManifest["files"][number];

export class BackupError extends Error {
  override name = "BackupError";
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

async function isSqlite(path: string): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(sqliteMagic.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.equals(sqliteMagic);
  } finally {
    await handle.close();
  }
}

/** Every regular file under `dir`, as paths relative to it ('/'-separated). */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}

/** A directory that does not exist or has nothing in it. */
async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return true;
    throw error;
  }
}

/** Durable Objects before D1 (see above), plain files last. */
function backupOrder(path: string, sqlite: boolean): number {
  if (!sqlite) return 2;
  return path.startsWith("d1/") ? 1 : 0;
}

/**
 * node:sqlite is loaded only when needed: on Node 22 it prints an
 * ExperimentalWarning, and every other CLI command should stay quiet.
 */
async function sqliteModule(): Promise<typeof import("node:sqlite")> {
  try {
    return await import("node:sqlite");
  } catch {
    throw new BackupError(`node:sqlite is not available in Node ${process.version}; run through npm run gatehouse (Node 22.13+)`);
  }
}

async function onlineBackup(source: string, target: string): Promise<void> {
  const sqlite = await sqliteModule();
  let db: DatabaseSync | undefined;
  try {
    db = new sqlite.DatabaseSync(source, { readOnly: true });
    db.exec("PRAGMA busy_timeout = 10000");
    // rate -1: every page in one step, inside one read transaction, so concurrent writes cannot tear it.
    await sqlite.backup(db, target, { rate: -1 });
  } finally {
    db?.close();
  }
  // A self-contained file (no -wal beside it) that SQLite itself says is sound.
  const copy = new sqlite.DatabaseSync(target);
  try {
    copy.exec("PRAGMA journal_mode = DELETE");
    const check = copy.prepare("PRAGMA quick_check").get() as { quick_check?: string } | undefined;
    if (check?.quick_check !== "ok") throw new BackupError(`the copy of ${source} failed SQLite's quick_check`);
  } finally {
    copy.close();
  }
}

export interface BackupResult {
  manifest: BackupManifest;
  outDir: string;
}

export async function backupDataDir(dataDir: string, outDir: string): Promise<BackupResult> {
  const sourceStat = await stat(dataDir).catch(() => null);
  if (!sourceStat?.isDirectory()) throw new BackupError(`the data dir ${dataDir} does not exist`);
  if (!(await isEmptyOrMissing(outDir))) throw new BackupError(`the backup dir ${outDir} is not empty; give a new or empty one`);
  const inside = relative(dataDir, outDir);
  if (inside === "" || (!inside.startsWith("..") && !isAbsolute(inside))) {
    throw new BackupError(`the backup dir ${outDir} is inside the data dir; put backups elsewhere`);
  }
  const found = (await filesUnder(dataDir)).filter((path) => !sqliteSidecar.test(path));
  if (found.length === 0) throw new BackupError(`the data dir ${dataDir} is empty: nothing to back up`);
  const planned = await Promise.all(found.map(async (path) => ({ path, sqlite: await isSqlite(join(dataDir, path)) })));
  planned.sort((a, b) => backupOrder(a.path, a.sqlite) - backupOrder(b.path, b.sqlite) || a.path.localeCompare(b.path));

  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const files: ManifestEntry[] = [];
  for (const { path, sqlite } of planned) {
    const source = join(dataDir, path);
    const target = join(outDir, "data", path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    const { mode } = await stat(source);
    if (sqlite) await onlineBackup(source, target);
    else await copyFile(source, target);
    // The session secret is 0600 in the data dir; it stays that way in the backup.
    await chmod(target, mode & 0o777);
    files.push({ path, kind: sqlite ? "sqlite" : "file", size: (await stat(target)).size, sha256: await sha256File(target), mode: mode & 0o777 });
  }
  const manifest: BackupManifest = {
    format: "gatehouse-backup",
    formatVersion: 1,
    gatehouseVersion: version,
    createdAt: new Date().toISOString(),
    sourceDataDir: dataDir,
    files,
  };
  await writeFile(join(outDir, manifestName), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return { manifest, outDir };
}

/** A manifest path must stay inside the directory it names a file in. */
function safeRelative(path: string): string {
  const normalized = normalize(path);
  if (isAbsolute(path) || normalized.startsWith("..") || normalized.split(sep).includes("..") || path.includes("\0")) {
    throw new BackupError(`the manifest names a file outside the backup: ${path}`);
  }
  return normalized;
}

export async function readManifest(fromDir: string): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(join(fromDir, manifestName), "utf8");
  } catch {
    throw new BackupError(`${join(fromDir, manifestName)} is missing: not a Gatehouse backup, or an incomplete one`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new BackupError(`${manifestName} is not valid JSON`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new BackupError(`${manifestName} is not a Gatehouse backup manifest: ${parsed.error.issues[0]?.message}`);
  for (const entry of parsed.data.files) safeRelative(entry.path);
  return parsed.data;
}

/** Every file of the backup is there with the size and hash its manifest records. */
export async function verifyBackup(fromDir: string, manifest: BackupManifest): Promise<void> {
  for (const entry of manifest.files) {
    const path = join(fromDir, "data", safeRelative(entry.path));
    const found = await stat(path).catch(() => null);
    if (!found?.isFile()) throw new BackupError(`${entry.path} is missing from the backup`);
    if (found.size !== entry.size || (await sha256File(path)) !== entry.sha256) {
      throw new BackupError(`${entry.path} does not match its SHA-256 in the manifest: the backup is damaged or was altered`);
    }
  }
}

export interface RestoreOptions {
  /** Replace a non-empty data dir; its old contents are moved aside, not deleted. */
  force?: boolean;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** Where the previous contents went, when --force replaced a non-empty data dir. */
  movedAside: string | null;
}

/**
 * Restores into a fresh data dir. Everything is checked first, then written
 * to a sibling directory and renamed into place, so a failed restore leaves
 * no half-filled data dir behind.
 */
export async function restoreDataDir(fromDir: string, dataDir: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  const manifest = await readManifest(fromDir);
  await verifyBackup(fromDir, manifest);
  const empty = await isEmptyOrMissing(dataDir);
  if (!empty && !options.force) {
    throw new BackupError(`the data dir ${dataDir} is not empty; restore only into a new or empty one (or --force, with the gateway stopped)`);
  }
  const staging = `${dataDir}.restoring-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true, mode: 0o700 });
  try {
    for (const entry of manifest.files) {
      const relativePath = safeRelative(entry.path);
      const target = join(staging, relativePath);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await copyFile(join(fromDir, "data", relativePath), target);
      await chmod(target, entry.mode);
      if ((await sha256File(target)) !== entry.sha256) throw new BackupError(`${entry.path} changed while it was restored`);
    }
    let movedAside: string | null = null;
    if (!empty) {
      movedAside = `${dataDir}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      await rename(dataDir, movedAside);
    } else {
      await rm(dataDir, { recursive: true, force: true });
    }
    await rename(staging, dataDir);
    return { manifest, movedAside };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
