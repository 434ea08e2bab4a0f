import { backendWriteStatement, type BackendWrite } from "../db/backend-writes";
import type { Db } from "../db/audit-events";
import { userWriteStatement, type UserWrite } from "../db/users";

/**
 * The change an admin record records, committed in the ledger's batch with
 * it (src/audit/ledger-ops.ts adminOp): an account, or a backend of the
 * catalog. Plain data, so it travels to the ledger over RPC.
 */
export type AdminWrite = UserWrite | BackendWrite;

export function adminWriteStatement(d: Db, write: AdminWrite) {
  if (write.kind === "update" || write.kind === "insert") return userWriteStatement(d, write);
  return backendWriteStatement(d, write);
}

export function isBackendWrite(write: AdminWrite): write is BackendWrite {
  return write.kind.startsWith("backend.");
}
