//! What one frame draws, read from the engine in one short lock: each visible widget's data in
//! drawable form. Plots are decimated for their visible range through an [`M4Cache`] per series,
//! so a frame reads only points pushed since the last one; other kinds are copied only when
//! their widget changed.

use std::collections::HashMap;
use std::sync::Arc;

use crate::engine::decimate::M4Cache;
use crate::engine::{Bar, Engine, RingBuffer, Row, WidgetData, WidgetSpec};

/// Default plot width in pixel columns before a plot has been laid out once.
pub const DEFAULT_COLUMNS: usize = 800;

/// A widget's drawable content.
#[derive(Debug, Clone)]
pub enum Body {
    /// Metric or line chart: decimated series over the visible range.
    Plot(PlotModel),
    /// Stat: the newest value, the one before, recent values for the sparkline.
    Stat(StatModel),
    /// Gauge: the newest value.
    Gauge(Option<f64>),
    /// Bar chart bars.
    Bars(Arc<Vec<Bar>>),
    /// Table rows, oldest first.
    Table(Arc<TableModel>),
    /// Text or markdown source.
    Text(Arc<str>),
    /// Heatmap rows.
    Matrix(Arc<Vec<Vec<f64>>>),
}

/// A plot's series over its visible range.
#[derive(Debug, Clone, Default)]
pub struct PlotModel {
    /// One entry per series, in spec order.
    pub series: Vec<SeriesModel>,
    /// The visible time range, ms.
    pub range: (f64, f64),
    /// The newest value of the first series within the range (the metric's header).
    pub last: Option<f64>,
    /// The newest point of the first series, in range or not (where a partial window's dashed
    /// line starts).
    pub newest: Option<[f64; 2]>,
    /// A windowed metric's open window: `[newest point's time, value so far]`.
    pub partial: Option<[f64; 2]>,
}

/// One decimated series.
#[derive(Debug, Clone, Default)]
pub struct SeriesModel {
    /// `[ts_ms, value]`; a NaN value marks a gap.
    pub points: Vec<[f64; 2]>,
}

/// A stat's numbers.
#[derive(Debug, Clone, Default)]
pub struct StatModel {
    /// Newest value.
    pub value: Option<f64>,
    /// The value before it.
    pub previous: Option<f64>,
    /// Up to [`SPARKLINE_POINTS`] recent values, oldest first.
    pub recent: Vec<f64>,
}

/// Values a stat's sparkline shows.
pub const SPARKLINE_POINTS: usize = 60;

/// A table's rows with the fields seen, in order of first appearance.
#[derive(Debug, Clone, Default)]
pub struct TableModel {
    /// Every field seen.
    pub fields: Vec<String>,
    /// `(key, row)`, oldest insertion first.
    pub rows: Vec<(String, Row)>,
}

/// How a plot chooses its visible time range this frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotRequest {
    /// `[t0, t1]` in ms.
    pub range: (f64, f64),
    /// Pixel columns.
    pub columns: usize,
}

/// Per-widget caches kept across frames.
#[derive(Debug, Default)]
pub struct Extractor {
    /// One cache per series of each plot, by widget id.
    series: HashMap<String, Vec<M4Cache>>,
    copies: HashMap<String, (u64, Body)>,
    config_revision: u64,
    /// Ring points read by the last [`Extractor::plot`] calls (benchmarks and tests).
    pub points_read: usize,
}

impl Extractor {
    /// Forget every cache when the configuration changed (series may have moved).
    pub fn sync_config(&mut self, config_revision: u64) {
        if config_revision != self.config_revision {
            self.series.clear();
            self.copies.clear();
            self.config_revision = config_revision;
        }
    }

    /// A metric's or line chart's series over `request`.
    pub fn plot(
        &mut self,
        spec: &WidgetSpec,
        data: &WidgetData,
        request: PlotRequest,
    ) -> PlotModel {
        let rings = rings(data);
        let (t0, t1) = request.range;
        let caches = match self.series.get_mut(&spec.id) {
            Some(caches) => caches,
            None => self.series.entry(spec.id.clone()).or_default(),
        };
        caches.resize_with(rings.len(), M4Cache::default);
        let mut series = Vec::with_capacity(rings.len());
        for (ring, cache) in rings.iter().zip(caches.iter_mut()) {
            let points = cache.update(ring, t0, t1, request.columns).to_vec();
            self.points_read += cache.last_scanned;
            series.push(SeriesModel { points });
        }
        let last = series
            .first()
            .and_then(|s| s.points.iter().rev().find(|p| !p[1].is_nan()))
            .map(|p| p[1]);
        PlotModel {
            series,
            range: request.range,
            last,
            newest: rings
                .first()
                .and_then(RingBuffer::last)
                .map(|(t, v)| [t, v]),
            partial: None,
        }
    }

