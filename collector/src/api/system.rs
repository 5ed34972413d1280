//! `/healthz`, `/metrics` and the OpenAPI document.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

use super::AppState;
use super::auth::{Authorized, ReadMetrics};
use super::error::{ApiError, ErrorBody};

/// Liveness and database reachability (no token needed).
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, description = "`ok`", content_type = "text/plain"), (status = 503, body = ErrorBody)))]
pub async fn healthz(State(s): State<AppState>) -> Result<&'static str, ApiError> {
    s.store.ping().await?;
    Ok("ok")
}

/// Prometheus metrics, text format 0.0.4.
#[utoipa::path(get, path = "/metrics", tag = "system",
    security(("token" = ["read_metrics"])),
    responses((status = 200, description = "Prometheus text", content_type = "text/plain"), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn metrics(
    _auth: Authorized<ReadMetrics>,
    State(s): State<AppState>,
) -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        crate::telemetry::render(&s.store, &s.http, &s.ingest),
    )
}

/// This API's OpenAPI 3.1 document (no token needed).
#[utoipa::path(get, path = "/openapi.json", tag = "system",
    responses((status = 200, description = "OpenAPI document", content_type = "application/json")))]
pub async fn openapi_json() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        super::openapi_text(),
    )
}
