//! The engine: the registry of widgets by id with each one's spec and data, declarations and
//! settings, the log of what changed since subscribers last looked (deltas) and the journal for
//! persistence, and snapshots for new subscribers; applying updates is in `apply`.
//! Single-threaded by design; the ingest layer gives it its thread.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::alert::Alerts;
use super::dashboard::{ConfigPatch, DashboardConfig};
use super::error::{EngineError, EngineResult};
use super::layout::{build_layout, ContainerSpec, Containers};
use super::limits::{MAX_SERIES, MAX_WIDGETS};
use super::ring::RingBuffer;
use super::spec::{SeriesOptions, WidgetOptions, WidgetSpec};
use super::table::KeyedTable;
use super::theme::{BrandImage, ImageSlot};
use super::update::{Update, WidgetRef};
use super::views::{
    ConfigView, Deltas, EngineStats, Journal, Losses, Snapshot, WidgetData, WidgetHandle,
    WidgetInfo, WidgetStats, MAX_JOURNAL_UPDATES,
};
use super::window::{WindowAggregator, WindowSpec};

mod alerts;
mod apply;
mod log;
mod relay;
mod relay_log;

use log::log;

pub use relay_log::{fresh_id, RelayPart, RelayTake};
use relay_log::{RelayLog, Run};

/// Most updates the delta log holds before subscribers are told to resynchronise instead (a
/// batch of points counting as its points).
pub const MAX_PENDING_UPDATES: usize = 1 << 20;

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

