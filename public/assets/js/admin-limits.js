// @ts-check
/**
 * The inline limits editor of one user (form.limits-editor in #users):
 * requests per minute, burst, concurrent requests, tokens per day and month,
 * allowed model globs, the monthly spending limit (US$, priced backends) and
 * the data boundaries the user may cross (`local` always). Empty means "no limit". Checked here first with the
 * same rules as the API (src/governance/limits.ts), so a typo is caught at
 * the field; whatever the API still refuses is shown with its own message.
 */
import { api } from "./api.js";
import { h, say } from "./dom.js";
import { reportError } from "./admin-ui.js";

/** @typedef {import("./admin-store.js").AdminUser} AdminUser */
/** @typedef {import("./admin-store.js").Limits} Limits */

const countFields = /** @type {const} */ ([
  ["rpm", "Requests per minute"],
  ["burst", "Burst (requests at once above the rate)"],
  ["concurrency", "Concurrent requests"],
  ["dailyTokens", "Tokens per day"],
  ["monthlyTokens", "Tokens per month"],
]);

const maxCount = 1_000_000_000_000;
const modelGlob = /^[A-Za-z0-9._\-/:*?]+$/;

/**
 * Reads and checks the editor's values. Pure apart from reading the inputs'
 * strings, so the rules are easy to follow.
 * @param {Record<string, string>} values
 * @returns {{ limits: Limits, errors: Record<string, string> }}
 */
export function parseLimits(values) {
  /** @type {Record<string, string>} */
  const errors = {};
  /** @type {any} */
  const limits = {};
  for (const [name, label] of countFields) {
    const text = (values[name] ?? "").trim().replace(/[ _,]/g, "");
    if (text === "") {
      limits[name] = null;
    } else if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > maxCount) {
      errors[name] = `${label}: a whole number from 1 to ${maxCount.toLocaleString()}, or empty for no limit.`;
    } else {
      limits[name] = Number(text);
    }
  }
  const globs = (values.models ?? "").split(/[\s,]+/).filter((glob) => glob !== "");
  const bad = globs.find((glob) => glob.length > 200 || !modelGlob.test(glob));
  if (bad !== undefined) {
    errors.models = `Allowed models: "${bad}" is not a model pattern (letters, digits and . _ - / : * ? only).`;
  } else if (globs.length > 200) {
    errors.models = "Allowed models: at most 200 patterns.";
  }
  limits.models = globs.length === 0 ? null : globs;
  const budget = (values.monthlyBudgetUsd ?? "").trim().replace(/^\$/, "");
  if (budget === "") limits.monthlyBudgetUsd = null;
  else if (!/^\d+(\.\d{1,6})?$/.test(budget) || Number(budget) > 1_000_000_000) errors.monthlyBudgetUsd = "Monthly spending limit: US dollars, e.g. 25 or 12.50, or empty for no limit.";
  else limits.monthlyBudgetUsd = Number(budget);
  return { limits, errors };
}

/**
 * Builds the editor for one user.
 * @param {AdminUser} user
 * @param {{ saved: (text: string) => void, cancel: () => void }} callbacks
 * @returns {HTMLFormElement}
 */
