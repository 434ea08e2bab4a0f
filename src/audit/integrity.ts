import type { HeadSeen } from "../db/audit-chain";
import { headStatement } from "../db/audit-writes";
import type { ChainHead } from "./group-commit";

/**
 * Rollback detection. The ledger keeps the head it last committed (the
 * anchor) in its own Durable Object storage, apart from D1. An insider who
 * restores an older copy of the database (hiding the newest records), or
 * rewrites a record and re-hashes every later link, leaves a D1 chain that
 * verifies on its own but no longer reaches the anchor: the link at the
 * anchor's position is missing or has another hash. The ledger compares the
 * two when it starts and before every write; a mismatch is kept as a
 * "chain broken" state that no later write clears (src/audit/ledger.ts).
 */

export type BrokenReason = "rolled_back" | "rewritten";

export interface ChainBroken {
  reason: BrokenReason;
  /** When the ledger noticed (ms epoch). */
  detectedAt: number;
  /** What the ledger expected (its anchor or its in-memory head). */
  expected: ChainHead;
  /** What D1 held instead (its last link; seq 0 when empty). */
  found: ChainHead;
}

/**
 * Checks D1 against `expected`: its link at expected.seq must carry
 * expected.hash. Links beyond it are fine (a commit whose anchor update was
 * lost to a crash). Returns the mismatch, or null.
 */
export async function checkAgainst(db: D1Database, expected: ChainHead, now = Date.now()): Promise<ChainBroken | null> {
  if (expected.seq === 0) return null;
  const [seen] = (await headStatement(db, expected).all<HeadSeen>()).results;
  return judgeHead(expected, seen, now);
}

/** The mismatch between `expected` and what D1 held, or null. */
export function judgeHead(expected: ChainHead, seen: HeadSeen | undefined, now = Date.now()): ChainBroken | null {
  if (expected.seq === 0) return null;
  const found: ChainHead = seen?.lastSeq != null ? { seq: seen.lastSeq, hash: seen.lastHash ?? "" } : { seq: 0, hash: "" };
  if (found.seq < expected.seq) return { reason: "rolled_back", detectedAt: now, expected, found };
  if (seen?.anchorHash !== expected.hash) return { reason: "rewritten", detectedAt: now, expected, found };
  return null;
}
