// Tables: rows newest first, or sorted by a clicked column (ascending, descending, back), filtered
// by a text, cells shown by their column's type; rows just inserted or updated flash.

import { el } from "../dom.js";
import { formatDateTime, formatNumber } from "../format.js";
import { markDirty } from "../scheduler.js";

export function build(widget, card, head) {
  if (widget.spec.options.filterable) {
    widget.filterEl = el("input", "sv-filter");
    widget.filterEl.placeholder = "Filter…";
    widget.filterEl.addEventListener("input", () => markDirty(widget));
    card.append(widget.filterEl);
  }
  widget.countEl = el("div", "sv-card-title");
  head.append(widget.countEl);
  widget.tableEl = el("div", "sv-table-wrap");
  card.append(widget.tableEl);
}

export function render(widget) {
  const o = widget.spec.options;
  let rows = Array.from(widget.data.rows.entries()).reverse(); // newest first
  if (widget.sort === undefined && o.sort_by) { // the declared order until a header is clicked
    const descending = o.sort_by.startsWith("-");
    widget.sort = { column: descending ? o.sort_by.slice(1) : o.sort_by, descending };
  }
  const sort = widget.sort; // {column, descending}
  if (sort) {
    const compare = (a, b) => {
      const x = a[1][sort.column], y = b[1][sort.column];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1; // empty cells last either way
      if (y === null || y === undefined) return -1;
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
      return sort.descending ? -order : order;
    };
    rows = rows.slice().sort(compare);
  }
  const changed = widget.changed || new Set();
  widget.changed = new Set();
  const columns = (o.columns || []).slice();
  const names = columns.map((c) => c.name);
  for (const [, row] of rows) for (const field of Object.keys(row)) if (!names.includes(field)) { names.push(field); columns.push({ name: field, type: "text" }); }
  const filter = widget.filterEl ? widget.filterEl.value.trim().toLowerCase() : "";
  const table = el("table", "sv-table");
  const head = el("tr");
  for (const c of columns) {
    const th = el("th", "", c.label || c.name);
    if (c.width) th.style.width = c.width + "px";
    if (o.sortable !== false) {
      th.classList.add("sv-sortable");
      th.dataset.column = c.name;
      const active = sort && sort.column === c.name;
      th.setAttribute("aria-sort", active ? (sort.descending ? "descending" : "ascending") : "none");
      if (active) th.append(el("span", "sv-sort", sort.descending ? " ▼" : " ▲"));
      // Click: ascending, descending, then back to newest first.
      th.addEventListener("click", () => {
        const current = widget.sort && widget.sort.column === c.name ? widget.sort : null;
        widget.sort = !current ? { column: c.name, descending: false } : !current.descending ? { column: c.name, descending: true } : null;
        markDirty(widget);
      });
    }
    head.append(th);
  }
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  let shown = 0;
  for (const [key, row] of rows) {
    if (filter && !Object.values(row).some((v) => String(v).toLowerCase().includes(filter))) continue;
    const tr = el("tr");
    tr.dataset.key = key;
    if (changed.has(key)) tr.classList.add("sv-flash"); // just inserted or updated
    for (const c of columns) tr.append(cell(c, row[c.name]));
    body.append(tr);
    shown++;
  }
  table.append(body);
  widget.tableEl.replaceChildren(table);
  widget.countEl.textContent = `${shown} of ${widget.data.rows.size} rows`;
}

// One cell, shown by its column's type: numbers formatted, datetimes, badges, text.
function cell(column, value) {
  const td = el("td");
  if (value === null || value === undefined) { td.textContent = ""; }
  else if (column.type === "number") { td.className = "sv-number"; td.textContent = typeof value === "number" ? formatNumber(value, column.format) : String(value); }
  else if (column.type === "datetime") { td.textContent = formatDateTime(value); }
  else if (column.type === "badge") {
    const badge = el("span", "sv-badge", String(value));
    const color = column.colors && column.colors[String(value)];
    if (color) { badge.style.background = color; badge.style.color = "#fff"; }
    td.append(badge);
  } else if (typeof value === "number") {
    // A number in a column declared without a type: whole numbers as they are (ids, years),
    // others to a sensible precision (exports keep every digit).
    td.className = "sv-number";
    td.textContent = Number.isInteger(value) ? String(value) : formatNumber(value);
  } else { td.textContent = String(value); }
  return td;
}
