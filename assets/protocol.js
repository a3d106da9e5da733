// The wire protocol (docs/PROTOCOL.md) as the page reads it: each message a server sends applied
// to the model, returning what changed so that the view redraws just that. No DOM and no socket,
// so Node's test runner checks it (tests/js).

import { applyAlerts, emptyAlerts } from "./alerts.js";
import { applyOp, reconcile, setHistory } from "./model.js";

// The protocol version this page speaks (`hello` says the server's).
export const PROTOCOL_VERSION = 3;

// Apply `message` to `model` ({config, widgets, lastSeq, losses}); `embedId`, when set, keeps
// only that widget. Returns what changed, by message type:
//   {type: "hello", compatible, protocol}
//   {type: "config", removed, created}   widgets whose cards go and come
//   {type: "history", widget}
//   {type: "data", widgets}              a Set of the widgets changed
//   {type: "stats"}                      model.losses and model.relay replaced
//   {type: "alerts"}                     model.alerts updated (alerts.js)
//   {type: "error", reason}
// or null when nothing changed (an unknown widget or message type).
export function applyMessage(model, message, embedId = null) {
  switch (message.type) {
    case "hello":
      return { type: "hello", compatible: message.protocol === PROTOCOL_VERSION, protocol: message.protocol };
    case "config": {
      model.config = message;
      const specs = message.widgets.filter((w) => !embedId || w.id === embedId);
      return { type: "config", ...reconcile(model.widgets, specs) };
    }
    case "history": {
      const widget = model.widgets.get(message.widget);
      if (!widget) return null;
      setHistory(widget, message.data);
      return { type: "history", widget };
    }
    case "data": {
      model.lastSeq = message.seq;
      const widgets = new Set();
      for (const op of message.updates) {
        const widget = applyOp(model.widgets, model.config, op);
        if (widget) widgets.add(widget);
      }
      return { type: "data", widgets };
    }
    case "stats":
      model.losses = message.widgets || {}; // widget id -> {dropped, late}
      model.relay = message.relay || null; // {connected} when the server relays to others
      return { type: "stats" };
    case "alerts":
      model.alerts = applyAlerts(model.alerts || emptyAlerts(), message, embedId);
      return { type: "alerts" };
    case "error":
      return { type: "error", reason: message.reason };
    default:
      return null;
  }
}
