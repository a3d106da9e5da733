//! The browser dashboard, embedded in the binary: `/`, `/page/{slug}` and `/embed/{id}` serve the
//! page (the script picks the page or widget from the URL), and
//! `/assets/...` its script, styles and the vendored Apache ECharts.

use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::AppState;
use crate::engine::ImageSlot;

const INDEX_HTML: &str = include_str!("../../assets/index.html");

/// Path (under `/assets/`), content type and bytes of every embedded file.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/style.css"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_bytes!("../../assets/favicon.svg"),
    ),
    (
        "vendor/echarts/echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/vendor/echarts/echarts.min.js"),
    ),
];

/// The routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/page/{slug}", get(dashboard))
        .route("/embed/{id}", get(embed))
        .route("/assets/{*path}", get(asset))
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

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn asset(Path(path): Path<String>) -> Response {
    match FILES.iter().find(|(name, _, _)| *name == path) {
        Some((_, content_type, bytes)) => (
            [
                (header::CONTENT_TYPE, *content_type),
                (header::CACHE_CONTROL, "public, max-age=3600"),
            ],
            *bytes,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}
