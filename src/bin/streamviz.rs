//! `streamviz`: serve a dashboard that other processes and languages fill through
//! `POST /api/v1/push` or `push` messages on `/ws` (see docs/PROTOCOL.md); [`streamviz::cli`]
//! is the command line.

fn main() -> std::process::ExitCode {
    streamviz::cli::run(std::env::args_os()).into()
}
