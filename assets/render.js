// Drawing a frame: each widget marked dirty since the last frame is drawn by its kind's
// renderer, if it is visible (others are drawn when they are shown); paused, nothing is drawn
// and the models keep updating. The time spent is counted in `state.renderStats`.

import { isVisible } from "./dom.js";
import { onFrame } from "./scheduler.js";
import { state } from "./state.js";
import { kinds } from "./widgets/index.js";

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
