//! `streamviz-viewer URL`: the native viewer of a running StreamViz producer.

fn main() -> std::process::ExitCode {
    streamviz::gui::cli::main_with_args(std::env::args_os())
}
