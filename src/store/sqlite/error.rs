//! SQLite's errors turned into [`StoreError`]s that name the file and say what to do (a full
//! disk, a damaged file, a folder that is not writable).

use crate::store::error::StoreError;

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
