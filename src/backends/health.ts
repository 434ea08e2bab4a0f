import type { BackendKind } from "./types";

/**
 * Backend health: cheap probes plus the breaker (breaker.ts).
 *
 * A probe asks a backend something that costs it nothing and never loads a
 * model: Ollama's GET /api/version, an OpenAI-compatible server's GET
 * {base}/models, Anthropic's GET /v1/models. Never a generation, never a
 * body. Any answer below 500 means the server is up (a 401 from a provider
 * is an answer); a 5xx, a refused connection or a timeout means down.
 *
 * Where the state lives, and why: in the AdmissionQueue Durable Object, next
 * to the slots (src/governance/backend-gates.ts). That object is the one
 * serialized place that grants slots, so it skips open backends when it
 * grants, and a half-open breaker lets exactly one trial through across
 * every isolate; the outcome of a request rides on the release call that
 * frees its slot (no extra round trip), and a probe round is one call. In
 * the isolate each isolate would learn alone and let its own trial through.
 *
 * When probes run: workerd gives a worker no timer outside a request, so a
 * round starts from the gateway's own traffic — each admitted request, each
 * /metrics scrape and each GET /admin/api/queue — at most once per
 * GATEHOUSE_PROBE_INTERVAL seconds per backend in this isolate, off the
 * response path (waitUntil). An idle gateway probes nothing, and needs not:
 * an open breaker lets the next request through as its trial after the
 * cooldown.
 *
 * Trust boundary: a probe goes only where `send` takes it — the one way
 * out to the catalog's backends (src/backends/outbound.ts once routing
 * lands; the OLLAMA binding for `local` until then).
 */

export interface ProbeTarget {
  name: string;
  kind: BackendKind;
}

/** Sends a GET for `path` to `target` (relative to its base URL) and returns the answer. */
export type ProbeSend = (target: ProbeTarget, path: string, init: { method: "GET"; headers: Record<string, string>; signal: AbortSignal }) => Promise<Response>;

/** The cheapest question each kind answers. */
export const probePaths: Record<BackendKind, string> = {
  ollama: "/api/version",
  openai: "/models",
  anthropic: "/v1/models",
};

/** A probe longer than this counts as down. */
const maxProbeMs = 2_000;

export async function probeBackend(send: ProbeSend, target: ProbeTarget, timeoutMs: number): Promise<boolean> {
  try {
    const response = await send(target, probePaths[target.kind], {
      method: "GET",
      // Kept apart from client traffic in an engine's log (and the simulator's).
      headers: { Accept: "application/json", "X-Gatehouse-Lookup": "health-probe" },
      signal: AbortSignal.timeout(Math.min(timeoutMs, maxProbeMs)),
    });
    await response.body?.cancel().catch(() => {});
    return response.status < 500;
  } catch {
    return false;
  }
}

/** When each backend was last probed from this isolate. */
const lastProbed = new Map<string, number>();

/** The targets whose last probe here is older than the interval; marks them as probed now. */
export function dueForProbe(targets: readonly ProbeTarget[], intervalMs: number, now: number): ProbeTarget[] {
  const due = targets.filter((target) => now - (lastProbed.get(target.name) ?? -Infinity) >= intervalMs);
  for (const target of due) lastProbed.set(target.name, now);
  return due;
}
