//! Fan-out of live frames. One hub task takes the engine's deltas every flush tick, serialises
//! them once, and publishes the text to every client through a ring bounded in frames and bytes
//! (`frames.rs`); every 250 ms it also sends a `stats` message when what widgets lost (dropped,
//! late) moved. A client that falls behind the ring is not waited for: it receives a fresh
//! snapshot instead. New clients are subscribed by the hub itself, between two flushes, so a
//! snapshot and the frames after it never overlap or leave a gap. Clients that subscribe within
//! a second of each other (as a resync sends them all) share one snapshot, encoded once
//! (`start.rs`), each with the frames published since it was taken.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{mpsc, oneshot};

use super::frames::{FrameReceiver, FrameSender};
pub use super::frames::{HubFrame, RecvError};
pub use super::start::Start;

use crate::ingest::Pipeline;
use crate::protocol::{delta_messages, stats_message};

/// How often the hub looks whether widgets lost more input (to tell clients).
const LOSSES_INTERVAL: Duration = Duration::from_millis(250);

/// Most bytes of frames kept for clients that have not read them (besides the frame count,
/// `ServerOptions::client_backlog`): a client further behind takes a fresh snapshot.
pub const MAX_FRAME_BYTES: usize = 64 << 20;

/// How long a snapshot is handed to further subscribers (with the frames since): the clients a
/// resync sends back at once share one.
const START_SHARED_FOR: Duration = Duration::from_secs(1);

/// A new subscriber's starting point: the snapshot, and the frames that follow it.
pub struct Subscription {
    /// The dashboard at one instant, shared with the clients that subscribed about then.
    pub start: Arc<Start>,
    /// Every frame after that instant.
    pub live: FrameReceiver,
}

/// The last start handed out: when it was made and the number of the first frame after it.
struct SharedStart {
    start: Arc<Start>,
    next_frame: u64,
    made: tokio::time::Instant,
}

/// The handle clients use to subscribe.
#[derive(Clone)]
pub struct Hub {
    requests: mpsc::Sender<oneshot::Sender<Subscription>>,
    clients: Arc<AtomicUsize>,
    snapshots: Arc<AtomicU64>,
}

impl Hub {
    /// Start the hub task on the current runtime. It stops when `shutdown` resolves or every
    /// `Hub` handle is gone.
    pub fn spawn(
        pipeline: Pipeline,
        flush_interval: Duration,
        backlog: usize,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) -> Self {
        let (requests, receiver) = mpsc::channel(64);
        let snapshots = Arc::new(AtomicU64::new(0));
        tokio::spawn(hub_loop(
            pipeline,
            flush_interval,
            backlog.max(1),
            receiver,
            Arc::clone(&snapshots),
            shutdown,
        ));
        Self {
            requests,
            clients: Arc::new(AtomicUsize::new(0)),
            snapshots,
        }
    }

    /// Snapshots taken for subscribers so far (clients starting at about the same time share
    /// one).
    pub fn snapshots(&self) -> u64 {
        self.snapshots.load(Ordering::Relaxed)
    }

    /// Subscribe; `None` when the hub has stopped.
    pub async fn subscribe(&self) -> Option<Subscription> {
        let (reply, answer) = oneshot::channel();
        self.requests.send(reply).await.ok()?;
        answer.await.ok()
    }

    /// Clients connected now.
    pub fn clients(&self) -> usize {
        self.clients.load(Ordering::Relaxed)
    }

    /// Count a client for as long as the returned guard lives.
    pub fn client_guard(&self) -> ClientGuard {
        self.clients.fetch_add(1, Ordering::Relaxed);
        ClientGuard(Arc::clone(&self.clients))
    }
}

/// Keeps a client counted in [`Hub::clients`].
pub struct ClientGuard(Arc<AtomicUsize>);

impl Drop for ClientGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

