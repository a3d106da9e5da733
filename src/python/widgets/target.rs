//! What every widget class holds, and what their `send` methods share: the liveness check, the
//! non-blocking queue, and checking then queueing the points of `send_many` (waiting for room by
//! default: [`Waiting`]).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use pyo3::prelude::*;

use crate::engine::limits::{MAX_TS_MS, MIN_TS_MS};
use crate::engine::{
    validate_number, validate_ts_ms, EngineError, Update, WidgetHandle, WidgetKind, WidgetOptions,
    WidgetRef,
};
use crate::ingest::Staged;
use crate::python::convert::{Column, POINTS_PER_BATCH};
use crate::python::errors::{validation_error, Result};
use crate::python::runtime::{runtime, Runtime};

/// How `send_many` queues its points when the engine is behind: waiting for room (`block=True`,
/// the default: every point is held, the call returns when the last is queued) for at most
/// `timeout` seconds, or dropping and counting what does not fit (`block=False`, `send`'s policy).
#[derive(Debug, Clone, Copy)]
pub enum Waiting {
    /// Drop and count what does not fit now.
    No,
    /// Wait for room until the deadline (`None`: as long as it takes); what is left then is
    /// dropped and counted.
    Until(Option<Instant>),
}

impl Waiting {
    /// The policy of `block` and `timeout` (seconds), checked.
    pub fn new(block: bool, timeout: Option<f64>) -> Result<Self> {
        match (block, timeout) {
            (false, Some(_)) => Err(validation_error(
                "timeout applies only with block=True (block=False never waits)",
            )),
            (false, None) => Ok(Self::No),
            (true, None) => Ok(Self::Until(None)),
            (true, Some(t)) if (0.0..=1e9).contains(&t) => Ok(Self::Until(Some(
                Instant::now() + Duration::from_secs_f64(t),
            ))),
            (true, Some(t)) => Err(validation_error(format!(
                "timeout must be a number of seconds, 0 or more (got {t})"
            ))),
        }
    }
}

/// What every widget class holds: the widget's place in the engine, its id and kind, and its
/// counter of dropped updates.
pub struct Target {
    /// The widget in the engine (with the generation it was declared in).
    pub widget: WidgetRef,
    /// Its id, for messages.
    pub id: String,
    /// Its kind.
    pub kind: WidgetKind,
    /// Updates dropped because the queue was full.
    pub dropped: Arc<AtomicU64>,
    /// A metric with a window: the engine aggregates its points and frees each batch at once.
    windowed: bool,
    /// Where `send` gathers the points of the widget's only series.
    single: Arc<Staged>,
    /// Where `send` gathers the points of a line chart's series `i` (`staged[i]`), made on
    /// first use.
    staged: Mutex<Vec<Option<Arc<Staged>>>>,
    /// Whether `send` ever gathered a point: only then has another change of the widget
    /// staged points to queue before it (tables, texts and the like never do).
    staging: AtomicBool,
}

impl Target {
    /// The target of a declared widget.
    pub fn new(handle: &WidgetHandle) -> Self {
        Self {
            widget: handle.widget,
            id: handle.spec.id.clone(),
            kind: handle.spec.kind,
            dropped: Arc::clone(&handle.dropped),
            windowed: matches!(&handle.spec.options, WidgetOptions::Metric(m) if m.window.is_some()),
            single: Staged::new(handle.widget, u32::MAX, Arc::clone(&handle.dropped)),
            staged: Mutex::new(Vec::new()),
            staging: AtomicBool::new(false),
        }
    }

    /// Send one point to a series (`u32::MAX`: the widget's only one) without blocking: gathered
    /// with the next ones into a batch (`Pipeline::send_point`). False when the batch it
    /// completed found the queue full (its points dropped and counted).
    #[inline]
    pub fn send_point(&self, runtime: &Runtime, series: u32, ts_ms: f64, value: f64) -> bool {
        if !self.staging.load(Ordering::Relaxed) {
            self.staging.store(true, Ordering::Relaxed);
        }
        if series == u32::MAX {
            return runtime.pipeline.send_point(&self.single, ts_ms, value);
        }
        let slot = series as usize;
        let staged =
            {
                let mut staged = self.staged.lock().unwrap_or_else(PoisonError::into_inner);
                if staged.len() <= slot {
                    staged.resize(slot + 1, None);
                }
                Arc::clone(staged[slot].get_or_insert_with(|| {
                    Staged::new(self.widget, series, Arc::clone(&self.dropped))
                }))
            };
        runtime.pipeline.send_point(&staged, ts_ms, value)
    }

    /// Queue the points `send` gathered (before another change of the widget, which must come
    /// after them); when the queue is full they are dropped and counted.
    pub fn unstage(&self, runtime: &Runtime) {
        if !self.staging.load(Ordering::Relaxed) {
            return;
        }
        runtime.pipeline.unstage(&self.single);
        let staged: Vec<Arc<Staged>> = self
            .staged
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .flatten()
            .cloned()
            .collect();
        for staged in &staged {
            runtime.pipeline.unstage(staged);
        }
    }

