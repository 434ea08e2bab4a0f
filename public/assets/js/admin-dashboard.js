// @ts-check
/**
 * #dashboard: how the box is used (GET /admin/api/stats): requests and
 * errors, prompt and completion tokens, average latency over the last 24 h,
 * 7 d or 30 d, with the top users and the models. Optionally narrowed to one
 * user or one model. Charts are uPlot (vendored), tables plain text.
 */
import { api } from "./api.js";
import { byId, formatNumber, h, replace, say } from "./dom.js";
import { lineChart, toSeconds } from "./charts.js";
import { adminEvents, cell, fillBody, formatDuration, reportError } from "./admin-ui.js";
import { allUsers } from "./admin-store.js";

/** @type {Record<string, { hours: number, bucket: "hour" | "day" }>} */
const ranges = {
  "24h": { hours: 24, bucket: "hour" },
  "7d": { hours: 7 * 24, bucket: "hour" },
  "30d": { hours: 30 * 24, bucket: "day" },
};

/**
 * @typedef {{ t: string, requests: number, errors: number, promptTokens: number, completionTokens: number, avgLatencyMs: number | null, costUsd?: number }} Point
 * @typedef {{ requests: number, errors: number, tokens: number, avgLatencyMs: number | null, costUsd?: number }} Totals
 * @typedef {{ from: string, to: string, bucket: string, series: Point[], byUser: (Totals & { userId: string, username: string | null })[], byModel: (Totals & { model: string | null })[] }} Stats
 */

const form = () => /** @type {HTMLFormElement} */ (byId("dashboard-filters"));
/** The numbers drawn last, to redraw at a new width. @type {Stats | null} */
let lastStats = null;

export function initDashboard() {
  form().addEventListener("submit", (event) => {
    event.preventDefault();
    void refreshDashboard();
  });
  // A new range or user redraws at once; the model field waits for Enter or "Show".
  form().addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.name === "model") return;
    void refreshDashboard();
  });
  adminEvents.addEventListener("users-changed", fillUserFilter);
  // uPlot draws at a fixed width: redraw the last numbers when the window changes size.
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let resizing;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = setTimeout(() => lastStats && draw(lastStats), 250);
  });
  void refreshDashboard();
}


function fillUserFilter() {
  const select = /** @type {HTMLSelectElement} */ (byId("dashboard-user"));
  const chosen = select.value;
  replace(select, h("option", { value: "" }, "Everyone"), ...allUsers().map((user) => h("option", { value: user.id, selected: user.id === chosen }, user.username)));
}

function statsQuery() {
  const data = new FormData(form());
  const range = ranges[String(data.get("range") ?? "24h")] ?? ranges["24h"];
  const to = Date.now();
  const query = new URLSearchParams({
    from: new Date(to - /** @type {{hours:number}} */ (range).hours * 3_600_000).toISOString(),
    to: new Date(to).toISOString(),
    bucket: /** @type {{bucket:string}} */ (range).bucket,
  });
  const user = String(data.get("user") ?? "");
  const model = String(data.get("model") ?? "").trim();
  if (user !== "") query.set("user", user);
  if (model !== "") query.set("model", model);
  return query;
}

export async function refreshDashboard() {
  const status = byId("dashboard-message");
  try {
    /** @type {Stats} */
    const stats = await api("GET", `/admin/api/stats?${statsQuery()}`);
    lastStats = stats;
    draw(stats);
    say(status, "");
  } catch (error) {
    reportError(status, "Loading the usage", error);
  }
}

/** @param {Stats} stats */
function draw(stats) {
  const times = toSeconds(stats.series.map((p) => p.t));
  const sum = (/** @type {(p: Point) => number} */ f) => stats.series.reduce((total, p) => total + f(p), 0);
  const requests = sum((p) => p.requests);
  replace(
    byId("dashboard-totals"),
    fact("Requests", formatNumber(requests), "total-requests"),
    fact("Errors", formatNumber(sum((p) => p.errors)), "total-errors"),
    fact("Prompt tokens", formatNumber(sum((p) => p.promptTokens)), "total-prompt-tokens"),
    fact("Completion tokens", formatNumber(sum((p) => p.completionTokens)), "total-completion-tokens"),
    fact("Cost", formatUsd(sum((p) => p.costUsd ?? 0)), "total-cost"),
  );
  lineChart(byId("chart-requests"), {
    title: "Requests and errors",
    times,
    series: [
      { label: "requests", values: stats.series.map((p) => p.requests) },
      { label: "errors", values: stats.series.map((p) => p.errors) },
    ],
  });
  lineChart(byId("chart-tokens"), {
    title: "Tokens",
    times,
    series: [
      { label: "prompt", values: stats.series.map((p) => p.promptTokens) },
      { label: "completion", values: stats.series.map((p) => p.completionTokens) },
    ],
  });
  lineChart(byId("chart-latency"), {
    title: "Average latency (ms)",
    times,
    series: [{ label: "avg latency ms", values: stats.series.map((p) => p.avgLatencyMs) }],
  });
  fillBody(tbodyOf("top-users"), stats.byUser.map((u) => totalsRow(u.username ?? "(deleted account)", u)), 6, "No requests in this range.");
  fillBody(tbodyOf("by-model"), stats.byModel.map((m) => totalsRow(m.model ?? "(none)", m)), 6, "No requests in this range.");
}

/** @param {string} id */
const tbodyOf = (id) => /** @type {HTMLElement} */ (byId(id).querySelector("tbody"));

/**
 * @param {string} name
 * @param {Totals} totals
 */
function totalsRow(name, totals) {
  return h(
    "tr",
    {},
    cell(name, "wrap"),
    cell(formatNumber(totals.requests), "num"),
    cell(formatNumber(totals.errors), "num"),
    cell(formatNumber(totals.tokens), "num"),
    cell(formatDuration(totals.avgLatencyMs), "num"),
    cell(formatUsd(totals.costUsd ?? 0), "num"),
  );
}

/**
 * US dollars at the backends' prices; cents, or finer below one cent so a cheap request is not shown as free.
 * @param {number} usd
 */
export function formatUsd(usd) {
  if (usd === 0) return "$0";
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/**
 * @param {string} term
 * @param {string} value
 * @param {string} id
 */
function fact(term, value, id) {
  return h("div", {}, h("dt", {}, term), h("dd", { id }, value));
}
