import { markInterrupted } from "../db/audit-events";

/**
 * Startup recovery, run by scripts/lib/gateway.ts after the migrations:
 * records whose request was in flight when the previous process died (kill -9,
 * power loss) are finished as `interrupted`. Only records started before this
 * process came up are touched, so requests already being served are left
 * alone. The ledger seals them on its next pass (its alarm, or verify).
 */
export async function recoverInterrupted(db: D1Database, processStartedAt: number): Promise<number> {
  return markInterrupted(db, processStartedAt);
}
