/**
 * The memory of the service as installed, the figure issue 15's memory
 * target asks for ("every resident process of the running service"),
 * measured rather than inferred from `npm start`, whose npm and Node parent
 * the unit does not run. `npm run bench` runs it as its last step
 * (`installedService`; BENCH_INSTALLED=0 skips it); alone:
 * `npx tsx scripts/bench/installed-memory.ts`.
 *
 * It runs install.sh into a temporary root (as the install test does),
 * starts the service the way its systemd unit does (ExecStartPre prepares
 * and exits, ExecStart is workerd, ExecStartPost waits for ready and exits),
 * puts on it the load `npm run bench` puts on `npm start` up to its memory
 * step (8 clients warming up, 5 s at 8 and at 64 concurrent, then 64
 * streams of 50 chunks, twice each), and samples the RSS of every process
 * running from the install, together, every 50 ms.
 */
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startOllamaSimulator } from "../../test/fixtures/ollama-sim/server";
import { AdminClient, firstAdminPassword } from "../../test/e2e/helpers/accounts";
import { freePort } from "../../test/e2e/helpers/gatehouse-process";
import { makeInstallRoot, parseEnvFile, processesUnder, runScript, startInstalled } from "../../test/e2e/helpers/install-root";
import { sequentialClients } from "./http-timing";
import { throughput } from "./load";
import { peakDuring, rssMiB } from "./process-memory";

const chat = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "benchmark me please" }], stream: false });
const streamed = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "stream to me" }] });

export interface InstalledServiceMemory {
  /** Every process running from the install once ready (the unit leaves workerd alone). */
  processes: { command: string; rssMiB: number }[];
  atRestMiB: number;
  /** All of them together: before the 64 streams (after the load before them), and the peak during them. */
  before64StreamsMiB: number;
  peak64StreamsMiB: number;
}

export async function measureInstalledService(): Promise<InstalledServiceMemory> {
  const simulator = await startOllamaSimulator({ port: 0 });
  const root = await makeInstallRoot();
  try {
    const installed = await runScript("install.sh", ["--root", root, "--no-start", "--ollama", `127.0.0.1:${simulator.port}`]);
    if (installed.code !== 0) throw new Error(`install.sh failed:\n${installed.stdout}${installed.stderr}`);
    const env = parseEnvFile(await readFile(join(root, "etc/gatehouse/gatehouse.env"), "utf8"));
    const gateway = await startInstalled(root, {
      ...env,
      GATEHOUSE_HOST: "127.0.0.1",
      GATEHOUSE_PORT: String(await freePort()),
      GATEHOUSE_DATA: join(root, "var/lib/gatehouse"),
      // The first admin the test helpers sign in as; the slots npm run bench gives npm start.
      GATEHOUSE_ADMIN_PASSWORD: firstAdminPassword,
      GATEHOUSE_PBKDF2_ITERATIONS: "1000",
      GATEHOUSE_MAX_INFLIGHT: "512",
      GATEHOUSE_MAX_QUEUE: "4096",
    });
    try {
      const opt = join(root, "opt/gatehouse");
      const together = async () => {
        let sum = 0;
        for (const { pid } of await processesUnder(opt)) sum += await rssMiB(pid).catch(() => 0);
        return sum;
      };
      const admin = await AdminClient.signIn(gateway.url);
      const high = { rpm: 1_000_000_000, burst: 1_000_000_000, concurrency: 10_000, dailyTokens: null, monthlyTokens: null, models: null };
      const { secret } = await admin.userWithKey("bench", { limits: high });
      const target = { url: gateway.url, headers: { Authorization: `Bearer ${secret}` } };
      const processes = await Promise.all(
        (await processesUnder(opt)).map(async ({ pid, command }) => ({ command: command.split("/").pop() ?? command, rssMiB: round(await rssMiB(pid)) })),
      );
      const atRestMiB = round(await together());
      await sequentialClients(target, "/api/chat", chat, 8, 50);
      for (const connections of [8, 64]) await throughput(target, "/api/chat", chat, connections, { seconds: 5 });
      await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ chunkCount: 50, chunkDelayMs: 20 }) });
      const { startMiB, peakMiB } = await peakDuring(together, 50, () => sequentialClients(target, "/api/chat", streamed, 64, 2));
      return { processes, atRestMiB, before64StreamsMiB: round(startMiB), peak64StreamsMiB: round(peakMiB) };
    } finally {
      await gateway.stop();
    }
  } finally {
    await simulator.close();
    await rm(root, { recursive: true, force: true });
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  measureInstalledService().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
      process.exit(1);
    },
  );
}
