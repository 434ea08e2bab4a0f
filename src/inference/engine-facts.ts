/**
 * What the engine itself says about leaving the box, asked by Gatehouse and
 * cached per isolate (a cache, never the truth: it is refreshed on a miss and
 * after a short time):
 * - which models are remote: Ollama lists a model served from elsewhere
 *   (ollama.com or a `remote_host` given at create time) with `remote_host` /
 *   `remote_model` in GET /api/tags, whatever its name;
 * - whether its cloud features are off: GET /api/status → {"cloud":{"disabled"}}.
 * Lookups carry `X-Gatehouse-Lookup` so an engine log (and the simulator)
 * can tell them from client traffic.
 */

export interface EngineTarget {
  ollama: Fetcher;
  address: string;
  timeoutMs: number;
}

/** How long a listed model's local/remote standing is trusted; a name the list does not know refreshes it at once. */
const freshMs = 30_000;

let remoteCache: { remote: Set<string>; local: Set<string>; at: number } | null = null;
let statusCache: { cloud: CloudState; at: number } | null = null;
const statusFreshMs = 5_000;

export type CloudState = "enabled" | "disabled" | "unknown";

async function lookup(target: EngineTarget, path: string): Promise<Record<string, unknown> | null> {
  try {
    const response = await target.ollama.fetch(`http://${target.address}${path}`, {
      headers: { Accept: "application/json", "X-Gatehouse-Lookup": "egress-guard" },
      signal: AbortSignal.timeout(target.timeoutMs),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return null;
    }
    const body: unknown = await response.json();
    return typeof body === "object" && body !== null ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** An /api/tags entry Ollama serves from elsewhere. */
export function isRemoteEntry(entry: Record<string, unknown> | null | undefined): boolean {
  const named = (value: unknown) => typeof value === "string" && value !== "";
  return named(entry?.remote_host) || named(entry?.remote_model);
}

const key = (name: string) => (name.includes(":") ? name : `${name}:latest`).toLowerCase();

async function refreshTags(target: EngineTarget, now: number): Promise<boolean> {
  const body = await lookup(target, "/api/tags");
  if (!body || !Array.isArray(body.models)) return false;
  const remote = new Set<string>();
  const local = new Set<string>();
  for (const entry of body.models as Record<string, unknown>[]) {
    const name = String(entry?.name ?? entry?.model ?? "");
    (isRemoteEntry(entry) ? remote : local).add(key(name));
  }
  remoteCache = { remote, local, at: now };
  return true;
}

/** Whether Ollama serves `model` from elsewhere; "unknown" when it could not be asked. */
export async function isRemoteModel(target: EngineTarget, model: string, now = Date.now()): Promise<boolean | "unknown"> {
  const name = key(model);
  const known = remoteCache !== null && now - remoteCache.at < freshMs && (remoteCache.remote.has(name) || remoteCache.local.has(name));
  // Not known (new, stale, or never listed): ask again. A model Ollama does not list at all is
  // not one it runs here or elsewhere (it answers 404), unless its name says cloud (checked by name).
  if (!known && !(await refreshTags(target, now))) return "unknown";
  return remoteCache!.remote.has(name);
}

/** Ollama's cloud switch (GET /api/status), cached a few seconds. */
export async function engineCloud(target: EngineTarget, now = Date.now()): Promise<CloudState> {
  if (statusCache && now - statusCache.at < statusFreshMs) return statusCache.cloud;
  const body = await lookup(target, "/api/status");
  const disabled = (body?.cloud as { disabled?: unknown } | undefined)?.disabled;
  const cloud: CloudState = disabled === true ? "disabled" : disabled === false ? "enabled" : "unknown";
  // An unknown answer is not cached: the next request asks again.
  statusCache = cloud === "unknown" ? null : { cloud, at: now };
  return cloud;
}
