// Every widget kind, by its protocol name: `build(widget, card, head)` makes its part of the
// card once, `render(widget)` draws its data whenever it changed. One module per kind, as the
// native viewer has one file per kind in src/gui/widgets/.

import * as barChart from "./bar_chart.js";
import * as gauge from "./gauge.js";
import * as heatmap from "./heatmap.js";
import * as markdown from "./markdown.js";
import { lineChart, metric } from "./plot.js";
import * as stat from "./stat.js";
import * as table from "./table.js";
import * as text from "./text.js";

export const kinds = {
  metric,
  stat,
  gauge,
  line_chart: lineChart,
  bar_chart: barChart,
  table,
  text,
  markdown,
  heatmap,
};

// Kinds drawn on a canvas (uPlot's or ECharts'), which can be saved as PNG.
export const CHART_KINDS = ["metric", "stat", "gauge", "line_chart", "bar_chart", "heatmap"];
