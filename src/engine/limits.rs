//! Every bound on input size, in one place, so that each entry point enforces the same numbers
//! and docs/PROTOCOL.md can quote them.

/// Longest widget id, in bytes. Ids are ASCII `[A-Za-z0-9_.-]`.
pub const MAX_ID_BYTES: usize = 64;
/// Most widgets one dashboard may declare.
pub const MAX_WIDGETS: usize = 1_000;
/// Longest title, label, unit or option string, in bytes.
pub const MAX_LABEL_BYTES: usize = 256;
/// Longest text or markdown content, in bytes.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Longest string in one table cell or table key, in bytes.
pub const MAX_CELL_BYTES: usize = 16 * 1024;
/// Most columns in one table row.
pub const MAX_COLUMNS: usize = 128;
/// Largest `max_rows` of a table.
pub const MAX_TABLE_ROWS: usize = 100_000;
/// Largest `max_points` (ring-buffer capacity) of one series.
pub const MAX_CAPACITY_POINTS: usize = 10_000_000;
/// Default ring-buffer capacity of one series when neither `max_points` nor `buffer_size` is set.
pub const DEFAULT_CAPACITY_POINTS: usize = 1_000;
/// Most series in one line chart.
pub const MAX_SERIES: usize = 64;
/// Most tabs in one `tabs` container.
pub const MAX_TABS: usize = 32;
/// Most categories in one bar chart.
pub const MAX_CATEGORIES: usize = 1_000;
/// Most rows or columns of a heatmap.
pub const MAX_HEATMAP_SIDE: usize = 1_000;
/// Most cells of a heatmap.
pub const MAX_HEATMAP_CELLS: usize = 250_000;
/// Largest body of one HTTP push or one WebSocket message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;
/// Earliest accepted timestamp (1970-01-01), in epoch milliseconds.
pub const MIN_TS_MS: f64 = 0.0;
/// Latest accepted timestamp (year 5138), in epoch milliseconds.
pub const MAX_TS_MS: f64 = 1e14;
