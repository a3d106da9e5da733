//! The HTTP API under `/api/v1`: health, stats, widget configs, alerts, data export and push.

use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::error::ApiError;
use super::listen::ConnectionRate;
use super::state::AppState;
use crate::engine::limits::MAX_MESSAGE_BYTES;
use crate::engine::WidgetData;
use crate::ingest::push::apply_push;
use crate::protocol::{
    alerts_body, export_csv, export_json, history_message, range_json, replay_widget,
    PROTOCOL_VERSION,
};

/// The routes of this file.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/health", get(health))
        .route("/api/v1/stats", get(stats))
        .route("/api/v1/widgets", get(widgets))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/widgets/{id}/data", get(widget_data))
        .route("/api/v1/widgets/{id}/range", get(widget_range))
        .route("/api/v1/recording", get(recording))
        .route("/api/v1/widgets/{id}/at", get(widget_at))
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
    value["connections"] = state.refusals.stats();
    value["client_snapshots"] = json!(state.hub.snapshots());
    if let serde_json::Value::Object(map) = &mut value {
        map.extend(state.pipeline.extra_stats());
    }
    Json(value)
}

async fn widgets(State(state): State<AppState>) -> Json<serde_json::Value> {
    let config = state.pipeline.engine().config_view();
    Json(serde_json::to_value(config).unwrap_or_default())
}

#[derive(Deserialize)]
struct AlertsQuery {
    at: Option<String>,
}

/// `GET /api/v1/alerts`: every alert rule, its state, the recent transitions and how many fire
/// now; with `?at=` (epoch ms), a recording's alerts as its stored transitions left them then.
async fn alerts(
    State(state): State<AppState>,
    Query(query): Query<AlertsQuery>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (rules, view) = {
        let engine = state.pipeline.engine();
        (engine.alerts().rules(), engine.alerts().view())
    };
    if query.at.is_none() {
        return Ok(Json(alerts_body(&rules, &view)));
    }
    let history = recording_history(&state)?;
    let at = number("at", &query.at)?;
    let stored = tokio::task::spawn_blocking(move || history.alerts(at))
        .await
        .map_err(|err| ApiError::internal(format!("reading stored alerts: {err}")))?
        .map_err(|err| ApiError::internal(format!("reading stored alerts: {err}")))?;
    Ok(Json(alerts_body(&rules, &view.as_stored(stored))))
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
            export_json(spec, data, engine.partial(&id))
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

/// `POST /api/v1/push`, taken only as `application/json`: a form or a "simple" cross-site
/// request from a browser cannot be sent with that type without the site's consent.
async fn push(
    State(state): State<AppState>,
    Extension(rate): Extension<ConnectionRate>,
    headers: HeaderMap,
    body: String,
) -> Result<Json<serde_json::Value>, ApiError> {
    if !rate.admit(&state.refusals) {
        return Err(ApiError::too_many_requests(
            format!(
                "more than {} pushes a second on this connection: this one was not applied; slow down",
                state.limits.max_messages_per_second
            ),
            1,
        ));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|t| t.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::unsupported_media_type(format!(
            "a push is application/json, not {:?}",
            if content_type.is_empty() {
                "nothing"
            } else {
                content_type
            }
        )));
    }
    let pipeline = state.pipeline.clone();
    let outcome = tokio::task::spawn_blocking(move || apply_push(&pipeline, &body))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::bad_request)?;
    Ok(Json(
        json!({"declared": outcome.declared, "applied": outcome.applied}),
    ))
}

/// The finite number a query parameter must hold; a 400 saying what is wrong otherwise.
fn number(name: &str, value: &Option<String>) -> Result<f64, ApiError> {
    let text = value
        .as_deref()
        .ok_or_else(|| ApiError::bad_request(format!("{name} is required")))?;
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| ApiError::bad_request(format!("{name}={text:?} is not a number")))
}

/// Widest chart a range may be asked for, in pixels.
const MAX_RANGE_WIDTH: usize = 10_000;

#[derive(Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
    width: Option<String>,
    series: Option<String>,
}

