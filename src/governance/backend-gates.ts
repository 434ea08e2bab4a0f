import { Breaker, type BackendOutcome, type BreakerSettings, type BreakerState } from "../backends/breaker";
import type { SlotCandidate } from "./queue-entry";

/**
 * The GPU gate of every backend, inside the AdmissionQueue Durable Object:
 * how many slots each has, how many are held, and its breaker and last probe.
 * Pure (the clock is a parameter); the object calls it serialized.
 *
 * Slot counts come with the requests (the catalog is the worker's): the
 * latest count a request names for a backend is the one that holds, so a
 * catalog change takes effect at the next request. Slots already held above
 * a lowered count drain as they are released.
 *
 * An open breaker moves traffic away from a backend while another candidate
 * is usable; it never refuses a request on its own. When every candidate is
 * open, the request goes to them as if closed (and the answer says what
 * happened), so an install with only `local` refuses exactly what it
 * refused before.
 */

export interface BackendView {
  name: string;
  slots: number;
  inflight: number;
  /** Requests waiting that this backend could serve (a request with several candidates counts under each). */
  waiting: number;
  breaker: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets a trial through (ms since the epoch), else null. */
  retryAt: number | null;
  /** The last probe: "up", "down", or "unknown" (never probed). */
  health: "up" | "down" | "unknown";
  probedAt: number | null;
}

export class BackendGates {
  private readonly slots = new Map<string, number>();
  private readonly held = new Map<string, number>();
  private readonly breakers = new Map<string, Breaker>();
  private readonly probes = new Map<string, { up: boolean; at: number }>();

  constructor(private readonly breakerSettings: () => BreakerSettings) {}

  /** Takes the slot counts a request (or the catalog) names. */
  learn(candidates: readonly SlotCandidate[]): void {
    for (const { name, slots } of candidates) this.slots.set(name, slots);
  }

  /**
   * The backend to grant now: the first candidate, in the caller's order, with
   * a free slot, among those whose breaker lets a request through (all of
   * them when none does). Null: wait. `exclude` is never chosen (failover).
   */
  pick(candidates: readonly SlotCandidate[], now: number, exclude?: string): string | null {
    const eligible = candidates.filter((candidate) => candidate.name !== exclude);
    const allowed = eligible.filter((candidate) => this.breaker(candidate.name).allows(now));
    for (const candidate of allowed.length > 0 ? allowed : eligible) {
      if (this.hasFree(candidate.name)) return candidate.name;
    }
    return null;
  }

  /** Holds a slot on `name`; true when this request is the half-open breaker's one trial. */
  hold(name: string, now: number): boolean {
    this.held.set(name, (this.held.get(name) ?? 0) + 1);
    const breaker = this.breaker(name);
    const trial = breaker.state(now) === "half-open" && breaker.allows(now);
    breaker.admit(now);
    return trial;
  }

  /** Whether `name` has a slot free now. */
  hasFree(name: string): boolean {
    return (this.held.get(name) ?? 0) < (this.slots.get(name) ?? 0);
  }

  /** Frees a slot on `name` and feeds the breaker what the request learned. */
  release(name: string, outcome: BackendOutcome | null, trial: boolean, now: number): void {
    const count = (this.held.get(name) ?? 0) - 1;
    if (count > 0) this.held.set(name, count);
    else this.held.delete(name);
    if (outcome) this.breaker(name).record(outcome, now);
    else if (trial) this.breaker(name).abandonTrial();
  }

  /** An outcome learned outside a held slot (reportOutcome). */
  record(name: string, outcome: BackendOutcome, now: number): void {
    this.breaker(name).record(outcome, now);
  }

  probed(name: string, up: boolean, now: number): void {
    this.probes.set(name, { up, at: now });
    this.breaker(name).probe(up, now);
  }

  /** The earliest moment an open breaker may take a trial, or null. */
  nextRetryAt(now: number): number | null {
    let next: number | null = null;
    for (const breaker of this.breakers.values()) {
      const at = breaker.view(now).retryAt;
      if (at !== null && (next === null || at < next)) next = at;
    }
    return next;
  }

  /** Every backend known from the catalog, a request or a probe; `waitingFor` counts its waiters. */
  view(now: number, waitingFor: (name: string) => number): BackendView[] {
    const names = new Set([...this.slots.keys(), ...this.held.keys(), ...this.probes.keys(), ...this.breakers.keys()]);
    return [...names].sort().map((name) => {
      const breaker = this.breaker(name).view(now);
      const probe = this.probes.get(name);
      return {
        name,
        slots: this.slots.get(name) ?? 0,
        inflight: this.held.get(name) ?? 0,
        waiting: waitingFor(name),
        breaker: breaker.state,
        consecutiveFailures: breaker.consecutiveFailures,
        retryAt: breaker.retryAt,
        health: probe ? (probe.up ? "up" : "down") : "unknown",
        probedAt: probe?.at ?? null,
      };
    });
  }

  private breaker(name: string): Breaker {
    let breaker = this.breakers.get(name);
    if (!breaker) this.breakers.set(name, (breaker = new Breaker(this.breakerSettings())));
    return breaker;
  }
}
