//! Why persistence could not start or continue, and SQLite's errors turned into messages that
//! name the file and say what to do (a full disk, a damaged file, a folder that is not writable).

use super::schema::SCHEMA_VERSION;

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
    #[error("{path} has schema version {found}; this StreamViz reads version {SCHEMA_VERSION} (upgrade stream_viz)")]
    Newer {
        /// The database path.
        path: String,
        /// The version found.
        found: i32,
    },
    /// The file is a StreamViz database whose content is damaged.
    #[error(
        "{path} is damaged ({reason}); it is left as it is: recover what can be read with \
         `sqlite3 {path} .recover`, or choose another file"
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
    /// A query failed.
    #[error("{path}: {reason}")]
    Sqlite {
        /// The database path.
        path: String,
        /// SQLite's message.
        reason: String,
    },
}

/// A failed first read of a file: one that is not a database is foreign, other errors say what
/// went wrong.
pub(super) fn first_read_error(path: &str, err: rusqlite::Error) -> StoreError {
    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase) {
        StoreError::Foreign {
            path: path.into(),
            reason: err.to_string(),
        }
    } else {
        sqlite_error(path, err)
    }
}

/// A failed query as a [`StoreError`]: a full disk says so.
pub(super) fn sqlite_error(path: &str, err: rusqlite::Error) -> StoreError {
    let full = match &err {
        rusqlite::Error::SqliteFailure(failure, _) => {
            failure.code == rusqlite::ErrorCode::DiskFull
                // The `-shm` file of a WAL database could not be grown.
                || failure.extended_code == rusqlite::ffi::SQLITE_IOERR_SHMSIZE
        }
        _ => false,
    };
    if full {
        StoreError::Full { path: path.into() }
    } else if err.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt) {
        StoreError::Corrupt {
            path: path.into(),
            reason: err.to_string(),
        }
    } else if err.sqlite_error_code() == Some(rusqlite::ErrorCode::CannotOpen) {
        StoreError::Open {
            path: path.into(),
            reason: "SQLite cannot open it or its -wal and -shm files beside it; the folder must \
                     be writable"
                .into(),
        }
    } else {
        StoreError::Sqlite {
            path: path.into(),
            reason: err.to_string(),
        }
    }
}
