/**
 * `npm start`: builds the worker, applies the D1 migrations and serves
 * Gatehouse in workerd until SIGINT/SIGTERM. Settings come from GATEHOUSE_*
 * environment variables (see README); a bad one exits 2 naming it.
 *
 * Output is for journald: every line is one JSON object (time, level, msg,
 * fields) — these lifecycle events from here, and the worker's request lines,
 * which workerd writes to its stdout and Miniflare passes on unchanged. Errors
 * go to stderr, the rest to stdout. The one exception is deliberate: a first
 * admin password that Gatehouse generated (no GATEHOUSE_ADMIN_PASSWORD) is
 * printed once as plain text for the person at the terminal, and never put in
 * a JSON field. Under systemd, install.sh sets GATEHOUSE_ADMIN_PASSWORD, so
 * no password is ever generated there, and none reaches the journal.
 */
import { ConfigError } from "../src/config";
import { logLine, type LogFields, type LogLevel } from "../src/observability/log-line";
import { version } from "../src/version";
import { firstAdminMessage } from "./lib/first-admin";
import { startGateway, type RunningGateway } from "./lib/gateway";
import { killDescendants } from "./lib/process-tree";
import { readSettings } from "./lib/settings";

let gateway: RunningGateway | undefined;
let stopping = false;

/** One lifecycle event as a JSON line: errors on stderr, everything else on stdout. */
function log(level: LogLevel, msg: string, fields: LogFields = {}): void {
  const line = logLine(level, msg, { event: "lifecycle", ...fields });
  if (level === "error") console.error(line);
  else console.log(line);
}

/**
 * Stops workerd and exits 0. Bounded: if Miniflare is slow to let go, we
 * exit anyway, and whatever is left below us (workerd, esbuild's service) is
 * killed first, so no process outlives `npm start`.
 */
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  log("info", `${signal} received, stopping`, { signal });
  const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  await Promise.race([gateway?.dispose(), deadline]).catch(() => {});
  // tsx's esbuild service is expected here; workerd should already be gone.
  const killed = await killDescendants(process.pid).catch(() => []);
  if (killed.length > 0) log("warn", "stopped leftover processes", { pids: killed.map(String) });
  const durationMs = Date.now() - started;
  log("info", `stopped in ${durationMs} ms`, { durationMs });
  process.exit(0);
}

/**
 * We own SIGINT/SIGTERM/SIGHUP. Miniflare's bundled signal-exit re-raises a
 * signal whenever the number of listeners equals its own count of exit
 * hooks, which kills the process before an async dispose can run. So its
 * signal listeners are dropped (its 'exit' hook, which kills workerd, stays).
 */
function ownSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void stop(signal));
  }
}

async function main(): Promise<void> {
  let settings;
  try {
    settings = readSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log("error", `invalid setting ${error.message}`, { variable: error.variable });
      process.exit(2);
    }
    throw error;
  }
  ownSignals();
  log("info", "starting", {
    version,
    pid: process.pid,
    node: process.version,
    host: settings.host,
    port: settings.port,
    dataDir: settings.dataDir,
    ollama: settings.worker.GATEHOUSE_OLLAMA,
  });
  gateway = await startGateway(settings);
  // Miniflare registered its own listeners while starting; take them back.
  ownSignals();
  if (stopping) return;
  const shown = new URL(gateway.url);
  if (settings.host !== "0.0.0.0") shown.hostname = settings.host;
  log("info", "migrations applied", await migrationState(gateway));
  reportFirstAdmin(gateway.firstAdmin);
  // The msg keeps "instance <id> " and "listening on <url>" readable for people and scripts that grep for them.
  log("info", `instance ${gateway.instanceId} listening on ${shown.origin}`, {
    url: shown.origin,
    instance: gateway.instanceId,
    dataDir: settings.dataDir,
    ollama: settings.worker.GATEHOUSE_OLLAMA,
  });
}

/** How many migrations the database has (startGateway applied any that were new). */
async function migrationState(running: RunningGateway): Promise<LogFields> {
  try {
    const db = await running.miniflare.getD1Database("DB");
    const row = await db.prepare("SELECT COUNT(*) AS count, MAX(name) AS latest FROM d1_migrations").first<{ count: number; latest: string | null }>();
    return { migrations: row?.count ?? 0, latest: row?.latest ?? null };
  } catch {
    return { migrations: null };
  }
}

/**
 * The first admin: a JSON event without the password; a generated password
 * is then shown once, as plain text lines, exactly as before (see the top).
 */
function reportFirstAdmin(result: RunningGateway["firstAdmin"]): void {
  if (!result.created) return;
  const generated = result.generatedPassword !== undefined;
  const msg = generated
    ? "created the first admin account `admin` with a generated one-time password (printed below once, not logged)"
    : "created the first admin account `admin` with GATEHOUSE_ADMIN_PASSWORD; change it at first sign-in";
  log("warn", msg, { username: "admin", passwordSource: generated ? "generated" : "GATEHOUSE_ADMIN_PASSWORD" });
  if (generated) console.log(firstAdminMessage(result));
}

main().catch(async (error: unknown) => {
  log("error", "failed to start", { error: error instanceof Error ? error.message : String(error) });
  await killDescendants(process.pid).catch(() => []);
  process.exit(1);
});
