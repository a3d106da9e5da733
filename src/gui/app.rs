//! The viewer: header (title, pages, time range, pause, status), sidebar, and the layout tree
//! of the current page, each widget in a card with its tools (maximise, export).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use egui::{Align, CornerRadius, Key, Layout, Margin, RichText, Stroke, Ui, Vec2};

use super::export::{self, Saved};
use super::model::{Body, Extractor, PlotRequest, DEFAULT_COLUMNS};
use super::style::Palette;
use super::widgets;
use crate::engine::{ConfigView, Engine, LayoutNode, Losses, WidgetKind, WidgetSpec};
use crate::ingest::mirror::{Mirror, MirrorStatus};
use crate::ingest::Pipeline;

/// The time ranges of the range selector, as in the browser: `None` is everything held.
pub const TIME_RANGES: [(&str, Option<f64>); 7] = [
    ("All", None),
    ("1m", Some(60_000.0)),
    ("5m", Some(300_000.0)),
    ("15m", Some(900_000.0)),
    ("1h", Some(3_600_000.0)),
    ("6h", Some(21_600_000.0)),
    ("24h", Some(86_400_000.0)),
];

/// Where the viewer's dashboard comes from.
pub enum Source {
    /// A remote producer, mirrored over its WebSocket.
    Mirror(Mirror),
    /// An engine in this process (tests, benchmarks, embedding).
    Local(Pipeline),
}

impl Source {
    /// The engine holding the dashboard.
    pub fn pipeline(&self) -> &Pipeline {
        match self {
            Source::Mirror(mirror) => mirror.pipeline(),
            Source::Local(pipeline) => pipeline,
        }
    }

    fn status(&self) -> Option<MirrorStatus> {
        match self {
            Source::Mirror(mirror) => Some(mirror.status()),
            Source::Local(_) => None,
        }
    }
}

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
            dialogs: export::dialogs_wanted(),
        }
    }
}

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
    /// Save a PNG of the area of a widget.
    Screenshot(String, egui::Rect),
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
    pub tables: &'a mut HashMap<String, widgets::TableView>,
    /// Requests collected while drawing.
    pub actions: &'a mut Vec<Action>,
    /// Screen area of every card drawn (for screenshots).
    pub rects: &'a mut HashMap<String, egui::Rect>,
    /// What each visible widget lost of its input (dropped, late), when anything.
    pub losses: &'a HashMap<String, Losses>,
}

/// The native dashboard. Draw it with [`Viewer::show`] (tests) or run it with eframe.
pub struct Viewer {
    source: Source,
    options: ViewerOptions,
    config: Option<(u64, Arc<ConfigView>, Palette)>,
    specs: HashMap<String, WidgetSpec>,
    extractor: Extractor,
    bodies: HashMap<String, Body>,
    losses: HashMap<String, Losses>,
    plots: HashMap<String, PlotView>,
    tables: HashMap<String, widgets::TableView>,
    rects: HashMap<String, egui::Rect>,
    page: usize,
    range: usize,
    paused: Option<f64>,
    /// Replaying a recording: its first and last timestamps; the view's time is `paused`.
    recording: Option<(f64, f64)>,
    maximised: Option<String>,
    messages: Vec<(String, Instant)>,
    saved_tx: Sender<Saved>,
    saved_rx: Receiver<Saved>,
    applied_visuals: Option<Palette>,
    older: super::model::OlderPoints,
    as_of: super::model::AsOf,
}

impl Viewer {
    /// A viewer of `source`.
    pub fn new(source: Source, options: ViewerOptions) -> Self {
        let (saved_tx, saved_rx) = crossbeam_channel::unbounded();
        Self {
            source,
            options,
            config: None,
            specs: HashMap::new(),
            extractor: Extractor::default(),
            bodies: HashMap::new(),
            losses: HashMap::new(),
            plots: HashMap::new(),
            tables: HashMap::new(),
            rects: HashMap::new(),
            page: 0,
            range: 0,
            paused: None,
            recording: None,
            maximised: None,
            messages: Vec::new(),
            saved_tx,
            saved_rx,
            applied_visuals: None,
            older: super::model::OlderPoints::default(),
            as_of: super::model::AsOf::default(),
        }
    }

