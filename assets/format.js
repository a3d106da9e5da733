// Number and time formatting for every widget, as the native viewer formats them
// (src/gui/style.rs). Pure: no DOM, so Node's test runner checks it (tests/js).

// A number as `format` says (",.0f", ".2f", "d", ".1%"), else with decimals by size (`sizeDigits`);
// "–" for nothing.
export function formatNumber(value, format) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const m = typeof format === "string" ? format.match(/^(,)?(?:\.(\d+))?([fd%])?$/) : null;
  if (m) {
    const grouping = !!m[1];
    const digits = m[2] !== undefined ? Number(m[2]) : (m[3] === "d" ? 0 : undefined);
    const percent = m[3] === "%";
    const key = `${grouping}:${digits}`;
    let formatter = formatters.get(key);
    if (!formatter) {
      const opts = { useGrouping: grouping };
      if (digits !== undefined) { opts.minimumFractionDigits = digits; opts.maximumFractionDigits = digits; }
      formatters.set(key, (formatter = new Intl.NumberFormat("en-US", opts)));
    }
    return formatter.format(percent ? value * 100 : value) + (percent ? "%" : "");
  }
  return bySize(sizeDigits(Math.abs(value))).format(value);
}

// Decimals shown of a number of this size without a format: none from 1,000, one from 100, two
// from 1, and below 1 at least four and enough for three significant digits (0.000123).
export function sizeDigits(abs) {
  if (abs >= 1000) return 0;
  if (abs >= 100) return 1;
  if (abs >= 1) return 2;
  if (!(abs > 0)) return 4;
  return Math.min(12, Math.max(4, Math.ceil(-Math.log10(abs)) + 2));
}

// Formatters made once (making one costs far more than formatting with it).
const formatters = new Map();
const sized = new Map();
function bySize(digits) {
  let f = sized.get(digits);
  if (!f) sized.set(digits, (f = new Intl.NumberFormat("en-US", { maximumFractionDigits: digits })));
  return f;
}

export const formatTime = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false });

// A table cell of a datetime column: epoch milliseconds or any text Date parses; the text as it
// is when it is no date.
export function formatDateTime(value) {
  const date = typeof value === "number" ? new Date(value) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString([], { hour12: false });
}

// "2026-11-26 14:03:07.250", local time to the millisecond (tooltips, the replay scrubber).
export function formatExactTime(ms) {
  const d = new Date(ms);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// A time axis label, local time, as fine as the step between labels (`step` ms) needs:
// "11-26" for days, "14:03" for minutes, "14:03:07" for seconds, "14:03:07.250" below.
export function formatTick(ms, step) {
  const exact = formatExactTime(ms);
  if (step >= 86_400_000) return exact.slice(5, 10);
  if (step >= 60_000) return exact.slice(11, 16);
  if (step >= 1000) return exact.slice(11, 19);
  return exact.slice(11);
}

// 999, 1.2k, 45k, 3.4M.
export function compactCount(n) {
  if (n < 1000) return String(n);
  if (n < 100000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  if (n < 1000000) return `${Math.floor(n / 1000)}k`;
  return `${(n / 1e6).toFixed(1).replace(/\.0$/, "")}M`;
}

// What a windowed metric shows: "p95 per 1m", "avg over 5m every 10s"; "" without a window.
export function windowCaption(options) {
  if (!options.window) return "";
  const aggregation = options.aggregation || "avg";
  return options.slide ? `${aggregation} over ${options.window} every ${options.slide}` : `${aggregation} per ${options.window}`;
}

// Text safe to put in HTML (ECharts tooltips are HTML).
export const escapeHtml = (text) => String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
