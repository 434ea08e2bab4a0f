// @ts-check
/**
 * The shadow guard model in #sensitive: its settings (off while no model is
 * named), the verdicts that disagree with the regex detectors, labelled here
 * with one click, and the labelled set's export (JSONL in Llama Guard's
 * fine-tuning format). Text on screen is text, never markup.
 */
import { api } from "./api.js";
import { byId, formatTime, h, say } from "./dom.js";
import { cell, fillBody, reportError } from "./admin-ui.js";
import { usernameOf } from "./admin-store.js";
import { askReasonOnClick } from "./read-reason.js";

export function initGuard() {
  byId("guard-settings-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void saveSettings();
  });
  byId("guard-refresh").addEventListener("click", () => void loadVerdicts());
  byId("guard-only-disagreements").addEventListener("change", () => void loadVerdicts());
  askReasonOnClick(byId("guard-export"), "the labelled prompts and answers");
  void loadSettings();
  void loadVerdicts();
}

async function loadSettings() {
  try {
    /** @type {{ guard: { model: string|null, timeoutMs: number } }} */
    const { guard } = await api("GET", "/admin/api/sensitive/guard/settings");
    /** @type {HTMLInputElement} */ (byId("guard-model")).value = guard.model ?? "";
    /** @type {HTMLInputElement} */ (byId("guard-timeout")).value = String(guard.timeoutMs / 1000);
  } catch (error) {
    reportError(byId("guard-message"), "Loading the guard settings", error);
  }
}

async function saveSettings() {
  const model = /** @type {HTMLInputElement} */ (byId("guard-model")).value.trim();
  const seconds = Number(/** @type {HTMLInputElement} */ (byId("guard-timeout")).value) || 10;
  try {
    await api("PUT", "/admin/api/sensitive/guard/settings", { model: model || null, timeoutMs: Math.round(seconds * 1000) });
    say(byId("guard-message"), model ? `Guard model ${model} on.` : "Guard model off.", "success");
  } catch (error) {
    reportError(byId("guard-message"), "Saving the guard settings", error);
  }
}

async function loadVerdicts() {
  try {
    /** @type {{ verdicts: { requestId: string, at: number, userId: string|null, model: string, verdict: string, categories: string|null, regexFlagged: boolean, disagreement: boolean, label: string|null }[] }} */
    // Every verdict, or only those where the guard and the detectors disagree (the ones worth labelling).
    const only = /** @type {HTMLInputElement} */ (byId("guard-only-disagreements")).checked;
    const { verdicts } = await api("GET", `/admin/api/sensitive/guard/verdicts${only ? "?disagreements=1" : ""}`);
    byId("guard-caption").textContent = only ? "Disagreements" : "Guard verdicts";
    const rows = verdicts.map((v) =>
      h("tr", { "data-request-id": v.requestId, class: v.disagreement ? "disagreement" : undefined },
        cell(formatTime(new Date(v.at).toISOString())), cell(v.userId ? (usernameOf(v.userId) ?? v.userId) : "—"), cell(v.requestId, "wrap"),
        cell(`${v.verdict}${v.categories ? ` (${v.categories})` : ""}`), cell(`${v.regexFlagged ? "flagged" : "nothing"}${v.disagreement ? " — disagree" : ""}`), cell(v.label ?? "—"),
        h("td", {},
          h("button", { type: "button", class: "secondary small", onclick: () => void label(v.requestId, "safe") }, "Safe"),
          " ",
          h("button", { type: "button", class: "secondary small", onclick: () => void label(v.requestId, "unsafe") }, "Unsafe"))),
    );
    fillBody(/** @type {HTMLElement} */ (byId("guard-table").querySelector("tbody")), rows, 7, only ? "No disagreements to label." : "No verdicts yet.");
  } catch (error) {
    reportError(byId("guard-message"), "Loading the verdicts", error);
  }
}

/**
 * @param {string} requestId
 * @param {"safe" | "unsafe"} value
 */
async function label(requestId, value) {
  try {
    await api("PUT", `/admin/api/sensitive/guard/verdicts/${encodeURIComponent(requestId)}/label`, { label: value });
    say(byId("guard-message"), `Labelled ${value}.`, "success");
    await loadVerdicts();
  } catch (error) {
    reportError(byId("guard-message"), "Labelling", error);
  }
}
