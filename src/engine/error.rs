//! The one error type of the engine: every way an input can be refused, with a reason a user can act on.

use thiserror::Error;

/// Why the engine refused a declaration or an update. Nothing is changed when one is returned.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum EngineError {
    /// A widget id is empty, too long or contains characters that are not URL-safe.
    #[error("invalid widget id {id:?}: {reason}")]
    InvalidId {
        /// The id as given (truncated when very long).
        id: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The id is already declared as a different kind of widget.
    #[error("widget {id:?} is already declared as a {existing}, not a {requested}")]
    KindConflict {
        /// The widget id.
        id: String,
        /// The kind it was declared with first.
        existing: &'static str,
        /// The kind asked for now.
        requested: &'static str,
    },
    /// No widget has this id.
    #[error("unknown widget {0:?}")]
    UnknownWidget(String),
    /// An option of a widget or of the dashboard is wrong.
    #[error("invalid option {option}: {reason}")]
    InvalidOption {
        /// Which option.
        option: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A value sent to a widget is wrong (type, NaN/inf, shape).
    #[error("invalid value for {widget:?}: {reason}")]
    InvalidValue {
        /// The widget id.
        widget: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A layout container or a widget's placement is wrong (unknown parent, wrong nesting).
    #[error("layout: {0}")]
    Layout(String),
    /// An input exceeds one of the bounds in [`crate::engine::limits`].
    #[error("too large: {0}")]
    TooLarge(String),
    /// A handle refers to a widget that `reset()` removed.
    #[error("widget {0:?} no longer exists (the dashboard was reset); declare it again")]
    StaleHandle(String),
}

/// Shorthand for results of engine operations.
pub type EngineResult<T> = Result<T, EngineError>;

/// Build an [`EngineError::InvalidOption`].
pub(crate) fn invalid_option(option: impl Into<String>, reason: impl Into<String>) -> EngineError {
    EngineError::InvalidOption {
        option: option.into(),
        reason: reason.into(),
    }
}

/// Build an [`EngineError::InvalidValue`].
pub(crate) fn invalid_value(widget: &str, reason: impl Into<String>) -> EngineError {
    EngineError::InvalidValue {
        widget: widget.to_owned(),
        reason: reason.into(),
    }
}
