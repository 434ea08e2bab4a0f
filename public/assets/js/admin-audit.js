// @ts-check
/**
 * #audit: search the audit trail (user, model, outcome, time range), newest
 * first, page by page ("More" follows the cursor). A row expands to the full
 * record with the prompt and response text, fetched on demand and shown as
 * text in <pre>: a hostile prompt stays characters on the screen.
 */
import { api } from "./api.js";
import { byId, formatNumber, formatTime, h, replace, say } from "./dom.js";
import { adminEvents, badge, cell, formatDuration, reportError } from "./admin-ui.js";
import { allUsers } from "./admin-store.js";
import { askReasonOnClick, readingReason } from "./read-reason.js";

const columns = 8;
/** @type {{ query: URLSearchParams, next: number | null }} */
const state = { query: new URLSearchParams(), next: null };

const form = () => /** @type {HTMLFormElement} */ (byId("audit-filters"));
const tbody = () => /** @type {HTMLElement} */ (byId("audit-table").querySelector("tbody"));
const message = () => byId("audit-message");

export function initAudit() {
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    void search();
  });
  form().addEventListener("change", updateExportLink);
  byId("audit-more").addEventListener("click", () => void loadPage(false));
  byId("audit-verify").addEventListener("click", () => void verifyChain());
  adminEvents.addEventListener("users-changed", fillUserFilter);
  updateExportLink();
  askReasonOnClick(byId("export-all"), "the audit trail (CSV)");
  void search();
}

/** The filter's user list follows the accounts (the audit also keeps rows of deleted ones: pick "Anyone" for those). */
function fillUserFilter() {
  const select = /** @type {HTMLSelectElement} */ (byId("audit-user"));
  const chosen = select.value;
  replace(select, h("option", { value: "" }, "Anyone"), ...allUsers().map((user) => h("option", { value: user.id, selected: user.id === chosen }, user.username)));
}

/** datetime-local value (local time) → ms since the epoch, or null. @param {string} value */
function instant(value) {
  if (value === "") return null;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? null : ms;
}

function readFilters() {
  const data = new FormData(form());
  const query = new URLSearchParams();
  for (const name of ["user", "model", "outcome"]) {
    const value = String(data.get(name) ?? "").trim();
    if (value !== "") query.set(name, value);
  }
  for (const name of ["from", "to"]) {
    const ms = instant(String(data.get(name) ?? ""));
    if (ms !== null) query.set(name, String(ms));
  }
  return query;
}


/** The all-users export follows the chosen time range (user/model/outcome do not narrow an export). */
function updateExportLink() {
  const filters = readFilters();
  const range = new URLSearchParams();
  for (const name of ["from", "to"]) {
    const value = filters.get(name);
    if (value !== null) range.set(name, value);
  }
  const suffix = range.toString();
  byId("export-all").setAttribute("href", `/admin/api/audit.csv${suffix ? `?${suffix}` : ""}`);
}

export async function search() {
  state.query = readFilters();
  const from = state.query.get("from");
  const to = state.query.get("to");
  if (from !== null && to !== null && Number(from) >= Number(to)) {
    return say(message(), "From must be before To.", "error");
  }
  await loadPage(true);
}

/** @param {boolean} fresh */
async function loadPage(fresh) {
  const query = new URLSearchParams(state.query);
  query.set("limit", "50");
  if (!fresh && state.next !== null) query.set("cursor", String(state.next));
  try {
    const { events, next } = await api("GET", `/admin/api/audit?${query}`);
    const rows = /** @type {any[]} */ (events).map(eventRow);
    if (fresh) replace(tbody(), ...rows);
    else tbody().append(...rows);
    if (fresh && rows.length === 0) replace(tbody(), h("tr", { class: "empty-row" }, h("td", { colspan: columns }, "No records match.")));
    state.next = next;
    byId("audit-more").hidden = next === null;
    say(message(), "");
  } catch (error) {
    reportError(message(), "Searching the audit trail", error);
  }
}

/** @param {any} event one record from GET /admin/api/audit */
function eventRow(event) {
  const detailsId = `audit-detail-${event.id}`;
  const toggle = h("button", { type: "button", class: "small secondary audit-expand", "aria-expanded": "false", "aria-controls": detailsId }, "Show");
  toggle.setAttribute("aria-label", `Show the record of ${formatTime(event.startedAt)}`);
  const row = h(
    "tr",
    { class: "audit-row", "data-event-id": event.id },
    cell(formatTime(event.startedAt), "small"),
    cell(event.username ?? (event.userId ? "(deleted account)" : "(unknown)"), "wrap"),
    cell(`${event.method} ${event.endpoint}`, "small"),
    cell(event.model, "wrap"),
    h("td", {}, badge(event.outcome), " ", h("span", { class: "small muted" }, event.status === null ? "" : String(event.status))),
    cell(`${formatNumber(event.promptTokens)} / ${formatNumber(event.completionTokens)}`, "num"),
    cell(formatDuration(event.latencyMs), "num"),
    h("td", {}, toggle),
  );
  toggle.addEventListener("click", () => void toggleDetails(row, toggle, event.id, detailsId));
  return row;
}

