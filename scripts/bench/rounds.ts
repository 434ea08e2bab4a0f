import { median, percentile, sequentialClients, type Target } from "./http-timing";
import { throughput } from "./load";
import { cpuDuring } from "./process-cpu";

/**
 * The measured rounds, each run against three targets interleaved, medians
 * reported: `direct` (the Ollama simulator), `bare` (a worker that only
 * forwards, same runtime) and `gatehouse` (full governance). "added" is
 * against direct; "ratio" is gatehouse/direct; "ratioToBare" gatehouse/bare.
 */

export interface Side {
  target: Target;
  /** The processes serving this side, for CPU per request (empty: not measured). */
  pids: number[];
  /** Of those, the runtime's own (workerd), reported apart from a supervisor's. */
  runtimePids?: number[];
}

export interface Sides {
  direct: Side;
  bare: Side;
  gatehouse: Side;
}

type Name = keyof Sides;
const names: readonly Name[] = ["direct", "bare", "gatehouse"];

export interface RoundOptions {
  rounds: number;
  seconds: number;
  chat: string;
  streamed: string;
}

export async function latencyRounds(sides: Sides, options: RoundOptions, clients: number) {
  const p50 = samples();
  const p99 = samples();
  for (let round = 0; round < options.rounds; round++) {
    for (const name of names) {
      const totals = (await sequentialClients(sides[name].target, "/api/chat", options.chat, clients, 2000 / clients)).map((t) => t.total);
      p50[name].push(percentile(totals, 50));
      p99[name].push(percentile(totals, 99));
    }
  }
  return compare({ p50Ms: medians(p50), p99Ms: medians(p99) });
}

export async function throughputRounds(sides: Sides, options: RoundOptions) {
  const out: Record<string, unknown> = {};
  for (const connections of [8, 64]) {
    const rps = samples();
    const cpu = samples();
    const runtimeCpu = samples();
    const runtimeSystem = samples();
    let failures = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const name of names) {
        const { result, cpuMs, partCpuMs, partSystemMs } = await cpuDuring(sides[name].pids, sides[name].runtimePids ?? [], () =>
          throughput(sides[name].target, "/api/chat", options.chat, connections, { seconds: options.seconds }),
        );
        rps[name].push(result.requestsPerSecond);
        if (sides[name].pids.length > 0 && result.requests > 0) {
          cpu[name].push(cpuMs / result.requests);
          runtimeCpu[name].push(partCpuMs / result.requests);
          runtimeSystem[name].push(partSystemMs / result.requests);
        }
        if (name !== "direct") failures += result.errors + result.non2xx;
      }
    }
    const [direct, bare, gated] = [median(rps.direct), median(rps.bare), median(rps.gatehouse)];
    const [bareCpu, gatedCpu] = [median(cpu.bare), median(cpu.gatehouse)];
    out[`c${connections}`] = {
      directRps: round(direct),
      bareRps: round(bare),
      gatehouseRps: round(gated),
      ratio: ratio(gated, direct),
      ratioToBare: ratio(gated, bare),
      // CPU (user + system, all the side's processes, from /proc) over the run / requests answered.
      bareCpuMsPerRequest: round3(bareCpu),
      gatehouseCpuMsPerRequest: round3(gatedCpu),
      // Of that, workerd's alone (the rest is the Node process that supervises it, if any).
      gatehouseWorkerdCpuMsPerRequest: round3(median(runtimeCpu.gatehouse)),
      // …of which in the kernel (system time of all workerd's threads).
      gatehouseWorkerdSystemMsPerRequest: round3(median(runtimeSystem.gatehouse)),
      failures,
    };
  }
  return out;
}

export async function streamingRounds(sides: Sides, options: RoundOptions) {
  const ttfb = samples();
  const total = samples();
  for (let round = 0; round < options.rounds; round++) {
    for (const name of names) {
      for (const timing of await sequentialClients(sides[name].target, "/api/chat", options.streamed, 4, 3)) {
        ttfb[name].push(timing.ttfb);
        total[name].push(timing.total);
      }
    }
  }
  return compare({ ttfbMs: medians(ttfb), totalMs: medians(total) });
}

function samples(): Record<Name, number[]> {
  return { direct: [], bare: [], gatehouse: [] };
}

function medians(values: Record<Name, number[]>): Record<Name, number> {
  return { direct: median(values.direct), bare: median(values.bare), gatehouse: median(values.gatehouse) };
}

function compare(measures: Record<string, Record<Name, number>>) {
  const out: Record<string, unknown> = {};
  for (const [measure, { direct, bare, gatehouse }] of Object.entries(measures)) {
    out[measure] = {
      direct: round(direct),
      bare: round(bare),
      gatehouse: round(gatehouse),
      addedMs: round(gatehouse - direct),
      bareAddedMs: round(bare - direct),
      ratio: ratio(gatehouse, direct),
      ratioToBare: ratio(gatehouse, bare),
    };
  }
  return out;
}

export const round = (value: number) => Math.round(value * 100) / 100;
const round3 = (value: number) => (Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null);
const ratio = (a: number, b: number) => round(a / b);
