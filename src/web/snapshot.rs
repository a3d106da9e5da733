//! A dashboard as one self-contained HTML file: the page with its styles, scripts and ES modules
//! inlined (data URLs and an import map), and the messages a new viewer is sent (`hello`,
//! `config`, one `history` per widget, `stats`, `alerts`) embedded as
//! `window.__STREAMVIZ_SNAPSHOT__`. Opened from `file://` with no server and no network, the
//! page plays those messages instead of connecting (assets/connection.js) and shows every page,
//! widget and theme as they were, with zoom, tooltips and time ranges on the captured data.
//! Series longer than [`DECIMATE_HISTORY_ABOVE`] points are M4-decimated as in `history`
//! (to [`HISTORY_COLUMNS`] columns, at most four points each). Branding images become data URLs.
//!
//! Served as `GET /api/v1/snapshot` (viewers; `?download=1` adds a file name), written by
//! `sv.snapshot_html(path)` and by `streamviz snapshot URL|DB -o FILE`.

use std::sync::OnceLock;

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::Deserialize;

use super::assets::{asset_bytes, asset_paths, INDEX_HTML};
use super::start::start_messages;
use super::state::AppState;
use crate::clock::now_ms;
use crate::engine::{BrandImage, Engine, Snapshot};
use crate::protocol::hello_message;
#[cfg(doc)]
use crate::protocol::{DECIMATE_HISTORY_ABOVE, HISTORY_COLUMNS};

/// The routes of this file.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/snapshot", get(snapshot))
}

#[derive(Deserialize)]
struct SnapshotQuery {
    /// Set: answered as a file to save (`streamviz-snapshot-<epoch s>.html`).
    #[serde(default)]
    download: Option<u8>,
}

async fn snapshot(State(state): State<AppState>, Query(query): Query<SnapshotQuery>) -> Response {
    let taken_ms = now_ms();
    // The engine is held for the copy only; encoding and the page come after.
    let captured = capture(&state.pipeline.engine());
    let html = snapshot_html(&captured, taken_ms);
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        html,
    )
        .into_response();
    if query.download.is_some() {
        let name = format!(
            "attachment; filename=\"streamviz-snapshot-{}.html\"",
            (taken_ms / 1000.0) as u64
        );
        if let Ok(value) = name.parse() {
            response
                .headers_mut()
                .insert(header::CONTENT_DISPOSITION, value);
        }
    }
    response
}

/// What a snapshot file shows of `engine`, copied under its lock (as a new viewer's snapshot
/// is), with the dashboard's branding images as data URLs (a file opened without a server
/// cannot fetch them). Encoded afterwards by [`snapshot_html`], without the lock.
pub fn capture(engine: &Engine) -> Snapshot {
    let mut snapshot = engine.snapshot();
    let config = engine.config();
    snapshot.config.favicon = config.favicon.as_ref().map(data_url_of);
    snapshot.config.logo = config.logo.as_ref().map(data_url_of);
    snapshot
}

/// The messages a new viewer of the captured dashboard is sent (`hello`, then what
/// [`start_messages`] encodes), as JSON texts.
pub fn snapshot_messages(snapshot: &Snapshot) -> Vec<String> {
    let mut messages = vec![hello_message(env!("CARGO_PKG_VERSION"))];
    messages.extend(
        start_messages(snapshot, None)
            .iter()
            .map(|m| m.as_str().to_owned()),
    );
    messages
}

/// The captured dashboard, taken at `taken_ms` (epoch ms), as one HTML file.
pub fn snapshot_html(snapshot: &Snapshot, taken_ms: f64) -> String {
    page_with(&snapshot_messages(snapshot), taken_ms)
}

fn data_url_of(image: &BrandImage) -> String {
    data_url(image.content_type, &image.bytes)
}

fn data_url(content_type: &str, bytes: &[u8]) -> String {
    format!("data:{content_type};base64,{}", BASE64.encode(bytes))
}

/// The dashboard page with every `/assets/` reference inlined and `messages` embedded.
fn page_with(messages: &[String], taken_ms: f64) -> String {
    let (head, tail) = page_template();
    let mut data = format!("{{\"taken\":{taken_ms},\"messages\":[");
    for (i, message) in messages.iter().enumerate() {
        if i > 0 {
            data.push(',');
        }
        data.push_str(message);
    }
    data.push_str("]}");
    // `<` appears only inside JSON strings: escaped there, no text can close the script.
    let data = data.replace('<', "\\u003c");
    let mut page = String::with_capacity(head.len() + data.len() + tail.len() + 64);
    page.push_str(head);
    page.push_str("<script>window.__STREAMVIZ_SNAPSHOT__ = ");
    page.push_str(&data);
    page.push_str(";</script>");
    page.push_str(tail);
    page
}

/// The page with every asset inlined, split where the captured data goes: the same for every
/// snapshot (the assets are in the binary), so made once.
fn page_template() -> (&'static str, &'static str) {
    static TEMPLATE: OnceLock<(String, String)> = OnceLock::new();
    let (head, tail) = TEMPLATE.get_or_init(|| {
        let mut page = String::with_capacity(2 << 20);
        for line in INDEX_HTML.lines() {
            page.push_str(&inline_line(line));
            page.push('\n');
        }
        let (head, tail) = page.split_once(DATA_MARK).unwrap_or((&page, ""));
        (head.to_owned(), tail.to_owned())
    });
    (head, tail)
}

/// Where the captured data goes in the page template.
const DATA_MARK: &str = "\u{0}streamviz-snapshot-data\u{0}";

