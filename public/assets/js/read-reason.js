// @ts-check
/**
 * Every read of captured prompt and answer text — a record's detail, a CSV
 * export, the guard's labelled set — carries a reason, which the gateway
 * requires and seals in the audit chain (the user sees it). The console asks
 * for it on every read: the audit view's "Reason for reading" field when it
 * is filled, otherwise a prompt. No reason, no read.
 */

/**
 * @param {string} what what is about to be read, for the question
 * @returns {string | null} the reason, or null when none was given
 */
export function readingReason(what) {
  const field = /** @type {HTMLInputElement | null} */ (document.getElementById("audit-reason"));
  const given = field?.value.trim() ?? "";
  if (given) return given.slice(0, 500);
  const answer = window.prompt(`Reason for reading ${what}? It is recorded in the audit chain, and the user can see it.`, "");
  const reason = (answer ?? "").trim().slice(0, 500);
  return reason || null;
}

/**
 * A download link to captured text: asks for the reason when clicked and
 * sends it with the read; without one the download does not start.
 * @param {HTMLAnchorElement | HTMLElement} link
 * @param {string} what
 */
export function askReasonOnClick(link, what) {
  link.addEventListener("click", (event) => {
    const reason = readingReason(what);
    if (reason === null) {
      event.preventDefault();
      return;
    }
    const url = new URL(link.getAttribute("href") ?? "", location.href);
    url.searchParams.set("reason", reason);
    link.setAttribute("href", `${url.pathname}${url.search}`);
  });
}
