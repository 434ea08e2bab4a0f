import type { Bindings } from "../env";
import { GatehouseError } from "../errors";
import { attemptCounter, type AttemptCounter } from "./attempt-counter";
import { hmacHex } from "./counter-names";

/**
 * Brute-force throttling around every password check (sign-in, Basic, the
 * body "auth" of POST /chat, the current password of a password change).
 * Counted per account, per client address, and — for names that match no
 * account — per name in one shared, bounded table, so an unknown name locks
 * like a real one (the answer says nothing about which names exist) without
 * a Durable Object or a file per invented name. A counter that cannot answer
 * refuses the attempt (fail closed).
 *
 * Counters are named by an HMAC (key derived from the session secret) of the
 * account id, the address or the typed name: a name typed at a failed
 * sign-in (a password typed into the username field, say) is never stored.
 * An account is counted by its id, so its username and its email share one
 * lockout.
 */

/** Who a password check is for: the account the typed name matched, or none. */
export type AttemptSubject = { userId: string } | { unknownName: string };

const counter = (env: Bindings, name: string): DurableObjectStub<AttemptCounter> => attemptCounter(env, name);

const named = async (env: Bindings, kind: string, value: string) => counter(env, `${kind}:${await hmacHex(env.SESSION_SECRET, `${kind}:${value}`)}`);
const addressCounter = (env: Bindings, address: string) => named(env, "address", address);
/** The one table of unknown names; entries keyed by the name's HMAC. */
const unknownNames = (env: Bindings) => counter(env, "unknown-names");

/** The counter (and key within it) for one subject. */
async function subjectCounter(env: Bindings, subject: AttemptSubject): Promise<{ stub: DurableObjectStub<AttemptCounter>; key?: string }> {
  if ("userId" in subject) return { stub: await named(env, "account", subject.userId) };
  const name = subject.unknownName.trim().toLowerCase();
  return { stub: unknownNames(env), key: await hmacHex(env.SESSION_SECRET, `name:${name}`) };
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof GatehouseError) throw error;
    throw new GatehouseError("limiter_unavailable", { retryAfter: 5 });
  }
}

/** Throws 429 too_many_attempts while the subject's or the address's counter is locked. */
export async function assertAttemptAllowed(env: Bindings, subject: AttemptSubject, address: string): Promise<void> {
  const waits = await guarded(async () => {
    const { stub, key } = await subjectCounter(env, subject);
    return Promise.all([stub.retryAfter(key), (await addressCounter(env, address)).retryAfter()]);
  });
  const wait = Math.max(...waits);
  if (wait > 0) throw new GatehouseError("too_many_attempts", { retryAfter: wait });
}

/** Counts a failure against the subject and the address. */
export async function recordFailedAttempt(env: Bindings, subject: AttemptSubject, address: string): Promise<void> {
  await guarded(async () => {
    const { stub, key } = await subjectCounter(env, subject);
    await Promise.all([stub.fail(key), (await addressCounter(env, address)).fail()]);
  });
}

export async function recordSuccessfulAttempt(env: Bindings, userId: string): Promise<void> {
  await guarded(async () => (await named(env, "account", userId)).succeed());
}

/**
 * Registrations per client address and for the whole gateway: each costs a
 * full key derivation, so an unthrottled form would be a lever on the CPU.
 * The same policy (5 in 15 minutes, then a growing lockout) per address — an
 * honest person registers once — and a global budget many addresses share.
 */
const registrationCounter = (env: Bindings, address: string) => named(env, "register", address);
const globalRegistrations = (env: Bindings) => counter(env, "register-all");

export async function assertRegistrationAllowed(env: Bindings, address: string): Promise<void> {
  const waits = await guarded(async () =>
    Promise.all([(await registrationCounter(env, address)).retryAfter(), globalRegistrations(env).retryAfterGlobal()]),
  );
  const wait = Math.max(...waits);
  if (wait > 0) throw new GatehouseError("too_many_attempts", { retryAfter: wait });
}

export async function countRegistration(env: Bindings, address: string): Promise<void> {
  await guarded(async () => Promise.all([(await registrationCounter(env, address)).fail(), globalRegistrations(env).countGlobal()]));
}
