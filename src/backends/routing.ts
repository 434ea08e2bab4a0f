import type { Principal } from "../auth/principal";
import { GatehouseError } from "../errors";
import { isCloudModel } from "../inference/model-policy";
import type { RuntimeBackend, RuntimeCatalog } from "./catalog";
import type { DataBoundary } from "./types";

/**
 * Which backends may serve a request, in the order to try them. Pure: the
 * catalog and "does this backend serve that model" (discovery) come in.
 *
 * 1. An explicit `backend/model`, when the prefix names a backend the caller
 *    may use (its boundary granted, within the key's pinned backends): that
 *    backend alone, sent the name without the prefix. Otherwise the whole
 *    string stays a model name (Ollama's names have slashes too).
 * 2. (Aliases were resolved by inspect; a target may itself be `backend/model`.)
 * 3. The key's pinned backends, if it pins any, narrow what follows, tried in
 *    the key's order.
 * 4. The enabled backends that serve the model, within the caller's data
 *    boundaries, highest priority first. Only beyond them: 403
 *    boundary_not_allowed, nothing sent.
 * A model no backend lists goes to `local` (or the first usable backend), so
 * Ollama answers for it in its own words, as before the catalog existed.
 * Ollama's `:cloud` models stay on `local`, which then sends prompts to the
 * cloud: their boundary is `cloud`; a key pinned to other backends is refused them.
 */

export interface Routed {
  /** Who may serve it, in the order to try (admission grants the first free one). */
  candidates: RuntimeBackend[];
  /** The model name the backend is sent; null when the request names none. */
  model: string | null;
  /** Prompts would leave the organisation: the spending limit applies. */
  cloudBound: boolean;
}

/** Where a request was sent (src/backends/dispatch.ts), for the audit record. */
export interface Served {
  backend: RuntimeBackend;
  /** The model name the backend was sent. */
  model: string | null;
  /** Backends tried before it, in order. */
  tried: string[];
}

export interface RouteInput {
  catalog: RuntimeCatalog;
  model: string | null;
  boundaries: readonly DataBoundary[];
  /** Backend names the key is pinned to, or null. */
  pinned: readonly string[] | null;
  serves(backend: RuntimeBackend, model: string): Promise<boolean>;
}

/** The boundary a request crosses on a backend: `local` running an Ollama cloud model crosses `cloud`. */
export function boundaryOf(backend: RuntimeBackend, model: string | null): DataBoundary {
  return backend.builtIn && model !== null && isCloudModel(model) ? "cloud" : backend.boundary;
}

/** The data boundaries this request may cross (src/governance/boundaries.ts: the user's grant narrowed by the key). */
export function boundariesOf(principal: Principal): readonly DataBoundary[] {
  return principal.boundaries;
}

/** The key's pinned backend names, in its order, or null. */
export function pinnedOf(principal: Principal): string[] | null {
  const pinned = principal.pinnedBackends;
  return pinned && pinned.length > 0 ? pinned.map((name) => name.toLowerCase()) : null;
}

/** Only `local`: the path every install without a catalog takes, with no look-up at all. */
export function localRoute(catalog: RuntimeCatalog, model: string | null): Routed {
  return { candidates: [catalog.local], model, cloudBound: boundaryOf(catalog.local, model) === "cloud" };
}

export async function routeModel(input: RouteInput): Promise<Routed> {
  const { catalog, model, boundaries, pinned } = input;
  const crossable = (backend: RuntimeBackend, name: string) => boundaries.includes(boundaryOf(backend, name));
  const pinnedOk = (backend: RuntimeBackend) => pinned === null || pinned.includes(backend.name);
  if (model === null) return localRoute(catalog, model);
  const slash = model.indexOf("/");
  const named = slash > 0 ? catalog.byName(model.slice(0, slash)) : undefined;
  const bare = model.slice(slash + 1);
  if (named && bare !== "" && crossable(named, bare) && pinnedOk(named)) {
    return { candidates: [named], model: bare, cloudBound: boundaryOf(named, bare) === "cloud" };
  }
  if (isCloudModel(model)) {
    // Only Ollama runs its :cloud models: a key pinned elsewhere may not reach them through `local`.
    if (!pinnedOk(catalog.local)) throw new GatehouseError("forbidden", { message: "Your key is pinned to backends that do not serve this model." });
    return localRoute(catalog, model);
  }
  const serves = await Promise.all(catalog.backends.map((backend) => input.serves(backend, model)));
  const serving = catalog.backends.filter((_, index) => serves[index]);
  const within = serving.filter((backend) => crossable(backend, model));
  // A key's pinned backends are tried in the order it names them; otherwise by priority.
  const candidates = pinned === null ? within : within.filter(pinnedOk).sort((a, b) => pinned.indexOf(a.name) - pinned.indexOf(b.name));
  if (candidates.length > 0) return { candidates, model, cloudBound: candidates.some((backend) => boundaryOf(backend, model) === "cloud") };
  if (within.length > 0) throw new GatehouseError("forbidden", { message: "Your key is pinned to backends that do not serve this model." });
  if (serving.length > 0 || (named !== undefined && !crossable(named, bare))) {
    throw new GatehouseError("boundary_not_allowed", { message: `The model "${model.slice(0, 200)}" is served only beyond the data boundaries you may cross.` });
  }
  const usable = catalog.backends.filter((backend) => crossable(backend, model) && pinnedOk(backend));
  const fallback = usable.find((backend) => backend.builtIn) ?? usable.find((backend) => backend.kind === "ollama") ?? usable[0];
  if (!fallback) throw new GatehouseError("forbidden", { message: "None of the backends you may use serves this model." });
  return { candidates: [fallback], model, cloudBound: boundaryOf(fallback, model) === "cloud" };
}
