// @ts-check
/**
 * #aliases: model names agents insist on (claude-*, gpt-5*) mapped to models
 * this box runs (GET|PUT /admin/api/aliases). Rows are tried top to bottom
 * and the first match wins, so rows can be moved; Save replaces the list.
 * The gateway judges the target: a user's allowed models and the cloud
 * guard apply to it, not to the alias.
 */
import { api } from "./api.js";
import { byId, h, say } from "./dom.js";
import { fillBody, reportError } from "./admin-ui.js";

/** @typedef {{ pattern: string, model: string }} Alias */

/** @type {Alias[]} */
let aliases = [];

export function initAliases() {
  byId("alias-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = /** @type {HTMLFormElement} */ (event.currentTarget);
    const data = new FormData(form);
    aliases.push({ pattern: String(data.get("pattern") ?? "").trim(), model: String(data.get("model") ?? "").trim() });
    form.reset();
    void save("Added");
  });
  void load();
}

async function load() {
  try {
    aliases = (await api("GET", "/admin/api/aliases")).aliases;
    render();
  } catch (error) {
    reportError(byId("aliases-message"), "Reading the aliases", error);
  }
}

/** @param {string} done */
async function save(done) {
  const status = byId("aliases-message");
  try {
    aliases = (await api("PUT", "/admin/api/aliases", { aliases })).aliases;
    say(status, `${done}. ${aliases.length} alias${aliases.length === 1 ? "" : "es"}, tried in this order.`, "ok");
  } catch (error) {
    reportError(status, "Saving the aliases", error);
    await load();
    return;
  }
  render();
}

function render() {
  const rows = aliases.map((alias, index) =>
    h(
      "tr",
      { "data-pattern": alias.pattern },
      h("td", { class: "num" }, String(index + 1)),
      h("td", {}, h("code", {}, alias.pattern)),
      h("td", {}, h("code", {}, alias.model)),
      h(
        "td",
        { class: "actions" },
        h("button", { type: "button", class: "secondary", disabled: index === 0, "aria-label": `Move ${alias.pattern} up`, onclick: () => move(index) }, "Up"),
        h("button", { type: "button", class: "danger", "aria-label": `Remove ${alias.pattern}`, onclick: () => remove(index) }, "Remove"),
      ),
    ),
  );
  fillBody(/** @type {HTMLElement} */ (byId("aliases-table").querySelector("tbody")), rows, 4, "No aliases: every model name is used as asked.");
}

/** @param {number} index */
function move(index) {
  const [row] = aliases.splice(index, 1);
  if (row) aliases.splice(index - 1, 0, row);
  void save("Moved");
}

/** @param {number} index */
function remove(index) {
  aliases.splice(index, 1);
  void save("Removed");
}
