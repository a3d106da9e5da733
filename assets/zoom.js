// Zooming and panning a time-series chart by hand: drag selects a span to zoom into; shift+drag
// and shift+wheel pan; ctrl+wheel zooms; a double-click returns to the dashboard's time range.
// The span is the widget's `zoom`; ranges.js reads it.

import { GRID_LEFT, GRID_RIGHT } from "./charts.js";
import { el } from "./dom.js";
import { markDirty } from "./scheduler.js";

export function attachZoom(widget) {
  const chart = widget.chart;
  const zr = chart.getZr();
  const box = el("div", "sv-zoom-box");
  box.hidden = true;
  widget.chartEl.append(box);
  const valueAt = (x) => chart.convertFromPixel({ xAxisIndex: 0 }, x);
  const current = () => {
    if (widget.window) return widget.window.slice();
    return [valueAt(GRID_LEFT), valueAt(chart.getWidth() - GRID_RIGHT)];
  };
  // The tooltip points at a data index; hide it whenever the span (and so the drawn data) moves.
  const hideTip = () => chart.dispatchAction({ type: "hideTip" });
  const setZoom = (min, max) => { if (max > min) { hideTip(); widget.zoom = { min, max }; markDirty(widget); } };
  let drag = null;
  zr.on("mousedown", (e) => {
    if (e.event.button !== 0) return;
    drag = { x: e.offsetX, shift: e.event.shiftKey, span: current() };
  });
  zr.on("mousemove", (e) => {
    if (!drag) return;
    if (drag.shift) {
      const perPixel = (drag.span[1] - drag.span[0]) / Math.max(1, chart.getWidth() - GRID_LEFT - GRID_RIGHT);
      const shift = (drag.x - e.offsetX) * perPixel;
      setZoom(drag.span[0] + shift, drag.span[1] + shift);
    } else {
      const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
      Object.assign(box.style, { left: `${a}px`, width: `${b - a}px` });
      box.hidden = b - a < 3;
    }
  });
  const finish = (e) => {
    if (!drag) return;
    box.hidden = true;
    if (!drag.shift && Math.abs(e.offsetX - drag.x) >= 5) {
      const [a, b] = [Math.min(drag.x, e.offsetX), Math.max(drag.x, e.offsetX)];
      setZoom(valueAt(a), valueAt(b));
    }
    drag = null;
  };
  zr.on("mouseup", finish);
  zr.on("globalout", () => { drag = null; box.hidden = true; });
  zr.on("mousewheel", (e) => {
    // A plain wheel scrolls the page; with ctrl it zooms, with shift it pans.
    if (!e.event.ctrlKey && !e.event.shiftKey) return;
    const [min, max] = current();
    e.event.preventDefault();
    if (e.event.ctrlKey) {
      const at = valueAt(e.offsetX);
      const factor = e.wheelDelta > 0 ? 0.8 : 1.25;
      setZoom(at - (at - min) * factor, at + (max - at) * factor);
    } else {
      const shift = (max - min) * 0.1 * (e.wheelDelta > 0 ? -1 : 1);
      setZoom(min + shift, max + shift);
    }
  });
  zr.on("mousedown", hideTip);
  zr.on("dblclick", () => { hideTip(); widget.zoom = null; markDirty(widget); });
}

// Zoom a chart to [min, max] (null resets it to the dashboard's time range): `window.streamviz.zoomTo`.
export function zoomTo(widget, min, max) {
  if (widget.chart) widget.chart.dispatchAction({ type: "hideTip" });
  widget.zoom = min === null ? null : { min, max };
  markDirty(widget);
}
