//! Channel senders: `enum Channel { Smtp, Webhook, Sms, Telegram }`, one
//! file per sender.
//!
//! Each sender takes one [`Envelope`] (one outbox row, already rendered) and
//! `now` (the injected clock; webhooks sign it, e-mail dates with it) and
//! returns a [`DeliveryOutcome`]:
//! - `Delivered { receipt }`: the receiver accepted it; the receipt is its
//!   id (SMTP reply, SMS sid, Telegram `message_id`, webhook HTTP status);
//! - `Retryable { error, retry_after_ms }`: network errors, timeouts, 408,
//!   425, 429 and 5xx replies, SMTP 4xx; `retry_after_ms` carries the
//!   receiver's own wait (`Retry-After`, Telegram's `retry_after`);
//! - `Permanent { error }`: any other refusal (bad address, 4xx, SMTP 5xx,
//!   a channel or endpoint that is not configured).
//!
//! Secrets (bot tokens, auth tokens, webhook secrets) never appear in
//! outcome errors: HTTP errors are reported without their URL.
//!
//! HTTP senders use reqwest on rustls with the ring provider (installed
//! here as the process default if none is), and e-mail uses lettre on
//! rustls/ring; no OpenSSL.

pub mod sms;
pub mod smtp;
pub mod telegram;
pub mod webhook;

use std::time::Duration;

use caudal_collector_domain::notify::{self, ChannelKind, Event, EventKind, FieldValue};
use caudal_collector_domain::{Lang, Severity, UtcMillis, Zone};

pub use caudal_collector_domain::notify::DeliveryOutcome;
pub use sms::{SmsSender, SmsSettings};
pub use smtp::{SmtpSecurity, SmtpSender, SmtpSettings};
pub use telegram::{TelegramSender, TelegramSettings};
pub use webhook::{WebhookEndpoint, WebhookSender};

/// Building a sender failed: bad settings.
#[derive(Debug, thiserror::Error)]
pub enum ChannelError {
    /// A sender address lettre cannot parse.
    #[error("invalid sender address `{address}`: {reason}")]
    InvalidFrom {
        /// As configured.
        address: String,
        /// Why.
        reason: String,
    },
    /// A URL that cannot be used.
    #[error("invalid {what} URL `{url}`: {reason}")]
    InvalidUrl {
        /// Which setting.
        what: &'static str,
        /// As configured.
        url: String,
        /// Why.
        reason: String,
    },
    /// A root certificate that cannot be read.
    #[error("invalid root certificate for {host}: {reason}")]
    InvalidCertificate {
        /// The server it was for.
        host: String,
        /// Why.
        reason: String,
    },
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    HttpClient(String),
    /// Two webhook endpoints with one name.
    #[error("webhook endpoint `{0}` is configured twice")]
    DuplicateEndpoint(String),
}

/// One message to one address on one channel: an outbox row, rendered.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    /// The outbox row id: the delivery id receivers may deduplicate on.
    pub delivery_id: i64,
    /// Event kind.
    pub kind: EventKind,
    /// Event severity.
    pub severity: Severity,
    /// When the event happened.
    pub event_time: UtcMillis,
    /// E-mail address, E.164 phone, Telegram chat id, or webhook endpoint name.
    pub address: String,
    /// Subject (e-mail subject; first line elsewhere).
    pub subject: String,
    /// Plain text body.
    pub text: String,
    /// HTML body.
    pub html: String,
    /// Short form for SMS.
    pub short: String,
    /// Structured fields (a JSON object) for webhooks.
    pub data: serde_json::Value,
}

impl Envelope {
    /// Render an event for one recipient: templates in `lang`, times in
    /// `zone`, and the repeat note when `merged` identical messages were
    /// folded into this one.
    #[must_use]
    pub fn render(
        delivery_id: i64,
        event: &Event,
        address: &str,
        lang: Lang,
        zone: Zone,
        merged: u32,
    ) -> Envelope {
        let mut r = notify::render(&event.payload, lang, zone);
        if merged > 0 {
            let note = notify::repeat_note(merged, lang);
            r.text = format!("{}\n{note}\n", r.text.trim_end());
            r.html = r
                .html
                .replace("</table>\n", &format!("</table>\n<p>{note}</p>\n"));
        }
        Envelope {
            delivery_id,
            kind: event.kind(),
            severity: event.severity,
            event_time: event.time,
            address: address.to_owned(),
            subject: r.subject,
            text: r.text,
            html: r.html,
            short: r.short,
            data: fields_json(&notify::fields(&event.payload)),
        }
    }
}

/// Structured fields as a JSON object (instants as RFC 3339 UTC, dates as `YYYY-MM-DD`).
#[must_use]
pub fn fields_json(fields: &[(&str, FieldValue)]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for (k, v) in fields {
        let v = match v {
            FieldValue::Text(s) => serde_json::Value::from(s.clone()),
            FieldValue::Number(n) => serde_json::Value::from(*n),
            FieldValue::Int(i) => serde_json::Value::from(*i),
            FieldValue::Time(t) => serde_json::Value::from(rfc3339(*t)),
            FieldValue::Date(d) => serde_json::Value::from(d.format("%Y-%m-%d").to_string()),
        };
        map.insert((*k).to_owned(), v);
    }
    serde_json::Value::Object(map)
}