    /// True while the view is frozen.
    pub fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Freeze the view at the newest data (ingest goes on), or go live again.
    pub fn set_paused(&mut self, paused: bool) {
        if self.recording.is_some() {
            return; // a replay's time is the scrubber's
        }
        self.paused = if paused {
            let engine = self.source.pipeline().engine();
            Some(clock(&engine, &self.specs).unwrap_or_else(crate::ingest::now_ms))
        } else {
            None
        };
    }

    /// Replay a recording spanning `span` (first and last timestamp, ms): the header shows a
    /// time scrubber instead of pause and status, and the view starts at the recording's end.
    pub fn set_recording(&mut self, span: (f64, f64)) {
        self.recording = Some(span);
        self.paused = Some(span.1);
    }

    /// Move a replay's time to `ts_ms` (kept within the recording); plots end there and stats
    /// and gauges show their value as of then.
    pub fn seek(&mut self, ts_ms: f64) {
        if let Some((first, last)) = self.recording {
            self.paused = Some(ts_ms.clamp(first, last));
            for view in self.plots.values_mut() {
                view.follow = true;
            }
        }
    }

    /// The time a replay shows, if replaying.
    pub fn replay_time(&self) -> Option<f64> {
        self.recording.and(self.paused)
    }

    /// True while stored points for a plot are being read (a replay reaching past its rings).
    pub fn reading_history(&self) -> bool {
        self.older.reading() || self.as_of.reading()
    }

    /// Wait up to `timeout` for stored points being read; true when all arrived (the next
    /// frame draws them).
    pub fn wait_for_history(&mut self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        self.older.wait(timeout)
            && self
                .as_of
                .wait(deadline.saturating_duration_since(std::time::Instant::now()))
    }

    /// The points a plot drew last frame, per series (decimated), if it is a visible plot.
    pub fn plot_points(&self, id: &str) -> Option<Vec<Vec<[f64; 2]>>> {
        match self.bodies.get(id)? {
            Body::Plot(model) => Some(model.series.iter().map(|s| s.points.clone()).collect()),
            _ => None,
        }
    }

    /// Select a time range by index into [`TIME_RANGES`]; plots follow it again.
    pub fn set_time_range(&mut self, index: usize) {
        self.range = index.min(TIME_RANGES.len() - 1);
        for view in self.plots.values_mut() {
            view.follow = true;
        }
    }

    /// The maximised widget, if any.
    pub fn maximised(&self) -> Option<&str> {
        self.maximised.as_deref()
    }

    /// The current page (index into the layout's pages).
    pub fn page(&self) -> usize {
        self.page
    }

    /// A plot's axis state.
    pub fn plot_view(&self, id: &str) -> Option<PlotView> {
        self.plots.get(id).copied()
    }

    /// The dashboard's title, once its configuration has been read.
    pub fn title(&self) -> Option<String> {
        self.config
            .as_ref()
            .map(|(_, config, _)| config.title.clone())
    }

    /// Where a widget's card was drawn last frame.
    pub fn card_rect(&self, id: &str) -> Option<egui::Rect> {
        self.rects.get(id).copied()
    }

    /// Messages shown in the status line (exports saved, errors).
    pub fn messages(&self) -> Vec<String> {
        self.messages.iter().map(|(m, _)| m.clone()).collect()
    }

    /// Ring points the last frame read while decimating (for benchmarks).
    pub fn points_read(&self) -> usize {
        self.extractor.points_read
    }

