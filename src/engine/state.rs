//! The engine: the registry of widgets by id with each one's spec and data, the application of
//! updates, the log of what changed since subscribers last looked (deltas), and snapshots for new
//! subscribers. Single-threaded by design; the ingest layer gives it its thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use serde::Serialize;

use super::error::{EngineError, EngineResult};
use super::layout::{build_layout, ContainerSpec, Containers, LayoutTree};
use super::limits::{MAX_SERIES, MAX_WIDGETS};
use super::ring::RingBuffer;
use super::spec::{
    ConfigPatch, DashboardConfig, SeriesOptions, WidgetKind, WidgetOptions, WidgetSpec,
};
use super::table::KeyedTable;
use super::theme::{BrandImage, ImageSlot};
#[cfg(test)]
use super::update::KeyedRow;
use super::update::{Bar, Update, WidgetRef};
use super::window::{WindowAggregator, WindowSpec};

/// Most updates the delta log holds before subscribers are told to resynchronise instead.
pub const MAX_PENDING_UPDATES: usize = 1 << 20;

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
    fn new(spec: &WidgetSpec, default_capacity: usize) -> Self {
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

/// One declared widget.
#[derive(Debug)]
struct Widget {
    spec: WidgetSpec,
    data: WidgetData,
    updates_applied: u64,
    /// Times the data was replaced other than by an update (clears, re-declarations); with
    /// `updates_applied` it makes [`Engine::widget_revision`].
    replaced: u64,
    dropped: Arc<AtomicU64>,
    /// The windows of a windowed metric.
    window: Option<Box<Windowing>>,
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

/// A windowed metric's aggregator and its partial window.
#[derive(Debug)]
struct Windowing {
    aggregator: WindowAggregator,
    /// The partial window a replica was told about (a replica does not aggregate).
    replica_partial: Option<(f64, f64)>,
    /// The late points a replica was told about.
    replica_late: u64,
    /// The partial window changed since subscribers last heard of it.
    partial_changed: bool,
}

impl Windowing {
    fn new(spec: &WidgetSpec) -> Option<Box<Self>> {
        let WidgetOptions::Metric(options) = &spec.options else {
            return None;
        };
        options.window_spec().map(|window| {
            Box::new(Self {
                aggregator: WindowAggregator::new(window),
                replica_partial: None,
                replica_late: 0,
                partial_changed: true,
            })
        })
    }

    fn window_spec(&self) -> &WindowSpec {
        self.aggregator.spec()
    }

    fn late(&self, replica: bool) -> u64 {
        if replica {
            self.replica_late
        } else {
            self.aggregator.late()
        }
    }

    fn partial(&self, replica: bool) -> Option<(f64, f64)> {
        if replica {
            self.replica_partial
        } else {
            self.aggregator.partial()
        }
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
    pub theme: super::theme::Theme,
    /// Ring-buffer capacity of series that set no `max_points`.
    pub buffer_size: usize,
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
}

fn image_url(slot: ImageSlot, image: &Option<BrandImage>) -> Option<String> {
    image
        .as_ref()
        .map(|i| format!("/branding/{}?v={}", slot.name(), i.version))
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
    /// Id and kind of every widget, indexed by [`WidgetRef::index`].
    pub directory: Arc<Vec<WidgetInfo>>,
}

/// What a persistence sink has not stored yet (see [`Engine::take_journal`]).
#[derive(Debug, Default)]
pub struct Journal {
    /// The current configuration, when it changed since the last call.
    pub config: Option<ConfigView>,
    /// Every update applied since the last call, in order (table rows with their keys).
    pub updates: Vec<Update>,
    /// Updates that could not be kept because the sink fell more than [`MAX_JOURNAL_UPDATES`]
    /// behind, since the last call.
    pub lost: u64,
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

/// The engine state. See the module docs.
#[derive(Debug)]
pub struct Engine {
    widgets: Vec<Widget>,
    by_id: HashMap<String, u32>,
    containers: Containers,
    directory: Arc<Vec<WidgetInfo>>,
    config: DashboardConfig,
    generation: u32,
    points_accepted: u64,
    points_discarded: u64,
    recording: bool,
    pending: Vec<Update>,
    config_changed: bool,
    resync: bool,
    journaling: bool,
    journal: Vec<Update>,
    journal_config_changed: bool,
    journal_lost: u64,
    config_revision: u64,
    replica: bool,
    partials_changed: bool,
    /// Scratch space for the windows a point closes.
    closed_windows: Vec<(f64, f64)>,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    /// An empty dashboard.
    pub fn new() -> Self {
        Self {
            widgets: Vec::new(),
            by_id: HashMap::new(),
            containers: Containers::default(),
            directory: Arc::new(Vec::new()),
            config: DashboardConfig::default(),
            generation: 0,
            points_accepted: 0,
            points_discarded: 0,
            recording: false,
            pending: Vec::new(),
            config_changed: false,
            resync: false,
            journaling: false,
            journal: Vec::new(),
            journal_config_changed: false,
            journal_lost: 0,
            config_revision: 0,
            replica: false,
            partials_changed: false,
            closed_windows: Vec::new(),
        }
    }

    /// Make this engine a replica of another one (a mirror of a producer, or a stored dashboard
    /// being loaded): windowed metrics take points as the windows' results, as they are, and
    /// their partial window from [`Update::Partial`], instead of aggregating.
    pub fn set_replica(&mut self, replica: bool) {
        self.replica = replica;
    }

    /// Whether this engine is a replica (see [`Engine::set_replica`]).
    pub fn is_replica(&self) -> bool {
        self.replica
    }

    /// A counter that moves on with every change of the configuration (widgets, layout, theme).
    pub fn config_revision(&self) -> u64 {
        self.config_revision
    }

    /// The dashboard generation; it changes on [`Engine::reset`].
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Dashboard settings.
    pub fn config(&self) -> &DashboardConfig {
        &self.config
    }

    /// Keep a log of applied updates for [`Engine::take_deltas`] (on while anyone subscribes).
    pub fn set_recording(&mut self, recording: bool) {
        self.recording = recording;
        if !recording {
            self.pending = Vec::new();
        }
    }

    /// Keep a journal of every applied update and configuration change for
    /// [`Engine::take_journal`] (on while a persistence sink is attached). Unlike the delta log it
    /// is never replaced by a resync.
    pub fn set_journaling(&mut self, journaling: bool) {
        self.journaling = journaling;
        self.journal = Vec::new();
        self.journal_config_changed = journaling;
    }

    /// Declare a widget, or re-declare one: the same id with the same kind returns the existing
    /// widget with the new options (data kept); another kind is an error.
    pub fn declare(&mut self, spec: WidgetSpec) -> EngineResult<WidgetHandle> {
        self.containers.check_placement(&spec.id, &spec.placement)?;
        if let Some(&index) = self.by_id.get(&spec.id) {
            let widget = &mut self.widgets[index as usize];
            if widget.spec.kind != spec.kind {
                return Err(EngineError::KindConflict {
                    id: spec.id,
                    existing: widget.spec.kind.name(),
                    requested: spec.kind.name(),
                });
            }
            let mut spec = spec;
            if let (WidgetOptions::LineChart(old), WidgetOptions::LineChart(new)) =
                (&widget.spec.options, &mut spec.options)
            {
                // Series added since the first declaration stay, after the newly declared ones.
                for series in &old.series {
                    if !new.series.iter().any(|s| s.name == series.name) {
                        new.series.push(series.clone());
                    }
                }
            }
            let capacity = spec.max_points().unwrap_or(self.config.buffer_size);
            match &mut widget.data {
                WidgetData::Series(ring) => ring.set_capacity(capacity),
                WidgetData::MultiSeries(rings) => {
                    let WidgetOptions::LineChart(new) = &spec.options else {
                        unreachable_kind()
                    };
                    let WidgetOptions::LineChart(old) = &widget.spec.options else {
                        unreachable_kind()
                    };
                    let mut reordered = Vec::with_capacity(new.series.len());
                    for series in &new.series {
                        let ring = old
                            .series
                            .iter()
                            .position(|s| s.name == series.name)
                            .map(|i| std::mem::replace(&mut rings[i], RingBuffer::new(1)));
                        let mut ring = ring.unwrap_or_else(|| RingBuffer::new(capacity));
                        ring.set_capacity(capacity);
                        reordered.push(ring);
                    }
                    *rings = reordered;
                }
                WidgetData::Table(table) => {
                    if let WidgetOptions::Table(o) = &spec.options {
                        if o.max_rows != table.max_rows() {
                            let mut resized = KeyedTable::new(o.max_rows);
                            for (key, row) in table.iter() {
                                resized.upsert(key.to_owned(), row.clone());
                            }
                            *table = resized;
                        }
                    }
                }
                _ => {}
            }
            // Points of another windowing (or raw ones) do not mix with the new windows'.
            let windowing = Windowing::new(&spec);
            let same_windows = match (&widget.window, &windowing) {
                (Some(old), Some(new)) => old.window_spec() == new.window_spec(),
                (None, None) => true,
                _ => false,
            };
            let mut cleared = false;
            if !same_windows {
                widget.window = windowing;
                if let WidgetData::Series(ring) = &mut widget.data {
                    cleared = !ring.is_empty();
                    ring.clear();
                }
            }
            widget.spec = spec.clone();
            widget.replaced += 1;
            let dropped = Arc::clone(&widget.dropped);
            self.partials_changed |= !same_windows;
            self.rebuild_directory();
            self.note_config_change();
            if cleared {
                let widget = WidgetRef {
                    index,
                    generation: self.generation,
                };
                self.record(Update::Clear { widget });
            }
            return Ok(WidgetHandle {
                widget: WidgetRef {
                    index,
                    generation: self.generation,
                },
                spec,
                dropped,
            });
        }
        if self.widgets.len() >= MAX_WIDGETS {
            return Err(EngineError::TooLarge(format!(
                "a dashboard holds at most {MAX_WIDGETS} widgets"
            )));
        }
        let index = self.widgets.len() as u32;
        let dropped = Arc::new(AtomicU64::new(0));
        self.widgets.push(Widget {
            data: WidgetData::new(&spec, self.config.buffer_size),
            spec: spec.clone(),
            updates_applied: 0,
            replaced: 0,
            dropped: Arc::clone(&dropped),
            window: Windowing::new(&spec),
        });
        self.by_id.insert(spec.id.clone(), index);
        self.rebuild_directory();
        self.note_config_change();
        Ok(WidgetHandle {
            widget: WidgetRef {
                index,
                generation: self.generation,
            },
            spec,
            dropped,
        })
    }

    /// The series position of `name` in a line chart, adding the series when it is new. Given
    /// `options` replace the colour and label of an existing series.
    pub fn series_index(
        &mut self,
        widget: WidgetRef,
        series: SeriesOptions,
        replace: bool,
    ) -> EngineResult<u32> {
        series.validate()?;
        let capacity_default = self.config.buffer_size;
        let recording = self.recording;
        let journaling = self.journaling;
        let widget = self.widget_mut(widget)?;
        let WidgetOptions::LineChart(options) = &mut widget.spec.options else {
            return Err(EngineError::InvalidOption {
                option: "series".into(),
                reason: format!(
                    "{:?} is a {}, not a line_chart",
                    widget.spec.id,
                    widget.spec.kind.name()
                ),
            });
        };
        if let Some(position) = options.series.iter().position(|s| s.name == series.name) {
            if replace && options.series[position] != series {
                options.series[position] = series;
                self.config_changed |= recording;
                self.journal_config_changed |= journaling;
                self.config_revision += 1;
            }
            return Ok(position as u32);
        }
        if options.series.len() >= MAX_SERIES {
            return Err(EngineError::TooLarge(format!(
                "a line chart holds at most {MAX_SERIES} series"
            )));
        }
        let capacity = options.max_points.unwrap_or(capacity_default);
        options.series.push(series);
        let position = options.series.len() - 1;
        if let WidgetData::MultiSeries(rings) = &mut widget.data {
            rings.push(RingBuffer::new(capacity));
        }
        self.rebuild_directory();
        self.note_config_change();
        Ok(position as u32)
    }

    /// Declare a layout container (page, sidebar, columns, column, tabs, tab, expander), or
    /// re-declare one with new options. Wrong nesting is refused with the rule it breaks.
    pub fn declare_container(&mut self, spec: ContainerSpec) -> EngineResult<()> {
        if self.containers.declare(spec)? {
            self.note_config_change();
        }
        Ok(())
    }

    /// Change dashboard-wide settings.
    pub fn configure(&mut self, patch: ConfigPatch) {
        if let Some(title) = patch.title {
            self.config.title = title;
        }
        if let Some(theme) = patch.theme {
            self.config.theme = theme;
        }
        if let Some(buffer_size) = patch.buffer_size {
            self.config.buffer_size = buffer_size;
        }
        self.note_config_change();
    }

    /// Set or remove the favicon or logo (checked by [`BrandImage::new`]); its version moves on
    /// so that cached copies are not shown.
    pub fn set_image(&mut self, slot: ImageSlot, image: Option<BrandImage>) {
        let current = match slot {
            ImageSlot::Favicon => &mut self.config.favicon,
            ImageSlot::Logo => &mut self.config.logo,
        };
        let version = current.as_ref().map_or(0, |i| i.version.wrapping_add(1));
        *current = image.map(|image| BrandImage { version, ..image });
        self.note_config_change();
    }

    /// Empty one widget's data (a mirror does this before loading a `history`).
    pub fn clear_data(&mut self, id: &str) -> EngineResult<()> {
        let index = *self
            .by_id
            .get(id)
            .ok_or_else(|| EngineError::UnknownWidget(id.to_owned()))?;
        let buffer_size = self.config.buffer_size;
        let widget = &mut self.widgets[index as usize];
        widget.data = WidgetData::new(&widget.spec, buffer_size);
        widget.window = Windowing::new(&widget.spec);
        widget.replaced += 1;
        self.partials_changed |= widget.window.is_some();
        Ok(())
    }

    /// Forget every widget and its data and restore default settings. Handles from before the
    /// reset stop working; their queued updates are discarded.
    pub fn reset(&mut self) {
        let recording = self.recording;
        let journaling = self.journaling;
        let generation = self.generation.wrapping_add(1);
        let (accepted, discarded) = (self.points_accepted, self.points_discarded);
        let config_revision = self.config_revision + 1;
        let replica = self.replica;
        *self = Self::new();
        self.replica = replica;
        self.config_revision = config_revision;
        self.generation = generation;
        self.points_accepted = accepted;
        self.points_discarded = discarded;
        self.recording = recording;
        self.resync = true;
        self.set_journaling(journaling);
    }

    fn rebuild_directory(&mut self) {
        let directory = self
            .widgets
            .iter()
            .map(|w| WidgetInfo {
                id: w.spec.id.as_str().into(),
                kind: w.spec.kind,
                series: match &w.spec.options {
                    WidgetOptions::LineChart(o) => {
                        o.series.iter().map(|s| s.name.clone()).collect()
                    }
                    _ => Arc::from([]),
                },
            })
            .collect();
        self.directory = Arc::new(directory);
    }

    fn note_config_change(&mut self) {
        self.config_revision += 1;
        if self.recording {
            self.config_changed = true;
        }
        if self.journaling {
            self.journal_config_changed = true;
        }
    }

    fn widget_mut(&mut self, widget: WidgetRef) -> EngineResult<&mut Widget> {
        if widget.generation != self.generation {
            return Err(EngineError::StaleHandle(format!("#{}", widget.index)));
        }
        self.widgets
            .get_mut(widget.index as usize)
            .ok_or_else(|| EngineError::UnknownWidget(format!("#{}", widget.index)))
    }

    /// Look a widget up by id.
    pub fn handle(&self, id: &str) -> Option<WidgetHandle> {
        let index = *self.by_id.get(id)?;
        let widget = &self.widgets[index as usize];
        Some(WidgetHandle {
            widget: WidgetRef {
                index,
                generation: self.generation,
            },
            spec: widget.spec.clone(),
            dropped: Arc::clone(&widget.dropped),
        })
    }

    /// A counter that moves on whenever the widget's data changes.
    pub fn widget_revision(&self, id: &str) -> Option<u64> {
        let index = *self.by_id.get(id)?;
        let widget = &self.widgets[index as usize];
        Some(widget.updates_applied + widget.replaced)
    }

    /// The spec and data of a widget.
    pub fn widget(&self, id: &str) -> Option<(&WidgetSpec, &WidgetData)> {
        let index = *self.by_id.get(id)?;
        let widget = &self.widgets[index as usize];
        Some((&widget.spec, &widget.data))
    }

    /// Apply one update. Updates for widgets removed by a reset, or of a shape that does not fit
    /// the widget, are counted as discarded; producers validate before sending, so neither
    /// happens in normal operation. A point of a windowed metric goes into its windows; the
    /// windows it closes are what the metric holds and what subscribers are told.
    pub fn apply(&mut self, mut update: Update) {
        if let Update::Points {
            widget,
            series,
            points,
        } = update
        {
            let series = (series != u32::MAX).then_some(series);
            for (ts_ms, value) in points.into_iter() {
                self.apply(Update::point(widget, series, ts_ms, value));
            }
            return;
        }
        if let Update::Batch { updates, .. } = update {
            // One call, under one lock: nothing reads the engine between two of them.
            for update in updates.into_iter() {
                if !matches!(update, Update::Batch { .. }) {
                    self.apply(update);
                }
            }
            return;
        }
        let generation = self.generation;
        let recording = self.recording;
        let replica = self.replica;
        let keep = recording || self.journaling;
        let target = update.widget();
        let Some(widget) = self
            .widgets
            .get_mut(target.index as usize)
            .filter(|_| target.generation == generation)
        else {
            self.points_discarded += 1;
            return;
        };
        let mut windows_closed = false;
        let applied = match (&mut update, &mut widget.data) {
            (Update::Point { ts_ms, value, .. }, WidgetData::Series(ring)) => {
                match &mut widget.window {
                    Some(windowing) if !replica => {
                        let closed = &mut self.closed_windows;
                        closed.clear();
                        windowing
                            .aggregator
                            .push(*ts_ms, *value, ring.capacity_points(), closed);
                        windowing.partial_changed = true;
                        self.partials_changed = true;
                        for &(end_ms, result) in closed.iter() {
                            ring.push(end_ms, result);
                        }
                        windows_closed = true;
                    }
                    _ => ring.push(*ts_ms, *value),
                }
                true
            }
            (Update::Partial { ts_ms, value, .. }, WidgetData::Series(_)) if replica => {
                match &mut widget.window {
                    Some(windowing) => {
                        windowing.replica_partial = (!ts_ms.is_nan()).then_some((*ts_ms, *value));
                        windowing.partial_changed = true;
                        self.partials_changed = true;
                        widget.updates_applied += 1;
                        // Subscribers hear of it from take_deltas; stores do not keep it.
                        return;
                    }
                    None => false,
                }
            }
            (
                Update::SeriesPoint {
                    series,
                    ts_ms,
                    value,
                    ..
                },
                WidgetData::MultiSeries(rings),
            ) => match rings.get_mut(*series as usize) {
                Some(ring) => {
                    ring.push(*ts_ms, *value);
                    true
                }
                None => false,
            },
            (Update::Bars { values, .. }, WidgetData::Bars(bars)) => {
                for bar in values.iter() {
                    match bars.iter_mut().find(|b| b.same_slot(bar)) {
                        Some(slot) => slot.value = bar.value,
                        None => bars.push(bar.clone()),
                    }
                }
                true
            }
            (Update::Upsert { row, .. }, WidgetData::Table(table)) => {
                let key = row
                    .key
                    .get_or_insert_with(|| table.next_auto_key().into_boxed_str());
                // The logs keep the row only while someone needs it; otherwise it moves.
                let fields = if keep {
                    row.row.clone()
                } else {
                    std::mem::take(&mut row.row)
                };
                table.upsert(key.to_string(), fields);
                true
            }
            (Update::Delete { key, .. }, WidgetData::Table(table)) => {
                table.delete(key);
                true
            }
            (Update::Clear { .. }, WidgetData::Table(table)) => {
                table.clear();
                true
            }
            (Update::Clear { .. }, WidgetData::Series(ring)) => {
                ring.clear();
                if let Some(windowing) = &mut widget.window {
                    windowing.aggregator = WindowAggregator::new(*windowing.window_spec());
                    windowing.replica_partial = None;
                    windowing.partial_changed = true;
                    self.partials_changed = true;
                }
                true
            }
            (Update::Clear { .. }, WidgetData::MultiSeries(rings)) => {
                rings.iter_mut().for_each(RingBuffer::clear);
                true
            }
            (Update::Text { text, .. }, WidgetData::Text(content)) => {
                content.clear();
                content.push_str(text);
                true
            }
            (Update::Matrix { matrix, .. }, WidgetData::Matrix(content)) => {
                content.clone_from(matrix);
                true
            }
            _ => false,
        };
        if !applied {
            self.points_discarded += 1;
            return;
        }
        widget.updates_applied += 1;
        self.points_accepted += 1;
        if windows_closed {
            // The raw point is not kept: the windows it closed are the metric's points.
            let closed = std::mem::take(&mut self.closed_windows);
            for &(ts_ms, value) in &closed {
                self.record(Update::Point {
                    widget: target,
                    ts_ms,
                    value,
                });
            }
            self.closed_windows = closed;
            return;
        }
        self.record(update);
    }

    /// Keep an applied update for the persistence journal and for subscribers, as each is on.
    #[inline]
    fn record(&mut self, update: Update) {
        let recording = self.recording;
        if self.journaling {
            if self.journal.len() >= MAX_JOURNAL_UPDATES {
                self.journal_lost += 1;
            } else if recording {
                self.journal.push(update.clone());
            } else {
                self.journal.push(update);
                return;
            }
        }
        if recording {
            if self.pending.len() < MAX_PENDING_UPDATES {
                self.pending.push(update);
            } else {
                self.pending = Vec::new();
                self.resync = true;
            }
        }
    }

    /// The partial window of a windowed metric: `(time of its newest point, value so far)`.
    pub fn partial(&self, id: &str) -> Option<(f64, f64)> {
        let index = *self.by_id.get(id)?;
        self.widgets[index as usize]
            .window
            .as_ref()?
            .partial(self.replica)
    }

    /// Points that came too late for their windows, for a windowed metric.
    pub fn late_points(&self, id: &str) -> Option<u64> {
        let index = *self.by_id.get(id)?;
        let window = self.widgets[index as usize].window.as_ref()?;
        Some(window.late(self.replica))
    }

    fn widget_losses(&self, widget: &Widget) -> Losses {
        Losses {
            dropped: widget.dropped.load(Ordering::Relaxed),
            late: widget.window.as_ref().map_or(0, |w| w.late(self.replica)),
        }
    }

    /// What a widget lost of its input.
    pub fn losses(&self, id: &str) -> Losses {
        self.by_id
            .get(id)
            .map(|&index| self.widget_losses(&self.widgets[index as usize]))
            .unwrap_or_default()
    }

    /// Every widget that lost something, by id, in declaration order.
    pub fn all_losses(&self) -> Vec<(Arc<str>, Losses)> {
        self.widgets
            .iter()
            .zip(self.directory.iter())
            .map(|(w, info)| (Arc::clone(&info.id), self.widget_losses(w)))
            .filter(|(_, losses)| !losses.is_none())
            .collect()
    }

    /// Set what every widget lost, as its producer reports it (a replica mirrors the producer's
    /// counters; late points count only for windowed metrics).
    pub fn set_all_losses(&mut self, losses: impl Fn(&str) -> Losses) {
        for widget in &mut self.widgets {
            let losses = losses(&widget.spec.id);
            widget.dropped.store(losses.dropped, Ordering::Relaxed);
            if let Some(window) = &mut widget.window {
                window.replica_late = losses.late;
            }
        }
    }

    /// Take what a persistence sink has not stored yet.
    pub fn take_journal(&mut self) -> Journal {
        let config_changed = std::mem::take(&mut self.journal_config_changed);
        Journal {
            config: config_changed.then(|| self.config_view()),
            updates: std::mem::take(&mut self.journal),
            lost: std::mem::take(&mut self.journal_lost),
            directory: Arc::clone(&self.directory),
        }
    }

    /// Take what changed since the last call.
    pub fn take_deltas(&mut self) -> Deltas {
        let resync = std::mem::take(&mut self.resync);
        let config_changed = std::mem::take(&mut self.config_changed);
        let mut updates = std::mem::take(&mut self.pending);
        if std::mem::take(&mut self.partials_changed) {
            // Each changed partial window once per take, after the windows that closed.
            let (generation, replica) = (self.generation, self.replica);
            for (index, widget) in self.widgets.iter_mut().enumerate() {
                let Some(windowing) = &mut widget.window else {
                    continue;
                };
                if std::mem::take(&mut windowing.partial_changed) && self.recording {
                    let (ts_ms, value) = windowing.partial(replica).unwrap_or((f64::NAN, f64::NAN));
                    updates.push(Update::Partial {
                        widget: WidgetRef {
                            index: index as u32,
                            generation,
                        },
                        ts_ms,
                        value,
                    });
                }
            }
        }
        Deltas {
            config: (config_changed && !resync).then(|| self.config_view()),
            updates: if resync { Vec::new() } else { updates },
            resync,
            directory: Arc::clone(&self.directory),
        }
    }

    /// The configuration as sent to subscribers.
    pub fn config_view(&self) -> ConfigView {
        let specs: Vec<WidgetSpec> = self.widgets.iter().map(|w| w.spec.clone()).collect();
        ConfigView {
            title: self.config.title.clone(),
            theme: self.config.theme.clone(),
            buffer_size: self.config.buffer_size,
            favicon: image_url(ImageSlot::Favicon, &self.config.favicon),
            logo: image_url(ImageSlot::Logo, &self.config.logo),
            layout: build_layout(&self.containers, &specs),
            widgets: specs,
            containers: self.containers.list().to_vec(),
        }
    }

    /// A copy of the whole dashboard. Call [`Engine::take_deltas`] first when subscribers must
    /// continue from this instant, so that no delta is counted twice.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            config: self.config_view(),
            data: self.widgets.iter().map(|w| w.data.clone()).collect(),
            partials: self
                .widgets
                .iter()
                .map(|w| w.window.as_ref().and_then(|win| win.partial(self.replica)))
                .collect(),
            losses: self.widgets.iter().map(|w| self.widget_losses(w)).collect(),
        }
    }

    /// Counters for monitoring.
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            points_accepted: self.points_accepted,
            points_discarded: self.points_discarded,
            widgets: self.widgets.len(),
            per_widget: self
                .widgets
                .iter()
                .map(|w| WidgetStats {
                    id: w.spec.id.clone(),
                    accepted: w.updates_applied,
                    dropped: w.dropped.load(Ordering::Relaxed),
                    held: w.data.len(),
                    late: w.window.as_ref().map_or(0, |win| win.late(self.replica)),
                })
                .collect(),
        }
    }
}

