//! The viewer: header (title, pages, time range, pause, status), sidebar, and the layout tree
//! of the current page, each widget in a card with its tools (maximise, export).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use egui::{Align, Key, Layout, Margin, RichText, Stroke, Ui};

use super::alerts::{self, AlertsShown};
use super::card::card;
use super::export::{self, Saved};
use super::frame::{Action, Frame, PlotView, TableView};
use super::history::{AsOf, OlderPoints};
use super::layout::{self, collect_widgets, nodes, Flow, NARROW_WIDTH};
use super::model::{copy_at, time_extent, Body, Extractor, PlotRequest};
use super::options::ViewerOptions;
use super::style::{format_time, Palette};
use crate::clock::now_ms;
use crate::engine::{ConfigView, Engine, Losses, WidgetKind, WidgetSpec};
use crate::history::History;
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
    /// A remote producer, mirrored over its WebSocket (with the producer's stored history, for an
    /// `http://` producer).
    Mirror(Mirror),
    /// An engine in this process (tests, benchmarks, embedding).
    Local(Pipeline),
    /// An engine in this process with stored history beside it: a recording opened for replay
    /// (`streamviz-viewer --open`), its points and changes read through `history`.
    Stored {
        /// The engine holding the dashboard.
        pipeline: Pipeline,
        /// What the rings no longer hold.
        history: Arc<dyn History>,
    },
}

impl Source {
    /// The engine holding the dashboard.
    pub fn pipeline(&self) -> &Pipeline {
        match self {
            Source::Mirror(mirror) => mirror.pipeline(),
            Source::Local(pipeline) | Source::Stored { pipeline, .. } => pipeline,
        }
    }

    /// Where points and changes beyond the rings are read, if anywhere.
    pub fn history(&self) -> Option<Arc<dyn History>> {
        match self {
            Source::Mirror(mirror) => mirror.history(),
            Source::Local(_) => None,
            Source::Stored { history, .. } => Some(Arc::clone(history)),
        }
    }

