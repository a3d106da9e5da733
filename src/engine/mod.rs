//! The engine: pure data, no I/O and no threads. Widget specs, columnar ring buffers, windowed
//! aggregations, keyed tables, the registry that applies updates, deltas for live subscribers and snapshots for new
//! ones. Imports nothing from pyo3, axum or egui, so it is easy to test and to benchmark.

pub mod alert;
mod dashboard;
pub mod decimate;
mod error;
pub mod layout;
pub mod limits;
pub(crate) mod markdown;
mod placement;
mod ring;
mod spec;
mod state;
mod table;
pub mod theme;
mod update;
mod validate;
mod views;
pub mod window;

pub use alert::{AlertRule, AlertState, AlertStatus, AlertsView, Rule, Severity, Transition};
pub use dashboard::{ConfigPatch, DashboardConfig};
pub use error::{EngineError, EngineResult};
pub use layout::{ContainerKind, ContainerSpec, Containers, LayoutNode, LayoutTree};
pub use markdown::markdown_to_safe_html;
pub use placement::Placement;
pub use ring::{just_after, RingBuffer};
pub use spec::{
    AxisOptions, BarChartOptions, ColumnOptions, ColumnType, DeltaColor, GaugeOptions,
    HeatmapOptions, LineChartOptions, MarkdownOptions, MetricOptions, SeriesOptions, StatOptions,
    TableOptions, TextOptions, TextStyle, Thresholds, WidgetKind, WidgetOptions, WidgetSpec,
};
pub use state::{fresh_id, Engine, RelayPart, RelayTake, MAX_PENDING_UPDATES};
pub use table::{KeyedTable, Row};
pub use theme::{BrandImage, ImageSlot, Theme, ThemeBase};
pub use update::{
    key_text, prepare_row, validate_bars, validate_matrix, validate_number, validate_ts_ms, Bar,
    KeyedRow, Update, WidgetRef,
};
pub use validate::{validate_color, validate_id, validate_text, MAX_CONTAINER_ID_BYTES};
pub use views::{
    ConfigView, Deltas, EngineStats, Journal, Losses, Snapshot, WidgetData, WidgetHandle,
    WidgetInfo, WidgetStats, MAX_JOURNAL_UPDATES,
};
pub use window::{Aggregation, WindowAggregator, WindowSpec};
