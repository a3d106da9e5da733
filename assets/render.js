// Drawing a frame: each widget marked dirty since the last frame is drawn by its kind's
// renderer, if it is visible (others are drawn when they are shown) and near the viewport (a
// card far away is drawn with each history it is sent, then again when it comes near);
// paused, nothing is drawn and the models keep updating. A frame draws for a few milliseconds
// at most; the rest are drawn in the next frames. The time spent is counted in `state.renderStats`.

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

// Draw one widget, logging a failure (the others are still drawn); true when it drew.
function tryRender(widget) {
  try { render(widget); return true; } catch (err) { console.error("render failed for", widget.spec.id, err); return false; }
}

// At most about this much main-thread time is spent drawing a frame: widgets still dirty wait
// for the next one, in the order they changed, so a frame in which every chart changed is spread
// over a few instead of holding up input and the browser's own painting. The budget shrinks
// while frames come late (the browser's work for each canvas drawn, which script cannot time,
// counts too) and grows back slowly while they come on time, so that few frames come late. A
// frame is late when it comes half a display frame after it was due (the display's frame is
// the shortest interval seen: 16.7 ms at 60 Hz).
const MAX_BUDGET_MS = 8, MIN_BUDGET_MS = 1, SHRINK = 0.7, GROW_MS = 0.02;

// Draw dirty widgets once per animation frame from now on.
export function startRendering() {
  let budget = MAX_BUDGET_MS;
  let previous = null; // when the last frame that left widgets to draw ran
  let period = 1000 / 60; // the display's frame interval, the shortest seen
  onFrame((dirty, now) => {
    if (state.paused) {
      // The view catches up on resume; a card never drawn (the page opened paused) is drawn
      // once, so that a paused page shows what it holds.
      previous = null;
      const first = [...dirty].filter((w) => !(Number(w.card.dataset.rendered) > 0) && isVisible(w));
      for (const widget of first) { dirty.delete(widget); tryRender(widget); }
      return false;
    }
    if (previous !== null) {
      const interval = now - previous;
      period = Math.max(4, Math.min(period, interval));
      budget = interval > period * 1.5 ? Math.max(MIN_BUDGET_MS, budget * SHRINK) : Math.min(MAX_BUDGET_MS, budget + GROW_MS);
    }
    const started = performance.now();
    // Read first, then draw: whether each card is shown is read for all of them before any is
    // drawn, so that the page is laid out once a frame, not after every widget drawn.
    const due = [];
    for (const widget of dirty) {
      if (!isVisible(widget)) { dirty.delete(widget); continue; } // drawn when its page, tab or expander is shown
      // Far from the viewport and drawn since its history came: drawn again when it comes near.
      if (state.skipFar && widget.nearView === false && !widget.newHistory && Number(widget.card.dataset.rendered) > 0) {
        widget.stale = true;
        dirty.delete(widget);
        continue;
      }
      due.push(widget);
    }
    let drawn = 0;
    for (const widget of due) {
      if (drawn > 0 && performance.now() - started > budget) break;
      dirty.delete(widget);
      widget.newHistory = false;
      if (tryRender(widget)) drawn++;
    }
    const elapsed = performance.now() - started;
    const stats = state.renderStats;
    stats.frames++;
    stats.widgets += drawn;
    stats.totalMs += elapsed;
    stats.maxMs = Math.max(stats.maxMs, elapsed);
    stats.budgetMs = budget;
    previous = dirty.size > 0 ? now : null;
    return dirty.size > 0;
  });
}
