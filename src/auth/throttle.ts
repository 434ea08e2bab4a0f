import type { Bindings } from "../env";
import { GatehouseError } from "../errors";
import { attemptCounter } from "./attempt-counter";

/**
 * Brute-force throttling around every password check (sign-in, Basic, the
 * body "auth" of POST /chat, the current password of a password change).
 * Counted per account name (known or not, so the answer says nothing about
 * which names exist) and per client address. A counter that cannot answer
 * refuses the attempt (fail closed).
 */

const accountCounter = (env: Bindings, username: string) => attemptCounter(env, `account:${username.trim().toLowerCase()}`);
const addressCounter = (env: Bindings, address: string) => attemptCounter(env, `address:${address}`);

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GatehouseError) throw error;
    throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
  }
}

/** Throws 429 too_many_attempts while either counter is locked. */
export async function assertAttemptAllowed(env: Bindings, username: string, address: string): Promise<void> {
  const waits = await guarded(() => Promise.all([accountCounter(env, username).retryAfter(), addressCounter(env, address).retryAfter()]));
  const wait = Math.max(...waits);
  if (wait > 0) throw new GatehouseError("too_many_attempts", { retryAfter: wait });
}

/** Counts a failure against both counters. */
export async function recordFailedAttempt(env: Bindings, username: string, address: string): Promise<void> {
  await guarded(() => Promise.all([accountCounter(env, username).fail(), addressCounter(env, address).fail()]));
}

export async function recordSuccessfulAttempt(env: Bindings, username: string): Promise<void> {
  await guarded(() => accountCounter(env, username).succeed());
}

/**
 * Registrations per client address: each costs a full key derivation, so an
 * unthrottled form would be a lever on the CPU. The same counter (5 in 15
 * minutes, then a growing lockout) — an honest person registers once.
 */
const registrationCounter = (env: Bindings, address: string) => attemptCounter(env, `register:${address}`);

export async function assertRegistrationAllowed(env: Bindings, address: string): Promise<void> {
  const wait = await guarded(() => registrationCounter(env, address).retryAfter());
  if (wait > 0) throw new GatehouseError("too_many_attempts", { retryAfter: wait });
}

export async function countRegistration(env: Bindings, address: string): Promise<void> {
  await guarded(() => registrationCounter(env, address).fail());
}
