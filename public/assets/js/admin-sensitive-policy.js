// @ts-check
/**
 * #sensitive's policies: one action per category for everyone, for one user
 * (overrides everyone's) or for one of that user's keys (only ever
 * tightens the user's) — GET/PUT /admin/api/sensitive/policy with the scope
 * and subject chosen here. An empty choice falls back to the wider scope.
 */
import { api } from "./api.js";
import { byId, h, replace, say } from "./dom.js";
import { adminEvents, cell, reportError } from "./admin-ui.js";
import { allUsers } from "./admin-store.js";

const actions = ["observe", "redact", "block"];
const userSelect = () => /** @type {HTMLSelectElement} */ (byId("policy-user"));
const keySelect = () => /** @type {HTMLSelectElement} */ (byId("policy-key"));

export function initSensitivePolicy() {
  byId("sensitive-policy-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void savePolicy();
  });
  userSelect().addEventListener("change", () => void chooseUser());
  keySelect().addEventListener("change", () => void loadPolicy());
  adminEvents.addEventListener("users-changed", fillUsers);
  fillUsers();
  void loadPolicy();
}

/** The scope the form shows: everyone, a user, or one key of that user. */
function scope() {
  const user = userSelect().value;
  const key = keySelect().value;
  if (user && key) return { scope: "key", subject: key, who: `key ${keySelect().selectedOptions[0]?.textContent ?? key}` };
  if (user) return { scope: "user", subject: user, who: userSelect().selectedOptions[0]?.textContent ?? user };
  return { scope: "global", subject: null, who: "everyone" };
}

function fillUsers() {
  const chosen = userSelect().value;
  replace(userSelect(), h("option", { value: "" }, "Everyone"), ...allUsers().map((user) => h("option", { value: user.id, selected: user.id === chosen }, user.username)));
}

async function chooseUser() {
  const user = userSelect().value;
  replace(keySelect(), h("option", { value: "" }, user ? "All of this user's keys" : "—"));
  keySelect().disabled = !user;
  if (user) {
    try {
      /** @type {{ keys: { id: string, name: string, prefix: string, active: boolean }[] }} */
      const { keys } = await api("GET", `/admin/api/users/${encodeURIComponent(user)}/keys`);
      keySelect().append(...keys.filter((key) => key.active).map((key) => h("option", { value: key.id }, `${key.name} (${key.prefix}…)`)));
    } catch (error) {
      reportError(byId("sensitive-policy-message"), "Loading the keys", error);
    }
  }
  await loadPolicy();
}

async function loadPolicy() {
  const status = byId("sensitive-policy-message");
  const { scope: kind, subject } = scope();
  const query = new URLSearchParams({ scope: kind, ...(subject ? { subject } : {}) });
  try {
    /** @type {{ actions: Record<string,string>, categories: { personal: string[], secret: string[] }, defaults: { local: Record<string,string>, cloud: Record<string,string> } }} */
    const policy = await api("GET", `/admin/api/sensitive/policy?${query}`);
    const { personal, secret } = policy.categories;
    const fallback = (/** @type {string} */ category) =>
      kind === "global" ? `default (local: ${policy.defaults.local[category]}, cloud: ${policy.defaults.cloud[category]})` : kind === "user" ? "as for everyone" : "as for the user";
    const rows = [...personal, ...secret].map((category) => {
      const select = h("select", { name: category, id: `policy-${category}`, "aria-label": `Policy for ${category}` },
        h("option", { value: "" }, fallback(category)),
        ...actions.map((action) => h("option", { value: action, selected: policy.actions[category] === action }, action)));
      return h("tr", {}, cell(category), cell(secret.includes(category) ? "secret" : "personal"), h("td", {}, select));
    });
    replace(/** @type {HTMLElement} */ (byId("sensitive-policy-table").querySelector("tbody")), ...rows);
    say(status, "");
  } catch (error) {
    reportError(status, "Loading the policy", error);
  }
}

async function savePolicy() {
  const status = byId("sensitive-policy-message");
  const { scope: kind, subject, who } = scope();
  /** @type {Record<string,string>} */
  const chosen = {};
  for (const select of byId("sensitive-policy-table").querySelectorAll("select")) {
    if (select.value) chosen[select.name] = select.value;
  }
  try {
    await api("PUT", "/admin/api/sensitive/policy", { scope: kind, ...(subject ? { subject } : {}), actions: chosen });
    say(status, `Policy saved for ${who}.`, "success");
  } catch (error) {
    reportError(status, "Saving the policy", error);
  }
}
