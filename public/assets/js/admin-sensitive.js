// @ts-check
/**
 * #sensitive: sensitive data. Findings by category, user, model and day
 * (GET /admin/api/sensitive/findings: categories and keyed fingerprints,
 * never values), the policies (admin-sensitive-policy.js) and admin-defined patterns
 * (/admin/api/sensitive/patterns). Every value on screen is text, never markup.
 */
import { api } from "./api.js";
import { byId, formatNumber, h, say } from "./dom.js";
import { adminEvents, cell, fillBody, reportError } from "./admin-ui.js";
import { usernameOf } from "./admin-store.js";
import { initGuard } from "./admin-guard.js";
import { initSensitivePolicy } from "./admin-sensitive-policy.js";

const dayMs = 24 * 3600 * 1000;

export function initSensitive() {
  byId("sensitive-range").addEventListener("change", () => void loadFindings());
  byId("sensitive-pattern-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void addPattern();
  });
  adminEvents.addEventListener("users-changed", () => void loadFindings()); // usernames arrive after the first load
  void loadFindings();
  initSensitivePolicy();
  void loadPatterns();
  initGuard();
}

/** @typedef {{ day: string, category: string, userId: string|null, model: string|null, action: string, location: string, findings: number, requests: number }} Total */

async function loadFindings() {
  const status = byId("sensitive-message");
  const days = Number(/** @type {HTMLSelectElement} */ (byId("sensitive-range")).value) || 7;
  try {
    const to = Date.now() + 1;
    /** @type {{ totals: Total[] }} */
    const { totals } = await api("GET", `/admin/api/sensitive/findings?from=${to - days * dayMs}&to=${to}`);
    fillGrouped("sensitive-by-category", totals, (t) => t.category, (t) => t.action);
    fillGrouped("sensitive-by-user", totals, (t) => (t.userId ? (usernameOf(t.userId) ?? t.userId) : "—"));
    fillGrouped("sensitive-by-model", totals, (t) => t.model ?? "—");
    fillGrouped("sensitive-by-day", totals, (t) => t.day, (t) => t.category); // which categories, day by day
    say(status, "");
  } catch (error) {
    reportError(status, "Loading the findings", error);
  }
}

/**
 * One table: findings and requests summed by a key, most first.
 * @param {string} tableId
 * @param {Total[]} totals
 * @param {(t: Total) => string} keyOf
 * @param {(t: Total) => string} [noteOf] a second column (the actions seen)
 */
function fillGrouped(tableId, totals, keyOf, noteOf) {
  /** @type {Map<string, { findings: number, requests: number, notes: Set<string> }>} */
  const groups = new Map();
  for (const t of totals) {
    const key = keyOf(t);
    const group = groups.get(key) ?? { findings: 0, requests: 0, notes: new Set() };
    group.findings += Number(t.findings);
    group.requests += Number(t.requests);
    if (noteOf) group.notes.add(noteOf(t));
    groups.set(key, group);
  }
  const sorted = [...groups.entries()].sort((a, b) => (tableId.endsWith("day") ? b[0].localeCompare(a[0]) : b[1].findings - a[1].findings));
  const rows = sorted.map(([key, g]) =>
    h("tr", {}, cell(key, "wrap"), noteOf ? cell([...g.notes].sort().join(", ")) : null, cell(formatNumber(g.findings), "num"), cell(formatNumber(g.requests), "num")),
  );
  fillBody(/** @type {HTMLElement} */ (byId(tableId).querySelector("tbody")), rows, noteOf ? 4 : 3, "Nothing found in this range.");
}

async function loadPatterns() {
  const status = byId("sensitive-pattern-message");
  try {
    /** @type {{ patterns: { name: string, source: string, caseInsensitive: boolean }[] }} */
    const { patterns } = await api("GET", "/admin/api/sensitive/patterns");
    const rows = patterns.map((p) =>
      h("tr", {}, cell(`custom:${p.name}`), h("td", {}, h("code", {}, p.source)), cell(p.caseInsensitive ? "yes" : "no"),
        h("td", {}, h("button", { type: "button", class: "secondary", onclick: () => void removePattern(p.name) }, "Delete"))),
    );
    fillBody(/** @type {HTMLElement} */ (byId("sensitive-pattern-table").querySelector("tbody")), rows, 4, "No patterns of your own.");
  } catch (error) {
    reportError(status, "Loading the patterns", error);
  }
}

async function addPattern() {
  const status = byId("sensitive-pattern-message");
  const name = /** @type {HTMLInputElement} */ (byId("pattern-name")).value.trim();
  const source = /** @type {HTMLInputElement} */ (byId("pattern-source")).value;
  const caseInsensitive = /** @type {HTMLInputElement} */ (byId("pattern-case")).checked;
  try {
    await api("PUT", `/admin/api/sensitive/patterns/${encodeURIComponent(name)}`, { source, caseInsensitive });
    say(status, `Pattern custom:${name} saved.`, "success");
    await loadPatterns();
  } catch (error) {
    reportError(status, "Saving the pattern", error);
  }
}

/** @param {string} name */
async function removePattern(name) {
  try {
    await api("DELETE", `/admin/api/sensitive/patterns/${encodeURIComponent(name)}`);
    await loadPatterns();
  } catch (error) {
    reportError(byId("sensitive-pattern-message"), "Deleting the pattern", error);
  }
}
