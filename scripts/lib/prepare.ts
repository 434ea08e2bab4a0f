import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { recoverInterrupted } from "../../src/audit/recovery";
import { readBackendsFile, syncBackendsFile, type BackendsSync } from "./backends-file";
import { getSetting, putSetting } from "../../src/db/settings";
import { projectRoot } from "./bundle";
import { d1OverFile } from "./d1-file";
import { d1File } from "./data-layout";
import { ensureFirstAdmin, type FirstAdminResult } from "./first-admin";
import { applyMigrations } from "./migrate";
import { makePrivate } from "./private-files";
import { loadRuntimeModules } from "./runtime-files";
import { sessionSecret } from "./secrets";
import type { ServeSettings } from "./settings";
import { workerdConfig } from "./workerd-config";

/**
 * Everything done before workerd starts, by `npm start` and by the unit's
 * ExecStartPre alike, with workerd not running:
 * 1. the data dir made private (0700/0600) whatever it was;
 * 2. the D1 database migrated, the first admin created, audit records a
 *    crash left open closed as `interrupted` (the ledger seals them when the
 *    worker starts serving: src/control/readiness.ts) — directly on the
 *    SQLite file with node:sqlite, so when workerd opens its socket the data
 *    is already what every route needs;
 * 3. the workerd config written (0600, replaced atomically).
 * Why here and not in the worker: the socket then never opens on a database
 * without tables or an admin (nothing to wait for but the Durable Objects),
 * a generated first-admin password is shown by the process that made it,
 * and migrations do not race a request.
 */

export interface Prepared {
  firstAdmin: FirstAdminResult;
  applied: string[];
  migrations: { count: number; latest: string | null };
  instanceId: string;
  interrupted: number;
  /** Paths whose mode was tightened. */
  madePrivate: string[];
  /** What GATEHOUSE_BACKENDS_FILE declared (nothing when it is not set: backends it once declared are removed). */
  backends: BackendsSync & { file: string | null };
}

export async function prepareStart(settings: ServeSettings, configPath: string, startedAt = Date.now()): Promise<Prepared> {
  process.umask(0o077);
  const madePrivate = await makePrivate(settings.dataDir);
  // workerd's disk services need their directories to exist.
  await mkdir(join(settings.dataDir, "durable-objects"), { recursive: true, mode: 0o700 });
  const secret = await sessionSecret(settings.dataDir, settings.sessionSecret);
  // Read (and refused when bad) before the database is touched: a bad file changes nothing.
  // Unset, it declares nothing: backends an earlier file declared go (the admin API cannot remove them).
  const declared = settings.backendsFile === null ? [] : await readBackendsFile(settings.backendsFile, process.env);
  const data = await prepareDatabase(settings, startedAt, { declared, secret });
  await writeConfig(settings, configPath, secret);
  return { ...data, madePrivate };
}

type DeclaredBackends = { declared: Awaited<ReturnType<typeof readBackendsFile>>; secret: string };

async function prepareDatabase(settings: ServeSettings, startedAt: number, backendsFile: DeclaredBackends): Promise<Omit<Prepared, "madePrivate">> {
  const path = d1File(settings.dataDir);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  // Loaded here: on Node 22 node:sqlite is experimental (the npm scripts and the unit silence its warning).
  const { DatabaseSync } = await import("node:sqlite");
  const file = new DatabaseSync(path);
  try {
    file.exec("PRAGMA busy_timeout = 10000");
    const db = d1OverFile(file);
    const applied = await applyMigrations(db, join(projectRoot, "migrations"));
    const interrupted = await recoverInterrupted(db, startedAt);
    const firstAdmin = await ensureFirstAdmin(db, settings.adminPassword, settings.worker.GATEHOUSE_PBKDF2_ITERATIONS);
    const backends = { file: settings.backendsFile, ...(await syncBackendsFile(db, backendsFile.declared, backendsFile.secret)) };
    let instanceId = await getSetting(db, "instance_id");
    if (!instanceId) {
      instanceId = crypto.randomUUID();
      await putSetting(db, "instance_id", instanceId);
    }
    const row = await db.prepare("SELECT COUNT(*) AS count, MAX(name) AS latest FROM d1_migrations").first<{ count: number; latest: string | null }>();
    return { firstAdmin, applied, migrations: { count: row?.count ?? 0, latest: row?.latest ?? null }, instanceId, interrupted, backends };
  } finally {
    file.close();
  }
}

async function writeConfig(settings: ServeSettings, configPath: string, secret: string): Promise<void> {
  const tls = settings.tls
    ? {
        certificateChain: await readFile(settings.tls.certPath, "utf8"),
        privateKey: await readFile(settings.tls.keyPath, "utf8"),
        clientCa: settings.tls.clientCaPath ? await readFile(settings.tls.clientCaPath, "utf8") : null,
      }
    : null;
  const config = workerdConfig({ settings, sessionSecret: secret, modules: await loadRuntimeModules(), publicDir: join(projectRoot, "public"), tls });
  await mkdir(dirname(configPath), { recursive: true, mode: 0o700 });
  const draft = `${configPath}.${process.pid}.tmp`;
  await writeFile(draft, config, { mode: 0o600 });
  await rename(draft, configPath);
}
