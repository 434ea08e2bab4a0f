/**
 * The memory of the service as installed: `npx tsx scripts/bench/installed-memory.ts`
 * runs install.sh into a temporary root (as the install test does), starts
 * it the way its systemd unit does (ExecStartPre prepares and exits,
 * ExecStart is workerd alone, ExecStartPost waits for ready and exits), puts
 * the load `npm run bench` puts on it up to its memory step (8 clients
 * warming up, 5 s at 8 and at 64 concurrent, then 64 streams of 50 chunks,
 * twice each) and prints every process left
 * running from the install with its RSS at rest and workerd's peak under
 * that load. The figure issue 15's memory target asks for ("every resident
 * process of the running service"), measured rather than inferred from
 * `npm start`, whose npm and Node parent the unit does not run.
 * Needs what the install test needs: root (or the install's own checks pass)
 * and a few minutes for install.sh's build.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { startOllamaSimulator } from "../../test/fixtures/ollama-sim/server";
import { AdminClient, firstAdminPassword } from "../../test/e2e/helpers/accounts";
import { freePort } from "../../test/e2e/helpers/gatehouse-process";
import { makeInstallRoot, parseEnvFile, processesUnder, runScript, startInstalled } from "../../test/e2e/helpers/install-root";
import { sequentialClients } from "./http-timing";
import { throughput } from "./load";
import { peakRssDuring, rssMiB } from "./process-memory";

const chat = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "benchmark me please" }], stream: false });
const streamed = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "stream to me" }] });

async function main(): Promise<void> {
  const simulator = await startOllamaSimulator({ port: 0 });
  const root = await makeInstallRoot();
  try {
    const installed = await runScript("install.sh", ["--root", root, "--no-start", "--ollama", `127.0.0.1:${simulator.port}`]);
    if (installed.code !== 0) throw new Error(`install.sh failed:\n${installed.stdout}${installed.stderr}`);
    const env = parseEnvFile(await readFile(join(root, "etc/gatehouse/gatehouse.env"), "utf8"));
    const port = await freePort();
    const gateway = await startInstalled(root, {
      ...env,
      GATEHOUSE_HOST: "127.0.0.1",
      GATEHOUSE_PORT: String(port),
      GATEHOUSE_DATA: join(root, "var/lib/gatehouse"),
      // The bench's own: a first admin the test helpers sign in as, the same slots as npm run bench.
      GATEHOUSE_ADMIN_PASSWORD: firstAdminPassword,
      GATEHOUSE_PBKDF2_ITERATIONS: "1000",
      GATEHOUSE_MAX_INFLIGHT: "512",
      GATEHOUSE_MAX_QUEUE: "4096",
    });
    try {
      const admin = await AdminClient.signIn(gateway.url);
      const high = { rpm: 1_000_000_000, burst: 1_000_000_000, concurrency: 10_000, dailyTokens: null, monthlyTokens: null, models: null };
      const { secret } = await admin.userWithKey("bench", { limits: high });
      const target = { url: gateway.url, headers: { Authorization: `Bearer ${secret}` } };
      const running = await processesUnder(join(root, "opt/gatehouse"));
      const atRest = await Promise.all(running.map(async ({ pid, command }) => ({ pid, command: command.split("/").pop(), rssMiB: Math.round(await rssMiB(pid)) })));
      // What npm run bench puts on it before its memory step: warm-up, then load at 8 and 64 concurrent.
      await sequentialClients(target, "/api/chat", chat, 8, 50);
      for (const connections of [8, 64]) await throughput(target, "/api/chat", chat, connections, { seconds: 5 });
      await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ chunkCount: 50, chunkDelayMs: 20 }) });
      const { peakMiB, startMiB } = await peakRssDuring(gateway.child.pid!, 50, () => sequentialClients(target, "/api/chat", streamed, 64, 2));
      const after = await processesUnder(join(root, "opt/gatehouse"));
      console.log(JSON.stringify({ processesAtRest: atRest, processesAfterLoad: after.map(({ command }) => command.split("/").pop()), workerdStartMiB: Math.round(startMiB), workerdPeakMiB: Math.round(peakMiB) }, null, 2));
    } finally {
      await gateway.stop();
    }
  } finally {
    await simulator.close();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
