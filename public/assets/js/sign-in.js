// @ts-check
/**
 * The sign-in page (/): sign in, request an account, and the forced password
 * change at first sign-in. After signing in, admins go to /admin and
 * everyone else to /account.
 */
import { api } from "./api.js";
import { byId, say } from "./dom.js";
import { messageFor } from "./account-messages.js";
import { newPasswordProblem, wirePasswordForm } from "./account-password.js";

/** The role from the sign-in answer; null when the page was opened at /?change=1. */
let signedInRole = /** @type {string | null} */ (null);

const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));
const form = (/** @type {string} */ id) => /** @type {HTMLFormElement} */ (byId(id));

/** @param {string | null} role */
function destinationFor(role) {
  return role === "admin" ? "/admin" : "/account";
}

/** The role of whoever is signed in now (after a forced change reached from /?change=1). */
async function currentRole() {
  const me = await api("GET", "/account/api/me");
  return /** @type {string} */ (me.user.role);
}

/**
 * Swaps the sign-in forms for the change-password form.
 * @param {string | null} knownPassword the password just used to sign in, so it need not be typed twice
 */
function showPasswordChange(knownPassword) {
  byId("sign-in-area").hidden = true;
  form("change-password").hidden = false;
  if (knownPassword) {
    input("change-current").value = knownPassword;
    input("change-new").focus();
  } else {
    input("change-current").focus();
  }
}

/** @param {SubmitEvent} event */
async function signIn(event) {
  event.preventDefault();
  const status = byId("sign-in-status");
  const username = input("sign-in-username").value.trim();
  const password = input("sign-in-password").value;
  if (!username || !password) {
    say(status, "Enter your username (or email) and password.", "error");
    return;
  }
  say(status, "Signing in…");
  try {
    const { user } = await api("POST", "/auth/login", { username, password });
    if (user.mustChangePassword) {
      say(status, "");
      signedInRole = user.role;
      showPasswordChange(password);
      return;
    }
    location.assign(destinationFor(user.role));
  } catch (error) {
    say(status, messageFor(error), "error");
    input("sign-in-password").select();
  }
}

/** @param {SubmitEvent} event */
async function register(event) {
  event.preventDefault();
  const status = byId("register-status");
  const email = input("register-email").value.trim();
  const password = input("register-password").value;
  const problem = email ? newPasswordProblem(password, input("register-confirm").value, "password") : "Enter your email address.";
  if (problem) {
    say(status, problem, "error");
    return;
  }
  say(status, "Sending…");
  try {
    await api("POST", "/auth/register", { email, password });
    form("register").reset();
    // The server answers a taken address the same way (so nobody can probe who has an account).
    say(
      status,
      `Thanks. The account for ${email} is waiting for an administrator's approval; you can sign in once it is approved. ` +
        "If this address already had an account, nothing changed: sign in with it, or ask an administrator.",
      "ok",
    );
    input("sign-in-username").value = email;
  } catch (error) {
    say(status, messageFor(error), "error");
  }
}

form("sign-in").addEventListener("submit", (event) => void signIn(event));
form("register").addEventListener("submit", (event) => void register(event));
wirePasswordForm({
  form: form("change-password"),
  current: input("change-current"),
  next: input("change-new"),
  confirm: input("change-confirm"),
  status: byId("change-status"),
  onChanged: async () => {
    // The server kept this browser signed in with a fresh session.
    location.assign(destinationFor(signedInRole ?? (await currentRole())));
  },
});

if (new URLSearchParams(location.search).get("change") === "1") showPasswordChange(null);
