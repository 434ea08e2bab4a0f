/**
 * A/B of two source trees in one load window: `npx tsx scripts/bench/ab.ts
 * <treeA> <treeB> [pairs] [requests]` starts `npm start` of both (each with
 * its own data dir, one Ollama simulator), then alternates them, A B A B…,
 * each time `requests` governed /api/chat calls at `connections` at once
 * (default 8; `[pairs] [requests] [connections]` after the trees), and prints
 * workerd's CPU per request (user + system, from /proc) for each run and the
 * medians. Both trees need their node_modules. Load from other work moves
 * both alike when interleaved like this; compare the medians, not one run.
 * AB_MEASURE=latency measures each run's median added latency instead (the
 * governed /api/chat, `connections` sequential clients), AB_MEASURE=ttfb the
 * median time to the first byte of streamed answers (50 chunks 20 ms apart,
 * as the bench's streaming step).
 */
import { join } from "node:path";
import { startOllamaSimulator } from "../../test/fixtures/ollama-sim/server";
import { median as medianOf, sequentialClients } from "./http-timing";
import { throughput } from "./load";
import { cpuDuring } from "./process-cpu";
import { findWorkerd } from "./process-memory";

const [treeA, treeB, pairsArg, requestsArg, connectionsArg] = process.argv.slice(2);
const pairs = Number(pairsArg ?? 4);
const requests = Number(requestsArg ?? 400);
const connections = Number(connectionsArg ?? 8);
const chat = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "benchmark me please" }], stream: false });
const streamed = JSON.stringify({ model: "llama3.2", messages: [{ role: "user", content: "stream to me" }] });
const measure = (process.env.AB_MEASURE ?? "cpu") as "cpu" | "latency" | "ttfb";

interface Side {
  name: string;
  url: string;
  secret: string;
  workerd: number;
  stop(): Promise<void>;
}

async function start(name: string, tree: string, ollama: string): Promise<Side> {
  const { startGatehouse } = (await import(join(tree, "test/e2e/helpers/gatehouse-process.ts"))) as typeof import("../../test/e2e/helpers/gatehouse-process");
  const { AdminClient } = (await import(join(tree, "test/e2e/helpers/accounts.ts"))) as typeof import("../../test/e2e/helpers/accounts");
  const gatehouse = await startGatehouse({ env: { GATEHOUSE_OLLAMA: ollama, GATEHOUSE_MAX_INFLIGHT: "512", GATEHOUSE_MAX_QUEUE: "4096" } });
  const admin = await AdminClient.signIn(gatehouse.url);
  const high = { rpm: 1_000_000_000, burst: 1_000_000_000, concurrency: 10_000, dailyTokens: null, monthlyTokens: null, models: null };
  const { secret } = await admin.userWithKey("bench", { limits: high });
  const workerd = await findWorkerd(gatehouse.child.pid!);
  if (workerd === null) throw new Error(`${name}: no workerd process`);
  return { name, url: gatehouse.url, secret, workerd, stop: async () => (await gatehouse.stop(), await gatehouse.cleanup()) };
}

async function run(side: Side, amount: number): Promise<number> {
  const target = { url: side.url, headers: { Authorization: `Bearer ${side.secret}` } };
  if (measure !== "cpu") {
    const timings = await sequentialClients(target, "/api/chat", measure === "ttfb" ? streamed : chat, connections, Math.max(1, Math.round(amount / connections)));
    return medianOf(timings.map((timing) => (measure === "ttfb" ? timing.ttfb : timing.total)));
  }
  const { result, partCpuMs } = await cpuDuring([side.workerd], [side.workerd], () => throughput(target, "/api/chat", chat, connections, { amount }));
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${side.name}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return partCpuMs / result.requests;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  if (!treeA || !treeB) throw new Error("usage: ab.ts <treeA> <treeB> [pairs] [requests] [connections]");
  const simulator = await startOllamaSimulator({ port: 0 });
  if (measure === "ttfb") {
    await fetch(`${simulator.url}/__sim/config`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ chunkCount: 50, chunkDelayMs: 20 }) });
  }
  const sides = [await start("A", treeA, `127.0.0.1:${simulator.port}`), await start("B", treeB, `127.0.0.1:${simulator.port}`)];
  try {
    for (const side of sides) await run(side, 200); // warm: JIT, connections, the user's objects
    const perRequest: Record<string, number[]> = { A: [], B: [] };
    for (let pair = 0; pair < pairs; pair++) {
      // Alternate which goes first, so a trend in the machine's load favours neither.
      for (const side of pair % 2 === 0 ? sides : [...sides].reverse()) {
        const ms = await run(side, requests);
        perRequest[side.name]!.push(ms);
        console.error(`ab: ${side.name} ${measure === "cpu" ? "workerd CPU per request" : `median ${measure}`} ${ms.toFixed(2)} ms`);
      }
    }
    const a = median(perRequest.A!);
    const b = median(perRequest.B!);
    console.log(JSON.stringify({ treeA, treeB, requests, pairs, connections, runs: perRequest, medianMs: { A: a, B: b }, change: `${(((b - a) / a) * 100).toFixed(1)} %` }));
  } finally {
    for (const side of sides) await side.stop();
    await simulator.close();
  }
}

await main();
