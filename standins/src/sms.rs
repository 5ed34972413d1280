//! Stand-in of an HTTP SMS gateway.
//!
//! Modelled on Twilio's Programmable Messaging REST API (the 2010-04-01
//! "Messages" resource, the most widely copied SMS gateway shape):
//!
//! ```text
//! POST /2010-04-01/Accounts/{AccountSid}/Messages.json
//! Authorization: Basic base64(AccountSid:AuthToken)
//! Content-Type: application/x-www-form-urlencoded
//!
//! To=%2B56912345678&From=%2B56950000000&Body=...
//! ```
//!
//! Replies, as Twilio documents them:
//! - `201 Created` with the Message resource:
//!   `{"sid":"SM<32 hex>","account_sid":...,"to":...,"from":...,"body":...,
//!   "status":"queued","num_segments":"1","direction":"outbound-api",
//!   "api_version":"2010-04-01","error_code":null,"error_message":null,...}`;
//! - errors as `{"code": <n>, "message": "...", "more_info": "...", "status": <http>}`:
//!   `401` code 20003 (authentication), `400` code 21211 (invalid `To`,
//!   not E.164), `400` code 21602 (empty `Body`), `400` code 21604 (missing
//!   `To`), `400` code 21603 (missing `From` and `MessagingServiceSid`),
//!   `429` code 20429 with a `Retry-After` header (injected), `503` (injected).
//!
//! A `Body` longer than 1600 characters is refused with code 21617, as Twilio does.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use tokio::net::TcpListener;

/// One accepted message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentSms {
    /// The sid returned.
    pub sid: String,
    /// `To`.
    pub to: String,
    /// `From` or the messaging service sid.
    pub from: String,
    /// `Body`.
    pub body: String,
}

/// An injected fault for the next request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmsFault {
    /// `429` with `Retry-After: <seconds>`.
    TooManyRequests {
        /// Seconds.
        retry_after_s: u32,
    },
    /// `503 Service Unavailable`.
    Unavailable,
}

#[derive(Debug, Default)]
struct Inner {
    sent: Vec<SentSms>,
    faults: Vec<SmsFault>,
    requests: u64,
}

/// Credentials, faults and records. Clones share them.
#[derive(Clone, Debug)]
pub struct SmsState {
    account_sid: Arc<str>,
    auth_token: Arc<str>,
    inner: Arc<Mutex<Inner>>,
}

impl SmsState {
    /// A gateway that accepts one account.
    #[must_use]
    pub fn new(account_sid: &str, auth_token: &str) -> SmsState {
        SmsState {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            inner: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Answer the next requests with these faults, in order.
    pub fn inject(&self, faults: &[SmsFault]) {
        self.lock().faults.extend_from_slice(faults);
    }

    /// Messages accepted, in arrival order.
    #[must_use]
    pub fn sent(&self) -> Vec<SentSms> {
        self.lock().sent.clone()
    }

    /// Requests received, accepted or not.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }
}

fn error(status: StatusCode, code: u32, message: &str) -> Response {
    (
        status,
        axum::Json(serde_json::json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status.as_u16(),
        })),
    )
        .into_response()
}

fn authorized(state: &SmsState, account: &str, headers: &HeaderMap) -> bool {
    let Some(b64) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b64.trim()) else {
        return false;
    };
    let expected = format!("{}:{}", state.account_sid, state.auth_token);
    account == &*state.account_sid && raw == expected.as_bytes()
}

fn is_e164(s: &str) -> bool {
    s.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit()) && !d.starts_with('0')
    })
}

async fn create_message(
    State(state): State<SmsState>,
    Path(account): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<std::collections::HashMap<String, String>>,
) -> Response {
    let fault = {
        let mut inner = state.lock();
        inner.requests += 1;
        (!inner.faults.is_empty()).then(|| inner.faults.remove(0))
    };
    match fault {
        Some(SmsFault::TooManyRequests { retry_after_s }) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, 20429, "Too Many Requests");
            r.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(retry_after_s),
            );
            return r;
        }
        Some(SmsFault::Unavailable) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                20503,
                "Service Unavailable",
            );
        }
        None => {}
    }
    let account = account.strip_suffix(".json").unwrap_or(&account).to_owned();
    if !authorized(&state, &account, &headers) {
        return error(StatusCode::UNAUTHORIZED, 20003, "Authenticate");
    }
    let Some(to) = form.get("To").filter(|t| !t.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            21604,
            "A 'To' phone number is required.",
        );
    };
    if !is_e164(to) {
        return error(
            StatusCode::BAD_REQUEST,
            21211,
            &format!("The 'To' number {to} is not a valid phone number."),
        );
    }
    let Some(from) = form
        .get("From")
        .or_else(|| form.get("MessagingServiceSid"))
        .filter(|f| !f.is_empty())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            21603,
            "A 'From' phone number is required.",
        );
    };
    let body = form.get("Body").cloned().unwrap_or_default();
    if body.is_empty() {
        return error(StatusCode::BAD_REQUEST, 21602, "Message body is required.");
    }
    if body.chars().count() > 1600 {
        return error(
            StatusCode::BAD_REQUEST,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    let sid = {
        let mut inner = state.lock();
        let sid = format!("SM{:032x}", inner.sent.len() + 1);
        inner.sent.push(SentSms {
            sid: sid.clone(),
            to: to.clone(),
            from: from.clone(),
            body: body.clone(),
        });
        sid
    };
    let segments = std::cmp::max(body.chars().count().div_ceil(153), 1);
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({
            "sid": sid,
            "account_sid": &*state.account_sid,
            "to": to,
            "from": from,
            "body": body,
            "status": "queued",
            "num_segments": segments.to_string(),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": null,
            "error_code": null,
            "error_message": null,
            "uri": format!("/2010-04-01/Accounts/{account}/Messages/{sid}.json"),
        })),
    )
        .into_response()
}

/// The gateway's routes.
pub fn router(state: SmsState) -> Router {
    Router::new()
        .route(
            "/2010-04-01/Accounts/{account}/Messages.json",
            axum::routing::post(create_message),
        )
        .with_state(state)
}

/// Serve until `shutdown` completes, then close every connection.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(
    listener: TcpListener,
    state: SmsState,
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
    fn e164_numbers() {
        assert!(is_e164("+56912345678"));
        assert!(!is_e164("56912345678"));
        assert!(!is_e164("+0912"));
        assert!(!is_e164("+56 9 1234 5678"));
        assert!(!is_e164("+1234567890123456"));
    }
}
