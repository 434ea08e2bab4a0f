import type { Bindings } from "../env";
import { probeOllama } from "../inference/upstream";

/**
 * gatehouse_upstream_up: a short probe of Ollama's /api/version through the
 * OLLAMA binding, remembered for a few seconds, so scrapes from several
 * Prometheus servers (or a dashboard refreshing fast) cost Ollama at most one
 * small request per `cacheMs`. Concurrent scrapes share one probe in flight.
 */

const cacheMs = 5_000;
/** A probe longer than this counts as down: a scrape must answer quickly. */
const maxProbeMs = 2_000;

let last: { at: number; up: boolean } | undefined;
let inFlight: Promise<boolean> | undefined;

export async function upstreamUp(env: Bindings, address: string, connectTimeoutMs: number, now = Date.now()): Promise<boolean> {
  if (last && now - last.at < cacheMs) return last.up;
  inFlight ??= probeOllama({ ollama: env.OLLAMA, address }, Math.min(connectTimeoutMs, maxProbeMs))
    .then((up) => {
      last = { at: Date.now(), up };
      return up;
    })
    .finally(() => (inFlight = undefined));
  return inFlight;
}
