//! Points sent one at a time, gathered before they are queued: a widget's series keeps the
//! points `send` gives it in a [`Staged`] buffer, and the pipeline queues them as one batch of
//! up to [`STAGED_POINTS`], or the engine thread takes what is gathered when the queue goes
//! quiet, when asked to flush, and before any other change of the widget is queued. One queue
//! slot a point had the producer and the engine thread fight over the queue's cache lines: at
//! ten million `send`s a second the engine spent half its time taking slots.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::engine::{Update, WidgetRef};

/// Most points gathered before they are queued as one batch.
pub const STAGED_POINTS: usize = 256;

/// The points of one series sent one at a time and not yet queued.
pub struct Staged {
    widget: WidgetRef,
    /// `u32::MAX` for a widget's only series, else the series' index (as [`Update`] numbers it).
    series: u32,
    /// The widget's counter of dropped points.
    pub(super) dropped: Arc<AtomicU64>,
    points: Mutex<Vec<(f64, f64)>>,
    /// In the pipeline's list of buffers holding points.
    pub(super) listed: AtomicBool,
    /// Batches of this buffer in the queue: while there are, the engine thread leaves what is
    /// gathered for later, so that the points are applied in the order they were sent.
    in_flight: AtomicUsize,
}

impl std::fmt::Debug for Staged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged")
            .field("widget", &self.widget)
            .field("series", &self.series)
            .finish_non_exhaustive()
    }
}

impl Staged {
    /// An empty buffer for a series of `widget` (`u32::MAX`: its only one), counting what is
    /// dropped in `dropped`.
    pub fn new(widget: WidgetRef, series: u32, dropped: Arc<AtomicU64>) -> Arc<Self> {
        Arc::new(Self {
            widget,
            series,
            dropped,
            points: Mutex::new(Vec::new()),
            listed: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<(f64, f64)>> {
        self.points.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Gather a point. Returns whether the buffer was empty (it must be listed), and the batch
    /// to queue when this point filled it (counted in flight: queue it, or [`Staged::settled`]
    /// it when it could not be).
    pub(super) fn push(&self, ts_ms: f64, value: f64) -> (bool, Option<Update>) {
        let mut points = self.lock();
        let was_empty = points.is_empty();
        if points.capacity() == 0 {
            points.reserve_exact(STAGED_POINTS);
        }
        points.push((ts_ms, value));
        let full = (points.len() >= STAGED_POINTS).then(|| {
            let batch = std::mem::replace(&mut *points, Vec::with_capacity(STAGED_POINTS));
            self.in_flight.fetch_add(1, Ordering::AcqRel);
            self.batch(batch)
        });
        (was_empty, full)
    }

    /// What is gathered, as a batch to queue (counted in flight), `None` when nothing is.
    pub(super) fn take_for_queue(&self) -> Option<Update> {
        let mut points = self.lock();
        if points.is_empty() {
            return None;
        }
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        let batch = std::mem::take(&mut *points);
        Some(self.batch(batch))
    }

    /// A batch of this buffer left the queue (applied, or refused by it).
    pub(super) fn settled(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    /// For the engine thread: what is gathered, unless a batch of this buffer is still queued
    /// (then `Err`: try again once it is applied).
    pub(super) fn take_if_settled(&self) -> Result<Option<Update>, ()> {
        let mut points = self.lock();
        if self.in_flight.load(Ordering::Acquire) > 0 {
            return Err(());
        }
        if points.is_empty() {
            return Ok(None);
        }
        let batch = std::mem::take(&mut *points);
        Ok(Some(self.batch(batch)))
    }

    fn batch(&self, points: Vec<(f64, f64)>) -> Update {
        Update::Points {
            widget: self.widget,
            series: self.series,
            points: Box::new(points),
        }
    }
}
