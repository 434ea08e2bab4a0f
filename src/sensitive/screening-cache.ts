import { EpochCache } from "../db/epoch-cache";
import { screeningEpoch } from "../db/screening-epoch";
import { loadScreening } from "../db/sensitive";

/**
 * What the screen reads for a caller (policies of its scopes, the custom
 * patterns, the guard's settings), remembered per user and key while no
 * write to them has committed since (src/db/screening-epoch.ts) and for at
 * most a minute: an admin's change applies to the very next request, and the
 * hot path reads no D1 for a caller it has screened. Off with
 * GATEHOUSE_CREDENTIAL_CACHE=off, the setting for a runtime with several
 * isolates, where an epoch in one isolate's memory says nothing of the others.
 */

export type Screening = Awaited<ReturnType<typeof loadScreening>>;

const remembered = new EpochCache<Screening>(screeningEpoch, 60_000, 10_000);

export function screeningFor(db: D1Database, userId: string | null, keyId: string | null, remember = true): Promise<Screening> {
  if (!remember) return loadScreening(db, userId, keyId);
  return remembered.through(`${userId ?? ""}\u0000${keyId ?? ""}`, () => loadScreening(db, userId, keyId));
}
