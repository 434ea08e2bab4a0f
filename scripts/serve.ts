/**
 * `npm start`: builds the worker, applies the D1 migrations and serves
 * Gatehouse in workerd until SIGINT/SIGTERM. Settings come from GATEHOUSE_*
 * environment variables (see README); a bad one exits 2 naming it.
 */
import { ConfigError } from "../src/config";
import { firstAdminMessage } from "./lib/first-admin";
import { startGateway, type RunningGateway } from "./lib/gateway";
import { killDescendants } from "./lib/process-tree";
import { readSettings } from "./lib/settings";

let gateway: RunningGateway | undefined;
let stopping = false;

/**
 * Stops workerd and exits 0. Bounded: if Miniflare is slow to let go, we
 * exit anyway, and whatever is left below us (workerd, esbuild's service) is
 * killed first, so no process outlives `npm start`.
 */
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  const started = Date.now();
  console.log(`gatehouse: ${signal} received, stopping`);
  const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
  await Promise.race([gateway?.dispose(), deadline]).catch(() => {});
  // tsx's esbuild service is expected here; workerd should already be gone.
  const killed = await killDescendants(process.pid).catch(() => []);
  if (killed.length > 0) console.log(`gatehouse: stopped leftover ${killed.join(", ")}`);
  console.log(`gatehouse: stopped in ${Date.now() - started} ms`);
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
      console.error(`gatehouse: invalid setting ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  ownSignals();
  gateway = await startGateway(settings);
  // Miniflare registered its own listeners while starting; take them back.
  ownSignals();
  if (stopping) return;
  const shown = new URL(gateway.url);
  if (settings.host !== "0.0.0.0") shown.hostname = settings.host;
  console.log(`gatehouse: instance ${gateway.instanceId}`);
  const firstAdmin = firstAdminMessage(gateway.firstAdmin);
  if (firstAdmin) console.log(firstAdmin);
  console.log(`gatehouse: listening on ${shown.origin} (data in ${settings.dataDir}, ollama at ${settings.worker.GATEHOUSE_OLLAMA})`);
}

main().catch(async (error: unknown) => {
  console.error(`gatehouse: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  await killDescendants(process.pid).catch(() => []);
  process.exit(1);
});
