//! Why persistence could not start or continue. Messages name the database and say what to do
//! (a full disk, a damaged file, a folder that is not writable); each backend turns its driver's
//! errors into these (`sqlite/error.rs`).

/// Why persistence could not start or continue. Messages name the file and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be opened or created.
    #[error("cannot open {path}: {reason}")]
    Open {
        /// The database path.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// The file is a database of another program, or not a database.
    #[error("{path} is not a StreamViz database ({reason}); choose another file")]
    Foreign {
        /// The database path.
        path: String,
        /// What was found.
        reason: String,
    },
    /// The file was written by a newer StreamViz.
    #[error("{path} has schema version {found}; this StreamViz reads version {reads} (upgrade stream_viz)")]
    Newer {
        /// The database path.
        path: String,
        /// The version found.
        found: i32,
        /// The version this StreamViz reads and writes.
        reads: i32,
    },
    /// The file (or database server) holds a StreamViz database whose content is damaged.
    #[error(
        "{path} is damaged ({reason}); it is left as it is: {}",
        recovery(path)
    )]
    Corrupt {
        /// The database path.
        path: String,
        /// SQLite's message.
        reason: String,
    },
    /// The disk holding the database has no room left.
    #[error("{path}: the disk holding it is full; free space on it (what is stored is kept)")]
    Full {
        /// The database path.
        path: String,
    },
    /// Another server is loading the store it shares with this one: the write waits for the
    /// next turn (not an error; nothing is lost).
    #[error("{path}: another server is loading the shared store; the write waits")]
    Paused {
        /// The database's URL without its password.
        path: String,
    },
    /// A query failed.
    #[error("{path}: {reason}")]
    Sqlite {
        /// The database path.
        path: String,
        /// SQLite's message.
        reason: String,
    },
}

/// How to go on from a damaged store: a SQLite file can be recovered; a database server's
/// content (`postgresql://`, `redis://`) is left for its own tools.
fn recovery(path: &str) -> String {
    if path.contains("://") {
        "repair or remove its streamviz tables or keys with the database's own tools, or choose \
         another database"
            .into()
    } else {
        format!("recover what can be read with `sqlite3 {path} .recover`, or choose another file")
    }
}

/// Why a read of a database server's points failed: the query (`E`, the driver's error), or a
/// chunk whose bytes do not hold its points.
#[cfg(any(feature = "postgres", feature = "redis-store"))]
pub(crate) enum ReadError<E> {
    Query(E),
    Damaged,
}

#[cfg(any(feature = "postgres", feature = "redis-store"))]
impl<E> From<E> for ReadError<E> {
    fn from(err: E) -> Self {
        Self::Query(err)
    }
}

#[cfg(any(feature = "postgres", feature = "redis-store"))]
impl<E> ReadError<E> {
    /// As a [`StoreError`] naming the database at `location`, a failed query as `query` says.
    pub(crate) fn into_store(
        self,
        location: &str,
        query: impl FnOnce(&str, E) -> StoreError,
    ) -> StoreError {
        match self {
            Self::Query(err) => query(location, err),
            Self::Damaged => StoreError::Corrupt {
                path: location.to_owned(),
                reason: "a chunk of points cut short".into(),
            },
        }
    }
}
