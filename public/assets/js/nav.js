// @ts-check
/**
 * The header every signed-in page shares: who is signed in, a link to the
 * admin console for admins, and the sign-out button. The page's HTML holds
 * the elements (span#nav-user, a#nav-admin, a#nav-account, button#sign-out);
 * this fills them in.
 */
import { api } from "./api.js";
import { byId, say } from "./dom.js";

/**
 * @param {{ username: string, role: string }} user
 * @param {{ status?: Element }} [options] where to report a failed sign-out
 */
export function showSignedIn(user, options = {}) {
  byId("nav-user").textContent = user.username; // text: usernames are user-written
  const adminLink = document.getElementById("nav-admin");
  if (adminLink) adminLink.hidden = user.role !== "admin";
  const button = byId("sign-out");
  button.hidden = false;
  button.addEventListener("click", () => void signOut(button, options.status));
}

/**
 * Ends every session of the account (the server bumps the session version)
 * and goes back to the sign-in page.
 * @param {HTMLElement} button
 * @param {Element | undefined} status
 */
async function signOut(button, status) {
  button.setAttribute("disabled", "");
  try {
    await api("POST", "/auth/logout");
    location.assign("/");
  } catch (error) {
    button.removeAttribute("disabled");
    if (status) say(status, `Signing out failed: ${error instanceof Error ? error.message : String(error)}`, "error");
  }
}
