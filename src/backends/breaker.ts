/**
 * A circuit breaker per backend, fed by real outcomes (and by probes once it
 * is half-open). Pure: every method takes the clock as `now`, so a unit test
 * drives it with a fake one; the AdmissionQueue Durable Object holds one per
 * backend (see src/backends/health.ts for why there).
 *
 *   closed --N consecutive failures--> open
 *   open --cooldown elapsed--> half-open: one trial (a request or a probe)
 *   half-open --trial succeeds--> closed;  --trial fails--> open (a new cooldown)
 *
 * What counts: connection errors, timeouts and 5xx are the backend's failures;
 * a 4xx is the client's mistake and counts as a success (the backend answered).
 */

export type BreakerState = "closed" | "open" | "half-open";
/** What one real exchange (or probe) with a backend says about it; null: says nothing (the client left first). */
export type BackendOutcome = "success" | "failure";

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failures: number;
  /** How long an open breaker refuses before it lets one trial through. */
  cooldownMs: number;
}

export interface BreakerView {
  state: BreakerState;
  consecutiveFailures: number;
  /** When an open breaker lets a trial through (ms since the epoch), else null. */
  retryAt: number | null;
}

export class Breaker {
  private failures = 0;
  private openedAt: number | null = null;
  /** A trial is out (half-open): nobody else is let through until it reports. */
  private trialOut = false;

  constructor(private readonly settings: BreakerSettings) {}

  state(now: number): BreakerState {
    if (this.openedAt === null) return "closed";
    return now - this.openedAt >= this.settings.cooldownMs ? "half-open" : "open";
  }

  /** Whether a request may be sent now (closed, or half-open with no trial out). */
  allows(now: number): boolean {
    const state = this.state(now);
    return state === "closed" || (state === "half-open" && !this.trialOut);
  }

  /** Called when a request is sent; in half-open it becomes the one trial. */
  admit(now: number): void {
    if (this.state(now) === "half-open") this.trialOut = true;
  }

  /** A trial that ended without an outcome (the client left): let another try. */
  abandonTrial(): void {
    this.trialOut = false;
  }

  record(outcome: BackendOutcome, now: number): void {
    this.trialOut = false;
    if (outcome === "success") {
      this.failures = 0;
      this.openedAt = null;
      return;
    }
    this.failures += 1;
    const state = this.state(now);
    // A failed trial reopens at once; a closed breaker opens at the threshold.
    if (state === "half-open" || (state === "closed" && this.failures >= this.settings.failures)) this.openedAt = now;
  }

  /**
   * A probe's answer. A failed probe counts like a failed request. A probe
   * that answers closes a breaker whose cooldown is over (it was the trial);
   * before that it changes nothing, and on a closed breaker it does not wipe
   * the failures real requests saw (a box can answer /api/version and still
   * fail every generation).
   */
  probe(up: boolean, now: number): void {
    if (!up) return this.record("failure", now);
    if (this.state(now) === "half-open") this.record("success", now);
  }

  view(now: number): BreakerView {
    const state = this.state(now);
    return {
      state,
      consecutiveFailures: this.failures,
      retryAt: state === "open" && this.openedAt !== null ? this.openedAt + this.settings.cooldownMs : null,
    };
  }
}

/**
 * A forwarded exchange's result as the breaker reads it: the relayed
 * status and the audit outcome (src/inference/exchange.ts).
 */
export function backendOutcomeOf(result: { status: number; outcome: string }): BackendOutcome | null {
  switch (result.outcome) {
    case "ok":
      return "success";
    case "upstream_timeout":
      return "failure";
    case "upstream_error":
      // A 4xx is the client's; a 5xx, a connection error (502) or a stream cut after a 200 is the backend's.
      return result.status >= 400 && result.status < 500 ? "success" : "failure";
    default:
      // Refused before the backend was reached, or the client left: nothing learned.
      return null;
  }
}