    /// Draw one frame into `ui` (the whole window).
    pub fn show(&mut self, ui: &mut Ui) {
        self.take_saved();
        self.refresh(ui.ctx());
        let Some((_, config, palette)) = self.config.clone() else {
            return;
        };
        if self.applied_visuals.as_ref() != Some(&palette) {
            ui.ctx().set_visuals(palette.visuals());
            self.applied_visuals = Some(palette.clone());
        }
        if ui.input(|i| i.key_pressed(Key::Escape)) {
            self.maximised = None;
        }
        let mut actions = Vec::new();
        self.header(ui, &config, &palette);
        let page = self.page.min(config.layout.pages.len().saturating_sub(1));
        let mut frame = Frame {
            palette: &palette,
            bodies: &self.bodies,
            plots: &mut self.plots,
            tables: &mut self.tables,
            actions: &mut actions,
            rects: &mut self.rects,
            losses: &self.losses,
        };
        if let Some(id) = self.maximised.clone() {
            egui::CentralPanel::default()
                .frame(egui::Frame::new().fill(palette.background).inner_margin(12))
                .show(ui, |ui| match self.specs.get(&id) {
                    Some(spec) => widgets::card(ui, &mut frame, spec, true),
                    None => {
                        ui.label("This widget is no longer on the dashboard.");
                    }
                });
        } else {
            if !config.layout.sidebar.is_empty() {
                egui::Panel::left("sv-sidebar")
                    .default_size(280.0)
                    .frame(
                        egui::Frame::new()
                            .fill(palette.surface)
                            .stroke(Stroke::new(1.0, palette.border))
                            .inner_margin(10),
                    )
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical().show(ui, |ui| {
                            nodes(ui, &mut frame, &self.specs, &config.layout.sidebar);
                        });
                    });
            }
            egui::CentralPanel::default()
                .frame(egui::Frame::new().fill(palette.background).inner_margin(12))
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| {
                            if let Some(page) = config.layout.pages.get(page) {
                                nodes(ui, &mut frame, &self.specs, &page.children);
                            }
                        });
                });
        }
        for action in actions {
            self.act(ui.ctx(), action);
        }
        self.messages
            .retain(|(_, at)| at.elapsed() < Duration::from_secs(8));
        if !self.messages.is_empty() {
            ui.ctx().request_repaint_after(Duration::from_secs(1));
        }
    }

    /// Read what changed from the engine: configuration and every widget's content.
    fn refresh(&mut self, ctx: &egui::Context) {
        let pipeline = self.source.pipeline().clone();
        let engine = pipeline.engine();
        let revision = engine.config_revision();
        if self.config.as_ref().map(|c| c.0) != Some(revision) {
            let view = engine.config_view();
            let palette = Palette::from_theme(&view.theme);
            self.specs = view
                .widgets
                .iter()
                .map(|s| (s.id.clone(), s.clone()))
                .collect();
            self.plots.retain(|id, _| self.specs.contains_key(id));
            self.tables.retain(|id, _| self.specs.contains_key(id));
            if self.page >= view.layout.pages.len() {
                self.page = 0;
            }
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(window_title(&view.title)));
            self.config = Some((revision, Arc::new(view), palette));
        }
        self.extractor.sync_config(revision);
        self.extractor.points_read = 0;
        let clock = self
            .paused
            .or_else(|| clock(&engine, &self.specs))
            .unwrap_or_else(crate::ingest::now_ms);
        let window = TIME_RANGES[self.range].1;
        let visible = self.visible_widgets();
        let history = pipeline.history_source();
        let changes = pipeline.change_source();
        self.losses.clear();
        for id in &visible {
            let losses = engine.losses(id);
            if !losses.is_none() {
                self.losses.insert(id.clone(), losses);
            }
        }
        for id in visible {
            let Some(spec) = self.specs.get(&id) else {
                continue;
            };
            let Some((_, data)) = engine.widget(&id) else {
                continue;
            };
            let body = match spec.kind {
                WidgetKind::Metric | WidgetKind::LineChart => {
                    let view = self.plots.entry(id.clone()).or_default();
                    let range = if view.follow {
                        let start = match window {
                            Some(span) => clock - span,
                            // A replay shows "All" from the recording's start.
                            None => match self.recording {
                                Some((first, _)) => first.min(clock - 1000.0),
                                None => super::model::time_extent(data)
                                    .map_or(clock - 60_000.0, |(lo, _)| lo.min(clock - 1000.0)),
                            },
                        };
                        (start, clock)
                    } else {
                        view.range
                    };
                    let request = PlotRequest {
                        range,
                        columns: view.columns,
                    };
                    let mut model = self.extractor.plot(spec, data, request);
                    model.partial = engine.partial(&id).map(|(ts, v)| [ts, v]);
                    if let Some(history) = &history {
                        self.older
                            .add(history, ctx, spec, data, request, &mut model);
                    }
                    Body::Plot(model)
                }
                // Stats and gauges of a replay: as of the scrubbed time, from the stored points
                // when the ring starts after it.
                WidgetKind::Stat | WidgetKind::Gauge if self.recording.is_some() => {
                    let before_ring = super::model::time_extent(data)
                        .is_some_and(|(held_from, _)| held_from > clock);
                    let stored = match (&history, self.recording) {
                        (Some(history), Some((first, _))) if before_ring => {
                            self.as_of.from_points(history, ctx, spec, first, clock)
                        }
                        _ => None,
                    };
                    match stored.or_else(|| super::model::copy_at(spec, data, clock)) {
                        Some(body) => body,
                        None => continue,
                    }
                }
                // Tables, bars, texts and heatmaps of a replay: as their stored changes leave
                // them at the scrubbed time (the last state until that is read).
                _ if self.recording.is_some() && changes.is_some() => {
                    let read = changes
                        .as_ref()
                        .and_then(|changes| self.as_of.from_changes(changes, ctx, spec, clock));
                    match read.or_else(|| self.extractor.copy(&engine, spec)) {
                        Some(body) => body,
                        None => continue,
                    }
                }
                _ if self.paused.is_some() && self.bodies.contains_key(&id) => continue,
                _ => match self.extractor.copy(&engine, spec) {
                    Some(body) => body,
                    None => continue,
                },
            };
            self.bodies.insert(id, body);
        }
        drop(engine);
    }

    /// Ids of the widgets on the current page and in the sidebar (or the maximised one).
    fn visible_widgets(&self) -> Vec<String> {
        if let Some(id) = &self.maximised {
            return vec![id.clone()];
        }
        let Some((_, config, _)) = &self.config else {
            return Vec::new();
        };
        let mut ids = Vec::new();
        let page = config
            .layout
            .pages
            .get(self.page.min(config.layout.pages.len().saturating_sub(1)));
        for node in page
            .map(|p| p.children.as_slice())
            .unwrap_or_default()
            .iter()
            .chain(&config.layout.sidebar)
        {
            collect_widgets(node, &mut ids);
        }
        ids
    }

    fn header(&mut self, ui: &mut Ui, config: &ConfigView, palette: &Palette) {
        let status = self.source.status();
        egui::Panel::top("sv-header")
            .frame(
                egui::Frame::new()
                    .fill(palette.surface)
                    .stroke(Stroke::new(1.0, palette.border))
                    .inner_margin(Margin::symmetric(12, 8)),
            )
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.label(RichText::new(&config.title).strong().size(18.0));
                    if config.layout.pages.len() > 1 {
                        ui.add_space(12.0);
                        for (index, page) in config.layout.pages.iter().enumerate() {
                            let name = page.name.as_deref().unwrap_or("Overview");
                            if ui.selectable_label(self.page == index, name).clicked() {
                                self.page = index;
                                self.maximised = None;
                            }
                        }
                    }
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        if let (Some((first, last)), Some(now)) = (self.recording, self.paused) {
                            ui.label(RichText::new("Replay").color(palette.text_muted));
                            let mut at = now;
                            let slider = egui::Slider::new(&mut at, first..=last.max(first + 1.0))
                                .show_value(false);
                            ui.add_sized([240.0, 18.0], slider)
                                .on_hover_text("Time of the recording shown");
                            ui.label(super::style::format_time(now));
                            if at != now {
                                self.seek(at);
                            }
                        } else {
                            status_badge(ui, palette, status.as_ref(), self.paused.is_some());
                            let pause = if self.paused.is_some() {
                                "▶ Resume"
                            } else {
                                "⏸ Pause"
                            };
                            if ui.button(pause).clicked() {
                                self.set_paused(self.paused.is_none());
                            }
                        }
                        let mut range = self.range;
                        egui::ComboBox::from_label("Range")
                            .selected_text(TIME_RANGES[range].0)
                            .width(64.0)
                            .show_ui(ui, |ui| {
                                for (index, (name, _)) in TIME_RANGES.iter().enumerate() {
                                    ui.selectable_value(&mut range, index, *name);
                                }
                            });
                        if range != self.range {
                            self.set_time_range(range);
                        }
                        if let Some((message, _)) = self.messages.last() {
                            ui.label(RichText::new(message).color(palette.text_muted));
                        }
                    });
                });
            });
    }

    fn act(&mut self, ctx: &egui::Context, action: Action) {
        match action {
            Action::Maximise(id) => self.maximised = id,
            Action::Export(id, format) => {
                let engine = self.source.pipeline().engine();
                let Some((spec, data)) = engine.widget(&id) else {
                    return;
                };
                let text = match format {
                    "csv" => crate::protocol::export_csv(spec, data),
                    _ => crate::protocol::export_json(spec, data, engine.partial(&id)),
                };
                drop(engine);
                export::save(
                    &self.options,
                    &self.saved_tx,
                    ctx,
                    format!("{id}.{format}"),
                    text.into_bytes(),
                );
            }
            Action::Screenshot(id, rect) => {
                let options = self.options.clone();
                let saved = self.saved_tx.clone();
                let repaint = ctx.clone();
                let pixels_per_point = ctx.pixels_per_point();
                ctx.request_screenshot(move |image| {
                    match export::png_of_region(&image, rect, pixels_per_point) {
                        Ok(png) => {
                            export::save(&options, &saved, &repaint, format!("{id}.png"), png);
                        }
                        Err(reason) => {
                            let _ = saved.send(Saved::Failed(reason));
                        }
                    }
                    repaint.request_repaint();
                });
                ctx.request_repaint();
            }
        }
    }

    fn take_saved(&mut self) {
        while let Ok(saved) = self.saved_rx.try_recv() {
            let message = match saved {
                Saved::Written(path) => format!("Saved {}", path.display()),
                Saved::WrittenWithoutDialog(path, reason) => {
                    format!("Saved {} ({reason})", path.display())
                }
                Saved::Cancelled => "Export cancelled".to_owned(),
                Saved::Failed(reason) => format!("Export failed: {reason}"),
            };
            self.messages.push((message, Instant::now()));
        }
    }
}