    /// Any other kind's content, copied only when the widget changed since the last call.
    pub fn copy(&mut self, engine: &Engine, spec: &WidgetSpec) -> Option<Body> {
        let revision = engine.widget_revision(&spec.id)?;
        if let Some((seen, body)) = self.copies.get(&spec.id) {
            if *seen == revision {
                return Some(body.clone());
            }
        }
        let (_, data) = engine.widget(&spec.id)?;
        let body = match data {
            WidgetData::Series(ring) => match spec.kind {
                crate::WidgetKind::Gauge => Body::Gauge(ring.last().map(|p| p.1)),
                _ => Body::Stat(stat_model(ring)),
            },
            WidgetData::Bars(bars) => Body::Bars(Arc::new(bars.clone())),
            WidgetData::Table(table) => Body::Table(Arc::new(TableModel {
                fields: table.fields().to_vec(),
                rows: table
                    .iter()
                    .map(|(key, row)| (key.to_owned(), row.clone()))
                    .collect(),
            })),
            WidgetData::Text(text) => Body::Text(Arc::from(text.as_str())),
            WidgetData::Matrix(matrix) => Body::Matrix(Arc::new(matrix.clone())),
            WidgetData::MultiSeries(_) => return None,
        };
        self.copies
            .insert(spec.id.clone(), (revision, body.clone()));
        Some(body)
    }
}

fn stat_model(ring: &RingBuffer) -> StatModel {
    stat_model_until(ring, ring.len())
}

/// A stat's numbers from the ring's first `end` points (a replay's time).
fn stat_model_until(ring: &RingBuffer, end: usize) -> StatModel {
    let point = |offset: usize| end.checked_sub(offset + 1).and_then(|i| ring.get(i));
    let mut recent: Vec<f64> = (0..SPARKLINE_POINTS.min(end))
        .filter_map(point)
        .map(|p| p.1)
        .filter(|v| v.is_finite())
        .collect();
    recent.reverse();
    StatModel {
        value: point(0).map(|p| p.1),
        previous: point(1).map(|p| p.1),
        recent,
    }
}

/// A stat or gauge as of `at_ms` (a replay): its points up to that time.
pub fn copy_at(spec: &WidgetSpec, data: &WidgetData, at_ms: f64) -> Option<Body> {
    let WidgetData::Series(ring) = data else {
        return None;
    };
    let end = if ring.is_time_sorted() {
        // The first point after `at_ms`: points at that very time are shown.
        ring.partition_time(crate::engine::just_after(at_ms))
    } else {
        ring.iter().take_while(|&(ts, _)| ts <= at_ms).count()
    };
    let model = stat_model_until(ring, end);
    Some(match spec.kind {
        crate::WidgetKind::Gauge => Body::Gauge(model.value),
        _ => Body::Stat(model),
    })
}

/// Points older than a plot's rings, read from a store (a recording) for the part of the view
/// before the first held point, decimated to the plot's columns. Reads run on a thread of their
/// own (a long recording takes a while), one at a time per series; until one arrives the
/// points read for an earlier view are shown where they still fall in this one. A read is
/// started again when the view or the ring's start moves by more than 1/200 of the view.
#[derive(Default)]
pub struct OlderPoints {
    cached: HashMap<(String, usize), OlderSeries>,
}

/// A value read on a thread of its own for a key (the view or the time it is for): the last
/// value that arrived and the key it was read for, and the read under way (one at a time).
#[derive(Default)]
struct Read<K, T> {
    key: K,
    value: T,
    pending: Option<(K, crossbeam_channel::Receiver<T>)>,
}

