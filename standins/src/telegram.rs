//! Stand-in of the Telegram Bot API (`sendMessage`).
//!
//! From the Bot API documentation (core.telegram.org/bots/api): requests go
//! to `POST {base}/bot<token>/sendMessage` with a JSON (or form) body
//! `{"chat_id": <int or "@channel">, "text": "...", "parse_mode"?: "HTML"}`.
//! Every reply is a JSON object with a boolean `ok`:
//! - success: `{"ok": true, "result": Message}` where Message has
//!   `message_id`, `date` (unix seconds), `chat` and `text`;
//! - failure: `{"ok": false, "error_code": <int>, "description": "..."}`,
//!   with the HTTP status equal to `error_code`, and optionally
//!   `"parameters": {"retry_after": <seconds>}` on 429 flood control.
//!
//! This stand-in answers, as the real service does:
//! - `401 Unauthorized` for a token other than the configured one
//!   (`404 Not Found` when the path has no `bot` prefix);
//! - `400 Bad Request: chat not found` for a chat id it does not know;
//! - `400 Bad Request: message text is empty`;
//! - `400 Bad Request: message is too long` above 4096 characters;
//! - `403 Forbidden: bot was blocked by the user` for a chat marked blocked;
//! - `429 Too Many Requests: retry after N` with `parameters.retry_after`
//!   (injected with [`TelegramState::flood`]).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

/// One message the bot sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMessage {
    /// The id returned.
    pub message_id: i64,
    /// The chat, as given.
    pub chat_id: String,
    /// The text.
    pub text: String,
    /// `parse_mode`, if any.
    pub parse_mode: Option<String>,
}

#[derive(Debug, Default)]
struct Inner {
    chats: BTreeSet<String>,
    blocked: BTreeSet<String>,
    sent: Vec<SentMessage>,
    flood: Vec<u32>,
    requests: u64,
}

/// The bot's token, known chats, faults and records. Clones share them.
#[derive(Clone, Debug)]
pub struct TelegramState {
    token: Arc<str>,
    inner: Arc<Mutex<Inner>>,
}

impl TelegramState {
    /// A bot with this token.
    #[must_use]
    pub fn new(token: &str) -> TelegramState {
        TelegramState {
            token: token.into(),
            inner: Arc::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A chat the bot may write to (a user who started the bot).
    pub fn add_chat(&self, chat_id: &str) {
        self.lock().chats.insert(chat_id.to_owned());
    }

    /// A chat whose user blocked the bot.
    pub fn block_chat(&self, chat_id: &str) {
        let mut inner = self.lock();
        inner.chats.insert(chat_id.to_owned());
        inner.blocked.insert(chat_id.to_owned());
    }

    /// Answer the next request with flood control, `retry_after_s` seconds.
    pub fn flood(&self, retry_after_s: u32) {
        self.lock().flood.push(retry_after_s);
    }

    /// Messages sent, in order.
    #[must_use]
    pub fn sent(&self) -> Vec<SentMessage> {
        self.lock().sent.clone()
    }

    /// Requests received.
    #[must_use]
    pub fn requests(&self) -> u64 {
        self.lock().requests
    }
}

fn fail(code: StatusCode, description: &str, retry_after: Option<u32>) -> Response {
    let mut body = serde_json::json!({
        "ok": false,
        "error_code": code.as_u16(),
        "description": description,
    });
    if let Some(s) = retry_after {
        body["parameters"] = serde_json::json!({ "retry_after": s });
    }
    (code, axum::Json(body)).into_response()
}

fn field(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

async fn method(
    State(state): State<TelegramState>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    state.lock().requests += 1;
    let Some(token) = bot.strip_prefix("bot") else {
        return fail(StatusCode::NOT_FOUND, "Not Found", None);
    };
    if token != &*state.token {
        return fail(StatusCode::UNAUTHORIZED, "Unauthorized", None);
    }
    if !method.eq_ignore_ascii_case("sendMessage") {
        return fail(StatusCode::NOT_FOUND, "Not Found: method not found", None);
    }
    let flood = {
        let mut inner = state.lock();
        (!inner.flood.is_empty()).then(|| inner.flood.remove(0))
    };
    if let Some(s) = flood {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            &format!("Too Many Requests: retry after {s}"),
            Some(s),
        );
    }
    let is_form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let params: BTreeMap<String, String> = if is_form {
        serde_urlencoded_pairs(&body)
    } else {
        match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&body) {
            Ok(m) => m
                .iter()
                .filter_map(|(k, v)| field(v).map(|v| (k.clone(), v)))
                .collect(),
            Err(_) => {
                return fail(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: can't parse request body",
                    None,
                );
            }
        }
    };
    let Some(chat_id) = params.get("chat_id") else {
        return fail(
            StatusCode::BAD_REQUEST,
            "Bad Request: chat_id is empty",
            None,
        );
    };
    let text = params.get("text").cloned().unwrap_or_default();
    if text.trim().is_empty() {
        return fail(
            StatusCode::BAD_REQUEST,
            "Bad Request: message text is empty",
            None,
        );
    }
    if text.chars().count() > 4096 {
        return fail(
            StatusCode::BAD_REQUEST,
            "Bad Request: message is too long",
            None,
        );
    }
    let mut inner = state.lock();
    if !inner.chats.contains(chat_id) {
        return fail(StatusCode::BAD_REQUEST, "Bad Request: chat not found", None);
    }
    if inner.blocked.contains(chat_id) {
        return fail(
            StatusCode::FORBIDDEN,
            "Forbidden: bot was blocked by the user",
            None,
        );
    }
    let message_id = i64::try_from(inner.sent.len()).unwrap_or(i64::MAX) + 1;
    inner.sent.push(SentMessage {
        message_id,
        chat_id: chat_id.clone(),
        text: text.clone(),
        parse_mode: params.get("parse_mode").cloned(),
    });
    let date = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let chat: serde_json::Value = chat_id
        .parse::<i64>()
        .map_or_else(|_| serde_json::json!(chat_id), |n| serde_json::json!(n));
    axum::Json(serde_json::json!({
        "ok": true,
        "result": {
            "message_id": message_id,
            "date": date,
            "chat": { "id": chat, "type": "private" },
            "text": text,
        }
    }))
    .into_response()
}

/// `a=b&c=d` pairs (percent-decoded, `+` as space).
fn serde_urlencoded_pairs(body: &[u8]) -> BTreeMap<String, String> {
    fn hex(b: u8) -> Option<u8> {
        char::from(b)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    }
    fn decode(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push(h * 16 + l);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The Bot API's routes.
pub fn router(state: TelegramState) -> Router {
    Router::new()
        .route("/{bot}/{method}", axum::routing::post(method))
        .with_state(state)
}

/// Serve until `shutdown` completes, then close every connection.
///
/// # Errors
/// The listener's I/O error.
pub async fn serve(
    listener: TcpListener,
    state: TelegramState,
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
    fn form_bodies_decode() {
        let p = serde_urlencoded_pairs(b"chat_id=-100123&text=hola+mundo%21&x=%zz");
        assert_eq!(p["chat_id"], "-100123");
        assert_eq!(p["text"], "hola mundo!");
        assert_eq!(p["x"], "%zz");
    }
}
