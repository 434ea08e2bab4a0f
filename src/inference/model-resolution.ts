import type { Principal } from "../auth/principal";
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

/** The raw body with the key's default model filled in when it names none. */
export function withDefaultModel(route: RouteSpec, raw: unknown, principal: Principal | undefined): unknown {
  const fallback = principal?.scope?.defaultModel;
  if (route.group !== "inference" || !fallback) return raw;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const body = raw as Body;
  return body.model === undefined || body.model === null ? { ...body, model: fallback } : raw;
}

/** The body with its model replaced by the alias target, and the name asked for; unchanged when no alias applies. */
export function applyAlias(route: RouteSpec, body: Body, aliases: readonly Alias[]): { body: Body; requested: string | null } {
  // Model management acts on real names only: no alias may rename what is pulled or deleted.
  if (route.group === "admin" || aliases.length === 0) return { body, requested: null };
  const field = typeof body.model === "string" ? "model" : typeof body.name === "string" ? "name" : null;
  if (field === null) return { body, requested: null };
  const asked = body[field] as string;
  const target = resolveAlias(aliases, asked);
  if (target === null) return { body, requested: null };
  return { body: { ...body, [field]: target }, requested: asked };
}
