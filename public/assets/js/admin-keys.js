// @ts-check
/**
 * The keys of one account, inline under its row in #users: the list (name,
 * prefix, last use, expiry; revoke, which asks first), and for service accounts a form for a
 * new key whose secret is shown once. Key names are user-written: text only.
 */
import { api } from "./api.js";
import { formatTime, h, say } from "./dom.js";
import { cell, fillBody, reportError, showSecret } from "./admin-ui.js";
import { askFirst } from "./ask-first.js";

/** @typedef {import("./admin-store.js").AdminUser} AdminUser */
/** @typedef {{ id: string, name: string, prefix: string, createdAt: number, lastUsedAt: number|null, expiresAt: number|null, revokedAt: number|null, active: boolean, scope: { models?: string[] } | null }} KeyView */

/**
 * @param {AdminUser} user
 * @param {() => void} close
 * @returns {HTMLElement}
 */
export function keysPanel(user, close) {
  const status = h("p", { class: "status", role: "status" });
  const tbody = h("tbody");
  const table = h(
    "table",
    { class: "keys-table" },
    h("caption", {}, `API keys of ${user.username}`),
    h("thead", {}, h("tr", {}, ...["Name", "Key", "Models", "Created", "Last used", "Expires", "State", ""].map((t) => h("th", { scope: "col" }, t)))),
    tbody,
  );
  const closeButton = h("button", { type: "button", class: "secondary small" }, "Close");
  closeButton.addEventListener("click", close);
  const panel = h("div", { class: "keys-panel" }, h("div", { class: "table-wrap" }, table));
  if (user.role === "service") panel.append(newKeyForm(user, status, () => void loadKeys(user, tbody, status)));
  panel.append(h("div", { class: "actions" }, closeButton), status);
  void loadKeys(user, tbody, status);
  return panel;
}

/**
 * @param {AdminUser} user
 * @param {HTMLElement} tbody
 * @param {HTMLElement} status
 */
async function loadKeys(user, tbody, status) {
  try {
    const { keys } = await api("GET", `/admin/api/users/${encodeURIComponent(user.id)}/keys`);
    fillBody(tbody, /** @type {KeyView[]} */ (keys).map((key) => keyRow(user, key, tbody, status)), 8, "No keys yet.");
  } catch (error) {
    reportError(status, "Loading the keys", error);
  }
}

/**
 * @param {AdminUser} user
 * @param {KeyView} key
 * @param {HTMLElement} tbody
 * @param {HTMLElement} status
 */
function keyRow(user, key, tbody, status) {
  const state = key.revokedAt !== null ? "revoked" : key.active ? "active" : "expired";
  const revoke = askFirst(h("button", { type: "button", class: "small danger secondary", "aria-label": `Revoke key ${key.name}` }, "Revoke"), {
    question: `Revoke ${key.name}?`,
    yes: "Yes, revoke",
    act: async () => {
      try {
        await api("DELETE", `/admin/api/users/${encodeURIComponent(user.id)}/keys/${encodeURIComponent(key.id)}`);
        say(status, `Key ${key.name} revoked: it stops working at once.`, "ok");
        await loadKeys(user, tbody, status);
      } catch (error) {
        reportError(status, "Revoking the key", error);
      }
    },
  });
  return h(
    "tr",
    { class: "key-row" },
    cell(key.name, "wrap key-name"),
    cell(h("code", {}, key.prefix)),
    cell(key.scope?.models?.join(", ") ?? "all allowed"),
    cell(formatTime(key.createdAt)),
    cell(formatTime(key.lastUsedAt)),
    cell(key.expiresAt === null ? "never" : formatTime(key.expiresAt)),
    cell(state),
    h("td", {}, state === "active" ? revoke : null),
  );
}

/**
 * @param {AdminUser} user
 * @param {HTMLElement} status
 * @param {() => void} created
 */
function newKeyForm(user, status, created) {
  const id = `newkey-${user.id}`;
  const name = h("input", { id: `${id}-name`, name: "name", required: true, maxlength: 100, autocomplete: "off" });
  const models = h("input", { id: `${id}-models`, name: "models", autocomplete: "off", placeholder: "every model the account may use" });
  const expires = h("input", { id: `${id}-expires`, name: "expires", type: "date" });
  const secretBox = h("div", { class: "secret-box", hidden: true });
  const form = h(
    "form",
    { class: "new-key fields-row", novalidate: true, "aria-label": `New key for ${user.username}` },
    h("div", { class: "field" }, h("label", { for: `${id}-name` }, "New key: name"), name),
    h("div", { class: "field" }, h("label", { for: `${id}-models` }, "Models (optional, comma-separated)"), models),
    h("div", { class: "field" }, h("label", { for: `${id}-expires` }, "Expires (optional)"), expires),
    h("div", { class: "field" }, h("button", { type: "submit" }, "Create key")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = keyBody(/** @type {HTMLInputElement} */ (name).value, /** @type {HTMLInputElement} */ (models).value, /** @type {HTMLInputElement} */ (expires).value);
    if (typeof body === "string") return say(status, body, "error");
    try {
      const { key, secret } = await api("POST", `/admin/api/users/${encodeURIComponent(user.id)}/keys`, body);
      showSecret(secretBox, `Key ${key.name} for ${user.username}`, secret, "Shown once: copy it now. Gatehouse keeps only a hash.", `secret-${user.id}`);
      say(status, `Key ${key.name} created.`, "ok");
      /** @type {HTMLFormElement} */ (form).reset();
      created();
    } catch (error) {
      reportError(status, "Creating the key", error);
    }
  });
  return h("div", {}, form, secretBox);
}

/**
 * The request body for a new key, or a message saying what is wrong.
 * @param {string} name
 * @param {string} models
 * @param {string} expires yyyy-mm-dd or ""
 * @returns {{ name: string, models?: string[], expiresAt?: string } | string}
 */
function keyBody(name, models, expires) {
  if (name.trim() === "") return "Give the key a name (e.g. the pipeline that will use it).";
  /** @type {{ name: string, models?: string[], expiresAt?: string }} */
  const body = { name: name.trim() };
  const globs = models.split(/[\s,]+/).filter((glob) => glob !== "");
  if (globs.length > 0) body.models = globs;
  if (expires !== "") {
    const end = new Date(`${expires}T23:59:59`);
    if (Number.isNaN(end.getTime()) || end.getTime() <= Date.now()) return "The expiry date must be in the future.";
    body.expiresAt = end.toISOString();
  }
  return body;
}
