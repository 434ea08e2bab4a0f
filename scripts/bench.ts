/**
 * `npm run bench`: Gatehouse against the Ollama simulator directly, side by
 * side in one run. Full governance is on (key auth, the per-user Durable
 * Object with high limits, the fair queue with a high in-flight limit,
 * write-ahead audit with full capture). Direct and gateway rounds are
 * interleaved and medians reported, as ratios and as added milliseconds.
 * Prints a table and writes bench-results.json (git-ignored).
 */
import { writeFile } from "node:fs/promises";
import { AdminClient } from "../test/e2e/helpers/accounts";
import { startGatehouse } from "../test/e2e/helpers/gatehouse-process";
import { startOllamaSimulator } from "../test/fixtures/ollama-sim/server";
import { profileWorker } from "./bench/cpu-profile";
import { timedExport } from "./bench/export";
import { median, percentile, sequentialClients, type Target } from "./bench/http-timing";
import { throughput } from "./bench/load";
import { findWorkerd, peakRssDuring, serviceRss } from "./bench/process-memory";
import { sensitiveScanBench } from "./bench/sensitive-scan";

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const exportRows = Number(process.env.BENCH_EXPORT_ROWS ?? 100_000);
/** BENCH_PROFILE=1: also sample the worker's CPU during a governed run and print the hottest functions. */
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
  try {
    const admin = await AdminClient.signIn(gatehouse.url);
    const high = { rpm: 1_000_000_000, burst: 1_000_000_000, concurrency: 10_000, dailyTokens: null, monthlyTokens: null, models: null };
    const { secret } = await admin.userWithKey("bench", { limits: high });
    const direct: Target = { url: simulator.url, headers: {} };
    const gated: Target = { url: gatehouse.url, headers: { Authorization: `Bearer ${secret}` } };
    const workerd = await findWorkerd(gatehouse.child.pid!);
    const results: Record<string, unknown> = { machine: machine(), rounds, seconds };
    // Every process of the running service together (npm start's whole tree), at rest after sign-in.
    results.serviceMemory = await serviceRss(gatehouse.child.pid!);
    progress("service memory at rest", results.serviceMemory);
    results.sensitiveScan32k = sensitiveScanBench(); // the detectors on a 32k-character prompt (budget: p99 ≤ 2 ms)
    progress("sensitive-data scan, 32k characters", results.sensitiveScan32k);

    // Warm both paths (JIT, connections, the user's Durable Object).
    await sequentialClients(gated, "/api/chat", chat, 8, 50);
    await sequentialClients(direct, "/api/chat", chat, 8, 50);

    results.latency1 = await latencyRounds(direct, gated, 1);
    progress("latency, one client", results.latency1);
    results.latency8 = await latencyRounds(direct, gated, 8);
    progress("latency at 8 concurrent", results.latency8);
    results.throughput = await throughputRounds(direct, gated);
    progress("throughput", results.throughput);
    await setSim({ chunkCount: 50, chunkDelayMs: 20 });
    results.streaming = await streamingRounds(direct, gated);
    progress("streaming", results.streaming);
    if (workerd) {
      const { peakMiB, startMiB } = await peakRssDuring(workerd, 50, () => sequentialClients(gated, "/api/chat", streamed, 64, 2));
      results.memory64Streams = { workerdStartMiB: round(startMiB), workerdPeakMiB: round(peakMiB) };
    }
    await setSim({});
    if (profilePort) {
      const hottest = await profileWorker(profilePort, () => throughput(gated, "/api/chat", chat, 64, { seconds }));
      console.error(`bench: hottest functions (self time) in the gateway isolate under load:\n${hottest.join("\n")}`);
      results.profile = hottest;
    }
    results.audit = await auditAndExport(gatehouse.url, admin, gated, workerd);
    report(results);
    await writeFile("bench-results.json", `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await gatehouse.stop();
    await gatehouse.cleanup();
    await simulator.close();
  }
}

async function latencyRounds(direct: Target, gated: Target, clients: number) {
  const p50: number[][] = [[], []];
  const p99: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of [direct, gated].entries()) {
      const totals = (await sequentialClients(target, "/api/chat", chat, clients, 2000 / clients)).map((t) => t.total);
      p50[index]!.push(percentile(totals, 50));
      p99[index]!.push(percentile(totals, 99));
    }
  }
  return compare({ p50Ms: [median(p50[0]!), median(p50[1]!)], p99Ms: [median(p99[0]!), median(p99[1]!)] });
}

async function throughputRounds(direct: Target, gated: Target) {
  const out: Record<string, unknown> = {};
  for (const connections of [8, 64]) {
    const rps: number[][] = [[], []];
    let failures = 0;
    for (let round = 0; round < rounds; round++) {
      for (const [index, target] of [direct, gated].entries()) {
        const run = await throughput(target, "/api/chat", chat, connections, { seconds });
        rps[index]!.push(run.requestsPerSecond);
        failures += run.errors + run.non2xx;
      }
    }
    out[`c${connections}`] = { directRps: round(median(rps[0]!)), gatehouseRps: round(median(rps[1]!)), ratio: ratio(median(rps[1]!), median(rps[0]!)), failures };
  }
  return out;
}

async function streamingRounds(direct: Target, gated: Target) {
  const ttfb: number[][] = [[], []];
  const total: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of [direct, gated].entries()) {
      for (const timing of await sequentialClients(target, "/api/chat", streamed, 4, 3)) {
        ttfb[index]!.push(timing.ttfb);
        total[index]!.push(timing.total);
      }
    }
  }
  return compare({ ttfbMs: [median(ttfb[0]!), median(ttfb[1]!)], totalMs: [median(total[0]!), median(total[1]!)] });
}

async function auditAndExport(url: string, admin: AdminClient, gated: Target, workerd: number | null) {
  const before = await auditCount(admin);
  const started = performance.now();
  if (exportRows > before) await throughput(gated, "/api/chat", chat, 64, { amount: exportRows - before });
  const afterFill = await waitForSettledCount(admin);
  const recordsPerSecond = (afterFill - before) / ((performance.now() - started) / 1000);
  const exportRun = () => timedExport(`${url}/admin/api/audit.csv`, admin.cookie);
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

function compare(pairs: Record<string, [number, number]>) {
  const out: Record<string, unknown> = {};
  for (const [name, [direct, gated]] of Object.entries(pairs)) {
    out[name] = { direct: round(direct), gatehouse: round(gated), addedMs: round(gated - direct), ratio: ratio(gated, direct) };
  }
  return out;
}

const round = (value: number) => Math.round(value * 100) / 100;
const ratio = (a: number, b: number) => round(a / b);

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
