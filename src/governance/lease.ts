import { z } from "zod";

/**
 * Slots (a user's concurrency slot, a place on the GPU) are leases. The
 * request that holds one renews it while it is alive; a request that died
 * with its process stops renewing, and the Durable Object's alarm frees the
 * slot once the lease runs out. So a crash can hold a slot for at most one
 * lease, never for ever.
 */

/** A lease's id (the request id), as the objects accept it from the worker. */
export const leaseIdSchema = z.string().min(1).max(100);
/** The lease ids one renewal call may name (admission-beat.ts). */
export const leaseIdsSchema = z.array(leaseIdSchema).max(10_000);

/** How long a slot stays held without a renewal. */
export const leaseTtlMs = 60_000;
/** How often a live request renews its leases: three chances per lease. */
export const leaseRenewMs = 20_000;
/**
 * The longest a request renews its leases. Past this (a stuck stream, a bug
 * that never settles) the leases lapse on their own; with generation length
 * capped upstream, no real answer takes this long.
 */
export const maxHoldMs = 30 * 60_000;

/**
 * How long a slot may live in a Durable Object's memory only: workerd evicts
 * an object 10 s after its last call ended, and a long answer may hold a slot
 * past that with no call on the object, so by then it is on disk (with margin
 * for a loaded machine's timers). Shorter requests never write their slot.
 */
export const spillAfterMs = 5_000;

/** Lease ids whose expiry is at or before `now`. */
export function expiredLeases(expiries: Iterable<[string, number]>, now: number): string[] {
  const ids: string[] = [];
  for (const [id, expiresAt] of expiries) if (expiresAt <= now) ids.push(id);
  return ids;
}

/** The earliest expiry, for the next alarm; null when nothing is held. */
export function earliestExpiry(expiries: Iterable<number>): number | null {
  let earliest: number | null = null;
  for (const expiresAt of expiries) if (earliest === null || expiresAt < earliest) earliest = expiresAt;
  return earliest;
}
