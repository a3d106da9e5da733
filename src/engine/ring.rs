//! A fixed-capacity columnar ring buffer of `(ts_ms, value)` points: timestamps and values live in
//! separate arrays so that scans touch only what they need, and memory grows with what is held,
//! never beyond the capacity.

/// Epochs are unique across every ring of the process, so a reader that cached what it saw of
/// one ring notices when it is handed another (a replaced widget, a reloaded history).
fn next_epoch() -> u64 {
    static EPOCH: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    EPOCH.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Points of one series, oldest first, at most `capacity_points` of them.
///
/// Storage grows as points arrive until the capacity is reached; after that each push
/// overwrites the oldest point. Pushing is O(1) and never allocates once full.
#[derive(Debug, Clone)]
pub struct RingBuffer {
    ts_ms: Vec<f64>,
    values: Vec<f64>,
    /// Index of the oldest point once the buffer is full (0 while filling).
    head: usize,
    capacity_points: usize,
    /// Points pushed since the buffer was created or last emptied (evicted ones included).
    pushed: u64,
    /// Changes whenever points are removed other than by eviction (clear, capacity change), so a
    /// reader caching what it saw knows to start over.
    epoch: u64,
    /// True while every point's timestamp is at least the one before (time can be searched).
    sorted: bool,
}

impl RingBuffer {
    /// An empty buffer that holds at most `capacity_points` (at least 1) points.
    pub fn new(capacity_points: usize) -> Self {
        Self {
            ts_ms: Vec::new(),
            values: Vec::new(),
            head: 0,
            capacity_points: capacity_points.max(1),
            pushed: 0,
            epoch: next_epoch(),
            sorted: true,
        }
    }

    /// Most points held at once.
    pub fn capacity_points(&self) -> usize {
        self.capacity_points
    }

    /// Number of points held.
    pub fn len(&self) -> usize {
        self.ts_ms.len()
    }

    /// True when no point is held.
    pub fn is_empty(&self) -> bool {
        self.ts_ms.is_empty()
    }

    /// Append a point, overwriting the oldest when full.
    #[inline]
    pub fn push(&mut self, ts_ms: f64, value: f64) {
        if self.sorted {
            if let Some((last, _)) = self.last() {
                self.sorted = ts_ms >= last;
            }
        }
        self.store(ts_ms, value);
    }

    /// Append a point without looking at the order (the caller keeps `sorted` up to date).
    #[inline]
    fn store(&mut self, ts_ms: f64, value: f64) {
        self.pushed += 1;
        if self.ts_ms.len() < self.capacity_points {
            self.ts_ms.push(ts_ms);
            self.values.push(value);
        } else {
            self.ts_ms[self.head] = ts_ms;
            self.values[self.head] = value;
            self.head += 1;
            if self.head == self.capacity_points {
                self.head = 0;
            }
        }
    }

    /// Append `points` in order, as that many [`RingBuffer::push`]es would: when they are more
    /// than the capacity, only the newest that fit are copied.
    pub fn push_many(&mut self, points: &[(f64, f64)]) {
        if points.is_empty() {
            return;
        }
        if self.sorted {
            let mut last = self.last().map_or(f64::NEG_INFINITY, |p| p.0);
            for &(ts, _) in points {
                // NaN or earlier: no longer sorted (as `push` decides).
                if ts.is_nan() || ts < last {
                    self.sorted = false;
                    break;
                }
                last = ts;
            }
        }
        let capacity = self.capacity_points;
        if points.len() >= capacity {
            // Everything held now is evicted: keep the newest `capacity` in order.
            let tail = &points[points.len() - capacity..];
            self.ts_ms.clear();
            self.values.clear();
            self.ts_ms.extend(tail.iter().map(|p| p.0));
            self.values.extend(tail.iter().map(|p| p.1));
            self.head = 0;
            self.pushed += points.len() as u64;
            return;
        }
        // As `store` one by one, a slice at a time: fill up to the capacity, then overwrite from
        // the head, wrapping.
        let mut rest = points;
        let fill = capacity.saturating_sub(self.ts_ms.len()).min(rest.len());
        if self.ts_ms.capacity() < self.ts_ms.len() + fill {
            // A batch that outgrows the columns reserves the whole capacity at once: reserved
            // pages cost nothing until written, where growing by doubling copied the columns
            // again and again (a 1 M-point array into an empty 1 M-point ring was held at half
            // the rate of one into a full ring).
            let room = capacity - self.ts_ms.len();
            self.ts_ms.reserve_exact(room);
            self.values.reserve_exact(room);
        }
        self.ts_ms.extend(rest[..fill].iter().map(|p| p.0));
        self.values.extend(rest[..fill].iter().map(|p| p.1));
        rest = &rest[fill..];
        while !rest.is_empty() {
            let n = (capacity - self.head).min(rest.len());
            let (ts, values) = (
                &mut self.ts_ms[self.head..self.head + n],
                &mut self.values[self.head..self.head + n],
            );
            for ((t, v), p) in ts.iter_mut().zip(values.iter_mut()).zip(&rest[..n]) {
                (*t, *v) = *p;
            }
            self.head = (self.head + n) % capacity;
            rest = &rest[n..];
        }
        self.pushed += points.len() as u64;
    }

    /// Change the capacity, keeping the newest points that fit.
    pub fn set_capacity(&mut self, capacity_points: usize) {
        let capacity_points = capacity_points.max(1);
        if capacity_points == self.capacity_points {
            return;
        }
        let keep = self.len().min(capacity_points);
        let skip = self.len() - keep;
        let (ts_ms, values): (Vec<f64>, Vec<f64>) = self.iter().skip(skip).unzip();
        self.ts_ms = ts_ms;
        self.values = values;
        self.head = 0;
        self.capacity_points = capacity_points;
        self.epoch = next_epoch();
    }

    /// The newest point, if any.
    pub fn last(&self) -> Option<(f64, f64)> {
        self.get_from_end(0)
    }

    /// The point `offset` places before the newest (0 is the newest).
    pub fn get_from_end(&self, offset: usize) -> Option<(f64, f64)> {
        let len = self.len();
        if offset >= len {
            return None;
        }
        let logical = len - 1 - offset;
        let physical = (self.head + logical) % len;
        Some((self.ts_ms[physical], self.values[physical]))
    }

    /// The points, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        let (older_ts, newer_ts) = (&self.ts_ms[self.head..], &self.ts_ms[..self.head]);
        let (older_v, newer_v) = (&self.values[self.head..], &self.values[..self.head]);
        older_ts
            .iter()
            .chain(newer_ts)
            .copied()
            .zip(older_v.iter().chain(newer_v).copied())
    }

    /// Remove every point, keeping the capacity.
    pub fn clear(&mut self) {
        self.ts_ms.clear();
        self.values.clear();
        self.head = 0;
        self.pushed = 0;
        self.epoch = next_epoch();
        self.sorted = true;
    }

    /// Points pushed since creation or the last [`RingBuffer::clear`], evicted ones included;
    /// the newest `min(pushed - seen, len)` points are the ones pushed after a reader saw `seen`.
    pub fn pushed(&self) -> u64 {
        self.pushed
    }

    /// Changes when points go other than by eviction (see [`RingBuffer::pushed`]); no two rings
    /// share an epoch.
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// True while the timestamps never went backwards, so [`RingBuffer::partition_time`] holds.
    pub fn is_time_sorted(&self) -> bool {
        self.sorted
    }

    /// The point at logical position `index` (0 is the oldest).
    #[inline]
    pub fn get(&self, index: usize) -> Option<(f64, f64)> {
        let len = self.len();
        if index >= len {
            return None;
        }
        let physical = (self.head + index) % len;
        Some((self.ts_ms[physical], self.values[physical]))
    }

    /// The logical position of the first point at or after `ts_ms`, by binary search; only
    /// meaningful while [`RingBuffer::is_time_sorted`].
    pub fn partition_time(&self, ts_ms: f64) -> usize {
        let (older, newer) = (&self.ts_ms[self.head..], &self.ts_ms[..self.head]);
        let in_older = older.partition_point(|&t| t < ts_ms);
        if in_older < older.len() {
            in_older
        } else {
            older.len() + newer.partition_point(|&t| t < ts_ms)
        }
    }

    /// The points from logical position `start` on, oldest first.
    pub fn iter_from(&self, start: usize) -> impl Iterator<Item = (f64, f64)> + '_ {
        (start.min(self.len())..self.len()).filter_map(|i| self.get(i))
    }

    /// Bytes of heap memory held by the point arrays.
    pub fn heap_bytes(&self) -> usize {
        (self.ts_ms.capacity() + self.values.capacity()) * std::mem::size_of::<f64>()
    }
}

