// @ts-check
/**
 * A change-password form (current, new, confirm), used by the sign-in page
 * (the forced change at first sign-in) and the account page. The server
 * keeps this browser signed in with a fresh session and ends all others.
 */
import { ApiError, api } from "./api.js";
import { say } from "./dom.js";
import { messageFor } from "./account-messages.js";

export const minimumPasswordLength = 12;

/**
 * @typedef {object} PasswordForm
 * @property {HTMLFormElement} form
 * @property {HTMLInputElement} current
 * @property {HTMLInputElement} next
 * @property {HTMLInputElement} confirm
 * @property {HTMLElement} status
 * @property {() => void | Promise<void>} onChanged runs after the server accepted the change
 */

/**
 * Checks what the browser can check before asking the server; null when fine.
 * @param {string} next
 * @param {string} confirm
 * @param {string} [what] how the form names the field
 */
export function newPasswordProblem(next, confirm, what = "new password") {
  if (next.length < minimumPasswordLength) return `The ${what} must be at least ${minimumPasswordLength} characters.`;
  if (next !== confirm) return `The ${what} and its confirmation differ.`;
  return null;
}

/** @param {PasswordForm} parts */
export function wirePasswordForm(parts) {
  const { form, current, next, confirm, status } = parts;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const problem = newPasswordProblem(next.value, confirm.value);
    next.setAttribute("aria-invalid", String(problem !== null && next.value.length < minimumPasswordLength));
    confirm.setAttribute("aria-invalid", String(problem !== null && next.value !== confirm.value));
    if (problem) {
      say(status, problem, "error");
      return;
    }
    const submit = form.querySelector("button[type=submit]");
    submit?.setAttribute("disabled", "");
    say(status, "Changing the password…");
    try {
      await api("POST", "/auth/password", { currentPassword: current.value, newPassword: next.value });
      form.reset();
      say(status, "Password changed. Any other sessions of this account were signed out.", "ok");
      await parts.onChanged();
    } catch (error) {
      const wrongCurrent = error instanceof ApiError && error.code === "forbidden";
      current.setAttribute("aria-invalid", String(wrongCurrent));
      say(status, wrongCurrent ? "The current password is wrong." : messageFor(error), "error");
    } finally {
      submit?.removeAttribute("disabled");
    }
  });
}