/// One line of index.html (a tag per line) with its asset inlined; the module entry's line
/// becomes the place of the captured data, the import map and the entry.
fn inline_line(line: &str) -> String {
    let Some((before, path, after)) = asset_reference(line) else {
        return line.to_owned();
    };
    let indent = &line[..line.len() - line.trim_start().len()];
    let text = || String::from_utf8_lossy(&asset_bytes(path).unwrap_or_default()).into_owned();
    if line.contains("rel=\"stylesheet\"") {
        // Styles as a <style> element: nothing in them may close it early.
        return format!(
            "{indent}<style>\n{}\n{indent}</style>",
            text().replace("</", "<\\/")
        );
    }
    if line.contains("type=\"module\"") {
        return format!("{indent}{DATA_MARK}\n{}", module_scripts(indent, path));
    }
    let bytes = asset_bytes(path).unwrap_or_default();
    let url = data_url(content_type_of(path), &bytes);
    format!("{before}{url}{after}")
}

/// `line` split around the path of an `href="/assets/…"` or `src="/assets/…"` in it.
fn asset_reference(line: &str) -> Option<(&str, &str, &str)> {
    let start = ["href=\"/assets/", "src=\"/assets/"]
        .iter()
        .find_map(|attr| line.find(attr).map(|at| at + attr.len() - "/assets/".len()))?;
    let path_start = start + "/assets/".len();
    let end = path_start + line[path_start..].find('"')?;
    Some((&line[..start], &line[path_start..end], &line[end..]))
}

fn content_type_of(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("js") => "text/javascript",
        Some("css") => "text/css",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        _ => "application/octet-stream",
    }
}

/// An import map of every ES module under `assets/` (their relative imports made `sv/PATH`,
/// each module a data URL) and the entry `entry`.
fn module_scripts(indent: &str, entry: &str) -> String {
    let mut imports = serde_json::Map::new();
    for path in asset_paths() {
        if !path.ends_with(".js") || path.starts_with("vendor/") || path == "embed.js" {
            continue; // vendor code and the embed library are classic scripts
        }
        let source = String::from_utf8_lossy(&asset_bytes(&path).unwrap_or_default()).into_owned();
        let url = data_url(
            "text/javascript",
            rewrite_imports(&path, &source).as_bytes(),
        );
        imports.insert(format!("sv/{path}"), url.into());
    }
    let map = serde_json::json!({ "imports": imports }).to_string();
    format!(
        "{indent}<script type=\"importmap\">{map}</script>\n\
         {indent}<script type=\"module\">import \"sv/{entry}\";</script>"
    )
}

/// `source` (the module at `path` under `assets/`) with every relative import (`from "./x.js"`,
/// `import "../y.js"`) made the bare specifier `sv/` + the imported module's path.
fn rewrite_imports(path: &str, source: &str) -> String {
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let mut out = String::with_capacity(source.len() + 256);
    let mut rest = source;
    while let Some(at) = next_specifier(rest) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let quote = &tail[..1];
        let end = tail[1..].find(quote).map_or(tail.len(), |e| e + 1);
        out.push_str(quote);
        out.push_str("sv/");
        out.push_str(&resolve(dir, &tail[1..end]));
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Where the quote opening the next relative import specifier in `source` is.
fn next_specifier(source: &str) -> Option<usize> {
    let mut best: Option<usize> = None;
    for keyword in ["from ", "import "] {
        let mut from = 0;
        while let Some(found) = source[from..].find(keyword) {
            let quote = from + found + keyword.len();
            let tail = &source[quote..];
            let relative = ["\"./", "\"../", "'./", "'../"]
                .iter()
                .any(|p| tail.starts_with(p));
            if relative {
                best = Some(best.map_or(quote, |b| b.min(quote)));
                break;
            }
            from = quote;
        }
    }
    best
}

/// `relative` (`./x.js`, `../y/z.js`) from the directory `dir`, as a path under `assets/`.
fn resolve(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in relative.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_imports_become_bare_specifiers_of_their_paths() {
        let source = "import { a } from \"./state.js\";\nimport \"../dom.js\";\nexport { b } from './x/y.js';\nconst s = \"from ./not.js\";\nimport { c } from \"sv/already.js\";\n";
        assert_eq!(
            rewrite_imports("widgets/plot.js", source),
            "import { a } from \"sv/widgets/state.js\";\nimport \"sv/dom.js\";\nexport { b } from 'sv/widgets/x/y.js';\nconst s = \"from ./not.js\";\nimport { c } from \"sv/already.js\";\n"
        );
        assert_eq!(resolve("", "./app.js"), "app.js");
        assert_eq!(resolve("widgets", "../state.js"), "state.js");
    }

    #[test]
    fn every_asset_reference_of_the_page_is_inlined() {
        let page = page_with(&["{\"type\":\"hello\",\"note\":\"</script>\"}".into()], 1.0);
        assert!(!page.contains("/assets/"), "a reference left: {page:.2000}");
        assert!(
            !page.contains("</script>\"}"),
            "the data can close its script"
        );
        assert!(page.contains("window.__STREAMVIZ_SNAPSHOT__ = {\"taken\":1,\"messages\":[{"));
        assert!(page.contains("\"sv/app.js\":\"data:text/javascript;base64,"));
        assert!(page.contains("\"sv/widgets/plot.js\":\"data:text/javascript;base64,"));
        assert!(page.contains("<style>") && page.contains("src=\"data:text/javascript;base64,"));
    }
}