/// An instant as RFC 3339 UTC with milliseconds.
#[must_use]
pub fn rfc3339(t: UtcMillis) -> String {
    caudal_collector_domain::zone::to_datetime(t)
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// A configured sender.
#[derive(Clone, Debug)]
pub enum Channel {
    /// E-mail over SMTP.
    Smtp(SmtpSender),
    /// Signed HTTP POSTs.
    Webhook(WebhookSender),
    /// SMS through an HTTP gateway.
    Sms(SmsSender),
    /// Telegram Bot API.
    Telegram(TelegramSender),
}

impl Channel {
    /// The channel kind it serves.
    #[must_use]
    pub fn kind(&self) -> ChannelKind {
        match self {
            Channel::Smtp(_) => ChannelKind::Email,
            Channel::Webhook(_) => ChannelKind::Webhook,
            Channel::Sms(_) => ChannelKind::Sms,
            Channel::Telegram(_) => ChannelKind::Telegram,
        }
    }

    /// Send one envelope.
    pub async fn send(&self, envelope: &Envelope, now: UtcMillis) -> DeliveryOutcome {
        match self {
            Channel::Smtp(s) => s.send(envelope, now).await,
            Channel::Webhook(s) => s.send(envelope, now).await,
            Channel::Sms(s) => s.send(envelope).await,
            Channel::Telegram(s) => s.send(envelope).await,
        }
    }
}

/// The configured senders, at most one per kind.
#[derive(Clone, Debug, Default)]
pub struct Channels {
    channels: Vec<Channel>,
}

impl Channels {
    /// The senders; a later one of the same kind replaces an earlier one.
    #[must_use]
    pub fn new(channels: Vec<Channel>) -> Channels {
        let mut out: Vec<Channel> = Vec::new();
        for c in channels {
            out.retain(|o| o.kind() != c.kind());
            out.push(c);
        }
        Channels { channels: out }
    }

    /// The sender of a kind.
    #[must_use]
    pub fn get(&self, kind: ChannelKind) -> Option<&Channel> {
        self.channels.iter().find(|c| c.kind() == kind)
    }

    /// Send on a channel; a channel that is not configured is a permanent failure.
    pub async fn send(
        &self,
        kind: ChannelKind,
        envelope: &Envelope,
        now: UtcMillis,
    ) -> DeliveryOutcome {
        match self.get(kind) {
            Some(c) => c.send(envelope, now).await,
            None => DeliveryOutcome::Permanent {
                error: format!("channel {kind} is not configured"),
            },
        }
    }
}

/// A reqwest client on rustls/ring, without redirects (a signed POST is not
/// replayed elsewhere), with a whole-request timeout.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, ChannelError> {
    // Only the first install wins; an already installed provider is kept.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("caudal-collector/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ChannelError::HttpClient(e.to_string()))
}

/// Classify an HTTP status that is not a success.
pub(crate) fn http_failure(
    status: reqwest::StatusCode,
    retry_after_ms: Option<i64>,
    detail: &str,
) -> DeliveryOutcome {
    let error = if detail.is_empty() {
        format!("HTTP {status}")
    } else {
        format!("HTTP {status}: {detail}")
    };
    let code = status.as_u16();
    if matches!(code, 408 | 425 | 429) || status.is_server_error() {
        DeliveryOutcome::Retryable {
            error,
            retry_after_ms,
        }
    } else {
        DeliveryOutcome::Permanent { error }
    }
}

/// A transport error (connect, timeout, body): always retryable; the URL is
/// stripped so secrets in paths never reach the outbox.
pub(crate) fn transport_failure(e: reqwest::Error) -> DeliveryOutcome {
    let timeout = e.is_timeout();
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    DeliveryOutcome::Retryable {
        error: if timeout {
            format!("timed out: {msg}")
        } else {
            msg
        },
        retry_after_ms: None,
    }
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these services).
pub(crate) fn retry_after_ms(headers: &reqwest::header::HeaderMap) -> Option<i64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<i64>()
        .ok()
        .map(|s| s.saturating_mul(1000))
}

/// A URL with a trailing path appended (keeps a base URL's own path prefix).
pub(crate) fn join(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut u = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        path.trim_start_matches('/')
    );
    u.set_path(&joined);
    u
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        let s = |c: u16| reqwest::StatusCode::from_u16(c).unwrap();
        assert!(matches!(
            http_failure(s(503), Some(5000), ""),
            DeliveryOutcome::Retryable {
                retry_after_ms: Some(5000),
                ..
            }
        ));
        assert!(matches!(
            http_failure(s(429), None, ""),
            DeliveryOutcome::Retryable { .. }
        ));
        assert!(matches!(
            http_failure(s(408), None, ""),
            DeliveryOutcome::Retryable { .. }
        ));
        assert_eq!(
            http_failure(s(400), None, "bad"),
            DeliveryOutcome::Permanent {
                error: "HTTP 400 Bad Request: bad".to_owned()
            }
        );
        assert!(matches!(
            http_failure(s(301), None, ""),
            DeliveryOutcome::Permanent { .. }
        ));
    }

    #[test]
    fn join_keeps_the_base_path() {
        let b = reqwest::Url::parse("http://127.0.0.1:9/gw/").unwrap();
        assert_eq!(
            join(&b, "/2010-04-01/x").as_str(),
            "http://127.0.0.1:9/gw/2010-04-01/x"
        );
        let b = reqwest::Url::parse("https://api.telegram.org").unwrap();
        assert_eq!(
            join(&b, "botT/sendMessage").as_str(),
            "https://api.telegram.org/botT/sendMessage"
        );
    }
}
