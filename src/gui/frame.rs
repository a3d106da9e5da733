//! What everything drawn in one frame shares: the theme's colours, each widget's content, the
//! widgets' active alerts, the per-widget view state that drawing updates (plot axes, table sort and filter, card areas),
//! and the actions the user asked for, carried out after the frame.

use std::collections::HashMap;

use super::alerts::CardAlert;
use super::model::{Body, DEFAULT_COLUMNS};
use super::style::Palette;
use crate::engine::Losses;

/// How one plot's time axis behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotView {
    /// Following the dashboard's time range (as opposed to zoomed or panned by hand).
    pub follow: bool,
    /// The range shown last frame, ms.
    pub range: (f64, f64),
    /// Pixel columns last frame.
    pub columns: usize,
}

impl Default for PlotView {
    fn default() -> Self {
        Self {
            follow: true,
            range: (0.0, 0.0),
            columns: DEFAULT_COLUMNS,
        }
    }
}

/// What the user asked for with a widget's tools; carried out after the frame is drawn.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Show one widget alone, or (None) return to the layout.
    Maximise(Option<String>),
    /// Save a widget's data as `csv` or `json`.
    Export(String, &'static str),
    /// Save a PNG of the area of a widget (where its card was drawn in that frame).
    Screenshot(String),
}

/// State shared by everything drawn in a frame.
pub struct Frame<'a> {
    /// Resolved theme colours.
    pub palette: &'a Palette,
    /// Content of each widget.
    pub bodies: &'a HashMap<String, Body>,
    /// Per-plot axis state, updated while drawing.
    pub plots: &'a mut HashMap<String, PlotView>,
    /// Per-table sort and filter state.
    pub tables: &'a mut HashMap<String, TableView>,
    /// Requests collected while drawing.
    pub actions: &'a mut Vec<Action>,
    /// Screen area of every card drawn in this frame (for screenshots and layout tests).
    pub rects: &'a mut HashMap<String, egui::Rect>,
    /// What each visible widget lost of its input (dropped, late), when anything.
    pub losses: &'a HashMap<String, Losses>,
    /// Each widget's most severe active alert, when one is.
    pub alerts: &'a HashMap<String, CardAlert>,
    /// The window is narrow: columns one under another, every card one track wide.
    pub narrow: bool,
    /// The background of cards drawn now (the sidebar's cards sit on the page's background).
    pub card_fill: egui::Color32,
}

/// A table's sort and filter.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableView {
    /// Column sorted on and whether ascending; `None` is newest first.
    pub sort: Option<(String, bool)>,
    /// Rows must contain this text (case-insensitive) in some cell.
    pub filter: String,
}
