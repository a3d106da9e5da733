// StreamViz browser dashboard, the entry module: connects to /ws, applies the protocol of
// docs/PROTOCOL.md (protocol.js, model.js) and redraws what each message changed, once per
// animation frame (render.js), with one module per widget kind (widgets/). docs/ARCHITECTURE.md
// maps the modules.

import { initAlerts, showAlerts, showCardAlert } from "./alertpanel.js";
import { buildCard, disposeCard, restoreOnEscape, showLosses } from "./cards.js";
import { connect, setConnection, showRelay } from "./connection.js";
import { initControls, openWith } from "./controls.js";
import { layout } from "./layout.js";
import { applyMessage, PROTOCOL_VERSION } from "./protocol.js";
import { startRendering } from "./render.js";
import { initReplay, replayAlerts, replayWidget, seek } from "./replay.js";
import { markDirty } from "./scheduler.js";
import { embedId, snapshot, state } from "./state.js";
import { drawnOf, showTipAt } from "./timechart.js";
import { applyBranding, applyTheme } from "./theme.js";
import { zoomTo } from "./zoom.js";

// Exposed for tests and debugging: read-only use, plus zoomTo(id, min, max) (null resets),
// seek(t) in a recording, drawn(id) (what a time-series chart shows, whatever draws it) and
// showTip(id, series, index).
window.streamviz = state;
state.drawn = (id) => drawnOf(state.widgets.get(id));
state.showTip = (id, series, index) => showTipAt(state.widgets.get(id), series, index);
state.zoomTo = (id, min, max) => {
  const widget = state.widgets.get(id);
  if (widget) zoomTo(widget, min, max);
};
state.seek = seek;

function onMessage(message) {
  state.messages++;
  const change = applyMessage(state, message, embedId);
  if (!change) return;
  switch (change.type) {
    case "hello":
      if (!change.compatible) console.warn(`server speaks protocol ${change.protocol}, this page ${PROTOCOL_VERSION}`);
      setConnection("live", "Live");
      break;
    case "config":
      applyTheme(state.config.theme);
      applyBranding(state.config);
      if (!state.replay) openWith(state.config);
      for (const widget of change.removed) disposeCard(widget);
      for (const widget of change.created) {
        buildCard(widget);
        showCardAlert(widget);
      }
      layout();
      break;
    case "history":
      change.widget.newHistory = true; // drawn even far from the viewport (render.js)
      markDirty(change.widget);
      if (state.replay && state.replay.at < state.replay.to) replayWidget(change.widget); // scrubbed back
      break;
    case "data":
      for (const widget of change.widgets) markDirty(widget);
      break;
    case "stats":
      for (const widget of state.widgets.values()) showLosses(widget);
      showRelay();
      break;
    case "alerts":
      showAlerts();
      if (state.replay && state.replay.at < state.replay.to) replayAlerts(); // scrubbed back
      break;
    case "error":
      console.error("server:", change.reason);
      break;
  }
}

startRendering();
restoreOnEscape();
initControls();
initAlerts();
window.addEventListener("popstate", layout);
if (embedId) document.body.classList.add("sv-embed");
if (!snapshot) initReplay();
connect(onMessage);
