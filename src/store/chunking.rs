//! The points of one write gathered per series into chunks (`store/codec.rs`), the same for every
//! backend: a chunk goes to the backend's `insert` as soon as it holds [`MAX_CHUNK_POINTS`], the
//! rest when the write ends; a widget cleared in the write forgets what was gathered for it.
//! Series ids come from the backend's cache, or from its `create` for a new series.

use std::collections::HashMap;

use super::codec::{encode, MAX_CHUNK_POINTS};
use super::journal::series_name;
use super::restore::SeriesKey;
use crate::engine::WidgetInfo;

/// A chunk ready to be stored as one row.
pub(crate) struct Chunk {
    /// The series.
    pub(crate) sid: i64,
    /// Its earliest and latest time.
    pub(crate) t0: f64,
    pub(crate) t1: f64,
    /// Its points.
    pub(crate) n: usize,
    /// Its bytes.
    pub(crate) data: Vec<u8>,
}

impl Chunk {
    fn of(sid: i64, ts: &[f64], values: &[f64]) -> Self {
        let (t0, t1) = ts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &t| {
                (lo.min(t), hi.max(t))
            });
        Self {
            sid,
            t0,
            t1,
            n: ts.len(),
            data: encode(ts, values),
        }
    }
}

/// The points of one series gathered in a write.
struct Pending {
    widget: u32,
    ts: Vec<f64>,
    values: Vec<f64>,
}

/// Points gathered per series during one write.
#[derive(Default)]
pub(crate) struct ChunkWriter {
    pending: HashMap<i64, Pending>,
    /// Points gathered (stored or not yet; discarded ones counted out).
    points: u64,
    /// The last series looked up: (widget index, series, sid).
    last: Option<(u32, u32, i64)>,
}

impl ChunkWriter {
    /// The sid of a widget's series (`series` 0 for its only one, else 1 + its index): the last
    /// one's again, else from `cache`, else from `create(widget, name)`, which stores a new row.
    pub(crate) fn sid<E>(
        &mut self,
        cache: &mut HashMap<SeriesKey, i64>,
        (index, info, series): (u32, &WidgetInfo, u32),
        create: impl FnOnce(&str, &str) -> Result<i64, E>,
    ) -> Result<i64, E> {
        if let Some((i, s, sid)) = self.last {
            if i == index && s == series {
                return Ok(sid);
            }
        }
        let name = series_name(info, series);
        let key = (Box::<str>::from(&*info.id), Box::<str>::from(name));
        let sid = match cache.get(&key) {
            Some(&sid) => sid,
            None => {
                let sid = create(&info.id, name)?;
                cache.insert(key, sid);
                sid
            }
        };
        self.last = Some((index, series, sid));
        Ok(sid)
    }

    /// Gather `points` of series `sid` (of the widget at `widget` in the journal's directory);
    /// a chunk filled goes to `insert`.
    pub(crate) fn push<E>(
        &mut self,
        widget: u32,
        sid: i64,
        points: &[(f64, f64)],
        mut insert: impl FnMut(Chunk) -> Result<(), E>,
    ) -> Result<(), E> {
        let pending = self.pending.entry(sid).or_insert_with(|| Pending {
            widget,
            ts: Vec::new(),
            values: Vec::new(),
        });
        let mut rest = points;
        while !rest.is_empty() {
            let room = MAX_CHUNK_POINTS - pending.ts.len();
            let (now, later) = rest.split_at(room.min(rest.len()));
            pending.ts.extend(now.iter().map(|p| p.0));
            pending.values.extend(now.iter().map(|p| p.1));
            self.points += now.len() as u64;
            rest = later;
            if pending.ts.len() == MAX_CHUNK_POINTS {
                insert(Chunk::of(sid, &pending.ts, &pending.values))?;
                pending.ts.clear();
                pending.values.clear();
            }
        }
        Ok(())
    }

    /// Forget what was gathered for `widget` (it was cleared after).
    pub(crate) fn discard(&mut self, widget: u32) {
        let points = &mut self.points;
        self.pending.retain(|_, pending| {
            let keep = pending.widget != widget;
            if !keep {
                *points -= pending.ts.len() as u64;
            }
            keep
        });
    }

    /// Hand what is gathered to `insert`; the points this write took (stored or discarded
    /// counted out).
    pub(crate) fn finish<E>(
        self,
        mut insert: impl FnMut(Chunk) -> Result<(), E>,
    ) -> Result<u64, E> {
        for (sid, pending) in &self.pending {
            if !pending.ts.is_empty() {
                insert(Chunk::of(*sid, &pending.ts, &pending.values))?;
            }
        }
        Ok(self.points)
    }
}
