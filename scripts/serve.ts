/**
 * `npm start`: Gatehouse in its production form — the workerd binary on a
 * config generated for it (scripts/lib/workerd-config.ts), the same as the
 * systemd unit runs. This Node process is the thin parent `npm start` needs
 * (npm itself is a Node process that stays for as long as the script runs):
 * it has each start prepared by a short-lived child process (the unit's
 * ExecStartPre, scripts/service.ts: private data dir, migrations, first
 * admin, crash recovery, the config), spawns workerd,
 * prints the listening line once /health says ready, forwards SIGINT/SIGTERM
 * (and, once workerd has exited, logs the audit chain's final checkpoint),
 * and restarts workerd if it dies (as the unit's Restart=on-failure does),
 * preparing again first so records the crash left open are closed. Requests
 * never pass through it: workerd owns the one listening socket.
 *
 * Output is for journald: every line is one JSON object (time, level, msg,
 * fields) — lifecycle events from here, workerd's own lines and the worker's
 * request lines normalised by scripts/lib/workerd-log.ts. Errors go to
 * stderr, the rest to stdout. The one exception is deliberate: a first admin
 * password that Gatehouse generated (no GATEHOUSE_ADMIN_PASSWORD) is printed
 * once as plain text for the person at the terminal, and never put in a JSON
 * field. Under systemd, install.sh sets GATEHOUSE_ADMIN_PASSWORD, so no
 * password is ever generated there, and none reaches the journal.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../src/config";
import { lifecycleLog as log } from "./lib/lifecycle-log";
import { runPrepare } from "./lib/prepare-process";
import { waitUntilReady } from "./lib/readiness-probe";
import { readSettings, type ServeSettings } from "./lib/settings";
import { startWorkerd, type WorkerdProcess } from "./lib/workerd-process";

/** Restarts allowed within `restartWindowMs` before npm start gives up (exit 1), like systemd's start limit. */
const maxRestarts = 5;
const restartWindowMs = 60_000;

let workerd: WorkerdProcess | undefined;
let stopping = false;
let runtimeDir: string | undefined;
let dataDir: string | undefined;

async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  log("info", `${signal} received, stopping`, { signal });
  if (workerd && workerd.child.exitCode === null && workerd.child.signalCode === null) {
    workerd.child.kill("SIGTERM");
    const timer = setTimeout(() => workerd?.child.kill("SIGKILL"), 10_000);
    await workerd.exited;
    clearTimeout(timer);
  }
  // The chain's final head, once nothing writes any more (scripts/lib/shutdown-checkpoint.ts).
  // Loaded only now: the checkpoint reader (drizzle, the chain code) has no business in the parent while it serves.
  const finalDataDir = dataDir;
  if (finalDataDir) await import("./lib/shutdown-checkpoint").then(({ logShutdownCheckpoint }) => logShutdownCheckpoint(finalDataDir)).catch((error: unknown) => log("error", "no shutdown checkpoint", { error: error instanceof Error ? error.message : String(error) }));
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
  const durationMs = Date.now() - started;
  log("info", `stopped in ${durationMs} ms`, { durationMs });
  process.exit(0);
}

function readOrExit(): ServeSettings {
  try {
    return readSettings(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      log("error", `invalid setting ${error.message}`, { variable: error.variable });
      process.exit(2);
    }
    throw error;
  }
}

/** Prepares (in a child process), starts workerd and waits until it is ready; returns the instance id. */
async function startOnce(settings: ServeSettings, configPath: string): Promise<string> {
  const prepared = await runPrepare(configPath);
  // The child has said what was wrong; a bad setting is exit 2 here too.
  if (prepared.code !== 0) {
    if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true });
    process.exit(prepared.code === 2 ? 2 : 1);
  }
  if (stopping) return prepared.instanceId ?? "";
  workerd = startWorkerd(configPath, settings.inspectorPort);
  const current = workerd;
  await waitUntilReady(settings, { timeoutMs: 120_000, stillWorth: () => current.child.exitCode === null && current.child.signalCode === null && !stopping });
  return prepared.instanceId ?? "unknown";
}

async function main(): Promise<void> {
  const settings = readOrExit();
  dataDir = settings.dataDir;
  // What workerd creates (SQLite's -wal and -shm files, new Durable Objects) is private too, as the unit's UMask=0077 makes it.
  process.umask(0o077);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(signal));
  runtimeDir = await mkdtemp(join(tmpdir(), "gatehouse-run-"));
  const configPath = join(runtimeDir, "gatehouse.capnp");
  const url = new URL(`${settings.tls ? "https" : "http"}://localhost`);
  url.hostname = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  url.port = String(settings.port);
  const crashes: number[] = [];
  while (!stopping) {
    const instance = await startOnce(settings, configPath);
    if (stopping) return;
    // The msg keeps "instance <id> " and "listening on <url>" readable for people and scripts that grep for them.
    log("info", `instance ${instance} listening on ${url.origin}`, { url: url.origin, instance, dataDir: settings.dataDir, ollama: settings.worker.GATEHOUSE_OLLAMA, pid: workerd?.child.pid ?? null });
    const { code, signal } = await workerd!.exited;
    if (stopping) return;
    const now = Date.now();
    crashes.push(now);
    while (crashes.length > 0 && crashes[0]! < now - restartWindowMs) crashes.shift();
    if (crashes.length > maxRestarts) throw new Error(`workerd died ${crashes.length} times within ${restartWindowMs / 1000} s (last: ${signal ?? `exit ${code}`}); giving up`);
    log("error", `workerd exited unexpectedly (${signal ?? `exit ${code}`}); restarting it`, { code, signal });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

main().catch(async (error: unknown) => {
  const message = error instanceof ConfigError ? `invalid setting ${error.message}` : error instanceof Error ? error.message : String(error);
  log("error", "failed to start", { error: message });
  workerd?.child.kill("SIGKILL");
  if (runtimeDir) await rm(runtimeDir, { recursive: true, force: true }).catch(() => {});
  process.exit(error instanceof ConfigError ? 2 : 1);
});
