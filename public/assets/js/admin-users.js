// @ts-check
/**
 * #users: every account with search (name/email), status filter, and per-row
 * actions. A row's editor (limits, keys, password reset, delete) opens in a
 * panel row right under it; one panel per user at a time.
 */
import { byId, formatNumber, formatTime, h, replace, say } from "./dom.js";
import { adminEvents, badge, cell, reportError } from "./admin-ui.js";
import { allUsers, reloadUsers, session } from "./admin-store.js";
import { limitsEditor } from "./admin-limits.js";
import { keysPanel } from "./admin-keys.js";
import { deletePanel, exportPath, patchUser, resetPasswordPanel } from "./admin-user-actions.js";
import { askReasonOnClick } from "./read-reason.js";

/** @typedef {import("./admin-store.js").AdminUser} AdminUser */

const columns = 6;
const message = () => byId("users-message");

export function initUsers() {
  byId("user-search").addEventListener("input", render);
  byId("user-status").addEventListener("change", render);
  adminEvents.addEventListener("users-changed", render);
}

function render() {
  const query = /** @type {HTMLInputElement} */ (byId("user-search")).value.trim().toLowerCase();
  const status = /** @type {HTMLSelectElement} */ (byId("user-status")).value;
  const users = allUsers().filter(
    (user) => (status === "" || user.status === status) && (query === "" || user.username.toLowerCase().includes(query) || (user.email ?? "").toLowerCase().includes(query)),
  );
  const tbody = /** @type {HTMLElement} */ (byId("users-table").querySelector("tbody"));
  replace(tbody, ...users.map(userRow));
  if (users.length === 0) replace(tbody, h("tr", { class: "empty-row" }, h("td", { colspan: columns }, "No account matches.")));
  byId("users-caption").textContent = `${users.length} of ${allUsers().length} accounts`;
}

/** @param {AdminUser} user */
function userRow(user) {
  const row = h(
    "tr",
    { "data-user-id": user.id, "data-username": user.username },
    h("td", { class: "wrap" }, h("strong", {}, user.username), user.id === session.userId ? h("span", { class: "small muted" }, " (you)") : null, user.email && user.email !== user.username ? h("div", { class: "small muted" }, user.email) : null, user.mustChangePassword ? h("div", { class: "small muted" }, "must change password") : null),
    h("td", {}, badge(user.status)),
    h("td", {}, roleSelect(user)),
    cell(limitsSummary(user), "small limits-summary"),
    cell(formatTime(user.lastExportAt), "small"),
    h("td", {}, h("div", { class: "actions" }, ...rowActions(user))),
  );
  return row;
}

/** @param {AdminUser} user */
function limitsSummary(user) {
  const l = user.limits;
  const parts = [
    l.rpm === null ? "any rate" : `${formatNumber(l.rpm)}/min`,
    l.burst === null ? null : `burst ${formatNumber(l.burst)}`,
    l.concurrency === null ? "any concurrency" : `${formatNumber(l.concurrency)} at once`,
    l.dailyTokens === null ? null : `${formatNumber(l.dailyTokens)} tokens/day`,
    l.monthlyTokens === null ? null : `${formatNumber(l.monthlyTokens)} tokens/month`,
    l.models === null ? "all models" : `models: ${l.models.join(", ")}`,
    l.monthlyBudgetUsd === null || l.monthlyBudgetUsd === undefined ? null : `$${l.monthlyBudgetUsd}/month`,
    user.boundaries && user.boundaries.length > 1 ? `boundaries: ${user.boundaries.join(", ")}` : null,
  ].filter((part) => part !== null);
  return `${parts.join(" · ")}${user.customLimits ? "" : " (defaults)"}`;
}

/** @param {AdminUser} user */
function roleSelect(user) {
  const select = /** @type {HTMLSelectElement} */ (
    h("select", { class: "role-select", "aria-label": `Role of ${user.username}` }, ...["user", "service", "admin"].map((role) => h("option", { value: role, selected: role === user.role }, role)))
  );
  select.addEventListener("change", () => void change(user, { role: select.value }, () => (select.value = user.role)));
  return select;
}

