// @ts-check
/**
 * The audit section of /account: one's own requests, newest first, from
 * GET /account/api/audit (pages of 25, "Show older" follows the cursor).
 * Endpoints and model names came from clients: text only. The CSV link is a
 * plain download (a#export-audit), so large exports stream to disk.
 */
import { api, redirectIfSignedOut } from "./api.js";
import { append, byId, formatNumber, formatTime, h, replace, say } from "./dom.js";
import { messageFor } from "./account-messages.js";

/**
 * @typedef {object} AuditEvent
 * @property {string} id
 * @property {string} kind
 * @property {number} startedAt
 * @property {string | null} method
 * @property {string | null} endpoint
 * @property {string | null} model
 * @property {number | null} status
 * @property {string | null} outcome
 * @property {string | null} code
 * @property {number | null} latencyMs
 * @property {number | null} promptTokens
 * @property {number | null} completionTokens
 * @property {string | null} clientAddress
 * @property {{ sha256: string, bytes: number } | null} prompt
 * @property {{ sha256: string, bytes: number } | null} response
 */

const pageSize = 25;
/** The cursor for the next (older) page; null when there is none. */
let nextCursor = /** @type {number | null} */ (null);

/** @param {AuditEvent} event */
function recordedText(event) {
  const parts = [];
  if (event.prompt) parts.push(`prompt ${formatNumber(event.prompt.bytes)} B`);
  if (event.response) parts.push(`answer ${formatNumber(event.response.bytes)} B`);
  return parts.length > 0 ? parts.join(", ") : "—";
}

/** @param {AuditEvent} event */
function outcomeBadge(event) {
  if (event.outcome === null) return h("span", { class: "badge" }, event.code ?? "in progress");
  return h("span", { class: event.outcome === "ok" ? "badge ok" : "badge bad" }, event.outcome);
}

/** @param {AuditEvent} event */
function eventRow(event) {
  return h(
    "tr",
    { "data-event-id": event.id },
    h("td", {}, formatTime(event.startedAt)),
    h("td", { class: "wrap" }, h("code", {}, `${event.method ?? ""} ${event.endpoint ?? ""}`.trim() || event.kind)),
    h("td", {}, event.model ?? "—"),
    h("td", {}, event.status === null ? "—" : String(event.status)),
    h("td", {}, outcomeBadge(event)),
    h("td", { class: "num" }, formatNumber(event.promptTokens)),
    h("td", { class: "num" }, formatNumber(event.completionTokens)),
    h("td", { class: "num" }, event.latencyMs === null ? "—" : `${formatNumber(event.latencyMs)} ms`),
    h("td", {}, recordedText(event)),
    h("td", {}, event.clientAddress ?? "—"),
  );
}

/** @param {boolean} older true to append the next page, false to start again from the newest */
async function loadPage(older) {
  const body = byId("my-audit").querySelector("tbody");
  const status = byId("audit-status");
  if (!body) return;
  const query = new URLSearchParams({ limit: String(pageSize) });
  if (older && nextCursor !== null) query.set("cursor", String(nextCursor));
  try {
    const { events, next } = /** @type {{ events: AuditEvent[], next: number | null }} */ (await api("GET", `/account/api/audit?${query}`));
    nextCursor = next;
    byId("audit-more").hidden = next === null;
    const rows = events.map(eventRow);
    if (older) append(body, ...rows);
    else if (rows.length > 0) replace(body, ...rows);
    else replace(body, h("tr", { class: "empty-row" }, h("td", { colspan: 10 }, "No requests yet.")));
    say(status, "");
  } catch (error) {
    if (redirectIfSignedOut(error)) return;
    say(status, `The audit trail could not be loaded: ${messageFor(error)}`, "error");
  }
}

export function setUpAudit() {
  byId("audit-more").addEventListener("click", () => void loadPage(true));
  byId("audit-refresh").addEventListener("click", () => void loadPage(false));
  return loadPage(false);
}
