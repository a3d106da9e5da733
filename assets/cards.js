// A widget's card: its header (title, a windowed metric's caption, a badge of what it lost, the
// tools to export or maximise it) and the body its kind builds (widgets/).

import { chartImage, disposeChart } from "./charts.js";
import { el } from "./dom.js";
import { compactCount, windowCaption } from "./format.js";
import { unwatchNearView, watchNearView } from "./render.js";
import { markDirty } from "./scheduler.js";
import { snapshot, state, withAccess } from "./state.js";
import { CHART_KINDS, kinds } from "./widgets/index.js";

// Make the widget's card (`widget.card`).
export function buildCard(widget) {
  const spec = widget.spec;
  const o = spec.options || {};
  const card = el("section", "sv-card");
  card.dataset.widget = spec.id;
  card.dataset.kind = spec.kind;
  const head = el("div", "sv-card-head");
  const titleText = o.title || (["text", "markdown"].includes(spec.kind) ? "" : spec.id);
  if (titleText) head.append(el("div", "sv-card-title", titleText));
  const caption = spec.kind === "metric" ? windowCaption(o) : "";
  if (caption) head.append(el("div", "sv-card-caption", caption));
  widget.lossEl = el("div", "sv-loss");
  head.append(widget.lossEl);
  showLosses(widget);
  card.append(head);
  widget.card = card;
  watchNearView(widget);
  head.append(buildTools(widget));
  const kind = kinds[spec.kind];
  if (kind) kind.build(widget, card, head);
  return card;
}

// Remove a widget's card and chart.
export function disposeCard(widget) {
  unwatchNearView(widget);
  disposeChart(widget);
  widget.card.remove();
}

// Per-widget tools: export (CSV, JSON, PNG of the chart) and maximise.
function buildTools(widget) {
  const id = widget.spec.id;
  const tools = el("div", "sv-tools");
  const menu = el("details", "sv-menu");
  const summary = el("summary", "sv-tool", "⋯");
  summary.title = "Export";
  menu.append(summary);
  const list = el("div", "sv-menu-list");
  // A snapshot file has no server to export from; its charts still export PNG.
  for (const format of snapshot ? [] : ["csv", "json"]) {
    const link = el("a", "sv-menu-item", `Export ${format.toUpperCase()}`);
    link.href = withAccess(`/api/v1/widgets/${encodeURIComponent(id)}/data?format=${format}`);
    link.download = `${id}.${format}`;
    link.dataset.export = format;
    link.addEventListener("click", () => { menu.open = false; });
    list.append(link);
  }
  if (CHART_KINDS.includes(widget.spec.kind)) {
    const png = el("button", "sv-menu-item", "Export PNG");
    png.type = "button";
    png.dataset.export = "png";
    png.addEventListener("click", () => {
      menu.open = false;
      if (!widget.chart) return;
      const link = el("a");
      link.href = chartImage(widget);
      link.download = `${id}.png`;
      document.body.append(link);
      link.click();
      link.remove();
    });
    list.append(png);
  }
  menu.append(list);
  const maximise = el("button", "sv-tool", "⤢");
  maximise.type = "button";
  maximise.title = "Maximise (Esc to restore)";
  maximise.dataset.action = "maximise";
  maximise.addEventListener("click", () => setMaximised(widget, !widget.card.classList.contains("sv-maximised")));
  if (list.childElementCount) tools.append(menu);
  tools.append(maximise);
  return tools;
}

// Show one widget filling the page (on), or back in the layout.
export function setMaximised(widget, on) {
  for (const other of state.widgets.values()) other.card.classList.remove("sv-maximised");
  widget.card.classList.toggle("sv-maximised", on);
  document.body.classList.toggle("sv-has-maximised", on);
  markDirty(widget);
}

// Escape restores a maximised widget.
export function restoreOnEscape() {
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    for (const widget of state.widgets.values()) if (widget.card.classList.contains("sv-maximised")) setMaximised(widget, false);
  });
}

// What the widget lost of its input (the server's `stats`), as a warning badge on its card.
export function showLosses(widget) {
  const node = widget.lossEl;
  if (!node) return;
  const losses = (state.losses || {})[widget.spec.id] || { dropped: 0, late: 0 };
  const parts = [], detail = [];
  if (losses.dropped > 0) {
    parts.push(`${compactCount(losses.dropped)} dropped`);
    detail.push(`${losses.dropped.toLocaleString("en-US")} updates dropped: the producer's queue was full`);
  }
  if (losses.late > 0) {
    parts.push(`${compactCount(losses.late)} late`);
    detail.push(`${losses.late.toLocaleString("en-US")} points came after their window had closed and were left out`);
  }
  node.hidden = parts.length === 0;
  node.textContent = parts.length ? `⚠ ${parts.join(" · ")}` : "";
  node.title = detail.join("\n");
  node.dataset.dropped = String(losses.dropped);
  node.dataset.late = String(losses.late);
}
