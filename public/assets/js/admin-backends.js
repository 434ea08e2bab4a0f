// @ts-check
/**
 * #backends: the backend catalog (GET|POST /admin/api/backends,
 * PATCH|DELETE /admin/api/backends/:id). One form adds a backend or, after
 * Edit, changes one. The credential field is a password input that is
 * never filled from the gateway (which never sends it): left empty it keeps
 * the stored one, and it is cleared after every submit. The built-in `local`
 * and file-declared backends are listed without actions; Remove asks first.
 */
import { api } from "./api.js";
import { byId, h, say } from "./dom.js";
import { cell, fillBody, reportError } from "./admin-ui.js";
import { askFirst } from "./ask-first.js";

/**
 * @typedef {{ id: string, name: string, kind: string, url: string, slots: number, priority: number, enabled: boolean,
 *   boundary: string, models: string[] | null, prices: { inputPerMTok: number, outputPerMTok: number } | null,
 *   hasCredential: boolean, source: string }} Backend
 */

/** The id being edited, or null while the form adds. */
let editing = /** @type {string | null} */ (null);

const form = () => /** @type {HTMLFormElement} */ (byId("backend-form"));
const status = () => byId("backends-message");

export function initBackends() {
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    void submit();
  });
  byId("backend-cancel").addEventListener("click", () => resetForm());
  void load();
}

async function load() {
  try {
    render((await api("GET", "/admin/api/backends")).backends);
  } catch (error) {
    reportError(status(), "Reading the backends", error);
  }
}

/** @param {Backend[]} backends */
function render(backends) {
  const rows = backends.map((b) =>
    h(
      "tr",
      { "data-backend": b.name },
      cell(h("strong", {}, b.name)),
      cell(b.kind),
      cell(h("code", {}, b.url), "url"),
      cell(b.boundary),
      cell(b.slots, "num"),
      cell(b.priority, "num"),
      cell(b.enabled ? "yes" : "no"),
      cell(b.hasCredential ? "stored" : "none"),
      cell(b.models === null ? "discovered" : b.models.join(", ")),
      cell(b.prices === null ? "—" : `${b.prices.inputPerMTok} / ${b.prices.outputPerMTok}`),
      h("td", { class: "actions" }, ...actions(b)),
    ),
  );
  fillBody(/** @type {HTMLElement} */ (byId("backends-table").querySelector("tbody")), rows, 11, "No backends.");
}

/** @param {Backend} b */
function actions(b) {
  if (b.source === "builtin") return [h("span", { class: "muted small" }, "built-in")];
  if (b.source === "file") return [h("span", { class: "muted small" }, "from file")];
  return [
    h("button", { type: "button", class: "secondary small", "aria-label": `Edit ${b.name}`, onclick: () => edit(b) }, "Edit"),
    h(
      "button",
      { type: "button", class: "secondary small", "aria-label": `${b.enabled ? "Disable" : "Enable"} ${b.name}`, onclick: () => change(b, { enabled: !b.enabled }, b.enabled ? "Disabled" : "Enabled") },
      b.enabled ? "Disable" : "Enable",
    ),
    askFirst(h("button", { type: "button", class: "danger small", "aria-label": `Remove ${b.name}` }, "Remove"), {
      question: `Remove ${b.name}?`,
      yes: "Yes, remove",
      act: () => removeBackend(b),
    }),
  ];
}

/** @param {HTMLInputElement | HTMLSelectElement} input @param {string} value */
const setValue = (input, value) => void (input.value = value);
/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (byId(id));

/** @param {Backend} b */
function edit(b) {
  editing = b.id;
  setValue(input("backend-name"), b.name);
  setValue(/** @type {HTMLSelectElement} */ (byId("backend-kind")), b.kind);
  setValue(input("backend-url"), b.url);
  setValue(/** @type {HTMLSelectElement} */ (byId("backend-boundary")), b.boundary);
  setValue(input("backend-slots"), String(b.slots));
  setValue(input("backend-priority"), String(b.priority));
  setValue(input("backend-models"), b.models === null ? "" : b.models.join(", "));
  setValue(input("backend-price-in"), b.prices === null ? "" : String(b.prices.inputPerMTok));
  setValue(input("backend-price-out"), b.prices === null ? "" : String(b.prices.outputPerMTok));
  input("backend-enabled").checked = b.enabled;
  input("backend-clear-credential").checked = false;
  input("backend-credential").value = "";
  byId("backend-submit").textContent = `Save ${b.name}`;
  byId("backend-cancel").hidden = false;
  input("backend-name").focus();
}

function resetForm() {
  editing = null;
  form().reset();
  input("backend-credential").value = "";
  byId("backend-submit").textContent = "Add backend";
  byId("backend-cancel").hidden = true;
}

/** The request body from the form; the gateway checks every value and names the field it refuses. */
function body() {
  const data = new FormData(form());
  const text = (/** @type {string} */ name) => String(data.get(name) ?? "").trim();
  const models = text("models").split(",").map((m) => m.trim()).filter(Boolean);
  const priceIn = text("priceIn");
  const priceOut = text("priceOut");
  /** @type {Record<string, unknown>} */
  const fields = {
    name: text("name"),
    kind: text("kind"),
    url: text("url"),
    boundary: text("boundary"),
    slots: Number(text("slots") || "1"),
    priority: Number(text("priority") || "0"),
    enabled: data.get("enabled") !== null,
    models: models.length === 0 ? null : models,
    prices: priceIn === "" && priceOut === "" ? null : { inputPerMTok: Number(priceIn || "NaN"), outputPerMTok: Number(priceOut || "NaN") },
  };
  const credential = String(data.get("credential") ?? "");
  if (credential !== "") fields.credential = credential;
  else if (editing !== null && data.get("clearCredential") !== null) fields.credential = null;
  return fields;
}

async function submit() {
  const fields = body();
  // Whatever happens next, the secret leaves the page now.
  input("backend-credential").value = "";
  try {
    if (editing === null) {
      const { backend } = await api("POST", "/admin/api/backends", fields);
      say(status(), `Added ${backend.name}.`, "ok");
    } else {
      const { backend } = await api("PATCH", `/admin/api/backends/${encodeURIComponent(editing)}`, fields);
      say(status(), `Saved ${backend.name}.`, "ok");
    }
    resetForm();
  } catch (error) {
    reportError(status(), editing === null ? "Adding the backend" : "Saving the backend", error);
  }
  await load();
}

/** @param {Backend} b @param {Record<string, unknown>} fields @param {string} done */
async function change(b, fields, done) {
  try {
    await api("PATCH", `/admin/api/backends/${encodeURIComponent(b.id)}`, fields);
    say(status(), `${done} ${b.name}.`, "ok");
  } catch (error) {
    reportError(status(), `Changing ${b.name}`, error);
  }
  await load();
}

/** @param {Backend} b */
async function removeBackend(b) {
  try {
    await api("DELETE", `/admin/api/backends/${encodeURIComponent(b.id)}`);
    if (editing === b.id) resetForm();
    say(status(), `Removed ${b.name}.`, "ok");
  } catch (error) {
    reportError(status(), `Removing ${b.name}`, error);
  }
  await load();
}
