import { markInterrupted } from "../db/audit-events";

/**
 * Crash recovery: records whose request was in flight when the previous
 * process died (kill -9, power loss, an out-of-memory kill) are finished as
 * `interrupted`, and the ledger seals them into the hash chain.
 *
 * It runs three times, so no supervisor is needed for it:
 * - before workerd starts (scripts/lib/prepare.ts, on the D1 file), with the
 *   time the start began;
 * - when the worker starts serving: the readiness gate
 *   (src/control/readiness.ts) has the ledger close and seal what is left
 *   before any route answers;
 * - on the ledger's own alarm, every minute (AuditLedger.recoverInterrupted).
 * The two in the worker use processEpoch(): the moment this isolate first
 * ran anything. A request of this process is received after it (workerd's
 * clock only moves forward between events), so only records of an earlier
 * process are touched — never a stream still being served.
 */
export async function recoverInterrupted(db: D1Database, processStartedAt: number): Promise<number> {
  return markInterrupted(db, processStartedAt);
}

let epoch: number | undefined;

/** When this isolate first handled an event (a request or an alarm); fixed from then on. */
export function processEpoch(): number {
  epoch ??= Date.now();
  return epoch;
}
