//! The pipeline: producers put validated updates into one bounded crossbeam queue and never
//! block; one named engine thread takes them in batches and applies them under the engine lock,
//! which it holds only for one batch. When the queue is full the newest update is dropped and
//! counted, globally and per widget (the policy in docs/ARCHITECTURE.md) — unless the producer
//! asked to wait for room ([`Pipeline::send_waiting`], what `send_many` does by default).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TrySendError};
use serde::Serialize;

use super::staging::Staged;
use crate::engine::{Engine, EngineStats, Update, MAX_JOURNAL_UPDATES};

/// Slots in the queue between producers and the engine thread (32 bytes each).
pub const DEFAULT_QUEUE_CAPACITY: usize = 1 << 17;
/// Most queued updates applied under one acquisition of the engine lock.
const BATCH: usize = 8192;
/// Single updates (not batches) in a batch from which the engine thread counts producers as
/// streaming: when such a batch empties the queue, the thread waits [`GATHER`] before taking
/// more, so that the next batch gathers instead of being taken an update at a time from under a
/// producer (each take touches the queue's cache lines the producer is writing: `send` ran at
/// half its rate so). Batches (`send_many`, `replace`, `apply`) carry enough work per slot not
/// to need it. A quiet or trickling queue is waited on as before: parked, no timer.
const STREAMING_BATCH: usize = 64;
/// How long the engine thread lets a streaming queue gather (the delay it adds to an update).
const GATHER: Duration = Duration::from_micros(100);
/// How long the engine thread lets staged points gather once the queue is empty before it takes
/// them (the most a lone `send` waits for the engine, besides the queue).
const STAGED_WAIT: Duration = Duration::from_micros(200);
/// How often the engine thread checks alert rules for missing data, while any rule has a
/// no-data period (otherwise no timer runs).
pub const NO_DATA_TICK: Duration = Duration::from_millis(250);
/// Most points queued in batches ([`Update::Points`], from `send_many`) at once: with the slots,
/// this bounds the queue's memory (1 Mi points, 16 MiB: ~10 ms of the engine's work on raw
/// points). A batch beyond it waits (`send_waiting`) or is dropped whole (`send`); one larger than
/// that alone is taken only into a queue with no other batch.
pub const MAX_QUEUED_BATCH_POINTS: usize = 1 << 20;

enum Command {
    Apply(Update),
    /// A batch gathered by a [`Staged`] buffer.
    Staged(Update, Arc<Staged>),
    Flush(Sender<()>),
    /// Staged points are waiting: an idle engine thread should look at them soon.
    Wake,
}

/// Options of a [`Pipeline`].
#[derive(Debug, Clone)]
pub struct PipelineOptions {
    /// Queue slots. Default: [`DEFAULT_QUEUE_CAPACITY`].
    pub queue_capacity: usize,
}

impl Default for PipelineOptions {
    fn default() -> Self {
        Self {
            queue_capacity: DEFAULT_QUEUE_CAPACITY,
        }
    }
}

/// Counters of an attached component (e.g. persistence), as JSON, for `/api/v1/stats`.
pub type StatsSource = Box<dyn Fn() -> serde_json::Value + Send + Sync>;

struct Shared {
    engine: Mutex<Engine>,
    dropped: AtomicU64,
    /// Points in batches waiting in the queue.
    batch_points: AtomicUsize,
    /// Producers waiting for room ([`Pipeline::send_waiting`]), woken by the engine thread
    /// after each batch it applied.
    waiting: AtomicUsize,
    room: Mutex<()>,
    room_freed: Condvar,
    started: Instant,
    sources: Mutex<Vec<(&'static str, StatsSource)>>,
    /// Points in the engine's journal waiting for the store (refreshed after each batch the
    /// engine applies and each time the store takes the journal): batches that wait for room
    /// also wait for room in the journal, so that the store loses none of them.
    journal_points: AtomicUsize,
    /// Buffers holding staged points, and whether there are any.
    staged: Mutex<Vec<Arc<Staged>>>,
    any_staged: AtomicBool,
}

/// The engine with its queue and thread. Cheap to clone; every clone feeds the same engine.
/// The thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct Pipeline {
    shared: Arc<Shared>,
    sender: Sender<Command>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("queued", &self.sender.len())
            .finish()
    }
}

