import { z } from "zod";
import { lastLink, linkAt } from "../db/audit-chain";

/**
 * Checkpoint lines are the chain's head (sequence and hash) written to the
 * log, which lives outside the data directory (journald): a rollback of every
 * file under GATEHOUSE_DATA — D1 and the ledger's own anchor together — still
 * leaves D1 short of, or different from, a checkpoint already logged.
 * `gatehouse audit verify --checkpoints <file>` sends the ones it finds here.
 */

export const checkpointsBody = z.strictObject({
  checkpoints: z
    .array(z.strictObject({ seq: z.number().int().positive(), hash: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .max(100_000),
});

export interface CheckpointReport {
  ok: boolean;
  checked: number;
  /** The first checkpoint D1 does not hold: its link is missing (rolled back) or has another hash (rewritten). */
  firstBad: { seq: number; reason: "rolled_back" | "rewritten" } | null;
}

export async function checkCheckpoints(db: D1Database, checkpoints: readonly { seq: number; hash: string }[]): Promise<CheckpointReport> {
  const last = await lastLink(db);
  const ordered = [...checkpoints].sort((a, b) => a.seq - b.seq);
  let checked = 0;
  for (const checkpoint of ordered) {
    if (!last || last.seq < checkpoint.seq) return { ok: false, checked, firstBad: { seq: checkpoint.seq, reason: "rolled_back" } };
    const link = await linkAt(db, checkpoint.seq);
    if (!link || link.hash !== checkpoint.hash) return { ok: false, checked, firstBad: { seq: checkpoint.seq, reason: "rewritten" } };
    checked += 1;
  }
  return { ok: true, checked, firstBad: null };
}
