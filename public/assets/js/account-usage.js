// @ts-check
/**
 * The usage section of /account: requests and tokens per day over the last
 * 30 days (GET /account/api/usage?days=30), as two charts (their scales
 * differ by orders of magnitude, so one axis would flatten requests).
 */
import { api, redirectIfSignedOut } from "./api.js";
import { lineChart } from "./charts.js";
import { byId, formatNumber, h, replace, say } from "./dom.js";
import { messageFor } from "./account-messages.js";

/** @typedef {{ date: string, requests: number, tokens: number }} UsageDay */

/**
 * "YYYY-MM-DD" (a UTC day) → seconds since the epoch at its start.
 * @param {string} date
 */
export function daySeconds(date) {
  return Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);
}

/** @param {UsageDay[]} days */
function drawCharts(days) {
  const holder = byId("usage-chart");
  const requestsBox = h("div", { class: "chart", "data-chart": "requests" });
  const tokensBox = h("div", { class: "chart", "data-chart": "tokens" });
  replace(holder, requestsBox, tokensBox);
  const times = days.map((day) => daySeconds(day.date));
  lineChart(requestsBox, { title: "Requests per day", times, series: [{ label: "requests", values: days.map((day) => day.requests) }] });
  lineChart(tokensBox, { title: "Tokens per day", times, series: [{ label: "tokens", values: days.map((day) => day.tokens) }] });
}

export async function loadUsage() {
  const status = byId("usage-status");
  try {
    const { days } = /** @type {{ days: UsageDay[] }} */ (await api("GET", "/account/api/usage?days=30"));
    drawCharts(days);
    const requests = days.reduce((sum, day) => sum + day.requests, 0);
    const tokens = days.reduce((sum, day) => sum + day.tokens, 0);
    byId("usage-summary").textContent = `${formatNumber(requests)} requests and ${formatNumber(tokens)} tokens in the last ${days.length} days (UTC days).`;
    say(status, "");
  } catch (error) {
    if (redirectIfSignedOut(error)) return;
    say(status, `Usage could not be loaded: ${messageFor(error)}`, "error");
  }
}
