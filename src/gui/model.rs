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

/// The series rings of a widget (none for kinds that are not time series).
pub(super) fn rings(data: &WidgetData) -> &[RingBuffer] {
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