fn unreachable_kind() -> ! {
    unreachable!("a widget's data always matches its kind")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn declare(
        engine: &mut Engine,
        id: &str,
        kind: &str,
        options: serde_json::Value,
    ) -> WidgetHandle {
        engine
            .declare(WidgetSpec::parse(id, kind, options).unwrap())
            .unwrap()
    }

    #[test]
    fn a_batch_applies_and_records_its_updates_in_order_and_a_clear_empties_every_series() {
        let mut engine = Engine::new();
        engine.set_recording(true);
        let chart = declare(
            &mut engine,
            "temps",
            "line_chart",
            json!({"series": [{"name": "cpu"}, {"name": "gpu"}]}),
        );
        let point = |series, ts_ms, value| Update::SeriesPoint {
            widget: chart.widget,
            series,
            ts_ms,
            value,
        };
        engine.apply(point(0, 1.0, 1.0));
        engine.apply(point(1, 1.0, 2.0));
        engine.take_deltas();
        engine.apply(Update::Batch {
            widget: chart.widget,
            updates: Box::new(vec![
                Update::Clear {
                    widget: chart.widget,
                },
                Update::Points {
                    widget: chart.widget,
                    series: 0,
                    points: Box::new(vec![(1.0, 5.0), (2.0, 6.0)]),
                },
            ]),
        });
        let Some((_, WidgetData::MultiSeries(rings))) = engine.widget("temps") else {
            panic!()
        };
        let held: Vec<Vec<(f64, f64)>> = rings.iter().map(|r| r.iter().collect()).collect();
        assert_eq!(held, vec![vec![(1.0, 5.0), (2.0, 6.0)], vec![]]);
        let deltas = engine.take_deltas();
        assert!(matches!(deltas.updates[0], Update::Clear { .. }));
        assert_eq!(deltas.updates.len(), 3, "the clear, then each point");
        assert_eq!(engine.stats().points_accepted, 5);
    }

    #[test]
    fn points_land_in_the_widget_ring_with_its_capacity() {
        let mut engine = Engine::new();
        let cpu = declare(&mut engine, "cpu", "metric", json!({"max_points": 3}));
        for i in 0..5 {
            engine.apply(Update::Point {
                widget: cpu.widget,
                ts_ms: i as f64,
                value: i as f64,
            });
        }
        let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!("no series")
        };
        assert_eq!(
            ring.iter().map(|p| p.1).collect::<Vec<_>>(),
            vec![2.0, 3.0, 4.0]
        );
        assert_eq!(engine.stats().points_accepted, 5);
    }

    #[test]
    fn default_capacity_follows_buffer_size() {
        let mut engine = Engine::new();
        engine.configure(ConfigPatch {
            buffer_size: Some(2),
            ..Default::default()
        });
        let cpu = declare(&mut engine, "cpu", "metric", json!({}));
        for i in 0..4 {
            engine.apply(Update::Point {
                widget: cpu.widget,
                ts_ms: i as f64,
                value: 1.0,
            });
        }
        assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(2));
    }

    #[test]
    fn redeclaring_keeps_data_and_refuses_another_kind() {
        let mut engine = Engine::new();
        let first = declare(&mut engine, "cpu", "metric", json!({}));
        engine.apply(Update::Point {
            widget: first.widget,
            ts_ms: 1.0,
            value: 5.0,
        });
        let second = declare(&mut engine, "cpu", "metric", json!({"title": "CPU"}));
        assert_eq!(first.widget, second.widget);
        assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(1));
        let err = engine
            .declare(WidgetSpec::parse("cpu", "gauge", json!({})).unwrap())
            .unwrap_err();
        assert!(matches!(
            err,
            EngineError::KindConflict {
                existing: "metric",
                requested: "gauge",
                ..
            }
        ));
    }

    #[test]
    fn table_upserts_deletes_and_assigns_keys() {
        let mut engine = Engine::new();
        engine.set_recording(true);
        let table = declare(&mut engine, "events", "table", json!({"max_rows": 2}));
        let row = |key: Option<&str>, n: i64| {
            Box::new(KeyedRow {
                key: key.map(Into::into),
                row: json!({"n": n}).as_object().cloned().unwrap(),
            })
        };
        engine.apply(Update::Upsert {
            widget: table.widget,
            row: row(None, 1),
        });
        engine.apply(Update::Upsert {
            widget: table.widget,
            row: row(Some("k"), 2),
        });
        engine.apply(Update::Upsert {
            widget: table.widget,
            row: row(Some("k"), 3),
        });
        engine.apply(Update::Delete {
            widget: table.widget,
            key: "#0".into(),
        });
        let Some((_, WidgetData::Table(rows))) = engine.widget("events") else {
            panic!("no table")
        };
        let rows: Vec<_> = rows
            .iter()
            .map(|(k, r)| (k.to_owned(), r["n"].clone()))
            .collect();
        assert_eq!(rows, vec![("k".to_owned(), json!(3))]);
        // The log carries the key the engine assigned, so subscribers can apply later deletes.
        let deltas = engine.take_deltas();
        assert!(
            matches!(&deltas.updates[0], Update::Upsert { row, .. } if row.key.as_deref() == Some("#0"))
        );
        assert_eq!(deltas.updates.len(), 4);
    }

    #[test]
    fn deltas_are_logged_only_while_recording_and_overflow_asks_for_resync() {
        let mut engine = Engine::new();
        let cpu = declare(&mut engine, "cpu", "metric", json!({}));
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 1.0,
            value: 1.0,
        });
        assert!(engine.take_deltas().updates.is_empty());
        engine.set_recording(true);
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 2.0,
            value: 2.0,
        });
        let deltas = engine.take_deltas();
        assert_eq!(deltas.updates.len(), 1);
        assert!(!deltas.resync);
        for i in 0..=MAX_PENDING_UPDATES {
            engine.apply(Update::Point {
                widget: cpu.widget,
                ts_ms: i as f64,
                value: 0.0,
            });
        }
        let deltas = engine.take_deltas();
        assert!(deltas.resync);
        assert!(deltas.updates.is_empty());
    }

    #[test]
    fn reset_discards_stale_updates() {
        let mut engine = Engine::new();
        let cpu = declare(&mut engine, "cpu", "metric", json!({}));
        engine.reset();
        let gauge = declare(&mut engine, "g", "gauge", json!({}));
        assert_eq!(gauge.widget.index, cpu.widget.index);
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 1.0,
            value: 1.0,
        });
        assert_eq!(engine.widget("g").map(|(_, d)| d.len()), Some(0));
        assert_eq!(engine.stats().points_discarded, 1);
    }

    #[test]
    fn a_windowed_metric_holds_its_closed_windows_and_tells_subscribers_of_the_partial_one() {
        let mut engine = Engine::new();
        engine.set_recording(true);
        let cpu = declare(
            &mut engine,
            "cpu",
            "metric",
            json!({"window": "1s", "aggregation": "sum"}),
        );
        engine.take_deltas();
        let point = |ts_ms: f64, value: f64| Update::Point {
            widget: cpu.widget,
            ts_ms,
            value,
        };
        for (ts, v) in [(100.0, 1.0), (600.0, 2.0), (1200.0, 4.0)] {
            engine.apply(point(ts, v));
        }
        let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!("no series")
        };
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![(1000.0, 3.0)]);
        assert_eq!(engine.partial("cpu"), Some((1200.0, 4.0)));
        // Subscribers get the closed window, then the partial one, once.
        let deltas = engine.take_deltas();
        assert_eq!(
            deltas.updates,
            vec![
                point(1000.0, 3.0),
                Update::Partial {
                    widget: cpu.widget,
                    ts_ms: 1200.0,
                    value: 4.0
                }
            ]
        );
        assert!(engine.take_deltas().updates.is_empty());
        assert_eq!(engine.snapshot().partials, vec![Some((1200.0, 4.0))]);
        // A late point is counted, not aggregated.
        engine.apply(point(500.0, 100.0));
        assert_eq!(engine.late_points("cpu"), Some(1));
        assert_eq!(engine.stats().per_widget[0].late, 1);
        // Another windowing starts over: the old windows are cleared, for subscribers too.
        declare(
            &mut engine,
            "cpu",
            "metric",
            json!({"window": "1s", "aggregation": "max"}),
        );
        assert_eq!(engine.widget("cpu").map(|(_, d)| d.len()), Some(0));
        assert_eq!(engine.partial("cpu"), None);
        let deltas = engine.take_deltas();
        assert!(deltas
            .updates
            .contains(&Update::Clear { widget: cpu.widget }));
        // The same windowing again keeps everything.
        engine.apply(point(2500.0, 7.0));
        declare(
            &mut engine,
            "cpu",
            "metric",
            json!({"window": "1s", "aggregation": "max", "title": "CPU"}),
        );
        assert_eq!(engine.partial("cpu"), Some((2500.0, 7.0)));
    }

    #[test]
    fn a_replica_holds_window_results_as_they_come_and_takes_its_partial_window() {
        let mut engine = Engine::new();
        engine.set_replica(true);
        let cpu = declare(
            &mut engine,
            "cpu",
            "metric",
            json!({"window": "1m", "aggregation": "p95"}),
        );
        engine.apply(Update::Point {
            widget: cpu.widget,
            ts_ms: 60_000.0,
            value: 42.0,
        });
        engine.apply(Update::Partial {
            widget: cpu.widget,
            ts_ms: 61_000.0,
            value: 7.0,
        });
        let Some((_, WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!("no series")
        };
        assert_eq!(ring.iter().collect::<Vec<_>>(), vec![(60_000.0, 42.0)]);
        assert_eq!(engine.partial("cpu"), Some((61_000.0, 7.0)));
        engine.apply(Update::Partial {
            widget: cpu.widget,
            ts_ms: f64::NAN,
            value: f64::NAN,
        });
        assert_eq!(engine.partial("cpu"), None);
        // A producer's engine takes no partial window from outside.
        let mut producer = Engine::new();
        let cpu = declare(&mut producer, "cpu", "metric", json!({"window": "1m"}));
        producer.apply(Update::Partial {
            widget: cpu.widget,
            ts_ms: 1.0,
            value: 1.0,
        });
        assert_eq!(producer.partial("cpu"), None);
        assert_eq!(producer.stats().points_discarded, 1);
    }

    #[test]
    fn line_chart_series_are_added_by_name() {
        let mut engine = Engine::new();
        let chart = declare(
            &mut engine,
            "temps",
            "line_chart",
            json!({"series": [{"name": "cpu"}]}),
        );
        let series = |name: &str| SeriesOptions {
            name: name.into(),
            color: None,
            label: None,
        };
        assert_eq!(
            engine.series_index(chart.widget, series("cpu"), false),
            Ok(0)
        );
        assert_eq!(
            engine.series_index(chart.widget, series("gpu"), false),
            Ok(1)
        );
        engine.apply(Update::SeriesPoint {
            widget: chart.widget,
            series: 1,
            ts_ms: 1.0,
            value: 3.0,
        });
        let Some((_, WidgetData::MultiSeries(rings))) = engine.widget("temps") else {
            panic!()
        };
        assert_eq!((rings[0].len(), rings[1].len()), (0, 1));
    }
}
