import type { Principal } from "../auth/principal";
import { foldedGet, isRecord } from "../body/fold";
import { resolveAlias, type Alias } from "./aliases";
import type { RouteSpec } from "./route-table";

/**
 * Which model a request runs, before any policy looks at it:
 * 1. a request naming no model gets its key's default model (inference routes,
 *    POST /chat included; the key's scope holds it);
 * 2. an alias maps the name asked for to the model served.
 * The caller's allowed list, the ceilings and the cloud guard then judge the
 * model served; the audit records both names.
 */

type Body = Record<string, unknown>;

/** The key's default model when the received body names none (read as Ollama reads it), or null. */
export function defaultModelFor(route: RouteSpec, received: unknown, principal: Principal | undefined): string | null {
  const fallback = principal?.scope?.defaultModel;
  if (route.group !== "inference" || !fallback || !isRecord(received)) return null;
  const named = foldedGet(received, "model");
  return named === undefined || named === null ? fallback : null;
}

/** The alias that applies to a validated view: the field it names the model in, the name asked for, the target; or null. */
export function aliasFor(route: RouteSpec, view: Body, aliases: readonly Alias[]): { field: "model" | "name"; requested: string; target: string } | null {
  // Model management acts on real names only: no alias may rename what is pulled or deleted.
  if (route.group === "admin" || aliases.length === 0) return null;
  const field = typeof view.model === "string" ? "model" : typeof view.name === "string" ? "name" : null;
  if (field === null) return null;
  const requested = view[field] as string;
  const target = resolveAlias(aliases, requested);
  return target === null ? null : { field, requested, target };
}
