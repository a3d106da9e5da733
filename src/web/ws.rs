//! `GET /ws`: the handler only upgrades; each connection then runs [`client`], which sends
//! `hello`, the snapshot (`config`, one `history` per widget, `stats`) and the live frames, and answers
//! `push` messages from the client when its principal may push. The holder of embed tokens
//! (`?embed=` once per widget: the embed library's one connection for several widgets) is sent
//! their widgets only. Viewers are bounded in number, and pinged: one that has not
//! answered a ping by the next is dropped; messages past a rate are answered with an error.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Extension, Query, State};
use axum::http::Uri;
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::auth::Principal;
use super::error::ApiError;
use super::hub::{HubFrame, RecvError, Subscription};
use super::listen::ConnectionRate;
use super::state::AppState;
use crate::engine::limits::MAX_MESSAGE_BYTES;
use crate::ingest::push::apply_push;
use crate::protocol::{error_message, hello_message, scope_message};

/// Upgrade to a WebSocket, unless [`ConnectionLimits::max_viewers`] are connected already
/// (503 with the reason).
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(principal): Extension<Principal>,
    Extension(rate): Extension<ConnectionRate>,
    uri: Uri,
) -> Response {
    let only = match embedded_widgets(&state, &principal, &uri) {
        Ok(only) => only,
        Err(reason) => return ApiError::forbidden(reason).into_response(),
    };
    let Ok(slot) = Arc::clone(&state.viewer_slots).try_acquire_owned() else {
        state.refusals.viewers.fetch_add(1, Ordering::Relaxed);
        let most = state.limits.max_viewers;
        return ApiError::unavailable(format!(
            "{most} viewers are connected, the most this server takes; try again later"
        ))
        .into_response();
    };
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| async move {
            client(socket, state, principal, only, rate).await;
            drop(slot);
        })
}

/// The widgets an embed token's holder is shown: the one its token (checked by the guard)
/// opens and those of any further `embed` tokens in the query, each checked here (a bad one is
/// refused with the reason); `None` for everyone else.
fn embedded_widgets(
    state: &AppState,
    principal: &Principal,
    uri: &Uri,
) -> Result<Option<Vec<String>>, String> {
    let Some(first) = principal.only_widget() else {
        return Ok(None);
    };
    let mut widgets = vec![first.to_owned()];
    let Query(pairs) =
        Query::<Vec<(String, String)>>::try_from_uri(uri).unwrap_or(Query(Vec::new()));
    for (name, token) in pairs {
        if name != "embed" {
            continue;
        }
        match state.auth.by_embed(&token) {
            Ok(Principal::Embed { widget }) => {
                if !widgets.contains(&widget) {
                    widgets.push(widget);
                }
            }
            Ok(_) => {}
            Err(err) => return Err(err.to_string()),
        }
        if widgets.len() > MAX_EMBEDDED_WIDGETS {
            return Err(format!(
                "one connection shows at most {MAX_EMBEDDED_WIDGETS} embedded widgets"
            ));
        }
    }
    Ok(Some(widgets))
}

/// Most widgets one connection of embed tokens shows.
const MAX_EMBEDDED_WIDGETS: usize = 256;

async fn client(
    socket: WebSocket,
    state: AppState,
    principal: Principal,
    only: Option<Vec<String>>,
    rate: ConnectionRate,
) {
    let mut revoked = state.auth.embeds_revoked();
    revoked.mark_unchanged();
    let _guard = state.hub.client_guard();
    let (mut sink, mut stream) = socket.split();
    if sink
        .send(Message::Text(
            hello_message(env!("CARGO_PKG_VERSION")).into(),
        ))
        .await
        .is_err()
    {
        return;
    }
    let Some(Subscription { start, mut live }) = state.hub.subscribe().await else {
        return;
    };
    // The start is let go at once: its messages hold what they are made from, each made as it
    // is sent, and that too is let go once they are out (others may share it).
    let mut starting = Some(start.messages(only.as_deref()).await);
    drop(start);
    let mut outbox: Vec<Utf8Bytes> = Vec::new();
    // A ping every interval; a viewer that has not answered the last one by the next is gone.
    let mut pings = tokio::time::interval(state.limits.ping_interval);
    pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    pings.tick().await;
    let mut awaiting_pong = false;
    loop {
        for message in starting
            .take()
            .into_iter()
            .flatten()
            .chain(outbox.drain(..))
        {
            let message = match &only {
                None => message,
                Some(widgets) => match scope_message(message.as_str(), widgets) {
                    Some(scoped) => Utf8Bytes::from(scoped),
                    None => continue,
                },
            };
            if sink.send(Message::Text(message)).await.is_err() {
                return;
            }
        }
        tokio::select! {
            frame = live.recv() => match frame {
                Ok(HubFrame::Messages(messages)) => outbox.extend(messages.iter().cloned()),
                Ok(HubFrame::Resync) | Err(RecvError::Lagged) => {
                    // Behind or out of step: start again from a fresh snapshot.
                    let Some(Subscription { start, live: fresh }) = state.hub.subscribe().await else { return };
                    live = fresh;
                    outbox.clear();
                    starting = Some(start.messages(only.as_deref()).await);
                }
                Err(RecvError::Closed) => return,
            },
            // An embed token's connection ends when embed tokens are revoked.
            Ok(()) = revoked.changed(), if only.is_some() => return,
            _ = pings.tick() => {
                if awaiting_pong {
                    state.refusals.unanswered_pings.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                awaiting_pong = true;
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            },
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(_))) if !rate.admit(&state.refusals) => {
                    outbox.push(error_message(&format!(
                        "more than {} messages a second from this connection: this one was not applied; slow down",
                        state.limits.max_messages_per_second
                    )).into());
                }
                Some(Ok(Message::Text(text))) => outbox.push(reply_to(&state, &principal, text.as_str()).await.into()),
                Some(Ok(Message::Binary(_))) => outbox.push(error_message("binary messages are not supported; send JSON text").into()),
                Some(Ok(Message::Pong(_))) => awaiting_pong = false,
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return,
            },
        }
    }
}

async fn reply_to(state: &AppState, principal: &Principal, text: &str) -> String {
    if !principal.may_push() {
        return error_message(&format!(
            "pushing needs the producer role; this connection has {}",
            principal
                .role()
                .map_or("an embed token (read-only)", |r| r.name())
        ));
    }
    let pipeline = state.pipeline.clone();
    let text = text.to_owned();
    match tokio::task::spawn_blocking(move || apply_push(&pipeline, &text)).await {
        Ok(Ok(outcome)) => serde_json::json!({"type": "ack", "declared": outcome.declared, "applied": outcome.applied}).to_string(),
        Ok(Err(err)) => error_message(&err.to_string()),
        Err(_) => error_message("internal error while applying the push"),
    }
}