/// The newest timestamp of any time series: the dashboard's clock (the producer's, not this
/// machine's, so a viewer elsewhere is not thrown off by clock skew).
fn clock(engine: &Engine, specs: &HashMap<String, WidgetSpec>) -> Option<f64> {
    specs
        .keys()
        .filter_map(|id| {
            let held = engine
                .widget(id)
                .and_then(|(_, data)| super::model::time_extent(data));
            // A windowed metric's newest point is in its open window.
            let partial = engine.partial(id).map(|(ts, _)| ts);
            held.map(|(_, newest)| newest)
                .into_iter()
                .chain(partial)
                .reduce(f64::max)
        })
        .reduce(f64::max)
}

fn window_title(title: &str) -> String {
    format!("{title} — StreamViz")
}

fn status_badge(ui: &mut Ui, palette: &Palette, status: Option<&MirrorStatus>, paused: bool) {
    let (text, color, detail) = match status {
        _ if paused => ("Paused", palette.warning, None),
        None | Some(MirrorStatus::Live) => ("⏺ Live", palette.success, None),
        Some(MirrorStatus::Connecting) => ("Connecting…", palette.text_muted, None),
        Some(MirrorStatus::Reconnecting(reason)) => {
            ("⟲ Reconnecting…", palette.warning, Some(reason.as_str()))
        }
        Some(MirrorStatus::Incompatible(reason)) => (
            "Incompatible producer",
            palette.error,
            Some(reason.as_str()),
        ),
        Some(MirrorStatus::Stopped) => ("Stopped", palette.text_muted, None),
    };
    let response = ui.label(RichText::new(text).color(color));
    if let Some(detail) = detail {
        response.on_hover_text(detail);
    }
}