fn image_url(slot: ImageSlot, image: &Option<BrandImage>) -> Option<String> {
    image
        .as_ref()
        .map(|i| format!("/branding/{}?v={}", slot.name(), i.version))
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
    /// What `pending` holds, a batch counting as its points.
    pending_weight: usize,
    config_changed: bool,
    resync: bool,
    journaling: bool,
    /// The store is shared with the other servers of the relay: what they accepted is stored
    /// by them, so updates applied from the relay are not journaled here.
    journal_shared: bool,
    journal: Vec<Update>,
    /// What `journal` holds, a batch counting as its points.
    journal_weight: usize,
    journal_config_changed: bool,
    journal_lost: u64,
    config_revision: u64,
    replica: bool,
    partials_changed: bool,
    /// Scratch space for the windows a point closes.
    closed_windows: Vec<(f64, f64)>,
    /// Alert rules and their states, moved by the points applied.
    alerts: Alerts,
    /// What this engine's producers sent, for a relay to other servers.
    relay: RelayLog,
    /// This engine's run id and journal count (kept across resets).
    run: Run,
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
            pending_weight: 0,
            config_changed: false,
            resync: false,
            journaling: false,
            journal_shared: false,
            journal: Vec::new(),
            journal_weight: 0,
            journal_config_changed: false,
            journal_lost: 0,
            config_revision: 0,
            replica: false,
            partials_changed: false,
            closed_windows: Vec::new(),
            alerts: Alerts::default(),
            relay: RelayLog::default(),
            run: Run::new(),
        }
    }

    /// Make this engine a replica of another one (a mirror of a producer, or a stored dashboard
    /// being loaded): windowed metrics take points as the windows' results, as they are, and
    /// their partial window from [`Update::Partial`], instead of aggregating.
    pub fn set_replica(&mut self, replica: bool) {
        self.replica = replica;
        self.alerts.set_replica(replica);
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
            self.pending_weight = 0;
        }
    }

    /// Keep a journal of every applied update and configuration change for
    /// [`Engine::take_journal`] (on while a persistence sink is attached). Unlike the delta log it
    /// is never replaced by a resync.
    pub fn set_journaling(&mut self, journaling: bool) {
        self.journaling = journaling;
        self.journal = Vec::new();
        self.journal_weight = 0;
        self.journal_config_changed = journaling;
        self.alerts.set_journaling(journaling);
    }

    /// Whether the store the journal goes to is shared with the other servers of the relay (a
    /// Redis store): then updates another server accepted are stored by that server, not
    /// journaled here again.
    pub fn set_journal_shared(&mut self, shared: bool) {
        self.journal_shared = shared;
    }

    /// Declare a widget, or re-declare one: the same id with the same kind returns the existing
    /// widget with the new options (data kept); another kind is an error.
    pub fn declare(&mut self, spec: WidgetSpec) -> EngineResult<WidgetHandle> {
        let mut spec = spec;
        spec.placement.parent = self
            .containers
            .place(&format!("w:{}", spec.id), spec.placement.parent.as_deref())?;
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
                self.relay.config_changed();
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

    /// The layout containers as declared (a push checks its own against a copy).
    pub fn containers(&self) -> &Containers {
        &self.containers
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
        if let Some(range) = patch.default_time_range_ms {
            self.config.default_time_range_ms = range;
        }
        if let Some(auto_refresh) = patch.auto_refresh {
            self.config.auto_refresh = auto_refresh;
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
        let mut alerts = std::mem::take(&mut self.alerts);
        let relay = std::mem::take(&mut self.relay);
        let run = std::mem::replace(&mut self.run, Run::new());
        alerts.clear();
        *self = Self::new();
        self.relay = relay;
        self.run = run;
        // The relay's updates from before are of widgets that are gone; its peers keep theirs.
        self.relay.config_changed();
        self.alerts = alerts;
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
                max_rows: match &w.spec.options {
                    WidgetOptions::Table(o) => o.max_rows,
                    _ => 0,
                },
            })
            .collect();
        self.directory = Arc::new(directory);
        self.alerts.bind(&self.directory);
    }

    fn note_config_change(&mut self) {
        self.config_revision += 1;
        self.relay.config_changed();
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

    /// Keep an applied update for the persistence journal and for subscribers, as each is on.
    #[inline]
    fn record(&mut self, update: Update) {
        let recording = self.recording;
        let weight = update.batch_len().max(1);
        if self.journaling && !(self.journal_shared && self.relay.remote) {
            if self.journal_weight + weight > MAX_JOURNAL_UPDATES {
                self.journal_lost += weight as u64;
            } else {
                self.journal_weight += weight;
                if recording {
                    log(&mut self.journal, update.clone());
                } else {
                    log(&mut self.journal, update);
                    return;
                }
            }
        }
        if recording {
            if self.pending_weight + weight <= MAX_PENDING_UPDATES {
                self.pending_weight += weight;
                log(&mut self.pending, update);
            } else {
                self.pending = Vec::new();
                self.pending_weight = 0;
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

    /// Whether the store is shared with the other servers of the relay
    /// ([`Engine::set_journal_shared`]).
    pub fn journal_shared(&self) -> bool {
        self.journaling && self.journal_shared
    }

    /// Points (a batch counting as its points) in the journal now, waiting for the store.
    pub fn journal_weight(&self) -> usize {
        self.journal_weight
    }

    /// Take what a persistence sink has not stored yet.
    pub fn take_journal(&mut self) -> Journal {
        let config_changed = std::mem::take(&mut self.journal_config_changed);
        self.run.journals += 1;
        // What the relay logs from now on goes with the next journal.
        self.relay.cut(self.run.journals + 1);
        Journal {
            run: Arc::clone(&self.run.id),
            number: self.run.journals,
            config: config_changed.then(|| self.config_view()),
            updates: {
                self.journal_weight = 0;
                std::mem::take(&mut self.journal)
            },
            lost: std::mem::take(&mut self.journal_lost),
            alerts: self.alerts.take_journal(),
            directory: Arc::clone(&self.directory),
        }
    }

    /// Take what changed since the last call.
    pub fn take_deltas(&mut self) -> Deltas {
        let resync = std::mem::take(&mut self.resync);
        let config_changed = std::mem::take(&mut self.config_changed);
        let mut updates = std::mem::take(&mut self.pending);
        self.pending_weight = 0;
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
            alerts: self.alerts.take_changes(),
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
            default_time_range_ms: self.config.default_time_range_ms,
            auto_refresh: self.config.auto_refresh,
            favicon: image_url(ImageSlot::Favicon, &self.config.favicon),
            logo: image_url(ImageSlot::Logo, &self.config.logo),
            layout: build_layout(&self.containers, &specs),
            widgets: specs,
            containers: self.containers.list().to_vec(),
            alerts: self.alerts.rules(),
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
            alerts: self.alerts.view(),
            relay_connected: self.relay.connected,
        }
    }

    /// Counters for monitoring.
    pub fn stats(&self) -> EngineStats {
        EngineStats {
            points_accepted: self.points_accepted,
            points_discarded: self.points_discarded,
            widgets: self.widgets.len(),
            alert_transitions_dropped: self.alerts.listener_dropped(),
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

/// A widget's data that does not fit its kind: declarations make sure it always does.
fn unreachable_kind() -> ! {
    unreachable!("a widget's data always matches its kind")
}

#[cfg(test)]
mod tests;
