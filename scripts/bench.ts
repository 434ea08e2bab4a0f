/**
 * `npm run bench`: Gatehouse against the Ollama simulator directly and
 * against a bare proxy (a worker that only forwards, same runtime), side by
 * side in one run. Full governance is on (key auth, the per-user Durable
 * Object with high limits, the fair queue with a high in-flight limit,
 * write-ahead audit with full capture). The three are interleaved and
 * medians reported, as ratios and as added milliseconds, with the CPU each
 * proxy spends per request (from /proc). Prints the JSON summary and writes
 * bench-results.json (git-ignored).
 */
import { writeFile } from "node:fs/promises";
import { AdminClient } from "../test/e2e/helpers/accounts";
import { startGatehouse } from "../test/e2e/helpers/gatehouse-process";
import { startOllamaSimulator } from "../test/fixtures/ollama-sim/server";
import { profileWorker } from "./bench/cpu-profile";
import { timedExport } from "./bench/export";
import { startBareProxy, runtimeOf } from "./bench/bare-proxy";
import { sequentialClients, type Target } from "./bench/http-timing";
import { throughput } from "./bench/load";
import { serviceProcesses } from "./bench/process-cpu";
import { measureInstalledService } from "./bench/installed-memory";
import { findWorkerd, peakDuring, peakRssDuring, serviceRss } from "./bench/process-memory";
import { latencyRounds, round, streamingRounds, throughputRounds, type RoundOptions, type Sides } from "./bench/rounds";
import { routingStepBench } from "./bench/routing-step";
import { runtimeFloor } from "./bench/runtime-floor";
import { sensitiveScanBench } from "./bench/sensitive-scan";
import { syscallsPerRequest } from "./bench/syscalls";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const exportRows = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
/** BENCH_PROFILE=1: also sample every isolate's CPU during a governed run and print the hottest functions; BENCH_STRACE=1: count workerd's system calls per request. */
const profilePort = process.env.BENCH_PROFILE ? 9339 : null;
const chat = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "benchmark me please" }], stream: false });
const streamed = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "stream to me" }] });

