import type { ApiClient } from "./client";
import { usersAnswer, type UserView } from "./api-schemas";
import { CliError } from "./errors";

/** Finds one user by id or username (usernames compare case-insensitively, as sign-in does). */
export function pickUser(users: readonly UserView[], ref: string): UserView | undefined {
  const byId = users.find((user) => user.id === ref);
  if (byId) return byId;
  const lower = ref.toLowerCase();
  return users.find((user) => user.username.toLowerCase() === lower);
}

export async function resolveUser(api: ApiClient, ref: string): Promise<UserView> {
  const { users } = await api.json(usersAnswer, "GET", "/admin/api/users");
  const user = pickUser(users, ref);
  if (!user) throw new CliError(`no user with the username or id "${ref}" (404); see: users list`);
  return user;
}
