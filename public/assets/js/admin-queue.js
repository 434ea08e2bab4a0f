// @ts-check
/**
 * #queue: the live admission queue (GET /admin/api/queue): what holds a GPU
 * slot and what waits, per user, and every backend's gate, breaker and
 * health. Polled every few seconds, but only while
 * the section is on screen and the tab is visible: an admin page left open
 * all day should not keep asking.
 */
import { api } from "./api.js";
import { byId, formatNumber, h, replace, say } from "./dom.js";
import { cell, fillBody, formatDuration, reportError } from "./admin-ui.js";

const intervalMs = 3000;
let onScreen = false;
/** @type {ReturnType<typeof setTimeout> | null} */
let timer = null;

export function initQueue() {
  const section = byId("queue");
  new IntersectionObserver((entries) => {
    onScreen = entries.some((entry) => entry.isIntersecting);
    schedule(0);
  }).observe(section);
  document.addEventListener("visibilitychange", () => schedule(0));
  // One reading at start, so the section is filled even before anyone scrolls to it.
  void refresh();
}

/** @param {number} delay */
function schedule(delay) {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  if (!onScreen || document.visibilityState !== "visible") return;
  timer = setTimeout(() => void refresh(), delay);
}

async function refresh() {
  const status = byId("queue-message");
  try {
    /** @type {{ maxInflight: number, maxQueue: number, inflight: number, waiting: number, users: { userId: string, username: string|null, inflight: number, waiting: number, oldestWaitMs: number|null }[], backends?: Backend[] }} */
    const queue = await api("GET", "/admin/api/queue");
    replace(
      byId("queue-summary"),
      fact("In flight", `${formatNumber(queue.inflight)} of ${formatNumber(queue.maxInflight)}`, "queue-inflight"),
      fact("Waiting", `${formatNumber(queue.waiting)} of ${formatNumber(queue.maxQueue)}`, "queue-waiting"),
    );
    const rows = queue.users.map((user) =>
      h("tr", { "data-user-id": user.userId }, cell(user.username ?? user.userId, "wrap"), cell(formatNumber(user.inflight), "num"), cell(formatNumber(user.waiting), "num"), cell(formatDuration(user.oldestWaitMs), "num")),
    );
    fillBody(/** @type {HTMLElement} */ (byId("queue-table").querySelector("tbody")), rows, 4, "Nothing in flight, nobody waiting.");
    fillBody(/** @type {HTMLElement} */ (byId("queue-backends").querySelector("tbody")), (queue.backends ?? []).map(backendRow), 5, "No backend known yet.");
    byId("queue-updated").textContent = `Updated ${new Date().toLocaleTimeString()}`;
    say(status, "");
  } catch (error) {
    reportError(status, "Reading the queue", error);
  }
  schedule(intervalMs);
}

/**
 * @param {string} term
 * @param {string} value
 * @param {string} id
 */
function fact(term, value, id) {
  return h("div", {}, h("dt", {}, term), h("dd", { id }, value));
}

/**
 * @typedef {{ name: string, slots: number, inflight: number, waiting: number, breaker: "closed"|"open"|"half-open",
 *   consecutiveFailures: number, retryAt: number|null, health: "up"|"down"|"unknown", probedAt: number|null }} Backend
 */

/** @param {Backend} backend */
function backendRow(backend) {
  const breaker = backend.breaker === "open" && backend.retryAt !== null
    ? `open (trial at ${new Date(backend.retryAt).toLocaleTimeString()})`
    : backend.breaker === "closed" && backend.consecutiveFailures > 0
      ? `closed (${formatNumber(backend.consecutiveFailures)} failed in a row)`
      : backend.breaker;
  const health = backend.probedAt === null ? backend.health : `${backend.health} (${new Date(backend.probedAt).toLocaleTimeString()})`;
  return h(
    "tr",
    { "data-backend": backend.name },
    cell(backend.name, "wrap"),
    cell(`${formatNumber(backend.inflight)} of ${formatNumber(backend.slots)}`, "num"),
    cell(formatNumber(backend.waiting), "num"),
    cell(breaker),
    cell(health),
  );
}
