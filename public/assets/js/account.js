// @ts-check
/**
 * /account: who is signed in, then each section (keys, limits, usage,
 * audit, password). A visitor without a session goes to the sign-in page;
 * one who must change their password goes to the forced change.
 */
import { api, redirectIfSignedOut } from "./api.js";
import { byId, say } from "./dom.js";
import { showSignedIn } from "./nav.js";
import { messageFor } from "./account-messages.js";
import { setUpKeys } from "./account-keys.js";
import { showLimits } from "./account-limits.js";
import { loadUsage } from "./account-usage.js";
import { setUpAudit } from "./account-audit.js";
import { wirePasswordForm } from "./account-password.js";
import { loadReads } from "./account-reads.js";

const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));

async function refreshLimits() {
  try {
    showLimits(await api("GET", "/account/api/me"));
  } catch (error) {
    if (!redirectIfSignedOut(error)) say(byId("account-status"), messageFor(error), "error");
  }
}

async function start() {
  const status = byId("account-status");
  let me;
  try {
    me = await api("GET", "/account/api/me");
  } catch (error) {
    if (!redirectIfSignedOut(error)) say(status, messageFor(error), "error");
    return;
  }
  showSignedIn(me.user, { status });
  showLimits(me);
  wirePasswordForm({
    form: /** @type {HTMLFormElement} */ (byId("password-change")),
    current: input("pw-current"),
    next: input("pw-new"),
    confirm: input("pw-confirm"),
    status: byId("pw-status"),
    onChanged: () => {},
  });
  // Requests made since the page opened show up on Refresh (audit) or here.
  byId("audit-refresh").addEventListener("click", () => {
    void refreshLimits();
    void loadUsage();
  });
  await Promise.all([setUpKeys(), loadUsage(), setUpAudit(), loadReads()]);
  document.body.setAttribute("data-ready", "true");
}

void start();
