// The config's layout tree (pages, sidebar, columns, tabs, expanders) as the page: rebuilt on
// every config, with widget cards kept and moved, and the open tab and expander state kept.
// An embed page shows its one widget's card.

import { el, isVisible } from "./dom.js";
import { markDirty } from "./scheduler.js";
import { embedId, snapshot, state } from "./state.js";

const openTabs = new Map(); // tabs id -> tab name
const openExpanders = new Map(); // expander id -> open?
const emptyEl = document.getElementById("sv-empty");

// The page shown: `/page/{slug}` in the URL's path, or in its fragment in a snapshot file.
function currentSlug() {
  const path = snapshot ? location.hash.slice(1) : location.pathname;
  const m = path.match(/^\/page\/([^/]+)\/?$/);
  return m ? decodeURIComponent(m[1]) : "";
}

// A widget's card, sized by its placement.
function cardOf(id) {
  const widget = state.widgets.get(id);
  if (!widget) return null;
  const o = widget.spec.placement || {};
  widget.card.style.gridColumn = o.width ? `span ${o.width}` : "";
  if (o.height && widget.chartEl) widget.chartEl.style.height = `${o.height}px`;
  if (o.height && widget.tableEl) widget.tableEl.style.maxHeight = `${o.height}px`;
  return widget.card;
}

// Children of a page, tab, expander or the sidebar: widgets side by side in a responsive grid,
// containers full width between them.
function buildChildren(nodes, parent, flowClass) {
  let flow = null;
  for (const node of nodes) {
    if (node.type === "widget") {
      const card = cardOf(node.id);
      if (!card) continue;
      if (!flow) { flow = el("div", flowClass); parent.append(flow); }
      flow.append(card);
    } else {
      flow = null;
      parent.append(buildNode(node));
    }
  }
}

function buildNode(node) {
  switch (node.type) {
    case "columns": {
      const row = el("div", "sv-columns");
      row.dataset.container = node.id;
      row.style.gridTemplateColumns = node.weights.map((w) => `minmax(0, ${w}fr)`).join(" ");
      for (const column of node.children) {
        const col = el("div", "sv-column");
        col.dataset.container = column.id;
        buildChildren(column.children, col, "sv-stack");
        row.append(col);
      }
      return row;
    }
    case "tabs": {
      const box = el("div", "sv-tabs");
      box.dataset.container = node.id;
      const bar = el("div", "sv-tab-bar");
      bar.setAttribute("role", "tablist");
      box.append(bar);
      const names = node.children.map((t) => t.name);
      if (!names.includes(openTabs.get(node.id))) openTabs.set(node.id, names[0]);
      for (const tab of node.children) {
        const button = el("button", "sv-tab", tab.name);
        button.type = "button";
        button.setAttribute("role", "tab");
        const panel = el("div", "sv-tab-panel");
        panel.dataset.container = tab.id;
        panel.dataset.tab = tab.name;
        buildChildren(tab.children, panel, "sv-flow");
        const select = () => {
          openTabs.set(node.id, tab.name);
          for (const b of bar.children) b.setAttribute("aria-selected", String(b === button));
          for (const p of box.querySelectorAll(":scope > .sv-tab-panel")) p.hidden = p !== panel;
          redrawVisible();
        };
        button.addEventListener("click", select);
        const selected = openTabs.get(node.id) === tab.name;
        button.setAttribute("aria-selected", String(selected));
        panel.hidden = !selected;
        bar.append(button);
        box.append(panel);
      }
      return box;
    }
    case "expander": {
      const details = el("details", "sv-expander");
      details.dataset.container = node.id;
      details.open = openExpanders.has(node.id) ? openExpanders.get(node.id) : node.expanded;
      details.append(el("summary", "", node.title));
      const body = el("div", "sv-expander-body");
      buildChildren(node.children, body, "sv-flow");
      details.append(body);
      details.addEventListener("toggle", () => { openExpanders.set(node.id, details.open); redrawVisible(); });
      return details;
    }
    default:
      return el("div");
  }
}

function buildNav(pages, current) {
  const nav = document.getElementById("sv-nav");
  nav.replaceChildren();
  nav.hidden = pages.length < 2;
  for (const page of pages) {
    const link = el("a", "sv-nav-link", page.name || (state.config && state.config.title) || "Home");
    link.href = `${snapshot ? "#" : ""}${page.slug ? `/page/${encodeURIComponent(page.slug)}` : "/"}`;
    link.dataset.slug = page.slug;
    if (page === current) link.setAttribute("aria-current", "page");
    link.addEventListener("click", (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      history.pushState(null, "", link.href);
      layout();
    });
    nav.append(link);
  }
}

// Lay the current page (from the URL) and the sidebar out from the config's tree.
export function layout() {
  const config = state.config;
  if (!config) return;
  const main = document.getElementById("sv-grid");
  const sidebar = document.getElementById("sv-sidebar");
  for (const widget of state.widgets.values()) widget.card.remove();
  if (embedId) {
    const card = cardOf(embedId);
    main.replaceChildren(...(card ? [card] : []));
    redrawVisible();
    return;
  }
  const tree = config.layout || { pages: [{ slug: "", children: config.widgets.map((w) => ({ type: "widget", id: w.id })) }], sidebar: [] };
  const slug = currentSlug();
  const page = tree.pages.find((p) => p.slug === slug) || tree.pages[0];
  buildNav(tree.pages, page);
  document.documentElement.dataset.page = page.slug;
  main.replaceChildren();
  buildChildren(page.children, main, "sv-flow");
  sidebar.replaceChildren();
  buildChildren(tree.sidebar || [], sidebar, "sv-stack");
  sidebar.hidden = !(tree.sidebar && tree.sidebar.length);
  emptyEl.hidden = state.widgets.size > 0;
  if (state.widgets.size === 0) main.append(emptyEl);
  redrawVisible();
}

// Charts in hidden tabs, closed expanders or other pages are drawn when they become visible.
function redrawVisible() {
  for (const widget of state.widgets.values()) if (isVisible(widget)) markDirty(widget);
}
