//! A PostgreSQL store opened as a recording (`streamviz serve --open postgresql://...`): its
//! dashboard loaded into a replica engine, its points and changes read on demand. Nothing is
//! written to it.

use crate::ingest::Pipeline;
use crate::store::backend::Restored;
use crate::store::error::StoreError;
use crate::store::restore::restore_recording;
use crate::store::Recording;
use crate::urls::without_password;

use super::conn::{connect, error, Pg};
use super::open::open_reads;

/// Open the database at `url` as a recording.
pub fn open_recording(pipeline: &Pipeline, url: &str) -> Result<Recording, StoreError> {
    let location = without_password(url);
    let mut pg = Pg::new(connect(url, &location)?, url, location.clone());
    pg.load_series()?;
    let Restored {
        widgets, points, ..
    } = restore_recording(&mut pg, pipeline)?;
    // Points carry their own timestamps; changes the time they were stored.
    let span = pg
        .client
        .query_one(
            "SELECT min(lo), max(hi) FROM (SELECT min(t0) AS lo, max(t1) AS hi FROM streamviz_chunks \
             UNION ALL SELECT min(ts_ms), max(ts_ms) FROM streamviz_changes) s",
            &[],
        )
        .map_err(|err| error(&location, err))?;
    let (first, last): (Option<f64>, Option<f64>) = (span.get(0), span.get(1));
    Ok(Recording {
        widgets,
        points,
        span: first.zip(last),
        history: open_reads(url, &location)?,
    })
}
