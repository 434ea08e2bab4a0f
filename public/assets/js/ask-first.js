// @ts-check
/**
 * A button whose action cannot be undone (remove a backend or an alias,
 * revoke a key, on /admin and /account) asks first, in place: the click
 * swaps the button for "<question> [Yes, …] [Cancel]", focus
 * moves to the confirming button, and Cancel or Escape puts the button back.
 * Only the confirming button acts.
 */
import { h } from "./dom.js";

/**
 * @param {HTMLElement} button the row's button, labelled with what it does (e.g. aria-label "Remove box2")
 * @param {{ question: string, yes: string, act: () => Promise<void>, action?: string }} ask the confirming button's
 *   text (`yes`), the group's label and text (`question`), what a Yes does, and the confirming button's data-action
 * @returns {HTMLElement} the same button, wired
 */
export function askFirst(button, { question, yes, act, action = "confirm" }) {
  button.addEventListener("click", () => {
    const confirm = h("button", { type: "button", class: "danger small", "data-action": action }, yes);
    const cancel = h("button", { type: "button", class: "secondary small", "data-action": "cancel" }, "Cancel");
    const box = h("span", { class: "actions ask-first", role: "group", "aria-label": question }, h("span", {}, question), confirm, cancel);
    const restore = () => {
      if (!box.isConnected) return;
      box.replaceWith(button);
      button.focus();
    };
    cancel.addEventListener("click", restore);
    box.addEventListener("keydown", (event) => {
      if (/** @type {KeyboardEvent} */ (event).key !== "Escape") return;
      // Only the question goes: the panel around it (a user's keys) closes on Escape too.
      event.stopPropagation();
      restore();
    });
    confirm.addEventListener("click", async () => {
      confirm.setAttribute("disabled", "");
      cancel.setAttribute("disabled", "");
      // The section usually redraws its table after acting; if it did not (the call failed), the button comes back.
      try {
        await act();
      } finally {
        restore();
      }
    });
    button.replaceWith(box);
    confirm.focus();
  });
  return button;
}
