/**
 * A counter of changes to what the sensitive-data screen reads on every
 * inference request (sensitive_policies, sensitive_patterns, and the settings
 * table, where the guard's settings live), bumped by every write to them in
 * src/db once D1 has committed it (or failed to answer: the write may have
 * landed). The screen's cache (src/sensitive/screening-cache.ts) trusts an
 * entry only while the epoch it was read at is current, so a policy change
 * applies to the very next request. One isolate runs the worker and its
 * Durable Objects under workerd (see src/db/credential-epoch.ts).
 */

let epoch = 0;

export function screeningEpoch(): number {
  return epoch;
}

export function screeningChanged(): void {
  epoch++;
}