/// Counters of the pipeline and its engine, as in `/api/v1/stats`.
#[derive(Debug, Clone, Serialize)]
pub struct PipelineStats {
    /// Updates dropped because the queue was full.
    pub points_dropped: u64,
    /// Updates waiting in the queue.
    pub queued: usize,
    /// Queue slots.
    pub queue_capacity: usize,
    /// Seconds since the pipeline started.
    pub uptime_s: f64,
    /// The engine's counters.
    #[serde(flatten)]
    pub engine: EngineStats,
}

impl Default for Pipeline {
    fn default() -> Self {
        Self::new(PipelineOptions::default())
    }
}

impl Pipeline {
    /// Start an engine thread with an empty dashboard.
    pub fn new(options: PipelineOptions) -> Self {
        let (sender, receiver) = bounded(options.queue_capacity.max(1));
        let shared = Arc::new(Shared {
            engine: Mutex::new(Engine::new()),
            dropped: AtomicU64::new(0),
            batch_points: AtomicUsize::new(0),
            waiting: AtomicUsize::new(0),
            room: Mutex::new(()),
            room_freed: Condvar::new(),
            started: Instant::now(),
            sources: Mutex::new(Vec::new()),
            journal_points: AtomicUsize::new(0),
            staged: Mutex::new(Vec::new()),
            any_staged: AtomicBool::new(false),
        });
        let thread_shared = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("streamviz-engine".into())
            .spawn(move || engine_loop(&thread_shared, &receiver));
        if let Err(err) = spawned {
            // Without its thread the queue is never drained; every send then counts as dropped.
            tracing::error!("could not start the engine thread: {err}");
        }
        Self { shared, sender }
    }

    /// Queue an update without blocking. Returns false, and counts the drop globally and in
    /// `widget_dropped` (a batch's every point), when the queue is full or, for a batch, when
    /// [`MAX_QUEUED_BATCH_POINTS`] would be passed.
    #[inline]
    pub fn send(&self, update: Update, widget_dropped: &AtomicU64) -> bool {
        let points = update.batch_len();
        self.try_queue(Command::Apply(update), points, widget_dropped)
    }

