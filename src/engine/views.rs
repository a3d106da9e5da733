//! What the engine hands out: a widget's data, handles and directory entries, the configuration
//! as subscribers see it, snapshots for new subscribers, deltas for live ones, the journal for
//! persistence, what widgets lost, and counters.

use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use serde::Serialize;

use super::alert::rule::AlertRule;
use super::alert::view::{AlertsView, Transition};
use super::layout::{ContainerSpec, LayoutTree};
use super::ring::RingBuffer;
use super::spec::{WidgetKind, WidgetOptions, WidgetSpec};
use super::table::KeyedTable;
use super::theme::Theme;
use super::update::{Bar, Update, WidgetRef};

/// The data a widget holds.
#[derive(Debug, Clone)]
pub enum WidgetData {
    /// Metric, stat, gauge: one series.
    Series(RingBuffer),
    /// Line chart: one series per name, in the order of the spec's `series`.
    MultiSeries(Vec<RingBuffer>),
    /// Bar chart: category → value, in display order.
    Bars(Vec<Bar>),
    /// Table rows.
    Table(KeyedTable),
    /// Text or markdown content.
    Text(String),
    /// Heatmap matrix, rows top to bottom.
    Matrix(Vec<Vec<f64>>),
}

impl WidgetData {
    /// Empty data for a widget of `spec`, series holding `default_capacity` points unless the
    /// spec sets `max_points`.
    pub(super) fn new(spec: &WidgetSpec, default_capacity: usize) -> Self {
        let capacity = spec.max_points().unwrap_or(default_capacity);
        match &spec.options {
            WidgetOptions::Metric(_) | WidgetOptions::Stat(_) | WidgetOptions::Gauge(_) => {
                WidgetData::Series(RingBuffer::new(capacity))
            }
            WidgetOptions::LineChart(o) => WidgetData::MultiSeries(
                o.series.iter().map(|_| RingBuffer::new(capacity)).collect(),
            ),
            WidgetOptions::BarChart(_) => WidgetData::Bars(Vec::new()),
            WidgetOptions::Table(o) => WidgetData::Table(KeyedTable::new(o.max_rows)),
            WidgetOptions::Text(_) | WidgetOptions::Markdown(_) => WidgetData::Text(String::new()),
            WidgetOptions::Heatmap(_) => WidgetData::Matrix(Vec::new()),
        }
    }

    /// Number of points, rows, categories or cells held.
    pub fn len(&self) -> usize {
        match self {
            WidgetData::Series(ring) => ring.len(),
            WidgetData::MultiSeries(rings) => rings.iter().map(RingBuffer::len).sum(),
            WidgetData::Bars(values) => values.len(),
            WidgetData::Table(table) => table.len(),
            WidgetData::Text(text) => usize::from(!text.is_empty()),
            WidgetData::Matrix(matrix) => matrix.iter().map(Vec::len).sum(),
        }
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What a widget lost of its input: points dropped because the queue was full, and points that
/// came after their windows had closed (windowed metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Losses {
    /// Points (or other updates) dropped because the queue was full.
    pub dropped: u64,
    /// Points too late for their windows, not aggregated.
    pub late: u64,
}

impl Losses {
    /// True when nothing was lost.
    pub fn is_none(&self) -> bool {
        self.dropped == 0 && self.late == 0
    }
}

/// A widget's id and kind, cheap to clone, for turning [`WidgetRef`]s back into names.
#[derive(Debug, Clone, PartialEq)]
pub struct WidgetInfo {
    /// The id.
    pub id: Arc<str>,
    /// The kind.
    pub kind: WidgetKind,
    /// Series names of a line chart, by position; empty for other kinds.
    pub series: Arc<[String]>,
    /// Most rows a table keeps (the oldest inserted goes beyond); 0 for other kinds.
    pub max_rows: usize,
}

/// What a producer needs to send to a widget.
#[derive(Debug, Clone)]
pub struct WidgetHandle {
    /// Where the widget lives.
    pub widget: WidgetRef,
    /// Its validated spec at declaration.
    pub spec: WidgetSpec,
    /// The counter of points dropped because the queue was full.
    pub dropped: Arc<AtomicU64>,
}

/// The dashboard as a new subscriber first sees it: layout, theme and widget specs.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigView {
    /// Page title.
    pub title: String,
    /// Theme.
    pub theme: Theme,
    /// Ring-buffer capacity of series that set no `max_points`.
    pub buffer_size: usize,
    /// The time range every viewer opens with, the last this many ms (`None`: everything).
    pub default_time_range_ms: Option<u64>,
    /// Whether charts follow live data when a viewer opens (false: it opens paused).
    pub auto_refresh: bool,
    /// URL of the favicon (`/branding/favicon?v=N`), when one was given.
    pub favicon: Option<String>,
    /// URL of the header logo, when one was given.
    pub logo: Option<String>,
    /// Pages, sidebar, columns, tabs and expanders with the widgets in them.
    pub layout: LayoutTree,
    /// Every widget's spec, in declaration order.
    pub widgets: Vec<WidgetSpec>,
    /// Every layout container as declared: what persistence stores and a mirror re-declares.
    pub containers: Vec<ContainerSpec>,
    /// Every alert rule, in declaration order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alerts: Vec<AlertRule>,
}