async fn hub_loop(
    pipeline: Pipeline,
    flush_interval: Duration,
    backlog: usize,
    mut requests: mpsc::Receiver<oneshot::Sender<Subscription>>,
    snapshots: Arc<AtomicU64>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let frames = FrameSender::new(backlog, MAX_FRAME_BYTES);
    let mut seq = 0_u64;
    let mut ticker = tokio::time::interval(flush_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut losses_sent = (Vec::new(), None);
    let mut losses_checked = tokio::time::Instant::now();
    // The engine logs what changes only while someone watches: with no client there is nothing
    // to log, encode or send (a producer with the server on costs what one without it does).
    let mut recording = false;
    let mut shared_start: Option<SharedStart> = None;
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                if shared_start.as_ref().is_some_and(|s| s.made.elapsed() >= START_SHARED_FOR) {
                    shared_start = None;
                }
                if frames.receiver_count() == 0 {
                    // Nothing is logged from here on: a start from before cannot be caught up.
                    shared_start = None;
                    if recording {
                        pipeline.engine().set_recording(false);
                        recording = false;
                        losses_sent = (Vec::new(), None);
                    }
                    continue;
                }
                let (deltas, losses) = {
                    let mut engine = pipeline.engine();
                    // Counters of what was lost go out when they move, at most every 250 ms.
                    let due = losses_checked.elapsed() >= LOSSES_INTERVAL;
                    (
                        engine.take_deltas(),
                        due.then(|| (engine.all_losses(), engine.relay_connected())),
                    )
                };
                if deltas.resync {
                    // Every client starts again, from a snapshot taken after this.
                    shared_start = None;
                }
                publish(&frames, &mut seq, deltas);
                if let Some(losses) = losses {
                    losses_checked = tokio::time::Instant::now();
                    if losses != losses_sent {
                        let message =
                            stats_message(losses.0.iter().map(|(id, l)| (&**id, *l)), losses.1);
                        frames.send(HubFrame::Messages(Arc::new(vec![Utf8Bytes::from(message)])));
                        losses_sent = losses;
                    }
                }
            }
            request = requests.recv() => {
                let Some(reply) = request else { break };
                let mut engine = pipeline.engine();
                if !recording {
                    engine.set_recording(true);
                    recording = true;
                }
                let deltas = engine.take_deltas();
                // A start made less than START_SHARED_FOR ago serves, with every frame since
                // (while the ring holds them all); what changed since goes out below.
                let reused = shared_start
                    .as_ref()
                    .filter(|s| s.made.elapsed() < START_SHARED_FOR && !deltas.resync)
                    .and_then(|s| Some((Arc::clone(&s.start), frames.subscribe_from(s.next_frame)?)));
                let subscription = match reused {
                    Some((start, live)) => {
                        drop(engine);
                        publish(&frames, &mut seq, deltas);
                        Subscription { start, live }
                    }
                    None => {
                        // Flush and snapshot under one lock: the snapshot holds exactly what
                        // was published so far, and the new receiver sees what comes after.
                        let snapshot = engine.snapshot();
                        drop(engine);
                        snapshots.fetch_add(1, Ordering::Relaxed);
                        publish(&frames, &mut seq, deltas);
                        let start = Arc::new(Start::new(snapshot));
                        shared_start = Some(SharedStart {
                            start: Arc::clone(&start),
                            next_frame: frames.next_number(),
                            made: tokio::time::Instant::now(),
                        });
                        Subscription { start, live: frames.subscribe() }
                    }
                };
                let _ = reply.send(subscription);
            }
            _ = shutdown.changed() => break,
        }
    }
    pipeline.engine().set_recording(false);
}

fn publish(frames: &FrameSender, seq: &mut u64, deltas: crate::engine::Deltas) {
    if deltas.resync {
        frames.send(HubFrame::Resync);
        return;
    }
    let messages = delta_messages(seq, &deltas);
    if messages.is_empty() {
        return;
    }
    let messages = messages.into_iter().map(Utf8Bytes::from).collect();
    frames.send(HubFrame::Messages(Arc::new(messages)));
}