    /// Queue `command` (carrying `points` points of batches) without blocking: false, and the
    /// drop counted, when the queue or the batch budget is full.
    fn try_queue(&self, command: Command, points: usize, widget_dropped: &AtomicU64) -> bool {
        if !self.try_reserve(points) {
            self.count_dropped(points, widget_dropped);
            return false;
        }
        match self.sender.try_send(command) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.unqueue(points, widget_dropped);
                false
            }
        }
    }

    /// Send one point of a series through its [`Staged`] buffer: gathered with the points sent
    /// after it and queued as one batch when [`STAGED_POINTS`](super::staging::STAGED_POINTS)
    /// are, or taken by the engine thread when the queue goes quiet or a flush asks (so a lone
    /// point waits at most [`STAGED_WAIT`] more than it would in the queue). Never blocks.
    /// Returns false, and counts the batch's every point as dropped, when the batch this point
    /// completed found the queue full.
    #[inline]
    pub fn send_point(&self, staged: &Arc<Staged>, ts_ms: f64, value: f64) -> bool {
        let (was_empty, full) = staged.push(ts_ms, value);
        if was_empty && !staged.listed.swap(true, Ordering::AcqRel) {
            self.list(staged);
        }
        match full {
            Some(batch) => self.send_staged(staged, batch),
            None => true,
        }
    }

    /// Queue what `staged` has gathered now (before another change of its widget, so that the
    /// points stay before it). False when the queue was full (the points dropped and counted).
    pub fn unstage(&self, staged: &Arc<Staged>) -> bool {
        staged
            .take_for_queue()
            .is_none_or(|batch| self.send_staged(staged, batch))
    }

    fn send_staged(&self, staged: &Arc<Staged>, batch: Update) -> bool {
        let points = batch.batch_len();
        let command = Command::Staged(batch, Arc::clone(staged));
        let queued = self.try_queue(command, points, &staged.dropped);
        if !queued {
            staged.settled();
        }
        queued
    }

    /// Put `staged` on the list the engine thread takes staged points from; wake the thread
    /// when the list was empty.
    fn list(&self, staged: &Arc<Staged>) {
        let shared = &self.shared;
        let first = {
            let mut list = shared
                .staged
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            list.push(Arc::clone(staged));
            !shared.any_staged.swap(true, Ordering::AcqRel)
        };
        if first {
            // A full queue wakes the thread anyway.
            let _ = self.sender.try_send(Command::Wake);
        }
    }

    /// Queue a batch of points, waiting for room (in the queue, and under
    /// [`MAX_QUEUED_BATCH_POINTS`]) until `deadline` (`None`: as long as it takes) instead of
    /// dropping it: the engine takes it as fast as it applies what is before it. Returns false,
    /// and counts the drop as [`Pipeline::send`] does, only when the deadline passed first.
    pub fn send_waiting(
        &self,
        update: Update,
        widget_dropped: &AtomicU64,
        deadline: Option<Instant>,
    ) -> bool {
        let points = update.batch_len();
        if !self.reserve(points, deadline) {
            self.count_dropped(points, widget_dropped);
            return false;
        }
        let command = Command::Apply(update);
        let sent = match deadline {
            Some(deadline) => self.sender.send_deadline(command, deadline).is_ok(),
            None => self.sender.send(command).is_ok(),
        };
        if !sent {
            self.unqueue(points, widget_dropped);
        }
        sent
    }

    /// Count a batch's `points` as queued if they fit under [`MAX_QUEUED_BATCH_POINTS`] (a batch
    /// larger than that fits only when no other is queued); a single update always fits.
    fn try_reserve(&self, points: usize) -> bool {
        points == 0
            || self
                .shared
                .batch_points
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                    (queued == 0 || queued + points <= MAX_QUEUED_BATCH_POINTS)
                        .then_some(queued + points)
                })
                .is_ok()
    }

    /// An update counted as queued that the queue refused: no longer counted, and dropped.
    fn unqueue(&self, points: usize, widget_dropped: &AtomicU64) {
        if points > 0 {
            self.shared
                .batch_points
                .fetch_sub(points, Ordering::Relaxed);
        }
        self.count_dropped(points.max(1), widget_dropped);
    }

    /// [`Pipeline::try_reserve`], waiting for the engine to apply what is queued until
    /// `deadline`. False when the deadline passed.
    fn reserve(&self, points: usize, deadline: Option<Instant>) -> bool {
        if self.journal_has_room(points) && self.try_reserve(points) {
            return true;
        }
        let shared = &self.shared;
        shared.waiting.fetch_add(1, Ordering::AcqRel);
        let mut guard = shared
            .room
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let reserved = loop {
            if self.journal_has_room(points) && self.try_reserve(points) {
                break true;
            }
            // Woken after each batch the engine applies; the cap only guards a missed wake-up.
            let mut wait = Duration::from_millis(5);
            if let Some(deadline) = deadline {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break false;
                }
                wait = wait.min(left);
            }
            guard = shared
                .room_freed
                .wait_timeout(guard, wait)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        };
        drop(guard);
        shared.waiting.fetch_sub(1, Ordering::AcqRel);
        reserved
    }

    /// Whether `points` more fit in the journal with what is queued (always, without a store).
    fn journal_has_room(&self, points: usize) -> bool {
        let shared = &self.shared;
        // The queue's count first: a batch it no longer counts is already in the weight.
        let queued = shared.batch_points.load(Ordering::Acquire);
        let journal = shared.journal_points.load(Ordering::Acquire);
        journal == 0 || journal + queued + points <= MAX_JOURNAL_UPDATES
    }

    /// The store took the journal from `engine` (call it with the lock still held, so that
    /// the weight published is not older than one the engine thread published since):
    /// producers waiting for room in it may go on.
    pub fn journal_taken(&self, engine: &Engine) {
        self.shared
            .journal_points
            .store(engine.journal_weight(), Ordering::Release);
        notify_waiting(&self.shared);
    }

    fn count_dropped(&self, count: usize, widget_dropped: &AtomicU64) {
        self.shared
            .dropped
            .fetch_add(count as u64, Ordering::Relaxed);
        widget_dropped.fetch_add(count as u64, Ordering::Relaxed);
    }

    /// Wait until every update queued before this call is applied, or `timeout` passes.
    /// Returns true when everything was applied.
    pub fn flush(&self, timeout: Duration) -> bool {
        let (done_tx, done_rx) = bounded(1);
        let deadline = Instant::now() + timeout;
        // The flush marker itself must not be dropped, so wait for a free slot.
        if self
            .sender
            .send_deadline(Command::Flush(done_tx), deadline)
            .is_err()
        {
            return false;
        }
        done_rx.recv_deadline(deadline).is_ok()
    }

    /// Lock the engine for a short operation (declarations, pushes, snapshots), with the points
    /// staged so far applied: what is read through it includes every point `send` returned
    /// for (but those still in the queue).
    pub fn engine(&self) -> MutexGuard<'_, Engine> {
        // A panic while holding the lock leaves plain data behind; keep serving it.
        let mut engine = self
            .shared
            .engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        apply_staged(&self.shared, &mut engine);
        engine
    }

    /// Report `name` in [`Pipeline::extra_stats`] (replacing an earlier source of that name).
    pub fn set_stats_source(&self, name: &'static str, source: StatsSource) {
        let mut sources = self
            .shared
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sources.retain(|(n, _)| *n != name);
        sources.push((name, source));
    }

    /// Stop reporting `name`.
    pub fn remove_stats_source(&self, name: &str) {
        self.shared
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .retain(|(n, _)| *n != name);
    }

    /// The counters of attached components, by name (e.g. `persistence`).
    pub fn extra_stats(&self) -> serde_json::Map<String, serde_json::Value> {
        let sources = self
            .shared
            .sources
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        sources
            .iter()
            .map(|(name, source)| ((*name).to_owned(), source()))
            .collect()
    }

    /// Alert rules changed: the engine thread looks whether it must check for missing data.
    pub fn alerts_changed(&self) {
        let _ = self.sender.try_send(Command::Wake);
    }

    /// Updates waiting in the queue now (without taking the engine lock).
    pub fn queued(&self) -> usize {
        self.sender.len()
    }

    /// Counters for monitoring.
    pub fn stats(&self) -> PipelineStats {
        let engine = self.engine().stats();
        PipelineStats {
            points_dropped: self.shared.dropped.load(Ordering::Relaxed),
            queued: self.sender.len(),
            queue_capacity: self.sender.capacity().unwrap_or(0),
            uptime_s: self.shared.started.elapsed().as_secs_f64(),
            engine,
        }
    }
}

