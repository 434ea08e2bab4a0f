// @ts-check
/**
 * What one row of #users can do to its account: change role or status,
 * reset the password (the temporary one shown once), and delete — which the
 * API refuses (409 export_required) while the account has audit records no
 * export has covered. The panel explains that rule before anyone clicks.
 */
import { ApiError, api } from "./api.js";
import { h, replace, say } from "./dom.js";
import { reportError, showSecret } from "./admin-ui.js";
import { askReasonOnClick } from "./read-reason.js";

/** @typedef {import("./admin-store.js").AdminUser} AdminUser */

/** @param {AdminUser} user */
export const userPath = (user) => `/admin/api/users/${encodeURIComponent(user.id)}`;

/** @param {AdminUser} user */
export const exportPath = (user) => `${userPath(user)}/audit.csv`;

/**
 * PATCH status or role; resolves to the sentence to show, or throws ApiError.
 * @param {AdminUser} user
 * @param {{ status?: string, role?: string }} patch
 */
export async function patchUser(user, patch) {
  await api("PATCH", userPath(user), patch);
  if (patch.role) return `${user.username} is now ${patch.role === "admin" ? "an admin" : `a ${patch.role} account`}; their sessions were signed out.`;
  if (patch.status === "disabled") return `${user.username} is disabled: their sessions and keys stop working at once.`;
  return `${user.username} is active.`;
}

/**
 * @param {AdminUser} user
 * @param {() => void} close
 */
export function resetPasswordPanel(user, close) {
  const status = h("p", { class: "status", role: "status" });
  const box = h("div", { class: "secret-box", hidden: true });
  const confirm = h("button", { type: "button", class: "danger" }, `Reset the password of ${user.username}`);
  const cancel = h("button", { type: "button", class: "secondary" }, "Close");
  cancel.addEventListener("click", close);
  confirm.addEventListener("click", async () => {
    confirm.setAttribute("disabled", "");
    try {
      const { temporaryPassword } = await api("POST", `${userPath(user)}/reset-password`, {});
      showSecret(
        box,
        `Temporary password for ${user.username}`,
        temporaryPassword,
        "Shown once. Give it to them through a trusted channel; they must choose a new one at their next sign-in.",
        `temporary-password-${user.id}`,
      );
      confirm.remove();
    } catch (error) {
      confirm.removeAttribute("disabled");
      reportError(status, "Resetting the password", error);
    }
  });
  return h(
    "div",
    { class: "reset-panel" },
    h("p", {}, `A new temporary password replaces the current one and signs ${user.username} out everywhere. Their API keys keep working.`),
    h("div", { class: "actions" }, confirm, cancel),
    box,
    status,
  );
}

/**
 * @param {AdminUser} user
 * @param {{ close: () => void, deleted: (text: string) => void }} callbacks
 */
export function deletePanel(user, callbacks) {
  const alert = h("p", { class: "status", role: "alert" });
  const remedy = h("div", { class: "actions", hidden: true });
  const confirm = h("button", { type: "button", class: "danger" }, `Delete ${user.username}`);
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  cancel.addEventListener("click", callbacks.close);
  confirm.addEventListener("click", async () => {
    confirm.setAttribute("disabled", "");
    try {
      await api("DELETE", userPath(user));
      callbacks.deleted(`${user.username} was deleted. Their audit records stay (without prompt and response text), so the chain still verifies.`);
    } catch (error) {
      confirm.removeAttribute("disabled");
      if (error instanceof ApiError && error.code === "export_required") {
        say(alert, `Not deleted: ${error.message}`, "error");
        const exportLink = h("a", { class: "button secondary export-before-delete", href: exportPath(user), download: "" }, `Export the audit trail of ${user.username} (CSV)`);
        askReasonOnClick(exportLink, `the audit trail of ${user.username}`);
        replace(remedy, exportLink, h("span", { class: "small muted" }, "then delete again."));
        remedy.hidden = false;
      } else {
        reportError(alert, `Deleting ${user.username}`, error);
      }
    }
  });
  return h(
    "div",
    { class: "delete-panel" },
    h("p", {}, h("strong", {}, `Delete ${user.username} for good?`), ` The account and its keys go, and the text of their prompts and responses is erased. The audit records themselves stay.`),
    h(
      "p",
      { class: "small" },
      "The export rule: Gatehouse refuses to delete an account while it has audit records that no export has covered. Export its CSV first (Export CSV on this row), or an export of all users without a date range.",
    ),
    h("div", { class: "actions" }, confirm, cancel),
    alert,
    remedy,
  );
}
