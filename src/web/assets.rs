//! The browser dashboard, embedded in the binary: `/`, `/page/{slug}` and `/embed/{id}` serve the
//! page (the script picks the page or widget from the URL), and `/assets/...` every file of the
//! `assets/` folder (its ES modules, styles and the vendored Apache ECharts), found by rust-embed
//! at build time: a file added to the folder is served with no second edit. `/embed.js` is the
//! embed library other sites' pages include (`assets/embed.js`).

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use rust_embed::RustEmbed;

use super::html::html_escape;
use super::state::AppState;
use crate::engine::ImageSlot;

pub(super) const INDEX_HTML: &str = include_str!("../../assets/index.html");

/// Every file under `assets/`, by its path there.
#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// The file at `path` under `assets/`.
pub(super) fn asset_bytes(path: &str) -> Option<Vec<u8>> {
    Assets::get(path).map(|file| file.data.into_owned())
}

/// The path of every file under `assets/`.
pub(super) fn asset_paths() -> impl Iterator<Item = String> {
    Assets::iter().map(|path| path.into_owned())
}

/// The routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/page/{slug}", get(dashboard))
        .route("/embed/{id}", get(embed))
        .route("/assets/{*path}", get(asset))
        .route("/embed.js", get(embed_library))
        .route("/branding/{slot}", get(branding))
}

async fn dashboard() -> Html<&'static str> {
    Html(INDEX_HTML)
}

async fn embed(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    if state.pipeline.engine().widget(&id).is_none() {
        return (
            StatusCode::NOT_FOUND,
            Html(format!(
                "<!doctype html><title>Not found</title><p>No widget with id {:?}.</p>",
                html_escape(&id)
            )),
        )
            .into_response();
    }
    Html(INDEX_HTML).into_response()
}

/// The favicon or logo given to `sv.configure`. Served with a content security policy that runs
/// nothing, since an SVG opened on its own could otherwise carry script.
async fn branding(State(state): State<AppState>, Path(slot): Path<String>) -> Response {
    let image = ImageSlot::from_name(&slot).and_then(|slot| {
        let engine = state.pipeline.engine();
        let config = engine.config();
        match slot {
            ImageSlot::Favicon => config.favicon.clone(),
            ImageSlot::Logo => config.logo.clone(),
        }
    });
    match image {
        Some(image) => (
            [
                (header::CONTENT_TYPE, image.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'none'; style-src 'unsafe-inline'",
                ),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            image.bytes.to_vec(),
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such image").into_response(),
    }
}

/// The embed library (`assets/embed.js`) where pages on other sites include it from.
async fn embed_library() -> Response {
    asset(Path("embed.js".to_owned())).await
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype();
            // Text is UTF-8 (an ES module served without a JavaScript type would not run).
            let content_type = if mime.starts_with("text/") || mime == "application/javascript" {
                format!("{mime}; charset=utf-8")
            } else {
                mime.to_owned()
            };
            (
                [
                    (header::CONTENT_TYPE, content_type),
                    (header::CACHE_CONTROL, "public, max-age=3600".to_owned()),
                ],
                file.data,
            )
                .into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