/**
 * @param {HTMLElement} row
 * @param {HTMLElement} toggle
 * @param {string} id
 * @param {string} detailsId
 */
async function toggleDetails(row, toggle, id, detailsId) {
  const open = document.getElementById(detailsId);
  if (open) {
    open.remove();
    toggle.setAttribute("aria-expanded", "false");
    toggle.textContent = "Show";
    return;
  }
  const content = h("div", { class: "audit-detail" }, h("p", { class: "muted small" }, "Loading…"));
  row.after(h("tr", { id: detailsId, class: "audit-detail-row" }, h("td", { colspan: columns }, content)));
  toggle.setAttribute("aria-expanded", "true");
  toggle.textContent = "Hide";
  // The gateway refuses a read without a reason: ask (the field, else a prompt) before reading.
  const reason = readingReason("this record's prompt and answer");
  if (reason === null) {
    const status = h("p", { class: "status", role: "alert" });
    replace(content, status);
    say(status, "Not read: a reason is needed to read a record's prompt and answer (fill in \"Reason for reading\", or answer the question).", "error");
    return;
  }
  try {
    const { event } = await api("GET", `/admin/api/audit/${encodeURIComponent(id)}?reason=${encodeURIComponent(reason)}`);
    replace(content, ...detailView(event));
  } catch (error) {
    const status = h("p", { class: "status", role: "alert" });
    replace(content, status);
    reportError(status, "Loading the record", error);
  }
}

/** @param {any} event GET /admin/api/audit/:id */
function detailView(event) {
  /** @type {[string, string][]} */
  const facts = [
    ["Request id", event.id],
    ["Client address", event.clientAddress ?? "—"],
    ["Key", event.keyId ?? "password / session"],
    ["Stream", event.stream ? "yes" : "no"],
    ["Error code", event.code ?? "—"],
    ["Time to first byte", formatDuration(event.ttfbMs)],
    ["Bytes out", formatNumber(event.bytesOut)],
    ["Capture mode", event.captureMode ?? "—"],
    ["Sealed in the chain", event.sealed ? "yes" : "not yet"],
  ];
  return [
    h("dl", { class: "facts" }, ...facts.map(([term, value]) => h("div", {}, h("dt", {}, term), h("dd", {}, value)))),
    textBlock("Prompt", "audit-prompt", event.promptText, event.prompt),
    textBlock("Response", "audit-response", event.responseText, event.response),
  ];
}

/**
 * The prompt or response exactly as recorded, not re-formatted: what the
 * admin reads must be byte for byte what was sent.
 * @param {string} title
 * @param {string} className
 * @param {string | null} text
 * @param {{ sha256: string, bytes: number } | null} digest
 */
function textBlock(title, className, text, digest) {
  const body =
    text !== null && text !== undefined
      ? h("pre", { class: `audit-text ${className}` }, text)
      : h("p", { class: "small muted" }, digest ? `Not stored (capture mode): SHA-256 ${digest.sha256}, ${formatNumber(digest.bytes)} bytes.` : "None recorded.");
  return h("div", { class: "audit-block" }, h("h3", {}, title), body);
}


/**
 * Walks the whole hash chain on the server (GET /admin/api/audit/verify):
 * every record still there, unchanged, in order. Can take a while on a big trail.
 */
async function verifyChain() {
  const button = byId("audit-verify");
  const result = byId("audit-verify-result");
  button.setAttribute("disabled", "");
  say(result, "Verifying the audit chain…");
  try {
    /** @type {{ ok: boolean, checked: number, firstBad: { seq: number, kind: string | null, id: string | null, reason: string } | null, broken?: { reason: string, detectedAt: number } | null }} */
    const report = await api("GET", "/admin/api/audit/verify");
    if (report.ok) {
      say(result, `The audit chain is intact: ${formatNumber(report.checked)} records checked.`, "ok");
    } else {
      const bad = report.firstBad;
      const where = bad ? ` First problem at record #${bad.seq}${bad.id ? ` (${bad.id})` : ""}: ${bad.reason.replaceAll("_", " ")}.` : "";
      // The ledger's own finding: the database was rolled back or rewritten behind its back (never clears).
      const broken = report.broken
        ? ` The database no longer holds what the audit ledger wrote (${report.broken.reason.replaceAll("_", " ")}, noticed ${new Date(report.broken.detectedAt).toISOString()}).`
        : "";
      say(result, `The audit chain does NOT verify after ${formatNumber(report.checked)} records.${where}${broken}`, "error");
    }
  } catch (error) {
    reportError(result, "Verifying the chain", error);
  } finally {
    button.removeAttribute("disabled");
  }
}
