import { GatehouseError } from "../errors";
import { deleteUserContent } from "../db/audit-content";
import { hasUnexportedEvents } from "../db/audit-events";
import { getUser } from "../db/users";

/**
 * A user's audit data at account deletion. Deleting is refused (409
 * export_required) while the user has records no admin export covered; once
 * covered, their prompts and responses are deleted with the account. The
 * records themselves (pseudonymous: a user id, never a name) and the chain
 * stay, and the chain still verifies: it covers the text's hash, not the text.
 */
export async function assertExportCovers(db: D1Database, userId: string): Promise<void> {
  const user = await getUser(db, userId);
  if (!user) return;
  if (await hasUnexportedEvents(db, userId, user.lastExportAt)) throw new GatehouseError("export_required");
}

export async function deleteUserAudit(db: D1Database, userId: string): Promise<void> {
  await deleteUserContent(db, userId);
}