/// A copy of everything a new subscriber needs, taken at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Dashboard configuration.
    pub config: ConfigView,
    /// Each widget's data, in declaration order (matching `config.widgets`).
    pub data: Vec<WidgetData>,
    /// The partial window of each windowed metric (`None` for other widgets and when there is
    /// none), in the same order.
    pub partials: Vec<Option<(f64, f64)>>,
    /// What each widget lost of its input, in the same order.
    pub losses: Vec<Losses>,
    /// Every alert rule's state and the recent transitions.
    pub alerts: AlertsView,
    /// Whether a relay to other servers reaches them now (`None`: no relay).
    pub relay_connected: Option<bool>,
}

/// What changed since the last [`Engine::take_deltas`].
#[derive(Debug, Default)]
pub struct Deltas {
    /// The current configuration, when it changed (sent before the updates).
    pub config: Option<ConfigView>,
    /// Updates in the order they were applied.
    pub updates: Vec<Update>,
    /// True when the log could not be kept (overflow or reset): subscribers need a new snapshot.
    pub resync: bool,
    /// Every alert rule's state and the transitions since the last take, when any changed.
    pub alerts: Option<AlertsView>,
    /// Id and kind of every widget, indexed by [`WidgetRef::index`].
    pub directory: Arc<Vec<WidgetInfo>>,
}

/// What a persistence sink has not stored yet (see [`Engine::take_journal`]).
#[derive(Debug, Default)]
pub struct Journal {
    /// The engine's run id ([`crate::engine::Engine::run_id`]).
    pub run: Arc<str>,
    /// This journal's number in the run, from 1: a shared store keeps the last one stored.
    pub number: u64,
    /// The current configuration, when it changed since the last call.
    pub config: Option<ConfigView>,
    /// Every update applied since the last call, in order (table rows with their keys).
    pub updates: Vec<Update>,
    /// Updates that could not be kept because the sink fell more than [`MAX_JOURNAL_UPDATES`]
    /// behind, since the last call.
    pub lost: u64,
    /// Alert transitions since the last call, and how many the journal had no room for.
    pub alerts: (Vec<Transition>, u64),
    /// Id and kind of every widget, indexed by [`WidgetRef::index`].
    pub directory: Arc<Vec<WidgetInfo>>,
}

/// Most updates the journal holds for a persistence sink that falls behind; further updates are
/// counted in [`Journal::lost`] instead of growing memory without bound.
pub const MAX_JOURNAL_UPDATES: usize = 1 << 21;

/// Counters reported by `/api/v1/stats` and `sv.stats()`.
#[derive(Debug, Clone, Serialize)]
pub struct EngineStats {
    /// Updates applied since start.
    pub points_accepted: u64,
    /// Updates discarded because their widget was removed by a reset.
    pub points_discarded: u64,
    /// Widgets declared.
    pub widgets: usize,
    /// Per widget: id, points applied, points dropped, points held.
    pub per_widget: Vec<WidgetStats>,
    /// Alert transitions a listener (the notifier, Python callbacks) had no room for, so was
    /// never told of.
    pub alert_transitions_dropped: u64,
}

/// Counters of one widget.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetStats {
    /// The widget id.
    pub id: String,
    /// Updates applied.
    pub accepted: u64,
    /// Updates dropped because the queue was full.
    pub dropped: u64,
    /// Points, rows or cells held now.
    pub held: usize,
    /// Points of a windowed metric that came after their windows had closed (not aggregated).
    pub late: u64,
}
