// Texts: plain text in the style of `sv.text` (body, caption, heading, code, status boxes).

import { el } from "../dom.js";

export function build(widget, card) {
  widget.textEl = el("div", "sv-text");
  widget.textEl.dataset.style = widget.spec.options.style || "body";
  card.append(widget.textEl);
}

export function render(widget) {
  widget.textEl.textContent = widget.data.text;
}
