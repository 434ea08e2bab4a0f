// @ts-check
/**
 * #approvals: people who registered and wait (GET /admin/api/users?status=pending).
 * Approve makes the account active; Refuse disables it (the person then sees
 * "account disabled" at sign-in, and the admin can still enable it later).
 */
import { api } from "./api.js";
import { byId, formatTime, h, say } from "./dom.js";
import { adminEvents, cell, fillBody, reportError } from "./admin-ui.js";
import { reloadUsers } from "./admin-store.js";

const message = () => byId("approvals-message");

export function initApprovals() {
  byId("approvals-refresh").addEventListener("click", () => void loadPending());
  adminEvents.addEventListener("users-changed", () => void loadPending());
}

async function loadPending() {
  const tbody = /** @type {HTMLElement} */ (byId("approvals-table").querySelector("tbody"));
  try {
    const { users } = await api("GET", "/admin/api/users?status=pending");
    /** @type {{ id: string, username: string, createdAt: number }[]} */
    const pending = users;
    fillBody(tbody, pending.map(pendingRow), 3, "No one is waiting for approval.");
  } catch (error) {
    reportError(message(), "Loading the pending accounts", error);
  }
}

/** @param {{ id: string, username: string, createdAt: number }} user */
function pendingRow(user) {
  const approve = h("button", { type: "button", class: "small" }, "Approve");
  const refuse = h("button", { type: "button", class: "small danger secondary" }, "Refuse");
  approve.setAttribute("aria-label", `Approve ${user.username}`);
  refuse.setAttribute("aria-label", `Refuse ${user.username}`);
  approve.addEventListener("click", () => void decide(user, "active", [approve, refuse]));
  refuse.addEventListener("click", () => void decide(user, "disabled", [approve, refuse]));
  return h("tr", { "data-user-id": user.id }, cell(user.username, "wrap"), cell(formatTime(user.createdAt)), h("td", {}, h("div", { class: "actions" }, approve, refuse)));
}

/**
 * @param {{ id: string, username: string }} user
 * @param {"active" | "disabled"} status
 * @param {HTMLElement[]} buttons
 */
async function decide(user, status, buttons) {
  for (const button of buttons) button.setAttribute("disabled", "");
  const verb = status === "active" ? "Approving" : "Refusing";
  try {
    await api("PATCH", `/admin/api/users/${encodeURIComponent(user.id)}`, { status });
    say(message(), status === "active" ? `${user.username} is approved and can sign in.` : `${user.username} was refused (account disabled).`, "ok");
    await reloadUsers();
  } catch (error) {
    for (const button of buttons) button.removeAttribute("disabled");
    reportError(message(), `${verb} ${user.username}`, error);
  }
}
