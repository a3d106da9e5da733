//! TimescaleDB, when the database has it (`CREATE EXTENSION timescaledb`, which StreamViz never
//! runs itself: installing an extension is the database owner's choice). The points table then
//! becomes a hypertable partitioned by day of each chunk's newest time (`t1_ms`), compressed
//! after a week (segmented by series, so that a series' range reads one segment), and, when the
//! store has a retention, whole days older than it are dropped by TimescaleDB's own retention
//! job; the writer's purge still trims what a dropped day leaves at the edge. A table of points
//! stored before the extension was there is converted in place, its rows kept. Without the
//! extension the plain table and its indexes serve, as before.

use std::time::Duration;

use super::conn::{error, Pg};
use crate::store::error::StoreError;

/// The points table as a hypertable, its rows kept (the primary key must hold the time):
/// partitions of a day (86,400,000 ms), compressed after a week (604,800,000 ms).
const HYPERTABLE: &str = "
ALTER TABLE streamviz_chunks ALTER COLUMN t1_ms SET NOT NULL;
ALTER TABLE streamviz_chunks DROP CONSTRAINT IF EXISTS streamviz_chunks_pkey;
ALTER TABLE streamviz_chunks ADD PRIMARY KEY (id, t1_ms);
SELECT create_hypertable('streamviz_chunks', by_range('t1_ms', 86400000::bigint),
                         migrate_data => true);
CREATE OR REPLACE FUNCTION streamviz_now_ms() RETURNS BIGINT LANGUAGE SQL STABLE
    AS $$ SELECT (extract(epoch FROM now()) * 1000)::bigint $$;
SELECT set_integer_now_func('streamviz_chunks', 'streamviz_now_ms');
ALTER TABLE streamviz_chunks SET (timescaledb.compress,
    timescaledb.compress_segmentby = 'sid', timescaledb.compress_orderby = 't1_ms, id');
SELECT add_compression_policy('streamviz_chunks', compress_after => 604800000::bigint,
                              if_not_exists => true);
";

/// Make the points table a hypertable when the database has TimescaleDB and it is not one yet.
/// Returns whether it is a hypertable.
pub(super) fn prepare(pg: &mut Pg) -> Result<bool, StoreError> {
    let location = pg.location.clone();
    let fail = |err| error(&location, err);
    let extension = pg
        .client
        .query_opt(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'",
            &[],
        )
        .map_err(fail)?
        .is_some();
    if !extension {
        return Ok(false);
    }
    let mut tx = pg.client.transaction().map_err(fail)?;
    let hypertable = tx
        .query_opt(
            "SELECT 1 FROM timescaledb_information.hypertables \
             WHERE hypertable_name = 'streamviz_chunks'",
            &[],
        )
        .map_err(fail)?
        .is_some();
    if !hypertable {
        tx.batch_execute(HYPERTABLE).map_err(fail)?;
    }
    tx.commit().map_err(fail)?;
    Ok(true)
}

/// TimescaleDB's retention job for `retention` (replacing one for another retention): it drops
/// the days wholly older than that.
pub(super) fn keep_for(pg: &mut Pg, retention: Duration) -> Result<(), StoreError> {
    let drop_after_ms = i64::try_from(retention.as_millis()).unwrap_or(i64::MAX);
    if pg.retention_policy_ms == Some(drop_after_ms) {
        return Ok(());
    }
    let location = pg.location.clone();
    let fail = |err| error(&location, err);
    let mut tx = pg.client.transaction().map_err(fail)?;
    tx.execute(
        "SELECT remove_retention_policy('streamviz_chunks', if_exists => true)",
        &[],
    )
    .map_err(fail)?;
    tx.execute(
        "SELECT add_retention_policy('streamviz_chunks', drop_after => $1::bigint)",
        &[&drop_after_ms],
    )
    .map_err(fail)?;
    tx.commit().map_err(fail)?;
    pg.retention_policy_ms = Some(drop_after_ms);
    Ok(())
}
