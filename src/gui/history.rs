//! Stored history in the viewer: what a plot shows before its rings, and a replay's widgets as
//! of the scrubbed time, read from the [`History`] the viewer was handed, each on a thread of
//! its own (a long recording takes a while) so that frames never wait for a read.

use std::collections::HashMap;
use std::sync::Arc;

use super::model::{copy_at, rings, Body, Extractor, PlotModel, PlotRequest, SPARKLINE_POINTS};
use crate::engine::{AlertsView, RingBuffer, WidgetData, WidgetSpec};
use crate::history::History;
use crate::protocol::replay_widget;

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
        history: &Arc<dyn History>,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        data: &WidgetData,
        request: PlotRequest,
        model: &mut PlotModel,
    ) {
        let (t0, t1) = request.range;
        let names = spec.series_names();
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
                let (history, id, name) = (Arc::clone(history), spec.id.clone(), name.to_owned());
                let columns = request.columns;
                older.start(key, ctx, move || {
                    match history.points(&id, &name, t0, until) {
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
    /// The alerts by the time they show.
    alerts: Read<Option<f64>, Option<AlertsView>>,
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
    pub fn points(
        &mut self,
        history: &Arc<dyn History>,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        first: f64,
        at: f64,
    ) -> Option<Body> {
        let widget = self.cached.entry(spec.id.clone()).or_default();
        if widget.needs(&Some(at)) {
            let (history, spec) = (Arc::clone(history), spec.clone());
            widget.start(Some(at), ctx, move || {
                let until = crate::engine::just_after(at);
                let mut span = 60_000.0;
                let points = loop {
                    let from = (at - span).max(first);
                    match history.points(&spec.id, "", from, until) {
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
    pub fn changes(
        &mut self,
        history: &Arc<dyn History>,
        ctx: &egui::Context,
        spec: &WidgetSpec,
        at: f64,
    ) -> Option<Body> {
        let widget = self.cached.entry(spec.id.clone()).or_default();
        if widget.needs(&Some(at)) {
            let (history, spec) = (Arc::clone(history), spec.clone());
            widget.start(Some(at), ctx, move || match as_of(&*history, &spec, at) {
                Ok(body) => body,
                Err(err) => {
                    tracing::warn!("reading stored changes of {:?}: {err}", spec.id);
                    None
                }
            });
        }
        widget.value.clone()
    }

    /// The alerts as the recording's stored transitions left them at `at`, once read, with
    /// the time they were read for (an earlier one while a read is under way); `ctx` is asked to
    /// repaint when a read finishes.
    pub fn alerts(
        &mut self,
        history: &Arc<dyn History>,
        ctx: &egui::Context,
        at: f64,
    ) -> Option<(f64, &AlertsView)> {
        if self.alerts.needs(&Some(at)) {
            let history = Arc::clone(history);
            self.alerts
                .start(Some(at), ctx, move || match history.alerts(at) {
                    Ok(view) => Some(view),
                    Err(err) => {
                        tracing::warn!("reading stored alerts: {err}");
                        None
                    }
                });
        }
        self.alerts.key.zip(self.alerts.value.as_ref())
    }

    /// True while a read is under way.
    pub fn reading(&self) -> bool {
        self.cached.values().any(Read::reading) || self.alerts.reading()
    }

    /// Wait up to `timeout` for the reads under way to finish; true when none is left.
    pub fn wait(&mut self, timeout: std::time::Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        wait_all(self.cached.values_mut(), timeout) && self.alerts.wait_until(deadline)
    }
}

/// A widget as its stored changes up to `at` leave it.
fn as_of(history: &dyn History, spec: &WidgetSpec, at: f64) -> Result<Option<Body>, String> {
    let changes = history
        .changes(&spec.id, at)
        .map_err(|err| err.to_string())?;
    let engine = replay_widget(spec, &changes)?;
    Ok(Extractor::default().copy(&engine, spec))
}
