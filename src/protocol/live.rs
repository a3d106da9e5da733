//! What the live `data` messages carry of a burst: a series that took more than
//! [`LIVE_POINTS_PER_SERIES`] points between two flush ticks is sent M4-reduced (the first,
//! lowest, highest and last point of each of [`LIVE_COLUMNS`] equal time columns over the
//! tick's points), its op marked `"decimated": true`. A chart draws exactly the same lines from
//! it at any width up to one pixel per column, and a client zooming further in asks `/range`
//! for the full detail, which the engine and the store keep. Without this a producer sending
//! millions of points a second had every one of them encoded and written to every client, and
//! serving them took the CPU the engine needed to keep up (docs/BENCHMARKS.md).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use crate::engine::{decimate::m4, Update};

/// Most points of one series a flush tick's `data` messages carry at full detail.
pub const LIVE_POINTS_PER_SERIES: usize = 1_024;
/// Time columns of a reduced series (four points each at most).
pub const LIVE_COLUMNS: usize = LIVE_POINTS_PER_SERIES / 4;

/// A tick's updates as clients are sent them, and the series reduced among them (widget index,
/// series index as [`Update`] numbers it: `u32::MAX` for a widget's only series).
pub(super) struct Live<'a> {
    pub(super) updates: Cow<'a, [Update]>,
    pub(super) decimated: HashSet<(u32, u32)>,
}

/// The series a point update belongs to, and its points.
fn series_of(update: &Update) -> Option<(u32, u32, usize)> {
    match update {
        Update::Point { widget, .. } => Some((widget.index, u32::MAX, 1)),
        Update::SeriesPoint { widget, series, .. } => Some((widget.index, *series, 1)),
        Update::Points {
            widget,
            series,
            points,
        } => Some((widget.index, *series, points.len())),
        _ => None,
    }
}

/// A series' points between two other changes of its widget: (widget, series, how many other
/// changes of the widget came before).
type Run = (u32, u32, u32);

/// What a tick brought a run: points, their earliest and latest time, and the updates (by
/// position in the tick) that carried them.
struct Extent {
    points: usize,
    t0: f64,
    t1: f64,
    members: Vec<usize>,
}

/// The points of a point update, single or batch.
fn points_in(update: &Update) -> impl Iterator<Item = (f64, f64)> + '_ {
    let single = match update {
        Update::Point { ts_ms, value, .. } | Update::SeriesPoint { ts_ms, value, .. } => {
            Some((*ts_ms, *value))
        }
        _ => None,
    };
    let batch: &[(f64, f64)] = match update {
        Update::Points { points, .. } => points,
        _ => &[],
    };
    single.into_iter().chain(batch.iter().copied())
}

/// `updates` with every series over [`LIVE_POINTS_PER_SERIES`] points reduced: its points up to
/// the next other change of its widget (a clear, say) become one batch, M4-reduced, where the
/// first of them was. Borrowed as it is when no series is over. The points are read where they
/// are, never gathered: a burst's copy would be as big as the burst.
pub(super) fn for_viewing(updates: &[Update]) -> Live<'_> {
    // The run of each point update, and what each run brought.
    let mut changes: HashMap<u32, u32> = HashMap::new();
    let mut extents: HashMap<Run, Extent> = HashMap::new();
    let mut runs: Vec<Option<Run>> = Vec::with_capacity(updates.len());
    for (i, update) in updates.iter().enumerate() {
        let widget = update.widget().index;
        let before = changes.get(&widget).copied().unwrap_or(0);
        let Some((widget, series, n)) = series_of(update) else {
            *changes.entry(widget).or_default() += 1;
            runs.push(None);
            continue;
        };
        let run = (widget, series, before);
        let extent = extents.entry(run).or_insert(Extent {
            points: 0,
            t0: f64::INFINITY,
            t1: f64::NEG_INFINITY,
            members: Vec::new(),
        });
        extent.points += n;
        extent.members.push(i);
        for (t, _) in points_in(update) {
            extent.t0 = extent.t0.min(t);
            extent.t1 = extent.t1.max(t);
        }
        runs.push(Some(run));
    }
    extents.retain(|_, extent| extent.points > LIVE_POINTS_PER_SERIES);
    if extents.is_empty() {
        return Live {
            updates: Cow::Borrowed(updates),
            decimated: HashSet::new(),
        };
    }
    let mut out: Vec<Update> = Vec::with_capacity(updates.len());
    let mut decimated = HashSet::new();
    for (i, (update, run)) in updates.iter().zip(&runs).enumerate() {
        let Some((run, extent)) = run.and_then(|run| Some((run, extents.get(&run)?))) else {
            out.push(update.clone());
            continue;
        };
        // A reduced run's batch goes where its first update was, made from all of its points.
        if extent.members.first() != Some(&i) {
            continue;
        }
        decimated.insert((run.0, run.1));
        let points = extent.members.iter().flat_map(|&j| points_in(&updates[j]));
        out.push(Update::Points {
            widget: update.widget(),
            series: run.1,
            points: Box::new(reduce(points, extent)),
        });
    }
    Live {
        updates: Cow::Owned(out),
        decimated,
    }
}