export function limitsEditor(user, callbacks) {
  const prefix = `limits-${user.id}`;
  const alert = h("p", { class: "status", role: "alert" });
  /** @type {Record<string, HTMLInputElement>} */
  const inputs = {};
  const named = [...countFields.map(([name, label]) => [name, label]), ["models", "Allowed models (patterns, comma-separated)"], ["monthlyBudgetUsd", "Monthly spending limit (US$)"]];
  const fields = named.map(([name, label]) => {
    const value = name === "models" ? (user.limits.models ?? []).join(", ") : user.limits[/** @type {keyof Limits} */ (name)];
    const input = /** @type {HTMLInputElement} */ (
      h("input", {
        id: `${prefix}-${name}`,
        name,
        type: "text",
        inputmode: name === "models" ? undefined : name === "monthlyBudgetUsd" ? "decimal" : "numeric",
        autocomplete: "off",
        value: value === null || value === undefined ? "" : String(value),
        placeholder: name === "models" ? "every model" : "no limit",
        "aria-describedby": `${prefix}-${name}-error`,
      })
    );
    inputs[/** @type {string} */ (name)] = input;
    return h("div", { class: "field" }, h("label", { for: input.id }, label), input, h("span", { id: `${prefix}-${name}-error`, class: "hint field-error" }));
  });
  const boundaries = boundaryChoices(user, prefix);
  const save = h("button", { type: "submit" }, "Save limits");
  const defaults = h("button", { type: "button", class: "secondary" }, "Back to defaults");
  const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
  const form = /** @type {HTMLFormElement} */ (
    h(
      "form",
      { class: "limits-editor", novalidate: true, "aria-label": `Limits of ${user.username}` },
      h("p", { class: "small muted" }, `Limits of ${user.username}${user.customLimits ? "" : " (now the defaults)"}. Leave a field empty for no limit.`),
      h("div", { class: "fields-row" }, ...fields),
      boundaries.fieldset,
      h("div", { class: "actions" }, save, defaults, cancel),
      alert,
    )
  );
  cancel.addEventListener("click", callbacks.cancel);
  defaults.addEventListener("click", () => void send(user, null, alert, callbacks.saved, [save, defaults]));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    /** @type {Record<string, string>} */
    const values = {};
    for (const [name, input] of Object.entries(inputs)) values[name] = input.value;
    const { limits, errors } = parseLimits(values);
    showFieldErrors(inputs, errors, prefix);
    const messages = Object.values(errors);
    if (messages.length > 0) {
      say(alert, `Not saved. ${messages.join(" ")}`, "error");
      inputs[Object.keys(errors)[0] ?? "rpm"]?.focus();
      return;
    }
    void send(user, limits, alert, callbacks.saved, [save, defaults], boundaries.chosen());
  });
  return form;
}

/**
 * The data boundaries as checkboxes: `local` always (shown, not changeable),
 * `lan` and `cloud` granted here. Sent with the limits as `boundaries`.
 * @param {AdminUser} user
 * @param {string} prefix
 */
function boundaryChoices(user, prefix) {
  const granted = user.boundaries ?? ["local"];
  const box = (/** @type {string} */ name, /** @type {string} */ label) => {
    const input = /** @type {HTMLInputElement} */ (h("input", { id: `${prefix}-boundary-${name}`, type: "checkbox", name: "boundary", value: name, checked: granted.includes(name), disabled: name === "local" }));
    return { input, label: h("label", { for: input.id }, input, ` ${label}`) };
  };
  const choices = [box("local", "local (this box; always)"), box("lan", "lan (other boxes of ours)"), box("cloud", "cloud (prompts leave the organisation)")];
  return {
    fieldset: h("fieldset", { class: "boundaries" }, h("legend", {}, "Data boundaries this user may cross"), ...choices.map((choice) => choice.label)),
    chosen: () => choices.filter((choice) => choice.input.checked).map((choice) => choice.input.value),
  };
}

/**
 * @param {Record<string, HTMLInputElement>} inputs
 * @param {Record<string, string>} errors
 * @param {string} prefix
 */
function showFieldErrors(inputs, errors, prefix) {
  for (const [name, input] of Object.entries(inputs)) {
    const text = errors[name];
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    const slot = document.getElementById(`${prefix}-${name}-error`);
    if (slot) slot.textContent = text ?? "";
  }
}

/**
 * @param {AdminUser} user
 * @param {Limits | null} limits null puts the user back on the defaults
 * @param {HTMLElement} alert
 * @param {(text: string) => void} saved
 * @param {HTMLElement[]} buttons
 * @param {string[]} [boundaries] the data boundaries to grant (with the limits; not with "Back to defaults")
 */
async function send(user, limits, alert, saved, buttons, boundaries) {
  for (const button of buttons) button.setAttribute("disabled", "");
  try {
    await api("PATCH", `/admin/api/users/${encodeURIComponent(user.id)}`, boundaries === undefined ? { limits } : { limits, boundaries });
    saved(limits === null ? `${user.username} is back on the default limits.` : `Limits of ${user.username} saved; they apply from the next request.`);
  } catch (error) {
    for (const button of buttons) button.removeAttribute("disabled");
    reportError(alert, "Saving the limits", error);
  }
}
