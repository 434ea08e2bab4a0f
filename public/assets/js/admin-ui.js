// @ts-check
/**
 * Small pieces the admin sections share: error reporting into a status
 * region, table rows, the one-time secret box, and the event that tells every
 * section the list of users changed. Everything user-written goes in as text.
 */
import { ApiError, redirectIfSignedOut } from "./api.js";
import { append, h, replace, say } from "./dom.js";

/** Sections listen for "users-changed" to refresh what depends on the list of users. */
export const adminEvents = new EventTarget();

export function usersChanged() {
  adminEvents.dispatchEvent(new Event("users-changed"));
}

/**
 * The sentence to show for a failed call: the API's own message (it names the
 * field for a 400), with the wait for a 429/503.
 * @param {unknown} error
 */
export function errorText(error) {
  if (error instanceof ApiError) {
    const wait = error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
    return `${error.message}${wait}`;
  }
  return "The gateway could not be reached. Check the connection and try again.";
}

/**
 * Shows a failed call in a status region, unless the session is gone (then
 * the page goes to sign-in).
 * @param {Element} region
 * @param {string} what what was being done, e.g. "Approving alice"
 * @param {unknown} error
 */
export function reportError(region, what, error) {
  if (redirectIfSignedOut(error)) return;
  say(region, `${what} failed: ${errorText(error)}`, "error");
}

/**
 * A table cell; `className` e.g. "num" for right-aligned numbers.
 * @param {Node | string | number | null | undefined} content
 * @param {string} [className]
 */
export function cell(content, className) {
  return h("td", { class: className }, content === null || content === undefined ? "—" : content);
}

/**
 * Fills a tbody with rows, or one muted row saying there is nothing.
 * @param {HTMLElement} tbody
 * @param {HTMLElement[]} rows
 * @param {number} columns
 * @param {string} emptyText
 */
export function fillBody(tbody, rows, columns, emptyText) {
  if (rows.length === 0) {
    replace(tbody, h("tr", { class: "empty-row" }, h("td", { colspan: columns }, emptyText)));
  } else {
    replace(tbody, ...rows);
  }
}

/**
 * The box for a secret shown exactly once (a temporary password, an API key),
 * with a copy button. The secret is text in a <code>, never markup.
 * @param {HTMLElement} box an element with class "secret-box"
 * @param {string} heading
 * @param {string} secret
 * @param {string} note
 * @param {string} [codeId] id for the <code> (tests read it)
 */
export function showSecret(box, heading, secret, note, codeId) {
  const code = h("code", { id: codeId }, secret);
  const copied = h("span", { class: "small", role: "status" });
  const copy = h("button", { type: "button", class: "secondary small" }, "Copy");
  copy.addEventListener("click", () => {
    navigator.clipboard?.writeText(secret).then(
      () => say(copied, "Copied."),
      () => say(copied, "Copy failed: select the text and copy it by hand."),
    );
  });
  replace(box, h("strong", {}, heading), code, h("p", { class: "small" }, note));
  append(box, h("div", { class: "actions" }, copy, copied));
  box.hidden = false;
}

/** @param {number | null | undefined} ms */
export function formatDuration(ms) {
  if (ms === null || ms === undefined) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/**
 * A badge for an account status or an audit outcome.
 * @param {string | null} text
 */
export function badge(text) {
  const good = text === "active" || text === "ok";
  const bad = text === "disabled" || (text !== null && text !== "ok" && text !== "pending" && text !== "active");
  return h("span", { class: `badge${good ? " ok" : bad ? " bad" : ""}` }, text ?? "in progress");
}
