//! A webhook receiver that verifies the HMAC-SHA256 signature header.
//!
//! It accepts what the collector's webhook channel sends
//! (`collector/src/notify/channel/webhook.rs` documents the format):
//!
//! ```text
//! POST <any path>
//! Content-Type: application/json
//! X-Caudal-Delivery: <outbox row id>
//! X-Caudal-Event: <event kind>
//! X-Caudal-Timestamp: <unix seconds>
//! X-Caudal-Signature: sha256=<lowercase hex of HMAC-SHA256(secret, "<timestamp>.<body>")>
//! ```
//!
//! This is the scheme of Stripe's and Slack's signed webhooks (a timestamp
//! bound into the signed bytes, checked against a tolerance to stop
//! replays). The receiver answers:
//! - `204 No Content` when the signature matches and the timestamp is within
//!   [`WebhookState::tolerance_s`] of its clock (300 s by default), and
//!   records the delivery;
//! - `401` with `{"error": "..."}` for a missing, malformed or wrong
//!   signature, or a missing timestamp;
//! - `401` for a stale (or future) timestamp: a replay;
//! - `400` for a body that is not JSON;
//! - the status of an injected fault ([`WebhookState::fail_next`]).
//!
//! Signatures are compared in constant time (`ring::hmac::verify`).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use ring::hmac;
use tokio::net::TcpListener;

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "x-caudal-signature";
/// Header carrying the unix time, seconds, that the signature covers.
pub const TIMESTAMP_HEADER: &str = "x-caudal-timestamp";
/// Header carrying the sender's delivery id (the outbox row id).
pub const DELIVERY_HEADER: &str = "x-caudal-delivery";
/// Header carrying the event kind.
pub const EVENT_HEADER: &str = "x-caudal-event";

/// The signature header's value for a body: `sha256=<hex>` of
/// HMAC-SHA256(secret, `"<timestamp>.<body>"`).
#[must_use]
pub fn signature(secret: &[u8], timestamp_s: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp_s.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("sha256={}", hex::encode(ctx.sign().as_ref()))
}

/// One accepted delivery.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    /// `X-Caudal-Delivery`.
    pub delivery_id: Option<String>,
    /// `X-Caudal-Event`.
    pub event: Option<String>,
    /// The request path.
    pub path: String,
    /// The body, parsed.
    pub body: serde_json::Value,
}

#[derive(Debug, Default)]
struct Inner {
    deliveries: Vec<Delivery>,
    rejected: Vec<(StatusCode, String)>,
    faults: Vec<StatusCode>,
    now_s: Option<i64>,
}

/// The receiver's secret, clock, faults and records. Clones share them.
#[derive(Clone, Debug)]
pub struct WebhookState {
    secret: Arc<Vec<u8>>,
    /// Accepted clock difference, seconds.
    pub tolerance_s: i64,
    inner: Arc<Mutex<Inner>>,
}

impl WebhookState {
    /// A receiver with a shared secret and a 300 s tolerance.
    #[must_use]
    pub fn new(secret: &[u8]) -> WebhookState {
        WebhookState {
            secret: Arc::new(secret.to_vec()),
            tolerance_s: 300,
            inner: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Set the receiver's clock (unix seconds) for tests on a virtual clock;
    /// `None` reads the system clock.
    pub fn set_now(&self, now_s: Option<i64>) {
        self.lock().now_s = now_s;
    }

    /// Answer the next `n` requests with `status` before checking anything.
    pub fn fail_next(&self, n: usize, status: StatusCode) {
        self.lock().faults.extend(std::iter::repeat_n(status, n));
    }

    /// Deliveries accepted so far, in arrival order.
    #[must_use]
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.lock().deliveries.clone()
    }

    /// Requests refused (status and reason), in arrival order.
    #[must_use]
    pub fn rejected(&self) -> Vec<(StatusCode, String)> {
        self.lock().rejected.clone()
    }

    fn now_s(&self) -> i64 {
        self.lock().now_s.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        })
    }
}

fn refuse(state: &WebhookState, status: StatusCode, why: &str) -> Response {
    state.lock().rejected.push((status, why.to_owned()));
    (status, axum::Json(serde_json::json!({ "error": why }))).into_response()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn receive(
    State(state): State<WebhookState>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = {
        let mut inner = state.lock();
        (!inner.faults.is_empty()).then(|| inner.faults.remove(0))
    };
    if let Some(status) = fault {
        return refuse(&state, status, "injected fault");
    }
    let Some(ts) = header(&headers, TIMESTAMP_HEADER).and_then(|t| t.parse::<i64>().ok()) else {
        return refuse(&state, StatusCode::UNAUTHORIZED, "missing or bad timestamp");
    };
    let Some(sig) = header(&headers, SIGNATURE_HEADER)
        .and_then(|s| s.strip_prefix("sha256="))
        .and_then(|h| hex::decode(h).ok())
    else {
        return refuse(
            &state,
            StatusCode::UNAUTHORIZED,
            "missing or malformed signature",
        );
    };
    let key = hmac::Key::new(hmac::HMAC_SHA256, &state.secret);
    let mut signed = Vec::with_capacity(body.len() + 12);
    signed.extend_from_slice(ts.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(&body);
    if hmac::verify(&key, &signed, &sig).is_err() {
        return refuse(&state, StatusCode::UNAUTHORIZED, "signature does not match");
    }
    if (state.now_s() - ts).abs() > state.tolerance_s {
        return refuse(&state, StatusCode::UNAUTHORIZED, "stale timestamp");
    }
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return refuse(&state, StatusCode::BAD_REQUEST, "body is not JSON");
    };
    state.lock().deliveries.push(Delivery {
        delivery_id: header(&headers, DELIVERY_HEADER).map(str::to_owned),
        event: header(&headers, EVENT_HEADER).map(str::to_owned),
        path: uri.path().to_owned(),
        body: json,
    });
    StatusCode::NO_CONTENT.into_response()
}

/// The receiver's routes (every path accepts a POST).
pub fn router(state: WebhookState) -> Router {
    Router::new()
        .fallback(axum::routing::post(receive))
        .with_state(state)
}

/// Serve until `shutdown` completes, then close every connection.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(
    listener: TcpListener,
    state: WebhookState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_hmac() {
        // Computed with Python: hmac.new(b"s3cret", b'1700000000.{"id":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"s3cret", 1_700_000_000, br#"{"id":1}"#),
            "sha256=ee0658aa4e37018df69c24227df01e0f680eb3b87c7f1f9bd936e283cfe01d9b"
        );
    }
}
