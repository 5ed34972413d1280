//! Telegram through the Bot API `sendMessage`.
//!
//! ```text
//! POST {base_url}/bot{token}/sendMessage
//! Content-Type: application/json
//!
//! {"chat_id": "<chat id>", "text": "<subject>\n\n<text body>", "disable_web_page_preview": true}
//! ```
//!
//! `base_url` defaults to `https://api.telegram.org`; tests point it at
//! `caudal_standins::telegram`. Texts longer than the API's 4096 characters
//! are cut there.
//!
//! Every reply is `{"ok": bool, ...}` (Bot API, "Making requests"):
//! - `ok: true`: delivered; receipt = `result.message_id`;
//! - `ok: false` with `error_code` 429: retryable after
//!   `parameters.retry_after` seconds (flood control);
//! - `ok: false` with `error_code` ≥ 500: retryable;
//! - any other `ok: false` (400 chat not found, 401 bad token, 403 bot
//!   blocked by the user, ...): permanent, with the `description`; a group
//!   migrated to a supergroup names its new `migrate_to_chat_id`;
//! - a reply that is not the Bot API's JSON: classified by HTTP status.
//!
//! The bot token is part of the URL: errors are reported without the URL.

use std::time::Duration;

use super::{
    ChannelError, DeliveryOutcome, Envelope, http_client, http_failure, join, retry_after_ms,
    transport_failure,
};

/// The Bot API's longest message text.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Telegram settings.
#[derive(Clone)]
pub struct TelegramSettings {
    /// API base URL, e.g. `https://api.telegram.org`.
    pub base_url: String,
    /// The bot's token.
    pub bot_token: String,
    /// Whole-request deadline.
    pub timeout: Duration,
}

impl std::fmt::Debug for TelegramSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSettings")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

/// Sends chat messages as one bot.
#[derive(Clone)]
pub struct TelegramSender {
    client: reqwest::Client,
    url: reqwest::Url,
}

impl std::fmt::Debug for TelegramSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelegramSender").finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct Reply {
    ok: bool,
    result: Option<MessageResult>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(serde::Deserialize)]
struct MessageResult {
    message_id: i64,
}

#[derive(serde::Deserialize)]
struct Parameters {
    retry_after: Option<i64>,
    migrate_to_chat_id: Option<i64>,
}

impl TelegramSender {
    /// Build a sender.
    ///
    /// # Errors
    /// [`ChannelError::InvalidUrl`], [`ChannelError::HttpClient`].
    pub fn new(settings: &TelegramSettings) -> Result<TelegramSender, ChannelError> {
        let base =
            reqwest::Url::parse(&settings.base_url).map_err(|e| ChannelError::InvalidUrl {
                what: "Telegram API",
                url: settings.base_url.clone(),
                reason: e.to_string(),
            })?;
        Ok(TelegramSender {
            client: http_client(settings.timeout)?,
            url: join(&base, &format!("bot{}/sendMessage", settings.bot_token)),
        })
    }

    /// Send one envelope to its chat.
    pub async fn send(&self, envelope: &Envelope) -> DeliveryOutcome {
        let full = format!("{}\n\n{}", envelope.subject, envelope.text.trim_end());
        let text: String = full.chars().take(MAX_TEXT_CHARS).collect();
        let body = serde_json::json!({
            "chat_id": envelope.address,
            "text": text,
            "disable_web_page_preview": true,
        });
        let resp = match self.client.post(self.url.clone()).json(&body).send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(e),
        };
        let status = resp.status();
        let wait = retry_after_ms(resp.headers());
        let bytes = resp.bytes().await.unwrap_or_default();
        let Ok(reply) = serde_json::from_slice::<Reply>(&bytes) else {
            if status.is_success() {
                return DeliveryOutcome::Retryable {
                    error: "Telegram replied with a body that is not the Bot API's JSON".to_owned(),
                    retry_after_ms: None,
                };
            }
            return http_failure(status, wait, "");
        };
        if reply.ok {
            return match reply.result {
                Some(m) => DeliveryOutcome::Delivered {
                    receipt: m.message_id.to_string(),
                },
                None => DeliveryOutcome::Retryable {
                    error: "Telegram said ok without a message".to_owned(),
                    retry_after_ms: None,
                },
            };
        }
        let code = reply
            .error_code
            .unwrap_or_else(|| i64::from(status.as_u16()));
        let description = reply.description.unwrap_or_default();
        let params = reply.parameters;
        let error = format!("Telegram error {code}: {description}");
        if code == 429 {
            let after = params
                .as_ref()
                .and_then(|p| p.retry_after)
                .map(|s| s.saturating_mul(1000))
                .or(wait);
            return DeliveryOutcome::Retryable {
                error,
                retry_after_ms: after,
            };
        }
        if code >= 500 {
            return DeliveryOutcome::Retryable {
                error,
                retry_after_ms: wait,
            };
        }
        match params.and_then(|p| p.migrate_to_chat_id) {
            Some(new_id) => DeliveryOutcome::Permanent {
                error: format!("{error} (the group is now chat {new_id})"),
            },
            None => DeliveryOutcome::Permanent { error },
        }
    }
}
