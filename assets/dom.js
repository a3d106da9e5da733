// Small DOM helpers every view module shares.

import { formatNumber } from "./format.js";

// A new element with a class and text.
export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// Theme variables, read once per theme: reading computed style after the previous widget wrote
// to the DOM forces a style recalculation, which made every chart redraw cost milliseconds.
const cssCache = new Map();
export function css(name) {
  let value = cssCache.get(name);
  if (value === undefined) {
    value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    cssCache.set(name, value);
  }
  return value;
}

// Forget the theme variables read (the theme changed).
export function clearCss() {
  cssCache.clear();
}

// Show a formatted value with its unit in `node`.
export function setValue(node, value, unit, format) {
  node.textContent = formatNumber(value, format);
  if (unit) node.append(el("span", "sv-unit", unit));
}

// Whether a widget's card is on screen (not on another page, a hidden tab or a closed expander).
// (`checkVisibility` also sees inside a closed <details>, whose content still has boxes.)
export function isVisible(widget) {
  const card = widget.card;
  if (!card || !card.isConnected) return false;
  return card.checkVisibility ? card.checkVisibility() : card.getClientRects().length > 0;
}
