// The theme and branding: the server sends the resolved palette, which becomes the CSS variables
// every style and chart reads; `?theme=dark|light` in the URL (for embeds) overrides it with a
// built-in theme. The title, favicon and logo come with it.

import { clearCss } from "./dom.js";
import { markDirty } from "./scheduler.js";
import { embedId, state, withAccess } from "./state.js";

const THEME_KEYS = ["background", "surface", "border", "primary", "secondary", "success", "warning", "error", "text", "text_muted", "font_family"];

export function applyTheme(theme) {
  const root = document.documentElement;
  const override = new URLSearchParams(location.search).get("theme");
  const builtin = override === "dark" || override === "light" ? override : null;
  const palette = builtin || typeof theme !== "object" || !theme ? null : theme;
  root.dataset.theme = builtin || (palette ? palette.base : theme) || "dark";
  for (const key of THEME_KEYS) {
    const name = "--sv-" + key.replace("_", "-");
    if (palette && palette[key]) root.style.setProperty(name, palette[key]);
    else root.style.removeProperty(name);
  }
  state.theme = root.dataset.theme;
  clearCss();
  for (const widget of state.widgets.values()) markDirty(widget); // charts read the colours
}

// The page's own icon (a snapshot file carries it inline), for dashboards that set none.
const defaultFavicon = document.getElementById("sv-favicon").getAttribute("href");

export function applyBranding(config) {
  document.getElementById("sv-favicon").href = config.favicon ? withAccess(config.favicon) : defaultFavicon;
  const logo = document.getElementById("sv-logo");
  if (config.logo) { logo.src = withAccess(config.logo); logo.hidden = false; } else { logo.removeAttribute("src"); logo.hidden = true; }
  document.getElementById("sv-title").textContent = config.title;
  document.title = embedId ? `${embedId} · ${config.title}` : config.title;
}