/// The next `f64` after a finite `x` (`f64::next_up`, stable only since Rust 1.86): the first
/// time strictly after `x`, for searches that count points at `x` itself.
pub fn just_after(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Batches of every size, across the fill and the wrap, hold what as many single pushes
    /// hold.
    #[test]
    fn a_batch_holds_what_as_many_single_pushes_hold() {
        let (mut batched, mut single) = (RingBuffer::new(7), RingBuffer::new(7));
        let mut t = 0.0;
        for size in [0, 1, 3, 2, 6, 7, 8, 15, 1, 5, 13] {
            let points: Vec<(f64, f64)> = (0..size)
                .map(|_| {
                    t += 1.0;
                    (t, -t)
                })
                .collect();
            batched.push_many(&points);
            for &(ts, value) in &points {
                single.push(ts, value);
            }
            assert!(batched.iter().eq(single.iter()), "after a batch of {size}");
            assert_eq!(
                (batched.len(), batched.pushed()),
                (single.len(), single.pushed())
            );
        }
    }

    #[test]
    fn fills_then_wraps_keeping_newest_in_order() {
        let mut ring = RingBuffer::new(3);
        for i in 0..5 {
            ring.push(i as f64, i as f64 * 10.0);
        }
        assert_eq!(ring.len(), 3);
        let points: Vec<_> = ring.iter().collect();
        assert_eq!(points, vec![(2.0, 20.0), (3.0, 30.0), (4.0, 40.0)]);
        assert_eq!(ring.last(), Some((4.0, 40.0)));
        assert_eq!(ring.get_from_end(2), Some((2.0, 20.0)));
        assert_eq!(ring.get_from_end(3), None);
    }

    #[test]
    fn counts_pushes_tracks_order_and_searches_time_across_the_wrap() {
        let mut ring = RingBuffer::new(4);
        for i in 0..6 {
            ring.push(f64::from(i) * 10.0, f64::from(i));
        }
        assert_eq!(ring.pushed(), 6);
        assert!(ring.is_time_sorted());
        // Held: 20, 30, 40, 50 with the wrap between 30 and 40.
        assert_eq!(ring.partition_time(0.0), 0);
        assert_eq!(ring.partition_time(30.0), 1);
        assert_eq!(ring.partition_time(35.0), 2);
        assert_eq!(ring.partition_time(50.0), 3);
        assert_eq!(ring.partition_time(51.0), 4);
        assert_eq!(
            ring.iter_from(2).collect::<Vec<_>>(),
            vec![(40.0, 4.0), (50.0, 5.0)]
        );
        ring.push(45.0, 0.0);
        assert!(!ring.is_time_sorted());
        let epoch = ring.epoch();
        ring.clear();
        assert_eq!((ring.pushed(), ring.epoch() > epoch), (0, true));
        assert_ne!(RingBuffer::new(4).epoch(), RingBuffer::new(4).epoch());
        assert!(ring.is_time_sorted());
    }

    #[test]
    fn never_exceeds_capacity_after_many_wraps() {
        let mut ring = RingBuffer::new(1000);
        for i in 0..10_500 {
            ring.push(i as f64, 0.0);
        }
        assert_eq!(ring.len(), 1000);
        assert_eq!(ring.iter().next(), Some((9500.0, 0.0)));
        assert_eq!(ring.heap_bytes(), ring.ts_ms.capacity() * 16);
        assert!(
            ring.ts_ms.capacity() < 2048,
            "storage must not grow past capacity"
        );
    }

    #[test]
    fn shrinking_capacity_keeps_newest_points() {
        let mut ring = RingBuffer::new(4);
        for i in 0..6 {
            ring.push(i as f64, i as f64);
        }
        ring.set_capacity(2);
        assert_eq!(
            ring.iter().collect::<Vec<_>>(),
            vec![(4.0, 4.0), (5.0, 5.0)]
        );
        ring.push(6.0, 6.0);
        assert_eq!(
            ring.iter().collect::<Vec<_>>(),
            vec![(5.0, 5.0), (6.0, 6.0)]
        );
        ring.set_capacity(5);
        ring.push(7.0, 7.0);
        assert_eq!(ring.len(), 3);
    }

    #[test]
    fn empty_buffer_has_no_points() {
        let ring = RingBuffer::new(0);
        assert_eq!(ring.capacity_points(), 1);
        assert!(ring.is_empty());
        assert_eq!(ring.last(), None);
        assert_eq!(ring.iter().count(), 0);
    }
}
