//! One error type for the whole extension, converted to Python once: each variant is raised as
//! its class of `stream_viz.errors` (the Python package defines them, so `except` clauses and
//! the stubs name one hierarchy). Every function of `_core` returns [`Result`]; engine, store and
//! Python errors reach it through `?`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

use crate::engine::EngineError;
use crate::store::StoreError;

/// Why a call into `_core` failed.
#[derive(Debug)]
pub enum Error {
    /// An id, an option or a value was refused: `ValidationError`.
    Validation(String),
    /// A value of the wrong Python type: `StreamVizTypeError`.
    Type(String),
    /// The server could not start or is in the wrong state: `ServerError`.
    Server(String),
    /// A database could not be opened or used: `PersistenceError`.
    Persistence(String),
    /// A widget handle from before `reset()`: `StreamVizError`.
    Stale(String),
    /// An exception Python raised, passed on as it is.
    Python(PyErr),
}

/// What every function of `_core` returns.
pub type Result<T> = std::result::Result<T, Error>;

/// A `ValidationError` saying `message`.
pub fn validation_error(message: impl Into<String>) -> Error {
    Error::Validation(message.into())
}

/// A `StreamVizTypeError` saying `message`.
pub fn type_error(message: impl Into<String>) -> Error {
    Error::Type(message.into())
}

impl From<PyErr> for Error {
    fn from(err: PyErr) -> Self {
        Error::Python(err)
    }
}

impl From<EngineError> for Error {
    fn from(err: EngineError) -> Self {
        match err {
            EngineError::StaleHandle(_) => Error::Stale(err.to_string()),
            other => Error::Validation(other.to_string()),
        }
    }
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        Error::Persistence(err.to_string())
    }
}

/// The classes of `stream_viz.errors`, imported once each.
static VALIDATION_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static TYPE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static SERVER_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PERSISTENCE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static BASE_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

impl From<Error> for PyErr {
    fn from(err: Error) -> Self {
        let (class, name, message) = match err {
            Error::Python(err) => return err,
            Error::Validation(m) => (&VALIDATION_ERROR, "ValidationError", m),
            Error::Type(m) => (&TYPE_ERROR, "StreamVizTypeError", m),
            Error::Server(m) => (&SERVER_ERROR, "ServerError", m),
            Error::Persistence(m) => (&PERSISTENCE_ERROR, "PersistenceError", m),
            Error::Stale(m) => (&BASE_ERROR, "StreamVizError", m),
        };
        // Called where `_core` returns to Python, so the interpreter is attached already.
        Python::attach(|py| match class.import(py, "stream_viz.errors", name) {
            Ok(class) => PyErr::from_type(class.clone(), message),
            Err(err) => err,
        })
    }
}
