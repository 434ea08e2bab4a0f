import type { Bindings } from "../env";
import type { GatehouseConfig } from "../config";
import { listBackendRows } from "../db/backend-writes";
import { localCandidates, type SlotCandidate } from "../governance/queue-entry";
import { admissionQueue } from "../governance/admission-queue";
import { dueForProbe, probeBackend, type ProbeSend, type ProbeTarget } from "./health";
import { builtInBackendName } from "./types";

/**
 * What the gateway probes and shows, and how it reaches it. Shown: every
 * enabled backend of the catalog. Probed: until routing's one way out
 * (src/backends/outbound.ts) is on main, the built-in backend alone, through
 * the OLLAMA binding to GATEHOUSE_OLLAMA — a probe goes nowhere else.
 */
export function probeTargets(): ProbeTarget[] {
  return [{ name: builtInBackendName, kind: "ollama" }];
}

/**
 * Every enabled backend's slots, `local` first, so the queue view and
 * /metrics show idle backends too (read from D1 at the time of the view or
 * scrape, never on a request's path; `local` alone when D1 cannot answer).
 */
export async function catalogSlots(env: Pick<Bindings, "DB">, config: GatehouseConfig): Promise<SlotCandidate[]> {
  const local = localCandidates(config.GATEHOUSE_MAX_INFLIGHT);
  try {
    const rows = await listBackendRows(env.DB);
    return [...local, ...rows.filter((row) => row.enabled && row.name !== builtInBackendName).map(({ name, slots }) => ({ name, slots }))];
  } catch {
    return local;
  }
}

function sendVia(env: Bindings, config: GatehouseConfig): ProbeSend {
  return (_target, path, init) => env.OLLAMA.fetch(`http://${config.GATEHOUSE_OLLAMA}${path}`, init);
}

/** A probe round for the backends that are due (see health.ts); never throws. */
export function probeBackendsWhenDue(env: Bindings, config: GatehouseConfig): Promise<void> {
  return probeWhenDue(env, config, probeTargets(), sendVia(env, config));
}

/**
 * Probes the targets that are due and tells the admission queue (one call
 * per round). Never throws: health is advice; a round that fails is retried
 * at the next interval.
 */
export async function probeWhenDue(
  env: Pick<Bindings, "ADMISSION">,
  config: Pick<GatehouseConfig, "GATEHOUSE_PROBE_INTERVAL" | "GATEHOUSE_CONNECT_TIMEOUT">,
  targets: readonly ProbeTarget[],
  send: ProbeSend,
  now = Date.now(),
): Promise<void> {
  const due = dueForProbe(targets, config.GATEHOUSE_PROBE_INTERVAL * 1000, now);
  if (due.length === 0) return;
  try {
    const results = await Promise.all(
      due.map(async (target) => ({ name: target.name, up: await probeBackend(send, target, config.GATEHOUSE_CONNECT_TIMEOUT * 1000) })),
    );
    await admissionQueue(env).probed(results);
  } catch {
    // The queue could not take the answers; the next round will.
  }
}
