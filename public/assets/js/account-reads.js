// @ts-check
/**
 * "Who read your records" on /account (GET /account/api/audit/reads): every
 * time an admin opened one of your records' prompt and answer, or exported
 * records that include yours, with the reason they gave.
 */
import { api, redirectIfSignedOut } from "./api.js";
import { byId, formatTime, h, replace, say } from "./dom.js";
import { messageFor } from "./account-messages.js";

export async function loadReads() {
  const status = byId("reads-status");
  try {
    /** @type {{ reads: { at: string, by: string, what: string, record: string|null, reason: string|null }[] }} */
    const { reads } = await api("GET", "/account/api/audit/reads");
    const tbody = /** @type {HTMLElement} */ (byId("my-reads").querySelector("tbody"));
    if (reads.length === 0) {
      replace(tbody, h("tr", { class: "empty-row" }, h("td", { colspan: 4 }, "Nobody has read your records.")));
    } else {
      replace(tbody, ...reads.map((read) =>
        h("tr", {}, h("td", {}, formatTime(read.at)), h("td", {}, read.by),
          h("td", {}, read.what === "record" ? `record ${read.record ?? ""}` : "CSV export"), h("td", { class: "wrap" }, read.reason ?? "(no reason given)"))));
    }
    say(status, "");
  } catch (error) {
    if (!redirectIfSignedOut(error)) say(status, messageFor(error), "error");
  }
}