/** @param {AdminUser} user */
function rowActions(user) {
  const actions = [];
  const label = (/** @type {string} */ text) => ({ type: "button", class: "small secondary", "aria-label": `${text} ${user.username}` });
  if (user.status === "pending") actions.push(button("Approve", { ...label("Approve"), class: "small" }, () => change(user, { status: "active" })));
  else if (user.status === "disabled") actions.push(button("Enable", label("Enable"), () => change(user, { status: "active" })));
  else if (user.id !== session.userId) actions.push(button("Disable", label("Disable"), () => change(user, { status: "disabled" })));
  actions.push(button("Limits", { ...label("Limits of"), "aria-expanded": "false", class: "small secondary limits-button" }, (b) => togglePanel(user, b, "limits")));
  if (user.role !== "service") actions.push(button("Reset password", label("Reset password of"), (b) => togglePanel(user, b, "reset")));
  actions.push(button(user.role === "service" ? "New key" : "Keys", { ...label("Keys of"), "aria-expanded": "false" }, (b) => togglePanel(user, b, "keys")));
  const exportLink = h("a", { class: "button small secondary", href: exportPath(user), download: "", "aria-label": `Export the audit trail of ${user.username} as CSV` }, "Export CSV");
  askReasonOnClick(exportLink, `the audit trail of ${user.username}`);
  actions.push(exportLink);
  if (user.id !== session.userId) actions.push(button("Delete", { ...label("Delete"), class: "small danger secondary" }, (b) => togglePanel(user, b, "delete")));
  return actions;
}

/**
 * @param {string} text
 * @param {Record<string, unknown>} attrs
 * @param {(button: HTMLElement) => unknown} onClick
 */
function button(text, attrs, onClick) {
  const element = h("button", attrs, text);
  element.addEventListener("click", () => void onClick(element));
  return element;
}

/**
 * @param {AdminUser} user
 * @param {{ status?: string, role?: string }} patch
 * @param {() => void} [undo] puts the control back when the API refuses
 */
async function change(user, patch, undo) {
  try {
    say(message(), await patchUser(user, patch), "ok");
    await reloadUsers();
  } catch (error) {
    undo?.();
    reportError(message(), `Changing ${user.username}`, error);
  }
}

/**
 * Opens the panel of `kind` under the user's row, or closes it when it is the one open.
 * @param {AdminUser} user
 * @param {HTMLElement} trigger
 * @param {"limits" | "keys" | "reset" | "delete"} kind
 */
function togglePanel(user, trigger, kind) {
  const row = /** @type {HTMLElement} */ (trigger.closest("tr"));
  const open = row.nextElementSibling?.classList.contains("panel-row") ? /** @type {HTMLElement} */ (row.nextElementSibling) : null;
  const wasSame = open?.dataset.kind === kind;
  closePanel(row);
  if (wasSame) return;
  const close = () => {
    closePanel(row);
    trigger.focus();
  };
  const content =
    kind === "limits"
      ? limitsEditor(user, { saved: (text) => void afterChange(text), cancel: close })
      : kind === "keys"
        ? keysPanel(user, close)
        : kind === "reset"
          ? resetPasswordPanel(user, close)
          : deletePanel(user, { close, deleted: (text) => void afterChange(text) });
  const panel = h("tr", { class: "panel-row", "data-kind": kind, "data-panel-for": user.id }, h("td", { colspan: columns }, content));
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") close();
  });
  row.after(panel);
  trigger.setAttribute("aria-expanded", "true");
  // Focus goes to the first field, never to a destructive button Enter could press by accident.
  const firstInput = panel.querySelector("input");
  if (firstInput) firstInput.focus();
  else {
    content.setAttribute("tabindex", "-1");
    content.focus();
  }
}

/** @param {HTMLElement} row */
function closePanel(row) {
  const next = row.nextElementSibling;
  if (next?.classList.contains("panel-row")) next.remove();
  for (const expanded of row.querySelectorAll('[aria-expanded="true"]')) expanded.setAttribute("aria-expanded", "false");
}

/** @param {string} text */
async function afterChange(text) {
  say(message(), text, "ok");
  try {
    await reloadUsers();
  } catch (error) {
    reportError(message(), "Reloading the users", error);
  }
}
