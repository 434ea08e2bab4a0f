// @ts-check
/**
 * /admin: the admin console. Checks who is signed in (a signed-out visitor
 * goes to the sign-in page, a pending password change to the forced change,
 * a non-admin to their account page), then starts every section.
 * Sections: approvals, users, audit, queue, backends, aliases, dashboard, sensitive data (admin-*.js).
 */
import { api, redirectIfSignedOut } from "./api.js";
import { byId, say } from "./dom.js";
import { showSignedIn } from "./nav.js";
import { errorText } from "./admin-ui.js";
import { reloadUsers, session } from "./admin-store.js";
import { initApprovals } from "./admin-approvals.js";
import { initUsers } from "./admin-users.js";
import { initCreateUser } from "./admin-user-create.js";
import { initAudit } from "./admin-audit.js";
import { initQueue } from "./admin-queue.js";
import { initAliases } from "./admin-aliases.js";
import { initBackends } from "./admin-backends.js";
import { initDashboard } from "./admin-dashboard.js";
import { initSensitive } from "./admin-sensitive.js";

async function start() {
  const alert = byId("page-message");
  let me;
  try {
    me = await api("GET", "/account/api/me");
  } catch (error) {
    if (!redirectIfSignedOut(error)) say(alert, `The console could not start: ${errorText(error)}`, "error");
    return;
  }
  if (me.user.role !== "admin") {
    location.replace("/account");
    return;
  }
  session.userId = me.user.id;
  showSignedIn(me.user, { status: alert });
  initApprovals();
  initUsers();
  initCreateUser();
  initAudit();
  initQueue();
  initBackends();
  initAliases();
  initDashboard();
  initSensitive();
  try {
    await reloadUsers();
  } catch (error) {
    if (!redirectIfSignedOut(error)) say(alert, `Loading the accounts failed: ${errorText(error)}`, "error");
  }
  document.body.dataset.ready = "true";
}

void start();