    /// The runtime, unless this handle is from before a `reset()`.
    #[inline]
    pub fn check_live(&self) -> Result<&'static Runtime> {
        let runtime = runtime();
        if runtime.generation.load(Ordering::Relaxed) != self.widget.generation {
            return Err(EngineError::StaleHandle(self.id.clone()).into());
        }
        Ok(runtime)
    }

    /// Queue `update` without blocking, after the points `send` gathered; false when the queue
    /// was full (dropped and counted).
    #[inline]
    pub fn queue(&self, runtime: &Runtime, update: Update) -> bool {
        self.unstage(runtime);
        runtime.pipeline.send(update, &self.dropped)
    }

    /// Queue emptying the widget (a `clear()` method); false when the queue was full.
    pub fn clear(&self) -> Result<bool> {
        let runtime = self.check_live()?;
        Ok(self.queue(
            runtime,
            Update::Clear {
                widget: self.widget,
            },
        ))
    }

    /// Check every point of a `send_many` before anything is queued: a bad one changes nothing.
    pub fn check_points(
        &self,
        py: Python<'_>,
        values: &Column<'_>,
        ts_ms: &Column<'_>,
    ) -> Result<()> {
        // NumPy arrays are checked by NumPy in one pass each (the points are read only once,
        // when queued); anything else, or an array NumPy finds a bad item in, item by item.
        let values_ok = values.all_within(f64::MIN, f64::MAX)? == Some(true);
        let ts_ok = ts_ms.all_within(MIN_TS_MS, MAX_TS_MS)? == Some(true);
        if values_ok && ts_ok {
            return Ok(());
        }
        let len = values.len();
        let (mut chunk_values, mut chunk_ts) = (
            Vec::with_capacity(POINTS_PER_BATCH),
            Vec::with_capacity(POINTS_PER_BATCH),
        );
        for start in (0..len).step_by(POINTS_PER_BATCH) {
            let end = (start + POINTS_PER_BATCH).min(len);
            if !values_ok {
                values.read(py, start, end, &mut chunk_values)?;
                for &value in &chunk_values {
                    validate_number(self.kind, &self.id, value)?;
                }
            }
            if !ts_ok {
                ts_ms.read(py, start, end, &mut chunk_ts)?;
                for &ts in &chunk_ts {
                    validate_ts_ms(&self.id, ts)?;
                }
            }
        }
        Ok(())
    }

    /// Queue the points of a checked `send_many` to one series (`u32::MAX`: the widget's only
    /// one) in batches, waiting for room as `waiting` says (without the GIL). Returns the points
    /// queued (the rest were dropped, and counted).
    pub fn queue_points(
        &self,
        py: Python<'_>,
        runtime: &Runtime,
        series: u32,
        (values, ts_ms): (&Column<'_>, &Column<'_>),
        waiting: Waiting,
    ) -> Result<usize> {
        let len = values.len();
        let mut chunk_ts = Vec::with_capacity(POINTS_PER_BATCH);
        // Paired apart and copied whole when the engine frees each batch at once (see
        // `Column::read_points`).
        let mut scratch = self.windowed.then(|| Vec::with_capacity(POINTS_PER_BATCH));
        let mut queued = 0;
        self.unstage(runtime);
        for start in (0..len).step_by(POINTS_PER_BATCH) {
            let end = (start + POINTS_PER_BATCH).min(len);
            ts_ms.read(py, start, end, &mut chunk_ts)?;
            let update = Update::Points {
                widget: self.widget,
                series,
                points: Box::new(values.read_points(
                    py,
                    (start, end),
                    &chunk_ts,
                    scratch.as_mut(),
                )?),
            };
            let sent = match waiting {
                Waiting::No => runtime.pipeline.send(update, &self.dropped),
                Waiting::Until(deadline) => {
                    let dropped = &self.dropped;
                    py.detach(|| runtime.pipeline.send_waiting(update, dropped, deadline))
                }
            };
            if sent {
                queued += end - start;
            }
        }
        Ok(queued)
    }

    /// `<stream_viz.Metric id="cpu">`.
    pub fn repr(&self) -> String {
        format!("<stream_viz.{} id={:?}>", class_name(self.kind), self.id)
    }
}

fn class_name(kind: WidgetKind) -> &'static str {
    match kind {
        WidgetKind::Metric => "Metric",
        WidgetKind::Stat => "Stat",
        WidgetKind::Gauge => "Gauge",
        WidgetKind::LineChart => "LineChart",
        WidgetKind::BarChart => "BarChart",
        WidgetKind::Table => "Table",
        WidgetKind::Text => "Text",
        WidgetKind::Markdown => "Markdown",
        WidgetKind::Heatmap => "Heatmap",
    }
}
