// Markdown: the HTML the server rendered, with raw HTML escaped and unsafe URLs removed, so the
// page needs no sanitiser of its own.

import { el } from "../dom.js";

export function build(widget, card) {
  widget.textEl = el("div", "sv-markdown");
  card.append(widget.textEl);
}

export function render(widget) {
  widget.textEl.innerHTML = widget.data.html || "";
}
