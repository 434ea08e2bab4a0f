import { GatehouseError } from "../errors";

/**
 * A cap on password key derivations. Each costs ~65 ms of CPU (600,000
 * PBKDF2 iterations) on the isolate's one thread — workerd runs WebCrypto
 * inline, so derivations never overlap, they queue ahead of everything
 * else — and sign-ins, Basic credentials and registrations can be sent by
 * anyone. So derivations may take at most about half of any second of this
 * isolate's time; past that an attempt is refused at once (503 overloaded,
 * Retry-After: 1) instead of queueing seconds of hashing ahead of keyed
 * requests. Cost is counted in PBKDF2 iterations, not measured: workerd's
 * clock does not move while the isolate computes.
 *
 * No waiting line on purpose: a promise resolved from another request's
 * context, or a timer of a request whose client left, can stall in workerd.
 * Per isolate on purpose: the resource guarded is this isolate's thread.
 */

export const windowMs = 1_000;
/** Iterations per window: about 460 ms of this machine's time (600,000 take ~65 ms): 7 default derivations. */
export const budgetIterations = 4_200_000;

export class DerivationsBusy extends Error {
  constructor() {
    super("too many password checks in progress");
    this.name = "DerivationsBusy";
  }
}

/** Derivations of the last window: when each started and its iterations. */
const recent: { at: number; iterations: number }[] = [];

function spent(now: number): number {
  while (recent.length > 0 && now - recent[0]!.at >= windowMs) recent.shift();
  return recent.reduce((total, entry) => total + entry.iterations, 0);
}

/** Runs `work` (a derivation of `iterations`) when the budget allows; throws DerivationsBusy when this window's is spent. */
export function gatedDerivation<T>(iterations: number, work: () => Promise<T>, clock: () => number = Date.now): Promise<T> {
  const now = clock();
  if (spent(now) + iterations > budgetIterations && recent.length > 0) throw new DerivationsBusy();
  recent.push({ at: now, iterations });
  return work();
}

/** For routes: DerivationsBusy becomes 503 overloaded with Retry-After; other errors pass. */
export async function derivationOrBusy<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof DerivationsBusy) {
      throw new GatehouseError("overloaded", { message: "Too many password checks in progress; try again shortly.", retryAfter: 1 });
    }
    throw error;
  }
}
