/**
 * The installed service's two Node steps (scripts/systemd/gatehouse.service);
 * neither stays running while Gatehouse serves:
 *
 *   service.mjs prepare <config>   ExecStartPre (and npm start, before each
 *                                  start of workerd): the private data dir,
 *                                  migrations, first admin, crash recovery,
 *                                  the workerd config (scripts/lib/prepare.ts)
 *   service.mjs ready              ExecStartPost: waits until /health says
 *                                  ready, then logs the listening line; the
 *                                  unit counts as started only then
 *   service.mjs checkpoint         ExecStopPost: once workerd has exited, logs
 *                                  the audit chain's final checkpoint line
 *                                  (scripts/lib/shutdown-checkpoint.ts)
 *
 * ExecStart is workerd itself on the prepared config. Every line printed is
 * one JSON object (the generated first-admin password aside, see serve.ts;
 * install.sh always sets one, so none is generated under systemd).
 * Exit codes: 0 done, 2 a bad setting (named), 1 anything else.
 */
import { ConfigError } from "../src/config";
import { version } from "../src/version";
import { lifecycleLog as log } from "./lib/lifecycle-log";
import { reportFirstAdmin, reportPrepared } from "./lib/prepare-report";
import { prepareStart } from "./lib/prepare";
import { probeUrl, waitUntilReady } from "./lib/readiness-probe";
import { readSettings } from "./lib/settings";
import { logShutdownCheckpoint } from "./lib/shutdown-checkpoint";

async function main(argv: string[]): Promise<void> {
  const [command, configPath] = argv;
  const settings = readSettings(process.env);
  if (command === "prepare" && configPath) {
    log("info", "starting", { version, pid: process.pid, node: process.version, host: settings.host, port: settings.port, dataDir: settings.dataDir, ollama: settings.worker.GATEHOUSE_OLLAMA });
    const prepared = await prepareStart(settings, configPath);
    reportPrepared(prepared);
    reportFirstAdmin(prepared.firstAdmin);
    log("info", "prepared; workerd starts next", { config: configPath, instance: prepared.instanceId });
    return;
  }
  if (command === "ready") {
    await waitUntilReady(settings, { timeoutMs: settings.startTimeoutSeconds * 1000, everyMs: 100 });
    const url = new URL(probeUrl(settings).origin);
    if (settings.host !== "0.0.0.0" && settings.host !== "::") url.hostname = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
    else url.hostname = settings.host === "::" ? "[::]" : settings.host;
    log("info", `listening on ${url.origin}`, { url: url.origin, dataDir: settings.dataDir });
    return;
  }
  if (command === "checkpoint") {
    await logShutdownCheckpoint(settings.dataDir).catch((error: unknown) => {
      log("error", "no shutdown checkpoint", { error: error instanceof Error ? error.message : String(error) });
      process.exit(1);
    });
    return;
  }
  throw new ConfigError("command", "usage: service.mjs prepare <config path> | ready | checkpoint");
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    const config = error instanceof ConfigError;
    log("error", config ? `invalid setting ${(error as ConfigError).message}` : "failed to start", { error: error instanceof Error ? error.message : String(error) });
    process.exit(config ? 2 : 1);
  },
);
