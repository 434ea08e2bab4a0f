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
import { askFirst } from "./ask-first.js";

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
    save("Added");
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

/** Saves one at a time, each sending the list as it is then: quick clicks never reorder two PUTs. */
let saving = Promise.resolve();

/** @param {string} done */
function save(done) {
  render();
  saving = saving.then(() => send(done));
}

/** @param {string} done */
async function send(done) {
  const status = byId("aliases-message");
  try {
    const saved = await api("PUT", "/admin/api/aliases", { aliases });
    say(status, `${done}. ${saved.aliases.length} alias${saved.aliases.length === 1 ? "" : "es"}, tried in this order.`, "ok");
  } catch (error) {
    reportError(status, "Saving the aliases", error);
    await load();
  }
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
        h("button", { type: "button", class: "secondary", disabled: index === 0, "aria-label": `Move ${alias.pattern} up`, onclick: () => move(alias.pattern) }, "Up"),
        askFirst(h("button", { type: "button", class: "danger", "aria-label": `Remove ${alias.pattern}` }, "Remove"), {
          question: `Remove ${alias.pattern}?`,
          yes: "Yes, remove",
          act: async () => remove(alias.pattern),
        }),
      ),
    ),
  );
  fillBody(/** @type {HTMLElement} */ (byId("aliases-table").querySelector("tbody")), rows, 4, "No aliases: every model name is used as asked.");
}

// By pattern, not by row index: a second click can come before the first save re-rendered the rows.

/** @param {string} pattern */
function move(pattern) {
  const index = aliases.findIndex((alias) => alias.pattern === pattern);
  if (index <= 0) return;
  const [row] = aliases.splice(index, 1);
  if (row) aliases.splice(index - 1, 0, row);
  save("Moved");
}

/** @param {string} pattern */
function remove(pattern) {
  aliases = aliases.filter((alias) => alias.pattern !== pattern);
  save("Removed");
}
