import { z } from "zod";
import { backendName } from "../backends/backend-input";
import { boundaryList } from "../governance/boundaries";
import { limitsPatchSchema, modelGlob, type Limits } from "../governance/limits";
import { canonicalModel, globMatches } from "../inference/model-names";
import { modelName } from "../inference/schemas";
import { parseCidr } from "./cidr";

/**
 * A key's scope: what its owner allowed this one key to do. It can only
 * narrow the owner's rights, never widen them: models are intersected,
 * numeric limits take the smaller value, groups and networks only restrict.
 * Stored as JSON in api_keys.scope; null means "the owner's rights".
 */

/** Endpoint groups a key may be limited to; "control" is the account and admin JSON APIs. */
export const keyEndpointGroups = ["inference", "metadata", "admin", "control"] as const;
export type KeyEndpointGroup = (typeof keyEndpointGroups)[number];

const cidr = z.string().max(64).refine((text) => parseCidr(text) !== null, "not an IP address or CIDR range");

export const keyScopeSchema = z.strictObject({
  models: z.array(modelGlob).min(1).max(200).optional(),
  endpoints: z.array(z.enum(keyEndpointGroups)).min(1).max(4).optional(),
  sources: z.array(cidr).min(1).max(64).optional(),
  limits: limitsPatchSchema.omit({ models: true }).optional(),
  /** The model for requests that name none (agents and scripts that never send one). */
  defaultModel: modelName.optional(),
  /** Data boundaries this key may cross: intersected with its owner's (src/governance/boundaries.ts). */
  boundaries: boundaryList.optional(),
  /** Backends (by name) this key's requests go to, and only these: routing tries them in this order. */
  backends: z
    .array(backendName)
    .min(1)
    .max(64)
    .refine((names) => new Set(names).size === names.length, "each backend once")
    .optional(),
});
export type KeyScope = z.infer<typeof keyScopeSchema>;

const numericLimits = ["rpm", "burst", "concurrency", "dailyTokens", "monthlyTokens", "monthlyBudgetUsd"] as const;

/** The smaller of two limits where null means unlimited. */
function tighter(a: number | null, b: number | null | undefined): number | null {
  if (b === undefined || b === null) return a;
  return a === null ? b : Math.min(a, b);
}

/** Whether every name `inner` allows is also allowed by `outer`. Conservative: false when unsure. */
export function globCovers(outer: string, inner: string): boolean {
  // A `?` in outer matching a `*` in inner would claim one character covers any run.
  if (outer.includes("?") && inner.includes("*")) return false;
  if (globMatches(outer, inner)) return true;
  return !/[*?]/.test(inner) && globMatches(outer, canonicalModel(inner));
}

/** The globs allowed by both lists (null = everything), as one list. */
export function intersectModels(owner: string[] | null, key: string[] | undefined): string[] | null {
  if (key === undefined) return owner;
  if (owner === null) return key;
  const kept = new Set<string>();
  for (const k of key) if (owner.some((o) => globCovers(o, k))) kept.add(k);
  for (const o of owner) if (key.some((k) => globCovers(k, o))) kept.add(o);
  return [...kept];
}

/** The owner's limits narrowed by a key's scope. */
export function narrowLimits(owner: Limits, scope: KeyScope | null): Limits {
  if (!scope) return owner;
  const narrowed: Limits = { ...owner, models: intersectModels(owner.models, scope.models) };
  for (const name of numericLimits) narrowed[name] = tighter(owner[name], scope.limits?.[name]);
  return narrowed;
}

/** Parses a stored scope; "invalid" for a row that does not parse (the key is then refused). */
export function parseStoredScope(json: string | null): KeyScope | null | "invalid" {
  if (json === null) return null;
  try {
    const parsed = keyScopeSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : "invalid";
  } catch {
    return "invalid";
  }
}
