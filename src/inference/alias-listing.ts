import type { Context } from "hono";
import type { Principal } from "../auth/principal";
import type { AppEnv } from "../env";
import type { Alias } from "./aliases";
import { canonicalModel } from "./model-names";
import { modelAllowed } from "./model-policy";
import type { Listing } from "./route-table";
import { runtimeCatalog } from "../backends/catalog";
import { callBackend, outboundOf } from "../backends/outbound";

type Entry = Record<string, unknown>;

/**
 * Listings (/api/tags, /v1/models) also show the aliases a caller may use:
 * an exact-name alias whose target the engine has and the caller may run
 * appears as a copy of the target's entry under the alias name, so an agent
 * that checks its model exists before calling finds it. Glob aliases
 * (`claude-*`) name no model to list.
 */
export function aliasEntries(listing: Listing, aliases: readonly Alias[], all: Entry[], principal: Principal | undefined, nameOf: (entry: Entry) => string): Entry[] {
  if (listing === "ps") return [];
  const taken = new Set(all.map((entry) => canonicalModel(nameOf(entry))));
  const added: Entry[] = [];
  for (const alias of aliases) {
    if (/[*?]/.test(alias.pattern) || taken.has(canonicalModel(alias.pattern))) continue;
    if (principal && !modelAllowed(principal, alias.model)) continue;
    const target = all.find((entry) => canonicalModel(nameOf(entry)) === canonicalModel(alias.model));
    if (!target) continue;
    taken.add(canonicalModel(alias.pattern));
    added.push(listing === "openai-models" ? { ...target, id: alias.pattern } : { ...target, name: alias.pattern, model: alias.pattern });
  }
  return added;
}

/** GET /v1/models/:id for an alias: the target's model object under the alias's id, as the listing shows it. */
export async function aliasedModel(c: Context<AppEnv>, alias: string, target: string): Promise<Response> {
  const catalog = await runtimeCatalog(c.env.DB, c.var.config);
  const path = `/v1/models/${encodeURIComponent(target)}`;
  const upstream = await callBackend(outboundOf(c.env, c.var.config), catalog.local, { method: "GET", path, signal: c.req.raw.signal });
  if (!upstream.ok) {
    return new Response(upstream.body, { status: upstream.status, headers: { "Content-Type": upstream.headers.get("Content-Type") ?? "application/json" } });
  }
  const model = await upstream.json<Record<string, unknown>>();
  return c.json({ ...model, id: alias });
}
