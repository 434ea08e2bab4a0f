// @ts-check
/**
 * The keys section of /account: create a key (the secret shown once, with a
 * copy button), list them, revoke one after a confirm step. Key names and
 * model globs are user-written: they reach the page as text only (dom.js).
 */
import { api, redirectIfSignedOut } from "./api.js";
import { byId, formatTime, h, replace, say } from "./dom.js";
import { messageFor } from "./account-messages.js";
import { askFirst } from "./ask-first.js";

/**
 * @typedef {object} KeyView
 * @property {string} id
 * @property {string} name
 * @property {string} prefix
 * @property {number} createdAt
 * @property {number | null} lastUsedAt
 * @property {number | null} expiresAt
 * @property {number | null} revokedAt
 * @property {boolean} active
 * @property {{ models?: string[] } | null} scope
 */

const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));

/**
 * "llama3*, qwen2.5:7b" → ["llama3*", "qwen2.5:7b"]; empty → undefined (the owner's models).
 * @param {string} text
 */
export function parseModels(text) {
  const models = text.split(",").map((part) => part.trim()).filter((part) => part.length > 0);
  return models.length > 0 ? models : undefined;
}

/**
 * A date input's "YYYY-MM-DD" → the end of that day in the browser's time zone, in ms.
 * @param {string} value
 */
export function endOfDay(value) {
  if (!value) return undefined;
  const [year, month, day] = value.split("-").map(Number);
  return new Date(year ?? 0, (month ?? 1) - 1, day ?? 1, 23, 59, 59, 999).getTime();
}

/** @param {KeyView} key */
function stateBadge(key) {
  if (key.revokedAt !== null) return h("span", { class: "badge bad" }, "revoked");
  if (!key.active) return h("span", { class: "badge bad" }, "expired");
  return h("span", { class: "badge ok" }, "active");
}

/**
 * Revoking asks first, in the row itself (ask-first.js): focus moves to the
 * confirm button, Cancel (or Escape) puts the Revoke button back.
 * @param {KeyView} key
 * @param {() => Promise<void>} reload
 */
function revokeButton(key, reload) {
  const button = h("button", { type: "button", class: "danger secondary small", "data-action": "revoke", "aria-label": `Revoke key ${key.name}` }, "Revoke");
  return askFirst(button, {
    question: `Revoke ${key.name}?`,
    yes: "Yes, revoke",
    action: "confirm-revoke",
    act: async () => {
      try {
        await api("DELETE", `/account/api/keys/${encodeURIComponent(key.id)}`);
        say(byId("keys-status"), `Key “${key.name}” revoked. Programs using it are refused from now on.`, "ok");
        await reload();
      } catch (error) {
        if (redirectIfSignedOut(error)) return;
        say(byId("keys-status"), messageFor(error), "error");
      }
    },
  });
}

/**
 * @param {KeyView} key
 * @param {() => Promise<void>} reload
 */
function keyRow(key, reload) {
  const actionCell = h("td");
  if (key.revokedAt === null) actionCell.append(revokeButton(key, reload));
  const models = key.scope?.models;
  return h(
    "tr",
    { "data-key-id": key.id },
    h("td", { class: "wrap" }, key.name),
    h("td", {}, h("code", {}, key.prefix)),
    h("td", { class: "wrap" }, models ? models.join(", ") : h("span", { class: "muted" }, "all yours")),
    h("td", {}, formatTime(key.createdAt)),
    h("td", {}, key.expiresAt === null ? h("span", { class: "muted" }, "never") : formatTime(key.expiresAt)),
    h("td", {}, key.lastUsedAt === null ? h("span", { class: "muted" }, "never") : formatTime(key.lastUsedAt)),
    h("td", {}, stateBadge(key)),
    actionCell,
  );
}

async function loadKeys() {
  const body = byId("keys").querySelector("tbody");
  if (!body) return;
  try {
    const { keys } = /** @type {{ keys: KeyView[] }} */ (await api("GET", "/account/api/keys"));
    if (keys.length === 0) {
      replace(body, h("tr", { class: "empty-row" }, h("td", { colspan: 8 }, "No keys yet.")));
      return;
    }
    replace(body, ...keys.map((key) => keyRow(key, loadKeys)));
  } catch (error) {
    if (redirectIfSignedOut(error)) return;
    say(byId("keys-status"), messageFor(error), "error");
  }
}

/**
 * Copies the secret. navigator.clipboard needs a secure context (https or
 * localhost); on a plain-http LAN address it is missing, so the text is
 * selected instead for Ctrl+C.
 */
async function copySecret() {
  const code = byId("key-secret");
  const status = byId("key-copy-status");
  const secret = code.textContent ?? "";
  try {
    if (!navigator.clipboard) throw new Error("no clipboard API here");
    await navigator.clipboard.writeText(secret);
    say(status, "Copied to the clipboard.", "ok");
  } catch {
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection?.removeAllRanges();
    selection?.addRange(range);
    code.focus();
    say(status, "Selected: press Ctrl+C (⌘C on a Mac) to copy.", "info");
  }
}

function hideSecret() {
  byId("key-secret").textContent = "";
  byId("key-copy-status").textContent = "";
  byId("key-new").hidden = true;
}

/** @param {SubmitEvent} event */
async function createKey(event) {
  event.preventDefault();
  const status = byId("key-status");
  const name = input("key-name").value.trim();
  input("key-name").setAttribute("aria-invalid", String(!name));
  if (!name) {
    say(status, "Give the key a name, so you can tell your keys apart.", "error");
    input("key-name").focus();
    return;
  }
  /** @type {{ name: string, models?: string[], expiresAt?: number }} */
  const request = { name };
  const models = parseModels(input("key-models").value);
  if (models) request.models = models;
  const expiresAt = endOfDay(input("key-expires").value);
  if (expiresAt !== undefined) request.expiresAt = expiresAt;
  say(status, "Creating the key…");
  try {
    const { key, secret } = await api("POST", "/account/api/keys", request);
    /** @type {HTMLFormElement} */ (byId("key-create")).reset();
    say(status, `Key “${key.name}” created.`, "ok");
    byId("key-secret").textContent = secret;
    byId("key-copy-status").textContent = "";
    byId("key-new").hidden = false;
    byId("key-secret").focus();
    await loadKeys();
  } catch (error) {
    if (redirectIfSignedOut(error)) return;
    say(status, messageFor(error), "error");
  }
}

export function setUpKeys() {
  // The date picker offers no day that has already ended (the server refuses a past expiry too).
  const today = new Date();
  input("key-expires").min = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, "0")}-${String(today.getDate()).padStart(2, "0")}`;
  byId("key-create").addEventListener("submit", (event) => void createKey(/** @type {SubmitEvent} */ (event)));
  byId("key-copy").addEventListener("click", () => void copySecret());
  byId("key-dismiss").addEventListener("click", hideSecret);
  return loadKeys();
}
