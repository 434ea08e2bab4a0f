import type { Bindings } from "../env";
import type { GatehouseConfig } from "../config";
import { admissionQueue } from "../governance/admission-queue";
import type { QueueSnapshot } from "../governance/queue-snapshot";
import { auditLedger } from "../audit/ledger";
import { engineCloud } from "../inference/engine-facts";
import { version } from "../version";
import { exposition, renderSnapshot } from "./exposition";
import { metrics } from "./registry";
import { upstreamUp } from "./upstream-probe";
import { backendGauges } from "./backend-gauges";
import { catalogSlots, probeBackendsWhenDue } from "../backends/probe-round";
import { costMicrosByBackend } from "../db/audit-cost";

/**
 * Everything GET /metrics answers: the worker's own counters and histograms
 * (registry.ts), the admission queue's gauges read from its Durable Object
 * at scrape time (it alone knows what holds the GPU and what waits), the
 * upstream probe, and build information.
 */
export async function scrape(env: Bindings, config: GatehouseConfig): Promise<string> {
  const [queue, up, cloud, broken, cost] = await Promise.all([
    readQueue(env, config),
    upstreamUp(env, config.GATEHOUSE_OLLAMA, config.GATEHOUSE_CONNECT_TIMEOUT * 1000),
    engineCloud({ ollama: env.OLLAMA, address: config.GATEHOUSE_OLLAMA, timeoutMs: config.GATEHOUSE_CONNECT_TIMEOUT * 1000 }),
    auditLedger(env)
      .integrity()
      .then((found) => (found ? 1 : 0))
      .catch(() => null),
    costMicrosByBackend(env.DB).catch(() => null),
  ]);
  return exposition([
    renderSnapshot("gatehouse_build_info", "gauge", "Version of the running Gatehouse (always 1).", [
      { labels: { version, runtime: "workerd" }, value: 1 },
    ]),
    renderSnapshot("gatehouse_start_time_seconds", "gauge", "When this worker isolate started counting (Unix seconds); counters restart from zero then.", [
      { value: Math.floor(metrics.startedAt / 1000) },
    ]),
    metrics.requests,
    metrics.duration,
    metrics.ttfb,
    metrics.tokens,
    metrics.refusals,
    metrics.auditWriteFailures,
    metrics.queueWait,
    ...queueGauges(queue),
    ...backendGauges(queue?.backends ?? [], cost),
    ...(broken === null
      ? []
      : [
          renderSnapshot("gatehouse_audit_chain_broken", "gauge", "1 once the audit ledger found the database rolled back or rewritten behind its back (never clears).", [
            { value: broken },
          ]),
        ]),
    renderSnapshot("gatehouse_upstream_up", "gauge", "Whether Ollama answered a short probe of /api/version (1) or not (0); cached a few seconds.", [
      { value: up ? 1 : 0 },
    ]),
    renderSnapshot("gatehouse_ollama_cloud_enabled", "gauge", "Whether Ollama's cloud features are on (1), off (0), or it cannot say (-1), per its GET /api/status.", [
      { value: cloud === "enabled" ? 1 : cloud === "disabled" ? 0 : -1 },
    ]),
  ]);
}

async function readQueue(env: Bindings, config: GatehouseConfig): Promise<QueueSnapshot | null> {
  try {
    // A probe round first when one is due, so the health gauges are fresh.
    await probeBackendsWhenDue(env, config);
    return await admissionQueue(env).snapshot(await catalogSlots(env, config));
  } catch {
    return null; // The gauges are left out and gatehouse_admission_up says why.
  }
}

function queueGauges(queue: QueueSnapshot | null): string[] {
  const gauges = [
    renderSnapshot("gatehouse_admission_up", "gauge", "Whether the admission queue (Durable Object) answered this scrape.", [{ value: queue ? 1 : 0 }]),
  ];
  if (!queue) return gauges;
  gauges.push(
    renderSnapshot("gatehouse_inflight", "gauge", "Requests holding a GPU slot (in flight to Ollama) now.", [{ value: queue.inflight }]),
    renderSnapshot("gatehouse_queue_depth", "gauge", "Requests waiting in the GPU queue for a slot now.", [{ value: queue.waiting }]),
    renderSnapshot("gatehouse_inflight_limit", "gauge", "GATEHOUSE_MAX_INFLIGHT: GPU slots.", [{ value: queue.maxInflight }]),
    renderSnapshot("gatehouse_queue_limit", "gauge", "GATEHOUSE_MAX_QUEUE: places in the GPU queue.", [{ value: queue.maxQueue }]),
  );
  return gauges;
}