/// A batch of `points` left the queue for the engine (and its journal): the journal's weight is
/// published before the queue's count goes down, so that a producer reading the count and then
/// the weight ([`Pipeline::journal_has_room`]) never sees the batch in neither.
fn batch_applied(shared: &Shared, engine: &Engine, points: usize) {
    shared
        .journal_points
        .store(engine.journal_weight(), Ordering::Release);
    shared.batch_points.fetch_sub(points, Ordering::AcqRel);
}

fn engine_loop(shared: &Shared, receiver: &Receiver<Command>) {
    let mut waiting_flushes = Vec::new();
    // Whether alert rules wait for missing data, and when they were last checked.
    let (mut no_data_rules, mut no_data_checked) = (false, Instant::now());
    loop {
        // With staged points waiting, an empty queue is waited on only briefly: then they are
        // taken. Rules with a no-data period wake the thread a few times a second.
        let wait = if shared.any_staged.load(Ordering::Acquire) {
            Some(STAGED_WAIT)
        } else if no_data_rules {
            Some(NO_DATA_TICK.saturating_sub(no_data_checked.elapsed()))
        } else {
            None
        };
        let first = if let Some(wait) = wait {
            match receiver.recv_timeout(wait) {
                Ok(command) => Some(command),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match receiver.recv() {
                Ok(command) => Some(command),
                Err(_) => break,
            }
        };
        let (mut taken, mut singles, mut flushing) = (0, 0, false);
        {
            let mut engine = shared
                .engine
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let mut handle = |command| match command {
                Command::Apply(update) => {
                    let points = update.batch_len();
                    engine.apply(update);
                    if points > 0 {
                        batch_applied(shared, &engine, points);
                    } else {
                        singles += 1;
                    }
                }
                Command::Staged(update, staged) => {
                    let points = update.batch_len();
                    engine.apply(update);
                    batch_applied(shared, &engine, points);
                    staged.settled();
                }
                Command::Flush(done) => {
                    waiting_flushes.push(done);
                    flushing = true;
                }
                Command::Wake => {}
            };
            let idle = first.is_none();
            if let Some(first) = first {
                handle(first);
                taken = 1;
                for command in receiver.try_iter().take(BATCH) {
                    handle(command);
                    taken += 1;
                }
            }
            // Everything queued before a flush is applied, staged points too.
            if idle || flushing {
                apply_staged(shared, &mut engine);
            }
            if no_data_rules && no_data_checked.elapsed() >= NO_DATA_TICK {
                engine.check_alerts(crate::clock::now_ms());
                no_data_checked = Instant::now();
            }
            no_data_rules = engine.alerts().has_no_data();
            shared
                .journal_points
                .store(engine.journal_weight(), Ordering::Release);
        }
        notify_waiting(shared);
        for done in waiting_flushes.drain(..) {
            // The waiter may have timed out and gone; nothing to do then.
            let _ = done.try_send(());
        }
        if singles >= STREAMING_BATCH && taken <= BATCH {
            std::thread::sleep(GATHER);
        }
    }
}

/// Wake producers waiting for room.
fn notify_waiting(shared: &Shared) {
    if shared.waiting.load(Ordering::Acquire) > 0 {
        let _room = shared
            .room
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shared.room_freed.notify_all();
    }
}

/// Apply the points staged buffers gathered. A buffer with a batch still in the queue is left
/// listed for later, so that its points keep their order.
fn apply_staged(shared: &Shared, engine: &mut Engine) {
    if !shared.any_staged.load(Ordering::Acquire) {
        return;
    }
    let list = {
        let mut list = shared
            .staged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        shared.any_staged.store(false, Ordering::Release);
        std::mem::take(&mut *list)
    };
    let mut later = Vec::new();
    for staged in list {
        // Unlisted before it is emptied: a point gathered after lists it again.
        staged.listed.store(false, Ordering::Release);
        match staged.take_if_settled() {
            Ok(Some(update)) => engine.apply(update),
            Ok(None) => {}
            Err(()) => {
                staged.listed.store(true, Ordering::Release);
                later.push(staged);
            }
        }
    }
    if !later.is_empty() {
        let mut list = shared
            .staged
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        list.append(&mut later);
        shared.any_staged.store(true, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{WidgetHandle, WidgetSpec};
    use serde_json::json;

    #[test]
    fn updates_are_applied_in_order_by_the_engine_thread() {
        let pipeline = Pipeline::default();
        let handle = pipeline
            .engine()
            .declare(WidgetSpec::parse("cpu", "metric", json!({"max_points": 10_000})).unwrap())
            .unwrap();
        for i in 0..5000 {
            assert!(pipeline.send(
                Update::Point {
                    widget: handle.widget,
                    ts_ms: i as f64,
                    value: i as f64
                },
                &handle.dropped
            ));
        }
        assert!(pipeline.flush(Duration::from_secs(10)));
        let engine = pipeline.engine();
        let Some((_, crate::engine::WidgetData::Series(ring))) = engine.widget("cpu") else {
            panic!("no series")
        };
        assert!(ring.iter().map(|p| p.1).eq((0..5000).map(f64::from)));
    }

    fn ring_of(pipeline: &Pipeline, id: &str) -> Vec<(f64, f64)> {
        let engine = pipeline.engine();
        let Some((_, crate::engine::WidgetData::Series(ring))) = engine.widget(id) else {
            panic!("no series")
        };
        ring.iter().collect()
    }

    /// Points sent one at a time through a staged buffer, from two threads into two widgets,
    /// a clear among them: each widget holds its points in the order sent, the clear where it
    /// was, and a lone point reaches the engine without a flush.
    #[test]
    fn staged_points_keep_their_order_and_a_lone_one_is_not_left_behind() {
        let pipeline = Pipeline::new(PipelineOptions { queue_capacity: 64 });
        let declare = |id: &str| {
            let spec = WidgetSpec::parse(id, "metric", json!({"max_points": 100_000})).unwrap();
            pipeline.engine().declare(spec).unwrap()
        };
        let producers: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|id| {
                let (pipeline, handle) = (pipeline.clone(), declare(id));
                let thread = std::thread::Builder::new().name(format!("producer-{id}"));
                thread.spawn(move || {
                    let staged = Staged::new(handle.widget, u32::MAX, Arc::clone(&handle.dropped));
                    for i in 0..50_000 {
                        if i == 20_000 {
                            pipeline.unstage(&staged);
                            let clear = Update::Clear {
                                widget: handle.widget,
                            };
                            assert!(pipeline.send_waiting(clear, &handle.dropped, None));
                        }
                        pipeline.send_point(&staged, f64::from(i), f64::from(i));
                    }
                    handle
                })
            })
            .collect();
        let handles: Vec<WidgetHandle> = producers
            .into_iter()
            .map(|p| p.unwrap().join().unwrap())
            .collect();
        assert!(pipeline.flush(Duration::from_secs(10)));
        for (id, handle) in ["a", "b"].into_iter().zip(&handles) {
            let dropped = handle.dropped.load(Ordering::Relaxed);
            let held = ring_of(&pipeline, id);
            // Dropped batches leave holes; what is held is in order and after the clear.
            assert!(
                held.len() <= 30_000 && held.len() as u64 + dropped >= 30_000,
                "{id}"
            );
            assert!(held.windows(2).all(|w| w[0].0 < w[1].0), "{id} in order");
            assert!(held.first().is_none_or(|p| p.0 >= 20_000.0), "{id} cleared");
        }

        // A lone point is applied within the staged wait, with no flush to ask for it.
        let lone = declare("lone");
        let staged = Staged::new(lone.widget, u32::MAX, Arc::clone(&lone.dropped));
        assert!(pipeline.send_point(&staged, 1.0, 42.0));
        let deadline = Instant::now() + Duration::from_secs(10);
        while ring_of(&pipeline, "lone").is_empty() {
            assert!(
                Instant::now() < deadline,
                "the lone point never reached the engine"
            );
            std::thread::yield_now();
        }
        assert_eq!(ring_of(&pipeline, "lone"), [(1.0, 42.0)]);
    }

    #[test]
    fn a_waiting_producer_queues_every_batch_however_full_the_queue() {
        // A queue of 4 slots, batches of 4096 points: 1,000 batches wait for room.
        let pipeline = Pipeline::new(PipelineOptions { queue_capacity: 4 });
        let handle = pipeline
            .engine()
            .declare(WidgetSpec::parse("cpu", "metric", json!({"max_points": 5_000_000})).unwrap())
            .unwrap();
        let batches = 1000;
        for b in 0..batches {
            let points: Vec<(f64, f64)> = (0..4096)
                .map(|i| {
                    let t = f64::from(b * 4096 + i);
                    (t, t)
                })
                .collect();
            let update = Update::Points {
                widget: handle.widget,
                series: u32::MAX,
                points: Box::new(points),
            };
            assert!(pipeline.send_waiting(update, &handle.dropped, None));
        }
        assert!(pipeline.flush(Duration::from_secs(30)));
        assert_eq!(handle.dropped.load(Ordering::Relaxed), 0);
        assert_eq!(pipeline.stats().engine.points_accepted, 4096 * 1000);
        // With the engine held, a deadline passes and the batch is dropped and counted.
        let guard = pipeline.engine();
        let mut dropped = 0;
        for _ in 0..10 {
            let update = Update::Points {
                widget: handle.widget,
                series: u32::MAX,
                points: Box::new(vec![(0.0, 0.0); 4096]),
            };
            let deadline = Instant::now() + Duration::from_millis(20);
            if !pipeline.send_waiting(update, &handle.dropped, Some(deadline)) {
                dropped += 4096;
            }
        }
        drop(guard);
        assert!(dropped > 0);
        assert_eq!(handle.dropped.load(Ordering::Relaxed), dropped);
    }

    #[test]
    fn a_full_queue_drops_and_counts_without_blocking() {
        let pipeline = Pipeline::new(PipelineOptions { queue_capacity: 4 });
        let handle = pipeline
            .engine()
            .declare(WidgetSpec::parse("cpu", "metric", json!({})).unwrap())
            .unwrap();
        // Hold the engine lock so the engine thread cannot drain the queue.
        let guard = pipeline.engine();
        let mut sent = 0;
        for i in 0..100 {
            if pipeline.send(
                Update::Point {
                    widget: handle.widget,
                    ts_ms: i as f64,
                    value: 0.0,
                },
                &handle.dropped,
            ) {
                sent += 1;
            }
        }
        drop(guard);
        let dropped = handle.dropped.load(Ordering::Relaxed);
        assert_eq!(sent + dropped, 100);
        assert!(
            dropped >= 100 - 5,
            "only the queue and one in-flight update fit: dropped {dropped}"
        );
        assert!(pipeline.flush(Duration::from_secs(10)));
        let stats = pipeline.stats();
        assert_eq!(stats.points_dropped, dropped);
        assert_eq!(stats.engine.points_accepted, sent);
        assert_eq!(stats.engine.per_widget[0].dropped, dropped);
    }
}