fn collect_widgets(node: &LayoutNode, ids: &mut Vec<String>) {
    match node {
        LayoutNode::Widget { id } => ids.push(id.clone()),
        LayoutNode::Columns { children, .. }
        | LayoutNode::Column { children, .. }
        | LayoutNode::Tabs { children, .. }
        | LayoutNode::Tab { children, .. }
        | LayoutNode::Expander { children, .. } => {
            for child in children {
                collect_widgets(child, ids);
            }
        }
    }
}

/// Minimum width of a card in the automatic grid.
const CARD_MIN_WIDTH: f32 = 340.0;
/// Space between cards.
const GAP: f32 = 12.0;

/// Draw a list of layout nodes: runs of widgets go into a responsive grid, containers take the
/// full width between them.
pub fn nodes(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    list: &[LayoutNode],
) {
    let mut run: Vec<&WidgetSpec> = Vec::new();
    for node in list {
        match node {
            LayoutNode::Widget { id } => {
                if let Some(spec) = specs.get(id) {
                    run.push(spec);
                }
            }
            container => {
                grid(ui, frame, &run);
                run.clear();
                container_node(ui, frame, specs, container);
                ui.add_space(GAP);
            }
        }
    }
    grid(ui, frame, &run);
}

/// Widgets in rows: as many columns as fit (at least [`CARD_MIN_WIDTH`] each, at most 4), a
/// widget's `width` spanning that many of them.
fn grid(ui: &mut Ui, frame: &mut Frame<'_>, run: &[&WidgetSpec]) {
    if run.is_empty() {
        return;
    }
    let available = ui.available_width();
    let per_row = (((available + GAP) / (CARD_MIN_WIDTH + GAP)).floor() as usize).clamp(1, 4);
    let cell = (available - GAP * (per_row as f32 - 1.0)) / per_row as f32;
    let mut rows: Vec<Vec<(&WidgetSpec, usize)>> = vec![Vec::new()];
    let mut used = 0;
    for spec in run {
        let span = usize::from(spec.placement.width.unwrap_or(1)).clamp(1, per_row);
        if used + span > per_row {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push((spec, span));
        }
        used += span;
    }
    for row in rows {
        ui.horizontal_top(|ui| {
            ui.spacing_mut().item_spacing.x = GAP;
            for (spec, span) in row {
                let width = cell * span as f32 + GAP * (span as f32 - 1.0);
                ui.allocate_ui_with_layout(
                    Vec2::new(width, 0.0),
                    Layout::top_down(Align::Min),
                    |ui| {
                        ui.set_width(width);
                        widgets::card(ui, frame, spec, false);
                    },
                );
            }
        });
        ui.add_space(GAP);
    }
}

