//! Settings of a viewer.

use std::path::PathBuf;

/// Settings of a viewer.
#[derive(Debug, Clone)]
pub struct ViewerOptions {
    /// Where exports are written when no save dialog is available.
    pub export_dir: PathBuf,
    /// Ask where to save with the native save dialog (when one can be shown; else exports go into
    /// `export_dir`).
    pub dialogs: bool,
}

impl Default for ViewerOptions {
    fn default() -> Self {
        Self {
            export_dir: PathBuf::from("."),
            dialogs: dialogs_wanted(),
        }
    }
}

/// Whether save dialogs are wanted at all: `STREAMVIZ_NO_DIALOG=1` (or `--no-dialog`) turns them
/// off, e.g. on headless machines.
pub fn dialogs_wanted() -> bool {
    std::env::var_os("STREAMVIZ_NO_DIALOG").is_none_or(|v| v.is_empty() || v == "0")
}
