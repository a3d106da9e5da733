//! The API's error type: a status and a reason for the client, as `{"error": reason}` (with
//! `WWW-Authenticate` on a 401 and `Retry-After` on a 429 or 503), for the routes and for the access
//! and authentication layers in front of them.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An HTTP error with a reason that is safe to show the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    reason: String,
    /// Seconds to wait before trying again (a 429).
    retry_after_s: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, reason: impl ToString) -> Self {
        Self {
            status,
            reason: reason.to_string(),
            retry_after_s: None,
        }
    }

    /// 400 with a reason.
    pub fn bad_request(reason: impl ToString) -> Self {
        Self::new(StatusCode::BAD_REQUEST, reason)
    }

    /// 401 with a reason: credentials are missing or wrong.
    pub fn unauthorized(reason: impl ToString) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, reason)
    }

    /// 403 with a reason: refused whoever asks (access.rs) or for who asks (a role).
    pub fn forbidden(reason: impl ToString) -> Self {
        Self::new(StatusCode::FORBIDDEN, reason)
    }

    /// 404 with a reason.
    pub fn not_found(reason: impl ToString) -> Self {
        Self::new(StatusCode::NOT_FOUND, reason)
    }

    /// 415 with a reason.
    pub fn unsupported_media_type(reason: impl ToString) -> Self {
        Self::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, reason)
    }

    /// 429 with a reason: try again in `seconds`.
    pub fn too_many_requests(reason: impl ToString, seconds: u64) -> Self {
        Self {
            retry_after_s: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, reason)
        }
    }

    /// 503 with a reason: the server is at a bound; try again in a few seconds.
    pub fn unavailable(reason: impl ToString) -> Self {
        Self {
            retry_after_s: Some(5),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, reason)
        }
    }

    /// 500; the details are logged, not sent.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {details}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(serde_json::json!({"error": self.reason}))).into_response();
        let headers = response.headers_mut();
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"streamviz\""),
            );
        }
        if let Some(seconds) = self.retry_after_s {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}