fn container_node(
    ui: &mut Ui,
    frame: &mut Frame<'_>,
    specs: &HashMap<String, WidgetSpec>,
    node: &LayoutNode,
) {
    match node {
        LayoutNode::Widget { .. } => {}
        LayoutNode::Columns {
            weights, children, ..
        } => {
            let total: f64 = weights.iter().sum::<f64>().max(f64::MIN_POSITIVE);
            let available = ui.available_width() - GAP * (children.len() as f32 - 1.0).max(0.0);
            ui.horizontal_top(|ui| {
                ui.spacing_mut().item_spacing.x = GAP;
                for (weight, child) in weights.iter().zip(children) {
                    let width = (available * (*weight / total) as f32).max(40.0);
                    ui.allocate_ui_with_layout(
                        Vec2::new(width, 0.0),
                        Layout::top_down(Align::Min),
                        |ui| {
                            ui.set_width(width);
                            if let LayoutNode::Column { children, .. } = child {
                                nodes(ui, frame, specs, children);
                            }
                        },
                    );
                }
            });
        }
        LayoutNode::Column { children, .. } => nodes(ui, frame, specs, children),
        LayoutNode::Tabs { id, children } => {
            let key = ui.make_persistent_id(("sv-tabs", id.as_str()));
            let mut selected: usize = ui.data(|d| d.get_temp(key)).unwrap_or(0);
            selected = selected.min(children.len().saturating_sub(1));
            ui.horizontal(|ui| {
                for (index, child) in children.iter().enumerate() {
                    if let LayoutNode::Tab { name, .. } = child {
                        let text = RichText::new(name).strong();
                        if ui.selectable_label(selected == index, text).clicked() {
                            selected = index;
                        }
                    }
                }
            });
            ui.data_mut(|d| d.insert_temp(key, selected));
            ui.separator();
            if let Some(LayoutNode::Tab { children, .. }) = children.get(selected) {
                nodes(ui, frame, specs, children);
            }
        }
        LayoutNode::Tab { children, .. } => nodes(ui, frame, specs, children),
        LayoutNode::Expander {
            id,
            title,
            expanded,
            children,
        } => {
            egui::CollapsingHeader::new(RichText::new(title).strong())
                .id_salt(("sv-expander", id.as_str()))
                .default_open(*expanded)
                .show(ui, |ui| nodes(ui, frame, specs, children));
        }
    }
}

/// Paint a card: surface, border, rounded corners.
pub fn card_frame(palette: &Palette) -> egui::Frame {
    egui::Frame::new()
        .fill(palette.surface)
        .stroke(Stroke::new(1.0, palette.border))
        .corner_radius(CornerRadius::same(8))
        .inner_margin(Margin::same(12))
}
