import { z } from "zod";
import { dataBoundaries, type DataBoundary } from "../backends/types";
import { GatehouseError } from "../errors";

/**
 * Data boundaries as permissions (issue 16): every user may use `local`
 * backends; `lan` and `cloud` are granted per user (users.boundaries) and a
 * key's scope can only narrow them. This grows allow_cloud_models: a user
 * whose boundaries were never set has ["local"], plus "cloud" when
 * allowCloudModels is on, and setting boundaries keeps that flag in step.
 * routing enforces them against each backend's boundary.
 */

/** A list as an admin or a key's scope gives it: known names, each once. */
export const boundaryList = z
  .array(z.enum(dataBoundaries))
  .min(1)
  .max(dataBoundaries.length)
  .refine((list) => new Set(list).size === list.length, "each boundary once");

/** In the catalog's order (nearest first), each once. */
function ordered(list: Iterable<DataBoundary>): DataBoundary[] {
  const set = new Set(list);
  return dataBoundaries.filter((boundary) => set.has(boundary));
}

/** A user's grant as stored: `local` always included. */
export function grantedBoundaries(list: readonly DataBoundary[]): DataBoundary[] {
  return ordered(["local", ...list]);
}

/** What a user row grants; a stored value that does not parse grants only `local` (fail closed). */
export function userBoundaries(user: { boundaries: string | null; allowCloudModels: boolean }): DataBoundary[] {
  if (user.boundaries === null) return user.allowCloudModels ? ["local", "cloud"] : ["local"];
  try {
    const parsed = boundaryList.safeParse(JSON.parse(user.boundaries));
    return parsed.success ? grantedBoundaries(parsed.data) : ["local"];
  } catch {
    return ["local"];
  }
}

/** The user's boundaries narrowed by a key's: only those both allow. Never wider than the user's. */
export function narrowBoundaries(user: readonly DataBoundary[], key: readonly DataBoundary[] | undefined): DataBoundary[] {
  if (key === undefined) return [...user];
  return ordered(user.filter((boundary) => key.includes(boundary)));
}

/**
 * A patch's boundaries and allowCloudModels as column changes, kept in
 * step: granting boundaries sets the flag to whether "cloud" is among them;
 * flipping the flag of a user with boundaries adds or removes "cloud". The
 * two given at once must agree (400 otherwise).
 */
export function boundaryChanges(
  user: { boundaries: string | null; allowCloudModels: boolean },
  patch: { boundaries?: DataBoundary[] | null; allowCloudModels?: boolean },
): { boundaries?: string | null; allowCloudModels?: boolean } {
  if (patch.boundaries === undefined) {
    if (patch.allowCloudModels === undefined) return {};
    if (user.boundaries === null) return { allowCloudModels: patch.allowCloudModels };
    const kept = userBoundaries(user).filter((boundary) => boundary !== "cloud");
    const next = grantedBoundaries(patch.allowCloudModels ? [...kept, "cloud"] : kept);
    return { allowCloudModels: patch.allowCloudModels, boundaries: JSON.stringify(next) };
  }
  if (patch.boundaries === null) return patch.allowCloudModels === undefined ? { boundaries: null } : { boundaries: null, allowCloudModels: patch.allowCloudModels };
  const granted = grantedBoundaries(patch.boundaries);
  const cloud = granted.includes("cloud");
  if (patch.allowCloudModels !== undefined && patch.allowCloudModels !== cloud) {
    throw new GatehouseError("invalid_request", { message: "allowCloudModels: must agree with boundaries (\"cloud\" in them or not)" });
  }
  return { boundaries: JSON.stringify(granted), allowCloudModels: cloud };
}
