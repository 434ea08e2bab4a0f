import type { Principal } from "../auth/principal";
import type { Alias } from "./aliases";
import { canonicalModel, modelAllowed } from "./model-policy";
import type { Listing } from "./route-table";

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