impl<K: PartialEq + Clone, T: Send + 'static> Read<K, T> {
    /// Take a value that arrived; true when the value is for another key than `key` and no read
    /// is under way (start one with [`Read::start`]).
    fn needs(&mut self, key: &K) -> bool {
        if let Some((read_for, arrived)) = &self.pending {
            if let Ok(value) = arrived.try_recv() {
                self.key = read_for.clone();
                self.value = value;
                self.pending = None;
            }
        }
        &self.key != key && self.pending.is_none()
    }

    /// Run `read` for `key` on a thread named `streamviz-history`; `ctx` is asked to repaint
    /// when it finishes.
    fn start(&mut self, key: K, ctx: &egui::Context, read: impl FnOnce() -> T + Send + 'static) {
        let (deliver, arrived) = crossbeam_channel::bounded(1);
        let ctx = ctx.clone();
        let run = move || {
            let _ = deliver.send(read());
            ctx.request_repaint();
        };
        if std::thread::Builder::new()
            .name("streamviz-history".into())
            .spawn(run)
            .is_ok()
        {
            self.pending = Some((key, arrived));
        }
    }

    fn reading(&self) -> bool {
        self.pending.is_some()
    }

    /// Wait until `deadline` for the read under way; true when none is left.
    fn wait_until(&mut self, deadline: std::time::Instant) -> bool {
        if let Some((read_for, arrived)) = self.pending.take() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match arrived.recv_timeout(left) {
                Ok(value) => {
                    self.key = read_for;
                    self.value = value;
                }
                Err(_) => {
                    self.pending = Some((read_for, arrived));
                    return false;
                }
            }
        }
        true
    }
}

/// The stored points shown before one series' ring, by the view they were read for.
type OlderSeries = Read<String, Vec<[f64; 2]>>;

impl std::fmt::Debug for OlderPoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OlderPoints")
            .field("cached", &self.cached.len())
            .finish()
    }
}

impl OlderPoints {
    /// Put the stored points before each series' ring in front of its decimated points;
    /// `ctx` is asked to repaint when a read finishes.
    pub fn add(
        &mut self,
        history: &crate::ingest::HistorySource,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        data: &WidgetData,
        request: PlotRequest,
        model: &mut PlotModel,
    ) {
        let (t0, t1) = request.range;
        let names = crate::protocol::series_names(spec);
        for (index, ring) in rings(data).iter().enumerate() {
            let Some(first) = ring.iter().map(|(ts, _)| ts).reduce(f64::min) else {
                continue;
            };
            if ring.len() < ring.capacity_points() || t0 >= first {
                continue; // nothing was evicted, or the view starts within the ring
            }
            let name = if matches!(data, WidgetData::MultiSeries(_)) {
                names.get(index).copied().unwrap_or("")
            } else {
                ""
            };
            // Up to the first held point, or the end of the view if that comes first.
            let until = first.min(crate::engine::just_after(t1));
            let step = ((t1 - t0) / 200.0).max(1.0);
            let key = format!(
                "{}:{}:{}:{}",
                (t0 / step).floor(),
                (until / step).floor(),
                request.columns,
                until == first
            );
            let older = self.cached.entry((spec.id.clone(), index)).or_default();
            if older.needs(&key) {
                let (history, id, name) = (
                    std::sync::Arc::clone(history),
                    spec.id.clone(),
                    name.to_owned(),
                );
                let columns = request.columns;
                older.start(key, ctx, move || match history(&id, &name, t0, until) {
                    Ok(points) => {
                        crate::engine::decimate::m4(points.into_iter(), t0, until, columns)
                            .into_iter()
                            .map(|(t, v)| [t, v])
                            .collect()
                    }
                    Err(err) => {
                        tracing::warn!("reading stored points of {id:?}: {err}");
                        Vec::new()
                    }
                });
            }
            let shown: Vec<[f64; 2]> = older
                .value
                .iter()
                .filter(|p| p[0] >= t0 && p[0] < until)
                .copied()
                .collect();
            if let (false, Some(series)) = (shown.is_empty(), model.series.get_mut(index)) {
                if index == 0 && series.points.is_empty() {
                    // The metric's readout: the newest value in view, here a stored one.
                    model.last = shown.iter().rev().map(|p| p[1]).find(|v| v.is_finite());
                }
                let mut points = shown;
                points.append(&mut series.points);
                series.points = points;
            }
        }
    }

    /// True while a read of stored points is under way.
    pub fn reading(&self) -> bool {
        self.cached.values().any(Read::reading)
    }

    /// Wait up to `timeout` for the reads under way to finish; true when none is left.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        wait_all(self.cached.values_mut(), timeout)
    }
}

/// Wait up to `timeout` for every read under way; true when none is left.
fn wait_all<'a, K: PartialEq + Clone + 'a, T: Send + 'static>(
    reads: impl IntoIterator<Item = &'a mut Read<K, T>>,
    timeout: std::time::Duration,
) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    reads.into_iter().all(|read| read.wait_until(deadline))
}

