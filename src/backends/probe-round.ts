import type { Bindings } from "../env";
import type { GatehouseConfig } from "../config";
import { listBackendRows } from "../db/backend-writes";
import { localCandidates, type SlotCandidate } from "../governance/queue-entry";
import { admissionQueue } from "../governance/admission-queue";
import { runtimeCatalog } from "./catalog";
import { dueForProbe, probeBackend, type ProbeSend, type ProbeTarget } from "./health";
import { callBackend, outboundOf } from "./outbound";
import { builtInBackendName } from "./types";

/**
 * What the gateway probes and shows. Shown: every enabled backend of the
 * catalog. Probed: the same, each through the one way out
 * (src/backends/outbound.ts): its catalog URL, its credential, never a
 * redirect — a probe goes nowhere else.
 */
async function probeTargets(env: Bindings, config: GatehouseConfig): Promise<{ targets: ProbeTarget[]; send: ProbeSend }> {
  const catalog = await runtimeCatalog(env.DB, config);
  const out = outboundOf(env, config);
  const send: ProbeSend = (target, path, init) => callBackend(out, catalog.byName(target.name)!, { method: "GET", path, signal: init.signal }, "health-probe");
  return { targets: catalog.backends.map(({ name, kind }) => ({ name, kind })), send };
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

/** A probe round for the backends that are due (see health.ts); never throws. */
export async function probeBackendsWhenDue(env: Bindings, config: GatehouseConfig): Promise<void> {
  try {
    const { targets, send } = await probeTargets(env, config);
    await probeWhenDue(env, config, targets, send);
  } catch {
    // The catalog could not be read: the next round tries again.
  }
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