async function main(): Promise<void> {
  const simulator = await startOllamaSimulator({ port: 0 });
  const gatehouse = await startGatehouse({
    env: {
      GATEHOUSE_OLLAMA: `127.0.0.1:${simulator.port}`,
      GATEHOUSE_MAX_INFLIGHT: "512",
      GATEHOUSE_MAX_QUEUE: "4096",
      ...(profilePort ? { GATEHOUSE_INSPECTOR_PORT: String(profilePort) } : {}),
    },
  });
  const setSim = (config: Record<string, unknown>) =>
    fetch(`${simulator.url}/__sim/reset`, { method: "POST" }).then(() =>
      fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(config) }),
    );
  let bare: Awaited<ReturnType<typeof startBareProxy>> | undefined;
  const results: Record<string, unknown> = {};
  try {
    const admin = await AdminClient.signIn(gatehouse.url);
    const high = { rpm: 1_000_000_000, burst: 1_000_000_000, concurrency: 10_000, dailyTokens: null, monthlyTokens: null, models: null };
    const { secret } = await admin.userWithKey("bench", { limits: high });
    const direct: Target = { url: simulator.url, headers: {} };
    const gated: Target = { url: gatehouse.url, headers: { Authorization: `Bearer ${secret}` } };
    const workerd = await findWorkerd(gatehouse.child.pid!);
    bare = await startBareProxy(`127.0.0.1:${simulator.port}`, await runtimeOf(workerd), workerd);
    const sides: Sides = {
      direct: { target: direct, pids: [] },
      bare: { target: { url: bare.url, headers: {} }, pids: bare.pids },
      gatehouse: { target: gated, pids: await serviceProcesses(gatehouse.child.pid!), runtimePids: workerd ? [workerd] : [] },
    };
    const options: RoundOptions = { rounds, seconds, chat, streamed };
    Object.assign(results, { machine: machine(), rounds, seconds, bareRuntime: bare.runtime });
    // Every process of the running service together (npm start's whole tree), at rest after sign-in.
    results.serviceMemory = await serviceRss(gatehouse.child.pid!);
    progress("service memory at rest", results.serviceMemory);
    results.sensitiveScan32k = sensitiveScanBench(); // the detectors on a 32k-character prompt (budget: p99 ≤ 2 ms)
    progress("sensitive-data scan, 32k characters", results.sensitiveScan32k);
    results.routingStep = await routingStepBench(); // what routing adds per request (budget: ≤ 0.2 ms), no catalog and three backends
    progress("routing step, per request", results.routingStep);
    results.runtimeFloor = await runtimeFloor(workerd); // what workerd charges per object call, commit and row: the floor under any arrangement of the pipeline
    progress("runtime floor (workerd CPU per call)", results.runtimeFloor);

    // Warm every path (JIT, connections, the user's Durable Object).
    for (const side of Object.values(sides)) await sequentialClients(side.target, "/api/chat", chat, 8, 50);

    results.latency1 = await latencyRounds(sides, options, 1);
    progress("latency, one client", results.latency1);
    results.latency8 = await latencyRounds(sides, options, 8);
    progress("latency at 8 concurrent", results.latency8);
    results.throughput = await throughputRounds(sides, options);
    progress("throughput", results.throughput);
    await setSim({ chunkCount: 50, chunkDelayMs: 20 });
    results.streaming = await streamingRounds(sides, options);
    progress("streaming", results.streaming);
    if (workerd) {
      // workerd alone (the installed unit's only process) and every process of `npm start` together, sampled side by side.
      const service = peakDuring(async () => (await serviceRss(gatehouse.child.pid!)).totalMiB, 100, () => sequentialClients(gated, "/api/chat", streamed, 64, 2));
      const [{ peakMiB, startMiB }, all] = await Promise.all([peakRssDuring(workerd, 50, () => service), service]);
      results.memory64Streams = { workerdStartMiB: round(startMiB), workerdPeakMiB: round(peakMiB), servicePeakMiB: round(all.peakMiB) };
    }
    await setSim({});
    if (profilePort) {
      const isolates = await profileWorker(profilePort, () => throughput(gated, "/api/chat", chat, 64, { seconds }));
      for (const { isolate, busyMsPerRequest, hottest, inclusive } of isolates) {
        console.error(`bench: ${isolate}: ${busyMsPerRequest} ms sampled busy per request; hottest functions (self time):\n${hottest.join("\n")}`);
        console.error(`bench: ${isolate}: by inclusive time (share of JavaScript time, not idle, not (program)):\n${inclusive.join("\n")}`);
      }
      results.profile = isolates;
    }
    if (process.env.BENCH_STRACE && workerd) {
      results.syscalls = await syscallsPerRequest(workerd, () => throughput(gated, "/api/chat", chat, 8, { amount: 500 }));
      progress("system calls per governed request (strace -c -f, c8)", results.syscalls);
    }
    results.audit = await auditAndExport(gatehouse.url, admin, gated, workerd);
  } finally {
    await bare?.close();
    await gatehouse.stop();
    await gatehouse.cleanup();
    await simulator.close();
  }
  // The service as the unit runs it (workerd alone), once npm start is gone: the memory target's own figure.
  if (process.env.BENCH_INSTALLED !== "0") {
    results.installedService = await measureInstalledService();
    progress("installed service (the unit's processes), memory", results.installedService);
  }
  report(results);
  await writeFile("bench-results.json", `${JSON.stringify(results, null, 2)}\n`);
}

async function auditAndExport(url: string, admin: AdminClient, gated: Target, workerd: number | null) {
  const before = await auditCount(admin);
  const started = performance.now();
  if (exportRows > before) await throughput(gated, "/api/chat", chat, 64, { amount: exportRows - before });
  const afterFill = await waitForSettledCount(admin);
  const recordsPerSecond = (afterFill - before) / ((performance.now() - started) / 1000);
  const exportRun = () => timedExport(`${url}/admin/api/audit.csv?reason=bench`, admin.cookie);
  if (!workerd) return { recordsPerSecond: round(recordsPerSecond), export: await exportRun() };
  const { result, peakMiB, startMiB } = await peakRssDuring(workerd, 50, exportRun);
  return {
    records: afterFill,
    recordsPerSecond: round(recordsPerSecond),
    export: { rows: result.rows, seconds: round(result.seconds), megabytes: round(result.bytes / 1e6), workerdStartMiB: round(startMiB), workerdPeakMiB: round(peakMiB) },
  };
}

async function auditCount(admin: AdminClient): Promise<number> {
  return (await admin.json<{ checked: number }>("GET", "/admin/api/audit/verify")).checked;
}

/** Completion is written off the response path; wait until the count stops moving. */
async function waitForSettledCount(admin: AdminClient): Promise<number> {
  let last = -1;
  for (;;) {
    const now = await auditCount(admin);
    if (now === last) return now;
    last = now;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

function machine() {
  return { cpus: (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? null, node: process.version, platform: process.platform };
}

function progress(name: string, value: unknown): void {
  console.error(`bench: ${name}: ${JSON.stringify(value)}`);
}

function report(results: Record<string, unknown>): void {
  console.log("\nGatehouse benchmark (direct = the Ollama simulator; gatehouse = through npm start)\n");
  console.log(JSON.stringify(results, null, 2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