/// The widgets of a replay that the rings cannot show as of its time, read from the recording on
/// a thread (one read per widget at a time): tables, bar charts, texts and heatmaps from their
/// stored changes, applied to an engine of their own; stats and gauges scrubbed to before their
/// ring from their stored points. Until a read arrives the widget shows what the rings give.
#[derive(Default)]
pub struct AsOf {
    /// Per widget, its content by the time it shows.
    cached: HashMap<String, Read<Option<f64>, Option<Body>>>,
}

impl std::fmt::Debug for AsOf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsOf")
            .field("cached", &self.cached.len())
            .finish()
    }
}

impl AsOf {
    /// A stat or gauge as of `at` from its stored points up to then (the recording starts at
    /// `first`): the newest before `at` are looked for a minute back, then an hour, and so on,
    /// until there are enough for its sparkline.
    pub fn from_points(
        &mut self,
        history: &crate::ingest::HistorySource,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        first: f64,
        at: f64,
    ) -> Option<Body> {
        let widget = self.cached.entry(spec.id.clone()).or_default();
        if widget.needs(&Some(at)) {
            let (history, spec) = (std::sync::Arc::clone(history), spec.clone());
            widget.start(Some(at), ctx, move || {
                let until = crate::engine::just_after(at);
                let mut span = 60_000.0;
                let points = loop {
                    let from = (at - span).max(first);
                    match history(&spec.id, "", from, until) {
                        Ok(points) if points.len() > SPARKLINE_POINTS || from <= first => {
                            break points
                        }
                        Ok(_) => span *= 60.0,
                        Err(err) => {
                            tracing::warn!("reading stored points of {:?}: {err}", spec.id);
                            return None;
                        }
                    }
                };
                let mut ring = RingBuffer::new(points.len().max(1));
                for (ts, value) in points {
                    ring.push(ts, value);
                }
                copy_at(&spec, &WidgetData::Series(ring), at)
            });
        }
        widget.value.clone()
    }

    /// A table, bar chart, text or heatmap as of `at` from its stored changes, once read; `ctx`
    /// is asked to repaint when a read finishes.
    pub fn from_changes(
        &mut self,
        source: &crate::ingest::ChangeSource,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        at: f64,
    ) -> Option<Body> {
        let widget = self.cached.entry(spec.id.clone()).or_default();
        if widget.needs(&Some(at)) {
            let (source, spec) = (std::sync::Arc::clone(source), spec.clone());
            widget.start(Some(at), ctx, move || match as_of(&source, &spec, at) {
                Ok(body) => body,
                Err(err) => {
                    tracing::warn!("reading stored changes of {:?}: {err}", spec.id);
                    None
                }
            });
        }
        widget.value.clone()
    }

    /// True while a read is under way.
    pub fn reading(&self) -> bool {
        self.cached.values().any(Read::reading)
    }

    /// Wait up to `timeout` for the reads under way to finish; true when none is left.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        wait_all(self.cached.values_mut(), timeout)
    }
}

/// A widget as its stored changes up to `at` leave it.
fn as_of(
    source: &crate::ingest::ChangeSource,
    spec: &WidgetSpec,
    at: f64,
) -> Result<Option<Body>, String> {
    let engine = crate::ingest::push::replay_widget(spec, &source(&spec.id, at)?)?;
    Ok(Extractor::default().copy(&engine, spec))
}

/// The series rings of a widget (none for kinds that are not time series).
fn rings(data: &WidgetData) -> &[RingBuffer] {
    match data {
        WidgetData::Series(ring) => std::slice::from_ref(ring),
        WidgetData::MultiSeries(rings) => rings,
        _ => &[],
    }
}

/// The oldest and newest timestamps a widget holds, if it is a time series.
/// (O(1) a series while its timestamps never went backwards; a scan of the ring otherwise.)
pub fn time_extent(data: &WidgetData) -> Option<(f64, f64)> {
    let mut extent: Option<(f64, f64)> = None;
    for ring in rings(data) {
        let (Some(first), Some(last)) = (ring.get(0), ring.last()) else {
            continue;
        };
        let (lo, hi) = if ring.is_time_sorted() {
            (first.0, last.0)
        } else {
            ring.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (ts, _)| {
                    (lo.min(ts), hi.max(ts))
                })
        };
        extent = Some(match extent {
            Some((a, b)) => (a.min(lo), b.max(hi)),
            None => (lo, hi),
        });
    }
    extent
}
