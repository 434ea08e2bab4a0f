/**
 * Brute-force policy, pure: 5 failed sign-ins within 15 minutes lock the
 * counter (one per account name, one per client address). Each lockout is
 * twice as long as the one before (1 min, 2, 4, … up to 1 h), and the streak
 * is forgotten after a day without failures or on a successful sign-in
 * (account counters only: an attacker's own good account must not reset the
 * address counter).
 */

export const maxFailures = 5;
export const windowMs = 15 * 60_000;
export const baseLockMs = 60_000;
export const maxLockMs = 60 * 60_000;
export const forgetAfterMs = 24 * 60 * 60_000;

export interface AttemptState {
  /** Times of failures inside the window, oldest first. */
  failures: number[];
  blockedUntil: number;
  /** Lockouts in the current streak; each doubles the next. */
  lockouts: number;
  lastFailureAt: number;
}

export const emptyState: AttemptState = { failures: [], blockedUntil: 0, lockouts: 0, lastFailureAt: 0 };

/** Seconds until another attempt may be made; 0 when one may be made now. */
export function retryAfterSeconds(state: AttemptState, now: number): number {
  return state.blockedUntil > now ? Math.ceil((state.blockedUntil - now) / 1000) : 0;
}

export function lockDurationMs(lockouts: number): number {
  return Math.min(maxLockMs, baseLockMs * 2 ** Math.max(0, lockouts - 1));
}

/** The state after one more failure. */
export function recordFailure(state: AttemptState, now: number): AttemptState {
  const streak = now - state.lastFailureAt > forgetAfterMs ? 0 : state.lockouts;
  const failures = [...state.failures.filter((at) => now - at < windowMs), now];
  if (failures.length < maxFailures) return { failures, blockedUntil: state.blockedUntil, lockouts: streak, lastFailureAt: now };
  const lockouts = streak + 1;
  // The window restarts after a lockout; the next failure re-locks for twice as long.
  return { failures: failures.slice(-(maxFailures - 1)), blockedUntil: now + lockDurationMs(lockouts), lockouts, lastFailureAt: now };
}

/** When the state can be dropped entirely (nothing in it can matter any more). */
export function expiresAt(state: AttemptState): number {
  return Math.max(state.blockedUntil, state.lastFailureAt + forgetAfterMs);
}
