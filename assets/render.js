// Drawing a frame: each widget marked dirty since the last frame is drawn by its kind's
// renderer, if it is visible (others are drawn when they are shown) and near the viewport (a
// card far away is drawn with each history it is sent, then again when it comes near);
// paused, nothing is drawn and the models keep updating. The time spent is counted in
// `state.renderStats`.

import { isVisible } from "./dom.js";
import { markDirty, onFrame } from "./scheduler.js";
import { state } from "./state.js";
import { kinds } from "./widgets/index.js";

// Which cards are within a screen's height of the viewport: the others are not redrawn until
// they come near (a browser paints every canvas redrawn, in view or not).
const cardWidget = new WeakMap();
const nearView = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver((entries) => {
  for (const entry of entries) {
    const widget = cardWidget.get(entry.target);
    if (!widget) continue;
    widget.nearView = entry.isIntersecting;
    if (entry.isIntersecting && widget.stale) { widget.stale = false; markDirty(widget); }
  }
}, { rootMargin: "100% 0px" });

// Follow whether `widget`'s card is near the viewport.
export function watchNearView(widget) {
  if (!nearView) return;
  cardWidget.set(widget.card, widget);
  nearView.observe(widget.card);
}

// Stop following it (its card is going).
export function unwatchNearView(widget) {
  if (nearView && widget.card) nearView.unobserve(widget.card);
}

// Draw one widget now.
export function render(widget) {
  const kind = kinds[widget.spec.kind];
  if (kind) kind.render(widget);
  widget.card.dataset.rendered = String((Number(widget.card.dataset.rendered) || 0) + 1);
}

// Draw dirty widgets once per animation frame from now on.
export function startRendering() {
  onFrame((dirty) => {
    if (state.paused) return; // the view catches up on resume
    const started = performance.now();
    let drawn = 0;
    for (const widget of dirty) {
      if (!isVisible(widget)) continue; // drawn when its page, tab or expander is shown
      // Far from the viewport and drawn since its history came: drawn again when it comes near.
      if (state.skipFar && widget.nearView === false && !widget.newHistory && Number(widget.card.dataset.rendered) > 0) { widget.stale = true; continue; }
      widget.newHistory = false;
      try { render(widget); drawn++; } catch (err) { console.error("render failed for", widget.spec.id, err); }
    }
    const elapsed = performance.now() - started;
    const stats = state.renderStats;
    stats.frames++;
    stats.widgets += drawn;
    stats.totalMs += elapsed;
    stats.maxMs = Math.max(stats.maxMs, elapsed);
    dirty.clear();
  });
}
