import type { BreakerState } from "./breaker";

/**
 * Candidates ordered by health, for a caller that wants to look before it
 * asks (a listing, a discovery pass). Admission needs none of this: the
 * AdmissionQueue skips open backends itself when it grants a slot, so the
 * routing step passes its candidates in priority order and the grant says
 * which one to use. Stable: within a health class the caller's order holds.
 */

export interface HealthOf {
  breaker: BreakerState;
  health: "up" | "down" | "unknown";
}

/** 0: closed and not seen down; 1: half-open, or closed but its last probe failed; 2: open. */
export function healthRank(view: HealthOf | undefined): number {
  if (!view) return 0;
  if (view.breaker === "open") return 2;
  return view.breaker === "half-open" || view.health === "down" ? 1 : 0;
}

export function healthyFirst<T extends { name: string }>(candidates: readonly T[], views: ReadonlyMap<string, HealthOf>): T[] {
  return candidates
    .map((candidate, index) => ({ candidate, index, rank: healthRank(views.get(candidate.name)) }))
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((entry) => entry.candidate);
}
