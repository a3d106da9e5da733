//! Applying one update to the widget it targets: points into rings (or a windowed metric's
//! windows), bars, rows, texts and matrices; batches whole; each applied update logged for
//! subscribers and the journal.

use super::Engine;
use crate::engine::ring::RingBuffer;
use crate::engine::update::{Update, WidgetRef};
use crate::engine::views::WidgetData;
use crate::engine::window::WindowAggregator;

impl Engine {
    /// Apply one update. Updates for widgets removed by a reset, or of a shape that does not fit
    /// the widget, are counted as discarded; producers validate before sending, so neither
    /// happens in normal operation. A point of a windowed metric goes into its windows; the
    /// windows it closes are what the metric holds and what subscribers are told.
    pub fn apply(&mut self, update: Update) {
        if self.relay.wants() {
            self.relay.log(&update);
        }
        self.apply_update(update);
    }

    fn apply_update(&mut self, mut update: Update) {
        if let Update::Points {
            widget,
            series,
            points,
        } = update
        {
            self.apply_points(widget, series, points);
            return;
        }
        if let Update::Batch { updates, .. } = update {
            // One call, under one lock: nothing reads the engine between two of them.
            for update in updates.into_iter() {
                if !matches!(update, Update::Batch { .. }) {
                    self.apply_update(update);
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
                        if self.alerts.watches(target.index) {
                            self.alerts.observe(target.index, u32::MAX, closed);
                        }
                        windows_closed = true;
                    }
                    _ => {
                        ring.push(*ts_ms, *value);
                        if self.alerts.watches(target.index) {
                            self.alerts
                                .observe(target.index, u32::MAX, &[(*ts_ms, *value)]);
                        }
                    }
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
                    if self.alerts.watches(target.index) {
                        self.alerts
                            .observe(target.index, *series, &[(*ts_ms, *value)]);
                    }
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

    /// A batch of points (`send_many`, a push's `points`): into its ring in one go and into the
    /// logs as one entry; into a windowed metric's windows point by point, the windows they
    /// close kept and logged as one batch.
    // The batch's own box, moved on into the logs.
    #[allow(clippy::box_collection)]
    fn apply_points(&mut self, target: WidgetRef, series: u32, points: Box<Vec<(f64, f64)>>) {
        let count = points.len();
        let (generation, replica) = (self.generation, self.replica);
        let Some(widget) = self
            .widgets
            .get_mut(target.index as usize)
            .filter(|_| target.generation == generation)
        else {
            self.points_discarded += count as u64;
            return;
        };
        if let (Some(windowing), WidgetData::Series(ring), false, u32::MAX) =
            (&mut widget.window, &mut widget.data, replica, series)
        {
            // The points into their windows; what closes goes into the ring and, as one batch,
            // into the logs.
            let capacity = ring.capacity_points();
            let mut closed = Vec::new();
            windowing
                .aggregator
                .push_many(&points, capacity, &mut closed);
            ring.push_many(&closed);
            if self.alerts.watches(target.index) {
                self.alerts.observe(target.index, series, &closed);
            }
            windowing.partial_changed = true;
            self.partials_changed = true;
            widget.updates_applied += count as u64;
            self.points_accepted += count as u64;
            if !closed.is_empty() {
                self.record(Update::Points {
                    widget: target,
                    series,
                    points: Box::new(closed),
                });
            }
            return;
        }
        let ring: Option<&mut RingBuffer> = match &mut widget.data {
            WidgetData::Series(ring) if series == u32::MAX => Some(ring),
            WidgetData::MultiSeries(rings) if series != u32::MAX => rings.get_mut(series as usize),
            _ => None,
        };
        let Some(ring) = ring else {
            // Points for a series the widget does not have (as each would be, one by one).
            self.points_discarded += count as u64;
            return;
        };
        ring.push_many(&points);
        if self.alerts.watches(target.index) {
            self.alerts.observe(target.index, series, &points);
        }
        widget.updates_applied += count as u64;
        self.points_accepted += count as u64;
        if count > 0 {
            self.record(Update::Points {
                widget: target,
                series,
                points,
            });
        }
    }
}
