/**
 * `npm start`: builds the worker, applies the D1 migrations and serves
 * Gatehouse in workerd until SIGINT/SIGTERM. Settings come from GATEHOUSE_*
 * environment variables (see README); a bad one exits 2 naming it.
 */
import { ConfigError } from "../src/config";
import { firstAdminMessage } from "./lib/first-admin";
import { startGateway } from "./lib/gateway";
import { readSettings } from "./lib/settings";

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
  const gateway = await startGateway(settings);
  const shown = new URL(gateway.url);
  if (settings.host !== "0.0.0.0") shown.hostname = settings.host;
  console.log(`gatehouse: instance ${gateway.instanceId}`);
  const firstAdmin = firstAdminMessage(gateway.firstAdmin);
  if (firstAdmin) console.log(firstAdmin);
  console.log(`gatehouse: listening on ${shown.origin} (data in ${settings.dataDir}, ollama at ${settings.worker.GATEHOUSE_OLLAMA})`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const started = Date.now();
    console.log(`gatehouse: ${signal} received, stopping`);
    // Bounded: if workerd is slow to go, exiting still stops it, since
    // Miniflare's 'exit' hook kills the runtime process.
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    await Promise.race([gateway.dispose(), deadline]);
    console.log(`gatehouse: stopped in ${Date.now() - started} ms`);
    process.exit(0);
  };
  // Miniflare's bundled signal-exit re-raises SIGINT/SIGTERM whenever the
  // number of listeners equals its own count of exit hooks, which kills the
  // process before an async dispose can run and can orphan workerd. We own
  // shutdown: drop its signal listeners (its 'exit' hook stays as a backstop).
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeAllListeners(signal);
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
}

main().catch((error: unknown) => {
  console.error(`gatehouse: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
