import { Miniflare } from "miniflare";
import { join } from "node:path";
import { recoverInterrupted } from "../../src/audit/recovery";
import { getSetting, putSetting } from "../../src/db/settings";
import { bundleWorker, projectRoot } from "./bundle";
import { ensureFirstAdmin, type FirstAdminResult } from "./first-admin";
import { applyMigrations } from "./migrate";
import { sessionSecret } from "./secrets";
import type { ServeSettings } from "./settings";

/** Must match wrangler.toml: the date and flags the worker is written for. */
const compatibilityDate = "2026-07-30";
const compatibilityFlags = ["nodejs_compat", "enable_request_signal"];

export interface RunningGateway {
  url: URL;
  /** Generated when the data dir is first used; the same after every restart. */
  instanceId: string;
  /** Whether this start created the first admin (and the password, if generated). */
  firstAdmin: FirstAdminResult;
  miniflare: Miniflare;
  dispose(): Promise<void>;
}

/**
 * Starts the worker in workerd through Miniflare's API. workerd owns the
 * listening socket; Node only supervises it. Nothing here reaches the
 * internet: no telemetry, and request.cf comes from a fixed object instead of
 * Cloudflare's download.
 */
export async function startGateway(settings: ServeSettings): Promise<RunningGateway> {
  const processStartedAt = Date.now();
  const script = await bundleWorker();
  const secret = await sessionSecret(settings.dataDir, settings.sessionSecret);
  const miniflare = new Miniflare({
    host: settings.host,
    port: settings.port,
    cf: { country: "XX", colo: "LOCAL" },
    telemetry: { enabled: false },
    // Profiling only; Miniflare binds the inspector to 127.0.0.1.
    ...(settings.inspectorPort ? { inspectorPort: settings.inspectorPort } : {}),
    // HTTPS: workerd itself terminates TLS on the listening socket (no proxy in front).
    ...(settings.tls ? { httpsCertPath: settings.tls.certPath, httpsKeyPath: settings.tls.keyPath } : {}),
    logRequests: false,
    modules: [{ type: "ESModule", path: "index.js", contents: script }],
    compatibilityDate,
    compatibilityFlags,
    d1Databases: { DB: "gatehouse" },
    d1Persist: join(settings.dataDir, "d1"),
    // SQLite-backed, as wrangler.toml's new_sqlite_classes declares (ctx.storage.sql needs it).
    durableObjects: {
      USER_LIMITER: { className: "UserLimiter", useSQLite: true },
      ADMISSION: { className: "AdmissionQueue", useSQLite: true },
      ATTEMPTS: { className: "AttemptCounter", useSQLite: true },
      AUDIT: { className: "AuditLedger", useSQLite: true },
    },
    durableObjectsPersist: join(settings.dataDir, "durable-objects"),
    assets: {
      directory: join(projectRoot, "public"),
      binding: "ASSETS",
      routerConfig: { invoke_user_worker_ahead_of_assets: true, has_user_worker: true },
    },
    serviceBindings: { OLLAMA: { external: { address: settings.worker.GATEHOUSE_OLLAMA, http: {} } } },
    bindings: { ...settings.workerVars, GATEHOUSE_OLLAMA: settings.worker.GATEHOUSE_OLLAMA, SESSION_SECRET: secret },
  });
  try {
    const url = await miniflare.ready;
    const db = await miniflare.getD1Database("DB");
    await applyMigrations(db, join(projectRoot, "migrations"));
    // Audit records a crash left open are finished as interrupted.
    await recoverInterrupted(db, processStartedAt);
    const firstAdmin = await ensureFirstAdmin(db, settings.adminPassword, settings.worker.GATEHOUSE_PBKDF2_ITERATIONS);
    let instanceId = await getSetting(db, "instance_id");
    if (!instanceId) {
      instanceId = crypto.randomUUID();
      await putSetting(db, "instance_id", instanceId);
    }
    return { url, instanceId, firstAdmin, miniflare, dispose: () => miniflare.dispose() };
  } catch (error) {
    await miniflare.dispose().catch(() => {});
    throw error;
  }
}