    fn status(&self) -> Option<MirrorStatus> {
        match self {
            Source::Mirror(mirror) => Some(mirror.status()),
            Source::Local(_) | Source::Stored { .. } => None,
        }
    }
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
    tables: HashMap<String, TableView>,
    rects: HashMap<String, egui::Rect>,
    body: egui::Rect,
    page: usize,
    range: usize,
    paused: Option<f64>,
    /// The dashboard's opening range and `auto_refresh` last applied (applied again when the
    /// producer changes them).
    opened_with: Option<(Option<u64>, bool)>,
    /// Replaying a recording: its first and last timestamps; the view's time is `paused`.
    recording: Option<(f64, f64)>,
    maximised: Option<String>,
    messages: Vec<(String, Instant)>,
    saved_tx: Sender<Saved>,
    saved_rx: Receiver<Saved>,
    applied_visuals: Option<Palette>,
    older: OlderPoints,
    as_of: AsOf,
    alerts: AlertsShown,
    /// The producer relays to other servers and cannot reach them now.
    relay_down: bool,
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
            body: egui::Rect::NOTHING,
            page: 0,
            range: 0,
            paused: None,
            opened_with: None,
            recording: None,
            maximised: None,
            messages: Vec::new(),
            saved_tx,
            saved_rx,
            applied_visuals: None,
            older: OlderPoints::default(),
            as_of: AsOf::default(),
            alerts: AlertsShown::default(),
            relay_down: false,
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
        self.paused = paused.then(|| self.newest_time(&self.source.pipeline().engine()));
    }

    /// Where a pause freezes the view: at the newest data (now, before any).
    fn newest_time(&self, engine: &Engine) -> f64 {
        clock(engine, &self.specs).unwrap_or_else(now_ms)
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

    /// Open as the dashboard says (`sv.configure(default_time_range=, auto_refresh=)`): the
    /// range of [`TIME_RANGES`] that shows at least `range_ms` (everything when none does), and
    /// paused unless `auto_refresh`. Done again only when the producer changes them.
    fn open_with(&mut self, engine: &Engine, range_ms: Option<u64>, auto_refresh: bool) {
        if self.opened_with == Some((range_ms, auto_refresh)) || self.recording.is_some() {
            return;
        }
        self.opened_with = Some((range_ms, auto_refresh));
        let index = range_ms.map_or(0, |ms| {
            TIME_RANGES
                .iter()
                .position(|(_, span)| span.is_some_and(|span| span >= ms as f64))
                .unwrap_or(0)
        });
        self.set_time_range(index);
        // As set_paused does, with the engine the caller has locked.
        self.paused = (!auto_refresh).then(|| self.newest_time(engine));
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

    /// Where a widget's card was drawn last frame, if it was.
    pub fn card_rect(&self, id: &str) -> Option<egui::Rect> {
        self.rects.get(id).copied()
    }

    /// Every card drawn last frame, with where.
    pub fn card_rects(&self) -> &HashMap<String, egui::Rect> {
        &self.rects
    }

    /// The area below the header that the sidebar and the page share, last frame.
    pub fn body_rect(&self) -> egui::Rect {
        self.body
    }

    /// Messages shown in the status line (exports saved, errors).
    pub fn messages(&self) -> Vec<String> {
        self.messages.iter().map(|(m, _)| m.clone()).collect()
    }

    /// The alerts shown: every rule's state and the recent transitions (a replay's as of its
    /// time), and each widget's most severe active rule.
    pub fn alerts(&self) -> &AlertsShown {
        &self.alerts
    }

    /// Open or close the alerts panel.
    pub fn set_alerts_open(&mut self, open: bool) {
        self.alerts.open = open;
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
        if self.alerts.open {
            // As tall as its lines, up to half the window (then it scrolls).
            let most = ui.ctx().content_rect().height() * 0.5;
            let height = alerts::panel_height(ui, &self.alerts).min(most);
            egui::Panel::top("sv-alerts-panel")
                .exact_size(height)
                .frame(
                    egui::Frame::new()
                        .fill(palette.surface)
                        .stroke(Stroke::new(1.0, palette.border))
                        .inner_margin(Margin::symmetric(20, 12)),
                )
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| alerts::panel(ui, &palette, &self.alerts));
                });
        }
        self.body = ui.available_rect_before_wrap();
        self.rects.clear();
        let page = self.page.min(config.layout.pages.len().saturating_sub(1));
        let narrow = ui.available_width() <= NARROW_WIDTH;
        let mut frame = Frame {
            palette: &palette,
            bodies: &self.bodies,
            plots: &mut self.plots,
            tables: &mut self.tables,
            actions: &mut actions,
            rects: &mut self.rects,
            losses: &self.losses,
            alerts: self.alerts.cards(),
            narrow,
            card_fill: palette.surface,
        };
        let specs = &self.specs;
        let sidebar = &config.layout.sidebar;
        let page = config.layout.pages.get(page).map(|p| p.children.as_slice());
        if let Some(id) = self.maximised.clone() {
            egui::CentralPanel::default()
                .frame(egui::Frame::new().fill(palette.background).inner_margin(12))
                .show(ui, |ui| match specs.get(&id) {
                    Some(spec) => {
                        card(ui, &mut frame, spec, true, 0.0);
                    }
                    None => {
                        ui.label("This widget is no longer on the dashboard.");
                    }
                });
        } else {
            // As the browser: a 300-point sidebar beside the page, or above it in a narrow
            // window; the page's cards 16 points from the top, 20 from the sides.
            let sidebar_frame = egui::Frame::new()
                .fill(palette.surface)
                .inner_margin(Margin::same(16));
            let main_margin = Margin::symmetric(20, 16);
            if !sidebar.is_empty() && !narrow {
                egui::Panel::left("sv-sidebar")
                    .exact_size(300.0)
                    .resizable(false)
                    .frame(sidebar_frame.stroke(Stroke::new(1.0, palette.border)))
                    .show(ui, |ui| {
                        egui::ScrollArea::vertical().show(ui, |ui| {
                            layout::sidebar(ui, &mut frame, specs, sidebar);
                        });
                    });
            }
            egui::CentralPanel::default()
                .frame(egui::Frame::new().fill(palette.background))
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .auto_shrink(false)
                        .show(ui, |ui| {
                            ui.spacing_mut().item_spacing.y = 0.0;
                            if !sidebar.is_empty() && narrow {
                                sidebar_frame.show(ui, |ui| {
                                    ui.set_width(ui.available_width());
                                    layout::sidebar(ui, &mut frame, specs, sidebar);
                                });
                            }
                            egui::Frame::new().inner_margin(main_margin).show(ui, |ui| {
                                ui.set_width(ui.available_width());
                                if let Some(page) = page {
                                    nodes(ui, &mut frame, specs, page, Flow::Grid);
                                }
                            });
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
            self.open_with(&engine, view.default_time_range_ms, view.auto_refresh);
            self.config = Some((revision, Arc::new(view), palette));
        }
        self.extractor.sync_config(revision);
        self.extractor.points_read = 0;
        self.relay_down = engine.relay_connected() == Some(false);
        let clock = self
            .paused
            .or_else(|| clock(&engine, &self.specs))
            .unwrap_or_else(now_ms);
        let window = TIME_RANGES[self.range].1;
        let visible = self.visible_widgets();
        let history = self.source.history();
        let stored_alerts = match (&history, self.recording) {
            (Some(history), Some(_)) => self.as_of.alerts(history, ctx, clock),
            _ => None,
        };
        self.alerts.refresh(&engine, stored_alerts);
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
                        match window {
                            Some(span) => (clock - span, clock),
                            // A replay shows "All" from the recording's start.
                            None => match self.recording {
                                Some((first, _)) => (first.min(clock - 1000.0), clock),
                                None => all_range(time_extent(data), clock),
                            },
                        }
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
                    let before_ring =
                        time_extent(data).is_some_and(|(held_from, _)| held_from > clock);
                    let stored = match (&history, self.recording) {
                        (Some(history), Some((first, _))) if before_ring => {
                            self.as_of.points(history, ctx, spec, first, clock)
                        }
                        _ => None,
                    };
                    match stored.or_else(|| copy_at(spec, data, clock)) {
                        Some(body) => body,
                        None => continue,
                    }
                }
                // Tables, bars, texts and heatmaps of a replay: as their stored changes leave
                // them at the scrubbed time (the last state until that is read).
                _ if self.recording.is_some() && history.is_some() => {
                    let read = history
                        .as_ref()
                        .and_then(|history| self.as_of.changes(history, ctx, spec, clock));
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
                    alerts::indicator(ui, palette, &mut self.alerts);
                    ui.with_layout(Layout::right_to_left(Align::Center), |ui| {
                        if let (Some((first, last)), Some(now)) = (self.recording, self.paused) {
                            ui.label(RichText::new("Replay").color(palette.text_muted));
                            let mut at = now;
                            let slider = egui::Slider::new(&mut at, first..=last.max(first + 1.0))
                                .show_value(false);
                            ui.add_sized([240.0, 18.0], slider)
                                .on_hover_text("Time of the recording shown");
                            ui.label(format_time(now));
                            if at != now {
                                self.seek(at);
                            }
                        } else {
                            let paused = self.paused.is_some();
                            status_badge(ui, palette, status.as_ref(), paused, self.relay_down);
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
            Action::Screenshot(id) => {
                let Some(rect) = self.rects.get(&id).copied() else {
                    return;
                };
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

/// The range "All" shows of a series held from `extent`: from its first point to the dashboard's
/// clock; points that all share the clock's time, centred on a two-second axis (as the browser).
fn all_range(extent: Option<(f64, f64)>, clock: f64) -> (f64, f64) {
    match extent {
        Some((first, _)) if first < clock => (first, clock),
        Some((first, _)) => (first - 1000.0, first + 1000.0),
        None => (clock - 60_000.0, clock),
    }
}

/// The newest timestamp of any time series: the dashboard's clock (the producer's, not this
/// machine's, so a viewer elsewhere is not thrown off by clock skew).
fn clock(engine: &Engine, specs: &HashMap<String, WidgetSpec>) -> Option<f64> {
    specs
        .keys()
        .filter_map(|id| {
            let held = engine.widget(id).and_then(|(_, data)| time_extent(data));
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

fn status_badge(
    ui: &mut Ui,
    palette: &Palette,
    status: Option<&MirrorStatus>,
    paused: bool,
    relay_down: bool,
) {
    let (text, color, detail) = match status {
        _ if paused => ("Paused", palette.warning, None),
        None | Some(MirrorStatus::Live) if relay_down => (
            "⏺ Live: this server only (relay down)",
            palette.warning,
            Some(
                "The relay to the other servers is down: this shows what reaches this server \
                 only, until it is back.",
            ),
        ),
        None | Some(MirrorStatus::Live) => ("⏺ Live", palette.success, None),
        Some(MirrorStatus::Connecting) => ("Connecting…", palette.text_muted, None),
        Some(MirrorStatus::Reconnecting(reason)) => {
            ("⟲ Reconnecting…", palette.warning, Some(reason.as_str()))
        }
        Some(MirrorStatus::Refused(reason)) => ("Refused", palette.error, Some(reason.as_str())),
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
