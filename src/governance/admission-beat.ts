import { leaseRenewMs } from "./lease";

/**
 * Which leases this isolate's live requests hold on each Durable Object, and
 * when each was last renewed: so one request's beat renews them all in one
 * call, and the others' beats find theirs fresh and make none. N long
 * answers of one user cost one call per object per beat, not N.
 *
 * Only lease ids and times are kept here (module state, shared by the
 * isolate's requests): a stub is bound to the request that made it, so each
 * call goes out on the stub of the request whose beat it is.
 */

/** A lease renewed this recently is left alone by another request's beat: every lease renewed at least every 1.5 beats, well inside its ttl. */
const freshMs = leaseRenewMs / 2;

const held = new Map<string, Map<string, number>>();

/** `leaseId` is held on `object` (a user's limiter, the queue), renewed as of `now` (its grant). */
export function holdLease(object: string, leaseId: string, now: number): void {
  let leases = held.get(object);
  if (!leases) held.set(object, (leases = new Map()));
  leases.set(leaseId, now);
}

export function dropLease(object: string, leaseId: string): void {
  const leases = held.get(object);
  if (!leases?.delete(leaseId)) return;
  if (leases.size === 0) held.delete(object);
}

/**
 * At `leaseId`'s beat: every lease held on `object` to renew in one call
 * (marked renewed now), or nothing when `leaseId` was renewed lately by
 * another request's call.
 */
export function dueRenewal(object: string, leaseId: string, now: number): string[] {
  const leases = held.get(object);
  const renewedAt = leases?.get(leaseId);
  if (!leases || renewedAt === undefined || now - renewedAt < freshMs) return [];
  for (const id of leases.keys()) leases.set(id, now);
  return [...leases.keys()];
}
