// The header's controls: pause/resume (the models keep updating; the view is frozen) and the
// time range ("Last N" follows the clock even when no data arrives, or a custom interval).

import { markDirty, resumeFrames } from "./scheduler.js";
import { embedId, nowMs, snapshot, state, withAccess } from "./state.js";
import { hideTip } from "./timechart.js";

const RANGES = { "5m": 300e3, "15m": 900e3, "1h": 3600e3, "6h": 21600e3, "24h": 86400e3 };

const pauseButton = document.getElementById("sv-pause");
const rangeSelect = document.getElementById("sv-range");
const customBox = document.getElementById("sv-custom");
const fromInput = document.getElementById("sv-from");
const toInput = document.getElementById("sv-to");

// Freeze the view (the models keep updating) or follow the data again.
export function setPaused(paused) {
  state.paused = paused;
  pauseButton.textContent = paused ? "▶ Resume" : "Pause";
  pauseButton.setAttribute("aria-pressed", String(paused));
  document.documentElement.dataset.paused = String(paused);
  if (!paused) resumeFrames();
}

const localInput = (ms) => { const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60e3); return d.toISOString().slice(0, 16); };

function applyRange() {
  const value = rangeSelect.value;
  customBox.hidden = value !== "custom";
  if (value === "custom") {
    if (!fromInput.value || !toInput.value) { const now = nowMs(); fromInput.value = localInput(now - 3600e3); toInput.value = localInput(now); }
    const from = new Date(fromInput.value).getTime();
    const to = new Date(toInput.value).getTime();
    if (!(to > from)) { toInput.setCustomValidity("The end must be after the start"); toInput.reportValidity(); return; }
    toInput.setCustomValidity("");
    state.range = { kind: "custom", from, to };
  } else {
    state.range = RANGES[value] ? { kind: "last", ms: RANGES[value] } : { kind: "all" };
  }
  for (const widget of state.widgets.values()) {
    hideTip(widget);
    widget.zoom = null;
    markDirty(widget);
  }
}

// Open as the dashboard says (`sv.configure(default_time_range=, auto_refresh=)`): its time
// range (a range the menu lacks is added to it), paused unless `auto_refresh`. Done again only
// when the producer changes them.
let openedWith = null;
export function openWith(config) {
  const ms = config.default_time_range_ms || null;
  const follow = config.auto_refresh !== false;
  const key = `${ms}:${follow}`;
  if (key === openedWith) return;
  openedWith = key;
  let value = "all";
  if (ms) {
    value = Object.keys(RANGES).find((k) => RANGES[k] === ms) || "default";
    if (value === "default") {
      RANGES.default = ms;
      let option = rangeSelect.querySelector("option[value=default]");
      if (!option) { option = document.createElement("option"); option.value = "default"; rangeSelect.insertBefore(option, rangeSelect.querySelector("option[value=custom]")); }
      option.textContent = ms % 3600e3 === 0 ? `Last ${ms / 3600e3} h` : `Last ${+(ms / 60e3).toFixed(2)} min`;
    }
  }
  rangeSelect.value = value;
  applyRange();
  setPaused(!follow);
}

export function initControls() {
  // The dashboard as one HTML file to send (snapshot.rs); not in an embed or a snapshot file.
  const snapshotLink = document.getElementById("sv-snapshot");
  snapshotLink.hidden = Boolean(embedId || snapshot);
  snapshotLink.href = withAccess("/api/v1/snapshot?download=1");
  pauseButton.hidden = Boolean(snapshot); // nothing arrives in a snapshot file
  pauseButton.addEventListener("click", () => setPaused(!state.paused));
  rangeSelect.addEventListener("change", applyRange);
  fromInput.addEventListener("change", applyRange);
  toInput.addEventListener("change", applyRange);
  // "Last N minutes" follows the clock even when no data arrives.
  setInterval(() => {
    if (state.range.kind !== "last") return;
    for (const widget of state.widgets.values()) if (widget.spec.kind === "metric" || widget.spec.kind === "line_chart") markDirty(widget);
  }, 1000);
}
