//! The HTTP API under `/api/v1`: health, stats, widget configs, data export and push.

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::AppState;
use crate::engine::limits::MAX_MESSAGE_BYTES;
use crate::ingest::push::apply_push;
use crate::protocol::{export_csv, export_json, PROTOCOL_VERSION};

/// The routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/widgets", get(widgets))
        .route("/api/v1/widgets/{id}/data", get(widget_data))
        .route(
            "/api/v1/push",
            post(push).layer(DefaultBodyLimit::max(MAX_MESSAGE_BYTES)),
        )
}

async fn health() -> Json<serde_json::Value> {
    Json(
        json!({"status": "ok", "protocol": PROTOCOL_VERSION, "version": env!("CARGO_PKG_VERSION")}),
    )
}

async fn stats(State(state): State<AppState>) -> Json<serde_json::Value> {
    let stats = state.pipeline.stats();
    let mut value = serde_json::to_value(stats).unwrap_or_default();
    value["clients_connected"] = json!(state.hub.clients());
    Json(value)
}

async fn widgets(State(state): State<AppState>) -> Json<serde_json::Value> {
    let config = state.pipeline.engine().config_view();
    Json(serde_json::to_value(config).unwrap_or_default())
}

#[derive(Deserialize)]
struct ExportQuery {
    format: Option<String>,
}

async fn widget_data(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv") {
        return Err(ApiError::bad_request(format!(
            "format {format:?} is not one of json, csv"
        )));
    }
    let body = {
        let engine = state.pipeline.engine();
        let (spec, data) = engine
            .widget(&id)
            .ok_or_else(|| ApiError::not_found(format!("unknown widget {id:?}")))?;
        if format == "csv" {
            export_csv(spec, data)
        } else {
            export_json(spec, data)
        }
    };
    let content_type = if format == "csv" {
        "text/csv; charset=utf-8"
    } else {
        "application/json"
    };
    // `id` was found in the registry, so it is URL-safe and needs no quoting.
    let disposition = format!("attachment; filename=\"{id}.{format}\"");
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

async fn push(
    State(state): State<AppState>,
    body: String,
) -> Result<Json<serde_json::Value>, ApiError> {
    let pipeline = state.pipeline.clone();
    let outcome = tokio::task::spawn_blocking(move || apply_push(&pipeline, &body))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::bad_request)?;
    Ok(Json(
        json!({"declared": outcome.declared, "applied": outcome.applied}),
    ))
}
