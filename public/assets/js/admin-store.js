// @ts-check
/**
 * The list of every account, loaded once and shared by the sections that need
 * it (users table, audit and dashboard filters, names in the queue). Any
 * change made on the page reloads it and fires "users-changed".
 */
import { api } from "./api.js";
import { usersChanged } from "./admin-ui.js";

/**
 * @typedef {{ rpm: number|null, burst: number|null, concurrency: number|null, dailyTokens: number|null, monthlyTokens: number|null, models: string[]|null, monthlyBudgetUsd?: number|null }} Limits
 * @typedef {{ id: string, username: string, email: string|null, role: "admin"|"user"|"service", status: "pending"|"active"|"disabled",
 *   mustChangePassword: boolean, limits: Limits, customLimits: boolean, boundaries?: string[], lastExportAt: number|null, createdAt: number }} AdminUser
 */

/** @type {AdminUser[]} */
let users = [];

/** The signed-in admin's id: some actions on oneself are refused by the API and hidden here. */
export const session = { userId: "" };

export function allUsers() {
  return users;
}

/** @param {string | null} id */
export function usernameOf(id) {
  if (id === null) return null;
  return users.find((user) => user.id === id)?.username ?? null;
}

/** Reloads the list and tells every section. */
export async function reloadUsers() {
  const body = await api("GET", "/admin/api/users");
  users = body.users;
  usersChanged();
}
