// Zooming and panning a time-series chart by hand: drag selects a span to zoom into; shift+drag
// and shift+wheel pan; ctrl+wheel zooms; a double-click returns to the dashboard's time range.
// The span is the widget's `zoom`; ranges.js reads it.

import { el } from "./dom.js";
import { markDirty } from "./scheduler.js";
import { hideTip, plotGeometry } from "./timechart.js";

// Follow the pointer over the widget's plot area (timechart.js made it).
export function attachZoom(widget) {
  const { surface, timeAt, shown, width } = plotGeometry(widget);
  const box = el("div", "sv-zoom-box");
  box.hidden = true;
  surface.append(box);
  const current = () => (widget.window ? widget.window.slice() : shown());
  const setZoom = (min, max) => { if (max > min) { hideTip(widget); widget.zoom = { min, max }; markDirty(widget); } };
  let drag = null;
  surface.addEventListener("mousedown", (e) => {
    if (e.button !== 0) return;
    hideTip(widget);
    drag = { x: e.offsetX, shift: e.shiftKey, span: current() };
  });
  surface.addEventListener("mousemove", (e) => {
    if (!drag) return;
    if (drag.shift) {
      const perPixel = (drag.span[1] - drag.span[0]) / Math.max(1, width());
      const shift = (drag.x - e.offsetX) * perPixel;
      setZoom(drag.span[0] + shift, drag.span[1] + shift);
    } else {
      const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
      Object.assign(box.style, { left: `${a}px`, width: `${b - a}px` });
      box.hidden = b - a < 3;
    }
  });
  surface.addEventListener("mouseup", (e) => {
    if (!drag) return;
    box.hidden = true;
    if (!drag.shift && Math.abs(e.offsetX - drag.x) >= 5) {
      const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
      setZoom(timeAt(a), timeAt(b));
    }
    drag = null;
  });
  surface.addEventListener("mouseleave", () => { drag = null; box.hidden = true; });
  surface.addEventListener("wheel", (e) => {
    // A plain wheel scrolls the page; with ctrl it zooms, with shift it pans.
    if (!e.ctrlKey && !e.shiftKey) return;
    e.preventDefault();
    const [min, max] = current();
    const up = (e.deltaY || e.deltaX) < 0;
    if (e.ctrlKey) {
      const at = timeAt(e.offsetX);
      const factor = up ? 0.8 : 1.25;
      setZoom(at - (at - min) * factor, at + (max - at) * factor);
    } else {
      const shift = (max - min) * 0.1 * (up ? -1 : 1);
      setZoom(min + shift, max + shift);
    }
  }, { passive: false });
  surface.addEventListener("dblclick", () => { hideTip(widget); widget.zoom = null; markDirty(widget); });
}

// Zoom a chart to [min, max] (null resets it to the dashboard's time range): `window.streamviz.zoomTo`.
export function zoomTo(widget, min, max) {
  hideTip(widget);
  widget.zoom = min === null ? null : { min, max };
  markDirty(widget);
}
