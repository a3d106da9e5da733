//! The native viewer (feature `gui`): an eframe/egui window drawing a dashboard from an engine,
//! normally a [`Mirror`](crate::ingest::mirror::Mirror) of a producer reached over its
//! WebSocket. The same config the browser gets drives the same widgets, layout and theme.
//!
//! A frame reads the engine once, briefly ([`model`]): plots through incremental M4 caches, so
//! each frame touches only points pushed since the last; other widgets only when they changed.
//! The window repaints when the mirror applies a message or on input, not on a timer.

pub mod alerts;
pub mod app;
mod card;
pub mod cli;
pub mod export;
pub mod frame;
mod history;
mod layout;
pub mod model;
pub mod options;
mod stack;
pub mod style;
pub mod widgets;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub use app::{Source, Viewer, TIME_RANGES};
pub use frame::{Action, PlotView};
pub use options::ViewerOptions;

/// The eframe application around a [`Viewer`].
struct App {
    viewer: Viewer,
    stop: Arc<AtomicBool>,
    announced: bool,
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.viewer.show(ui);
        if !self.announced {
            if let Some(title) = self.viewer.title() {
                // One line once the dashboard is on screen (scripts and tests wait for it).
                // Not eprintln!: a closed stderr (the launching script is gone) must not panic.
                let _ = writeln!(std::io::stderr(), "streamviz-viewer: showing {title:?}");
                self.announced = true;
            }
        }
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Open a window showing `source` and run until it is closed.
pub fn run(source: Source, options: ViewerOptions, size: [f32; 2]) -> eframe::Result<()> {
    run_with(source, options, size, |_| {})
}

/// [`run`], with `setup` applied to the viewer before its first frame (e.g. a replay's span).
pub fn run_with(
    source: Source,
    options: ViewerOptions,
    size: [f32; 2],
    setup: impl FnOnce(&mut Viewer) + 'static,
) -> eframe::Result<()> {
    let native = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("StreamViz")
            .with_app_id("streamviz-viewer")
            .with_inner_size(size)
            .with_min_inner_size([480.0, 320.0]),
        ..Default::default()
    };
    eframe::run_native(
        "streamviz-viewer",
        native,
        Box::new(move |cc| {
            let stop = Arc::new(AtomicBool::new(false));
            if let Source::Mirror(mirror) = &source {
                let watcher = mirror.watcher();
                let (ctx, stop) = (cc.egui_ctx.clone(), Arc::clone(&stop));
                // Repaint when the mirror applied something; egui coalesces requests into at
                // most one frame per display refresh.
                std::thread::Builder::new()
                    .name("streamviz-repaint".into())
                    .spawn(move || {
                        let mut seen = watcher.events();
                        while !stop.load(Ordering::Relaxed) {
                            let now = watcher.wait_for_event(seen, Duration::from_millis(250));
                            if now != seen {
                                seen = now;
                                ctx.request_repaint();
                            }
                        }
                    })?;
            }
            close_on_signal(cc.egui_ctx.clone())?;
            let mut viewer = Viewer::new(source, options);
            setup(&mut viewer);
            Ok(Box::new(App {
                viewer,
                stop,
                announced: false,
            }))
        }),
    )
}

/// Close the window (so the process exits normally, status 0) on Ctrl+C or SIGTERM.
fn close_on_signal(ctx: egui::Context) -> std::io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    std::thread::Builder::new()
        .name("streamviz-signals".into())
        .spawn(move || {
            runtime.block_on(async {
                #[cfg(unix)]
                {
                    use tokio::signal::unix::{signal, SignalKind};
                    let Ok(mut term) = signal(SignalKind::terminate()) else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                #[cfg(not(unix))]
                let _ = tokio::signal::ctrl_c().await;
            });
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            ctx.request_repaint();
        })?;
    Ok(())
}
