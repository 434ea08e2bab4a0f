// @ts-check
/**
 * The limits section of /account: what the account may do and what it used
 * today, from GET /account/api/me.
 */
import { byId, formatNumber, formatTime, h, replace } from "./dom.js";

/**
 * @typedef {{ rpm: number | null, burst: number | null, concurrency: number | null,
 *   dailyTokens: number | null, monthlyTokens: number | null, models: string[] | null, monthlyBudgetUsd?: number | null }} Limits
 * @typedef {{ used: number, limit: number | null, resetsAt: number }} Window
 * @typedef {{ rate: { limit: number, remaining: number, reset: number } | null,
 *   inflight: number, concurrency: number | null, day: Window, month: Window }} Usage
 */

/** @param {number | null} value */
const limitText = (value) => (value === null ? "no limit" : formatNumber(value));

/** @param {Window | undefined} window */
function windowText(window) {
  if (!window) return "unknown";
  return window.limit === null ? `${formatNumber(window.used)} tokens` : `${formatNumber(window.used)} of ${formatNumber(window.limit)} tokens`;
}

/**
 * @param {string} term
 * @param {string | Node} value
 * @param {string} name a stable hook for tests and styles
 */
function fact(term, value, name) {
  return h("div", { "data-limit": name }, h("dt", {}, term), h("dd", {}, value));
}

/**
 * @param {{ limits: Limits, usage: Usage | null, boundaries?: string[] }} me
 */
export function showLimits(me) {
  const list = byId("limits");
  const { limits, usage } = me;
  replace(
    list,
    fact("Requests per minute", limitText(limits.rpm), "rpm"),
    fact("Burst", limitText(limits.burst), "burst"),
    fact("Requests at once", limitText(limits.concurrency), "concurrency"),
    fact("Tokens per day", limitText(limits.dailyTokens), "dailyTokens"),
    fact("Tokens per month", limitText(limits.monthlyTokens), "monthlyTokens"),
    fact("Models", limits.models === null ? "all models" : limits.models.join(", ") || "none", "models"),
    fact("Spending per month (US$)", limits.monthlyBudgetUsd === null || limits.monthlyBudgetUsd === undefined ? "no limit" : `$${limits.monthlyBudgetUsd}`, "monthlyBudgetUsd"),
    fact("Data boundaries", (me.boundaries ?? ["local"]).join(", "), "boundaries"),
    fact("Used today (UTC)", usage ? windowText(usage.day) : "unavailable", "today"),
    fact("Used this month", usage ? windowText(usage.month) : "unavailable", "month"),
    fact("In flight now", usage ? formatNumber(usage.inflight) : "unavailable", "inflight"),
    usage?.rate ? fact("Requests available now", `${formatNumber(usage.rate.remaining)} of ${formatNumber(usage.rate.limit)}`, "remaining") : null,
    usage ? fact("Daily tokens reset", formatTime(usage.day.resetsAt), "resets") : null,
  );
}