/// `GET /api/v1/widgets/{id}/range?from=&to=&width=[&series=]`: the points of a time range at
/// the detail a chart `width` pixels wide can show (M4-decimated when denser than four points
/// per pixel column). `from` and `to` are epoch milliseconds; `series` names a line chart's
/// series.
async fn widget_range(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<RangeQuery>,
) -> Result<Response, ApiError> {
    let from = number("from", &query.from)?;
    let to = number("to", &query.to)?;
    let width = number("width", &query.width)?;
    if to <= from {
        return Err(ApiError::bad_request("to must be after from"));
    }
    if !(1.0..=MAX_RANGE_WIDTH as f64).contains(&width) {
        return Err(ApiError::bad_request(format!(
            "width is 1 to {MAX_RANGE_WIDTH} pixels"
        )));
    }
    let width = width as usize;
    // The ring's points in range, read under the engine lock; older ones from the store after.
    let (series, held_from, mut points) = {
        let engine = state.pipeline.engine();
        let (spec, data) = engine
            .widget(&id)
            .ok_or_else(|| ApiError::not_found(format!("unknown widget {id:?}")))?;
        let (series, ring) = match (data, query.series.as_deref()) {
            (WidgetData::Series(ring), None) => (None, ring),
            (WidgetData::MultiSeries(rings), Some(name)) => {
                let names = spec.series_names();
                let index = names
                    .iter()
                    .position(|n| *n == name)
                    .ok_or_else(|| ApiError::not_found(format!("{id:?} has no series {name:?}")))?;
                (Some(name.to_owned()), &rings[index])
            }
            (WidgetData::MultiSeries(_), None) => {
                return Err(ApiError::bad_request(format!(
                    "{id:?} is a line chart: give series=<name>"
                )))
            }
            _ => {
                return Err(ApiError::bad_request(format!(
                    "{id:?} is a {}, not a time series",
                    spec.kind.name()
                )))
            }
        };
        let held_from = ring.iter().map(|(ts, _)| ts).fold(f64::INFINITY, f64::min);
        let points: Vec<(f64, f64)> = ring
            .iter()
            .filter(|&(ts, _)| ts >= from && ts <= to)
            .collect();
        (series, held_from, points)
    };
    if from < held_from {
        if let Some(history) = state.history.get() {
            // Stored points from `from` up to the first held one (or past `to`).
            let before = held_from.min(crate::engine::just_after(to));
            let (widget, name) = (id.clone(), series.clone().unwrap_or_default());
            let mut stored =
                tokio::task::spawn_blocking(move || history.points(&widget, &name, from, before))
                    .await
                    .map_err(|err| ApiError::internal(format!("reading stored points: {err}")))?
                    .map_err(|err| ApiError::internal(format!("reading stored points: {err}")))?;
            stored.append(&mut points);
            points = stored;
        }
    }
    let body = range_json(&id, series.as_deref(), points, from, to, width);
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

/// `GET /api/v1/recording`: `{"recording": {"from", "to"}}`, the first and last time of the
/// recording this server shows (`streamviz serve --open`), for a browser's time scrubber, or
/// `{"recording": null}` for a live dashboard.
async fn recording(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(json!({
        "recording": state.recording.map(|(from, to)| json!({"from": from, "to": to})),
    }))
}

/// The stored history of the recording this server shows; 404 for a live dashboard.
fn recording_history(
    state: &AppState,
) -> Result<std::sync::Arc<dyn crate::history::History>, ApiError> {
    match (state.recording, state.history.get()) {
        (Some(_), Some(history)) => Ok(history),
        _ => Err(ApiError::not_found(
            "this server shows a live dashboard, not a recording",
        )),
    }
}

#[derive(Deserialize)]
struct AtQuery {
    t: Option<String>,
}

/// `GET /api/v1/widgets/{id}/at?t=`: a table, bar chart, text, markdown or heatmap of a recording
/// as its stored changes left it at `t` (epoch ms), as a `history` message. Time series are read
/// with `/range` instead.
async fn widget_at(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(query): Query<AtQuery>,
) -> Result<Response, ApiError> {
    let history = recording_history(&state)?;
    let at = number("t", &query.t)?;
    let spec = {
        let engine = state.pipeline.engine();
        let (spec, data) = engine
            .widget(&id)
            .ok_or_else(|| ApiError::not_found(format!("unknown widget {id:?}")))?;
        if matches!(data, WidgetData::Series(_) | WidgetData::MultiSeries(_)) {
            return Err(ApiError::bad_request(format!(
                "{id:?} is a time series: ask /api/v1/widgets/{id}/range"
            )));
        }
        spec.clone()
    };
    let message = tokio::task::spawn_blocking(move || {
        let changes = history
            .changes(&spec.id, at)
            .map_err(|err| err.to_string())?;
        let engine = replay_widget(&spec, &changes)?;
        let (spec, data) = engine
            .widget(&spec.id)
            .ok_or_else(|| "the widget was not replayed".to_owned())?;
        Ok::<_, String>(history_message(spec, data))
    })
    .await
    .map_err(|err| ApiError::internal(format!("replaying stored changes: {err}")))?
    .map_err(|err| ApiError::internal(format!("replaying stored changes: {err}")))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], message).into_response())
}
