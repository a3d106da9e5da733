//! A recording: a database opened read-only and loaded into a replica engine, for
//! `streamviz serve --open`, `python -m stream_viz replay` and `streamviz-viewer --open`.

use std::path::Path;
use std::sync::Arc;

use super::chunks;
use super::db::Db;
use super::reader::StoredHistory;
use crate::history::History;
use crate::ingest::Pipeline;
use crate::store::backend::Restored;
use crate::store::error::StoreError;
use crate::store::restore::restore_recording;

/// What [`open_recording`] loaded.
#[derive(Clone)]
pub struct Recording {
    /// Widgets declared.
    pub widgets: u64,
    /// Points loaded into the rings (the rest are read on demand).
    pub points: u64,
    /// The first and last timestamp of every stored point and change (changes are stamped when
    /// they were stored), if any.
    pub span: Option<(f64, f64)>,
    /// Every stored point and change, for range queries and a replay's widgets as of a time.
    pub history: Arc<dyn History>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording")
            .field("widgets", &self.widgets)
            .field("points", &self.points)
            .field("span", &self.span)
            .finish_non_exhaustive()
    }
}

/// Open the database at `path` as a recording: load the dashboard it holds into `pipeline`'s
/// engine (as stored: windows are not aggregated again); its stored points and changes are read
/// through [`Recording::history`]. Nothing is written to the file.
pub fn open_recording(pipeline: &Pipeline, path: &Path) -> Result<Recording, StoreError> {
    let mut db = Db::open_read_only(path)?;
    let history = StoredHistory::open(path)?;
    let Restored {
        widgets, points, ..
    } = restore_recording(&mut db, pipeline)?;
    // Points carry their own timestamps; changes the time they were stored.
    let span = chunks::span(&db.conn).map_err(|err| db.error(err))?;
    Ok(Recording {
        widgets,
        points,
        span: span.0.zip(span.1),
        history: Arc::new(history),
    })
}
