// @ts-check
/**
 * form#create-user: an account created by the admin is active at once. A
 * person gets a temporary password (shown once, changed at first sign-in);
 * a service account gets none and signs in with keys only ("New key").
 */
import { api } from "./api.js";
import { byId, say } from "./dom.js";
import { reportError, showSecret } from "./admin-ui.js";
import { reloadUsers } from "./admin-store.js";

const usernamePattern = /^[A-Za-z0-9._@+-]+$/;

export function initCreateUser() {
  const form = /** @type {HTMLFormElement} */ (byId("create-user"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void create(form);
  });
}

/** @param {HTMLFormElement} form */
async function create(form) {
  const status = byId("create-user-message");
  const box = byId("create-user-secret");
  const input = /** @type {HTMLInputElement} */ (byId("create-username"));
  const role = /** @type {HTMLSelectElement} */ (byId("create-role")).value;
  const username = input.value.trim();
  box.hidden = true;
  if (username === "" || username.length > 320 || !usernamePattern.test(username)) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return say(status, "Username: letters, digits and . _ @ + - only (no spaces).", "error");
  }
  input.removeAttribute("aria-invalid");
  try {
    const { user, temporaryPassword } = await api("POST", "/admin/api/users", { username, role });
    if (temporaryPassword) {
      showSecret(box, `Temporary password for ${user.username}`, temporaryPassword, "Shown once. They must choose a new password at their first sign-in.", "create-temporary-password");
      say(status, `${user.username} (${user.role}) created and active.`, "ok");
    } else {
      say(status, `Service account ${user.username} created. Give it a key with "New key" in its row.`, "ok");
    }
    form.reset();
    await reloadUsers();
  } catch (error) {
    reportError(status, "Creating the account", error);
  }
}
