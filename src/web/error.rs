//! The API's error type: a status and a reason for the client, as `{"error": reason}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

/// An HTTP error with a reason that is safe to show the client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    reason: String,
}

impl ApiError {
    /// 400 with a reason.
    pub fn bad_request(reason: impl ToString) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            reason: reason.to_string(),
        }
    }

    /// 404 with a reason.
    pub fn not_found(reason: impl ToString) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            reason: reason.to_string(),
        }
    }

    /// 415 with a reason.
    pub fn unsupported_media_type(reason: impl ToString) -> Self {
        Self {
            status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reason: reason.to_string(),
        }
    }

    /// 500; the details are logged, not sent.
    pub fn internal(details: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {details}");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            reason: "internal error".into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(serde_json::json!({"error": self.reason}))).into_response()
    }
}
