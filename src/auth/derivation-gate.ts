/**
 * A cap on password key derivations in flight. Each costs ~65 ms of CPU
 * (600,000 PBKDF2 iterations) on the isolate's one thread, and sign-ins,
 * Basic credentials and registrations can be sent by anyone: without a cap,
 * a few clients posting wrong passwords would queue seconds of hashing ahead
 * of every keyed request. So one derivation runs at a time, the others wait
 * in a short line (yielding between each, so other requests run), and past
 * that line the attempt is refused at once (503 overloaded, Retry-After).
 *
 * Per isolate on purpose: the resource guarded is this isolate's thread.
 */

import { GatehouseError } from "../errors";

export const maxWaitingDerivations = 8;

export class DerivationsBusy extends Error {
  constructor() {
    super("too many password checks in progress");
    this.name = "DerivationsBusy";
  }
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

let running = false;
const waiting: (() => void)[] = [];

/** Runs `work` when its turn comes; throws DerivationsBusy when the line is full. */
export async function gatedDerivation<T>(work: () => Promise<T>): Promise<T> {
  if (running) {
    if (waiting.length >= maxWaitingDerivations) throw new DerivationsBusy();
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running = true;
  try {
    return await work();
  } finally {
    // Let the requests that queued behind this derivation run before the next one starts.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const next = waiting.shift();
    if (next) next();
    else running = false;
  }
}
