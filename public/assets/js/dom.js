// @ts-check
/**
 * Building the page without HTML strings. Everything a user wrote (prompts,
 * answers, usernames, key names) reaches the page through textContent, never
 * innerHTML, so hostile text stays text. The CSP forbids inline script anyway;
 * this keeps even markup injection out.
 */

/**
 * Creates an element. `attrs` values are set as attributes (strings) or, for
 * keys starting with "on", added as event listeners; children are nodes or
 * strings (strings become text nodes).
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, ...children);
  return element;
}

/**
 * @param {Node} parent
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function append(parent, ...children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Replaces an element's children.
 * @param {Element} parent
 * @param {...(Node | string | number | null | undefined | false)} children
 */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, ...children);
}

/**
 * The element with this id; throws when the page lacks it (a bug, not a user error).
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing #${id}`);
  return element;
}

/**
 * Shows a message in a status region (role="status" or role="alert").
 * @param {Element} region
 * @param {string} text
 * @param {"info" | "error" | "ok"} [kind]
 */
export function say(region, text, kind = "info") {
  region.textContent = text;
  region.setAttribute("data-kind", kind);
}

/** @param {string | number | null | undefined} iso */
export function formatTime(iso) {
  if (iso === null || iso === undefined || iso === "") return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** @param {number | null | undefined} n */
export function formatNumber(n) {
  return n === null || n === undefined ? "—" : Number(n).toLocaleString();
}