/// The M4 points of a run's `points` over [`LIVE_COLUMNS`] columns spanning them.
fn reduce(points: impl Iterator<Item = (f64, f64)>, extent: &Extent) -> Vec<(f64, f64)> {
    // Points all of one time make one column.
    let t1 = if extent.t1 > extent.t0 {
        extent.t1
    } else {
        extent.t0 + 1.0
    };
    m4(points, extent.t0, t1, LIVE_COLUMNS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::WidgetRef;

    fn point(index: u32, ts_ms: f64) -> Update {
        Update::Point {
            widget: WidgetRef {
                index,
                generation: 0,
            },
            ts_ms,
            value: ts_ms,
        }
    }

    /// A clear splits a series' tick in two runs, each reduced on its own and in its place; a
    /// small series between them goes whole and in order.
    #[test]
    fn a_clear_keeps_its_place_between_the_reduced_runs() {
        let mut updates: Vec<Update> = (0..3000).map(|i| point(0, f64::from(i))).collect();
        updates.push(point(1, 7.0));
        updates.push(Update::Clear {
            widget: WidgetRef {
                index: 0,
                generation: 0,
            },
        });
        updates.extend((5000..9000).map(|i| point(0, f64::from(i))));
        let live = for_viewing(&updates);
        assert_eq!(live.decimated, HashSet::from([(0, u32::MAX)]));
        let shape: Vec<(u32, &str, usize, f64, f64)> = live
            .updates
            .iter()
            .map(|u| {
                let points: Vec<_> = points_in(u).collect();
                let kind = if matches!(u, Update::Clear { .. }) {
                    "clear"
                } else {
                    "points"
                };
                let first = points.first().map_or(f64::NAN, |p| p.0);
                let last = points.last().map_or(f64::NAN, |p| p.0);
                (u.widget().index, kind, points.len(), first, last)
            })
            .collect();
        assert_eq!(
            shape.len(),
            4,
            "{:?}",
            shape.iter().map(|s| (s.0, s.1, s.2)).collect::<Vec<_>>()
        );
        assert_eq!(
            (shape[0].0, shape[0].1, shape[0].3, shape[0].4),
            (0, "points", 0.0, 2999.0)
        );
        assert!(shape[0].2 <= LIVE_POINTS_PER_SERIES);
        assert_eq!((shape[1].0, shape[1].2, shape[1].3), (1, 1, 7.0));
        assert_eq!((shape[2].0, shape[2].1), (0, "clear"));
        assert_eq!((shape[3].0, shape[3].3, shape[3].4), (0, 5000.0, 8999.0));
        assert!(shape[3].2 <= LIVE_POINTS_PER_SERIES);
        // Under the bound nothing is copied.
        assert!(matches!(
            for_viewing(&updates[..LIVE_POINTS_PER_SERIES]).updates,
            Cow::Borrowed(_)
        ));
    }
}
