//! A chunk of points as bytes, the same in every backend (`chunks.data` in SQLite, `bytea` in
//! PostgreSQL): the points of one series gathered in one write, up to [`MAX_CHUNK_POINTS`].

/// Most points in one chunk (a 1 MiB blob).
pub(crate) const MAX_CHUNK_POINTS: usize = 65_536;

/// A chunk's `data` starts with its codec: [`RAW`] (the timestamps then the values, each a
/// little-endian `f64`) or [`SHUFFLED_LZ4`] (those bytes transposed into byte planes — every
/// point's first byte, then every second byte, ... of each column — and LZ4-compressed as one
/// block). Timestamps and slowly changing values share their high bytes, so their planes shrink
/// to almost nothing: the writer writes (and SQLite copies twice, WAL then checkpoint) a fraction
/// of the 16 bytes a point. What the writer writes is [`SHUFFLED_LZ4`]; both are read.
pub(crate) const RAW: u8 = 0;
/// See [`RAW`].
const SHUFFLED_LZ4: u8 = 1;

/// The bytes of a chunk.
pub(crate) fn encode(ts: &[f64], values: &[f64]) -> Vec<u8> {
    let mut planes = Vec::with_capacity((ts.len() + values.len()) * 8);
    for xs in [ts, values] {
        for b in 0..8 {
            planes.extend(xs.iter().map(|x| (x.to_bits() >> (8 * b)) as u8));
        }
    }
    let mut data = vec![SHUFFLED_LZ4];
    data.extend_from_slice(&lz4_flex::block::compress(&planes));
    data
}

/// A column of `n` doubles from its 8 byte planes.
fn unshuffle(planes: &[u8], n: usize) -> Vec<f64> {
    let mut words = vec![0_u64; n];
    for (b, plane) in planes.chunks_exact(n.max(1)).take(8).enumerate() {
        for (word, &byte) in words.iter_mut().zip(plane) {
            *word |= u64::from(byte) << (8 * b);
        }
    }
    words.into_iter().map(f64::from_bits).collect()
}

/// A chunk's points appended to `out`, or `None` when its bytes do not hold `n` points.
pub(crate) fn decode(n: i64, data: &[u8], out: &mut Vec<(f64, f64)>) -> Option<()> {
    let n = usize::try_from(n).ok().filter(|&n| n <= MAX_CHUNK_POINTS)?;
    let size = n * 16;
    let (&codec, payload) = data.split_first()?;
    let read = |bytes: [u8; 8]| f64::from_le_bytes(bytes);
    match codec {
        RAW if payload.len() == size => {
            let (ts, values) = payload.split_at(n * 8);
            let word = |bytes: &[u8]| {
                let mut word = [0; 8];
                word.copy_from_slice(bytes);
                read(word)
            };
            out.extend(
                ts.chunks_exact(8)
                    .zip(values.chunks_exact(8))
                    .map(|(t, v)| (word(t), word(v))),
            );
        }
        SHUFFLED_LZ4 => {
            let planes = lz4_flex::block::decompress(payload, size).ok()?;
            if planes.len() != size {
                return None;
            }
            let (ts, values) = planes.split_at(n * 8);
            out.extend(unshuffle(ts, n).into_iter().zip(unshuffle(values, n)));
        }
        _ => return None,
    }
    Some(())
}

/// A chunk that spans `cutoff` without its points older than it: `(t0, n, data)`, or `None` when
/// its bytes do not hold `n` points (retention keeps what is newer of a chunk that straddles it).
pub(crate) fn trim_older(n: i64, data: &[u8], cutoff: f64) -> Option<(f64, usize, Vec<u8>)> {
    let mut points = Vec::new();
    decode(n, data, &mut points)?;
    points.retain(|p| p.0 >= cutoff);
    let ts: Vec<f64> = points.iter().map(|p| p.0).collect();
    let values: Vec<f64> = points.iter().map(|p| p.1).collect();
    let t0 = ts.iter().copied().fold(f64::INFINITY, f64::min);
    Some((t0, ts.len(), encode(&ts, &values)))
}

/// The newest points of a series gathered from its chunks read newest-ending first: chunks are
/// taken until `limit` points are held and no chunk left can hold a point newer than the oldest
/// of them ([`Newest::wants`]).
pub(crate) struct Newest {
    limit: usize,
    taken: Vec<(i64, Vec<(f64, f64)>)>,
    held: usize,
    oldest_kept: f64,
}

impl Newest {
    /// Gather the newest `limit` points.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            limit,
            taken: Vec::new(),
            held: 0,
            oldest_kept: f64::NEG_INFINITY,
        }
    }

    /// Whether a chunk whose newest point is at `t1` may still hold one of the newest points.
    pub(crate) fn wants(&self, t1: f64) -> bool {
        self.held < self.limit || t1 >= self.oldest_kept
    }

    /// Take the points of the chunk stored as `id`.
    pub(crate) fn take(&mut self, id: i64, points: Vec<(f64, f64)>) {
        self.held += points.len();
        self.taken.push((id, points));
        if self.held >= self.limit {
            let mut times: Vec<f64> = self
                .taken
                .iter()
                .flat_map(|(_, p)| p.iter().map(|p| p.0))
                .collect();
            let nth = times.len() - self.limit;
            self.oldest_kept = *times.select_nth_unstable_by(nth, f64::total_cmp).1;
        }
    }

    /// The points taken, in the order they were stored (so that points of equal time keep it
    /// through [`keep_newest`]'s sort).
    pub(crate) fn finish(mut self) -> Vec<(f64, f64)> {
        self.taken.sort_by_key(|(id, _)| *id);
        self.taken.into_iter().flat_map(|(_, p)| p).collect()
    }
}

/// Sort `points` by time (stable) and keep the newest `limit`.
pub(crate) fn keep_newest(points: &mut Vec<(f64, f64)>, limit: usize) {
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let excess = points.len().saturating_sub(limit);
    points.drain(..excess);
}
