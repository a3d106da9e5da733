//! The ring of live frames the hub publishes and every client reads at its own pace, bounded in
//! frames and in bytes: the oldest frames go first when either bound is passed, and a client
//! whose next frame went is told it lagged (it then takes a fresh snapshot). A frame is given
//! back once it left the ring and no client is still sending it. (A broadcast channel bounded
//! only in frames let a stalled client hold 256 frames of any size.)

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::watch;

/// What the hub publishes.
#[derive(Debug, Clone)]
pub enum HubFrame {
    /// Serialised messages, in order.
    Messages(Arc<Vec<Utf8Bytes>>),
    /// The log of deltas was lost (overflow or reset): every client needs a new snapshot.
    Resync,
}

impl HubFrame {
    fn bytes(&self) -> usize {
        match self {
            HubFrame::Messages(messages) => messages.iter().map(|m| m.as_str().len()).sum(),
            HubFrame::Resync => 0,
        }
    }
}

/// Why [`FrameReceiver::recv`] gave no frame.
#[derive(Debug, PartialEq, Eq)]
pub enum RecvError {
    /// Frames this receiver had not read left the ring.
    Lagged,
    /// The hub stopped.
    Closed,
}

struct Ring {
    frames: VecDeque<(HubFrame, usize)>,
    /// The number of the oldest frame held.
    first: u64,
    bytes: usize,
}

struct Shared {
    ring: Mutex<Ring>,
    max_frames: usize,
    max_bytes: usize,
    receivers: AtomicUsize,
}

/// The hub's end: publishes frames.
pub struct FrameSender {
    shared: Arc<Shared>,
    /// The number the next frame gets.
    published: watch::Sender<u64>,
}

/// A client's end: reads every frame published after it subscribed, in order.
pub struct FrameReceiver {
    shared: Arc<Shared>,
    next: u64,
    published: watch::Receiver<u64>,
}

impl FrameSender {
    /// A ring holding at most `max_frames` frames and `max_bytes` bytes of them (the newest
    /// frame is always held, whatever its size).
    pub fn new(max_frames: usize, max_bytes: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                ring: Mutex::new(Ring {
                    frames: VecDeque::new(),
                    first: 0,
                    bytes: 0,
                }),
                max_frames: max_frames.max(1),
                max_bytes,
                receivers: AtomicUsize::new(0),
            }),
            published: watch::Sender::new(0),
        }
    }

    /// Publish a frame; the oldest go while a bound is passed.
    pub fn send(&self, frame: HubFrame) {
        let size = frame.bytes();
        let next = {
            let mut ring = self
                .shared
                .ring
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            ring.frames.push_back((frame, size));
            ring.bytes += size;
            while ring.frames.len() > self.shared.max_frames
                || (ring.bytes > self.shared.max_bytes && ring.frames.len() > 1)
            {
                if let Some((_, gone)) = ring.frames.pop_front() {
                    ring.bytes -= gone;
                    ring.first += 1;
                }
            }
            ring.first + ring.frames.len() as u64
        };
        self.published.send_replace(next);
    }

    /// A receiver of every frame published from now on.
    pub fn subscribe(&self) -> FrameReceiver {
        self.shared.receivers.fetch_add(1, Ordering::AcqRel);
        let published = self.published.subscribe();
        let next = *published.borrow();
        FrameReceiver {
            shared: Arc::clone(&self.shared),
            next,
            published,
        }
    }

    /// The number the next frame published gets.
    pub fn next_number(&self) -> u64 {
        *self.published.borrow()
    }

    /// A receiver of every frame from number `next` on (numbers from [`Self::next_number`]),
    /// when the ring still holds every one of them since.
    pub fn subscribe_from(&self, next: u64) -> Option<FrameReceiver> {
        let mut receiver = self.subscribe();
        let first = self
            .shared
            .ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .first;
        if next < first || next > receiver.next {
            return None;
        }
        receiver.next = next;
        Some(receiver)
    }

    /// Receivers alive now.
    pub fn receiver_count(&self) -> usize {
        self.shared.receivers.load(Ordering::Acquire)
    }

    /// Bytes of the frames held now.
    #[cfg(test)]
    fn bytes(&self) -> usize {
        self.shared
            .ring
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }
}

impl FrameReceiver {
    /// The next frame, waiting for it to be published.
    pub async fn recv(&mut self) -> Result<HubFrame, RecvError> {
        loop {
            {
                let ring = self
                    .shared
                    .ring
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if self.next < ring.first {
                    return Err(RecvError::Lagged);
                }
                let offset = usize::try_from(self.next - ring.first).unwrap_or(usize::MAX);
                if let Some((frame, _)) = ring.frames.get(offset) {
                    self.next += 1;
                    return Ok(frame.clone());
                }
            }
            if self.published.changed().await.is_err() {
                return Err(RecvError::Closed);
            }
        }
    }
}

impl Drop for FrameReceiver {
    fn drop(&mut self) {
        self.shared.receivers.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(text: &str) -> HubFrame {
        HubFrame::Messages(Arc::new(vec![Utf8Bytes::from(text.to_owned())]))
    }

    fn text(frame: &HubFrame) -> String {
        match frame {
            HubFrame::Messages(m) => m[0].as_str().to_owned(),
            HubFrame::Resync => "resync".into(),
        }
    }

    #[tokio::test]
    async fn a_reader_gets_every_frame_in_order_until_the_byte_bound_leaves_it_behind() {
        let sender = FrameSender::new(256, 100);
        let mut fast = sender.subscribe();
        let mut slow = sender.subscribe();
        assert_eq!(sender.receiver_count(), 2);
        for i in 0..5 {
            sender.send(frame(&format!("{i:0>10}")));
            assert_eq!(text(&fast.recv().await.unwrap()), format!("{i:0>10}"));
        }
        assert_eq!(text(&slow.recv().await.unwrap()), "0000000000");
        // 20 frames of 10 bytes, read by `fast` as they come: only the newest 10 fit in 100
        // bytes, so `slow`, still at frame 1, lagged.
        for i in 5..25 {
            sender.send(frame(&format!("{i:0>10}")));
            assert_eq!(
                text(&fast.recv().await.unwrap()),
                format!("{i:0>10}"),
                "lost nothing"
            );
        }
        assert!(sender.bytes() <= 100);
        assert_eq!(slow.recv().await.unwrap_err(), RecvError::Lagged);
        // One frame larger than the bound is still held.
        sender.send(frame(&"x".repeat(500)));
        assert_eq!(fast.recv().await.unwrap().bytes(), 500);
        drop(slow);
        assert_eq!(sender.receiver_count(), 1);
        drop(sender);
        assert_eq!(fast.recv().await.unwrap_err(), RecvError::Closed);
    }

    #[tokio::test]
    async fn a_late_reader_starts_from_a_frame_still_held_or_not_at_all() {
        let sender = FrameSender::new(3, 1 << 20);
        let mark = sender.next_number();
        sender.send(frame("a"));
        sender.send(frame("b"));
        let mut late = sender.subscribe_from(mark).expect("a and b are held");
        assert_eq!(text(&late.recv().await.unwrap()), "a");
        assert_eq!(text(&late.recv().await.unwrap()), "b");
        sender.send(frame("c"));
        sender.send(frame("d"));
        assert_eq!(text(&late.recv().await.unwrap()), "c");
        // "a" left the ring (three frames at most): from `mark` is no longer possible.
        assert!(sender.subscribe_from(mark).is_none());
        assert_eq!(
            sender.receiver_count(),
            1,
            "the refused receiver is not counted"
        );
        assert!(sender.subscribe_from(sender.next_number() + 1).is_none());
    }
}
