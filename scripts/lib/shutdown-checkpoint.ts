import { existsSync } from "node:fs";
import { lastLink } from "../../src/db/audit-chain";
import { d1OverFile } from "./d1-file";
import { d1File } from "./data-layout";
import { lifecycleLog as log } from "./lifecycle-log";

/**
 * The last checkpoint line (issue 13, point 8), logged when Gatehouse stops:
 * by `npm start` once workerd has exited, and by the unit's ExecStopPost
 * (`service.mjs checkpoint`, which systemd runs after workerd is gone). It is
 * the same `audit_checkpoint` line the ledger logs at start and every few
 * minutes, so `gatehouse audit verify --checkpoints` reads it like the others.
 *
 * Why the head is read from the D1 file after workerd exited, and not asked
 * of the running ledger: nothing writes any more, so this is the final head,
 * records committed while workerd drained included; no route has to be
 * opened (and guarded) for it; and it works the same under systemd, where no
 * Node parent is alive when the signal arrives. A database tampered with
 * while running is still caught: the ledger's own checkpoints, logged before,
 * contradict it, and the CLI sends every (seq, hash) pair it finds.
 */
export async function logShutdownCheckpoint(dataDir: string): Promise<{ seq: number; hash: string } | null> {
  const path = d1File(dataDir);
  // Never started (or another data dir): nothing to prove, and nothing to create.
  if (!existsSync(path)) return null;
  // Loaded here: on Node 22 node:sqlite is experimental (the npm scripts and the unit silence its warning).
  const { DatabaseSync } = await import("node:sqlite");
  const file = new DatabaseSync(path);
  try {
    file.exec("PRAGMA busy_timeout = 10000");
    const head = await lastLink(d1OverFile(file));
    if (!head) return null;
    log("info", "audit checkpoint", { event: "audit_checkpoint", seq: head.seq, hash: head.hash, at: "shutdown" });
    return { seq: head.seq, hash: head.hash };
  } finally {
    file.close();
  }
}
