//! SMS through an HTTP gateway.
//!
//! The request shape is Twilio's Programmable Messaging REST API (the
//! 2010-04-01 "Messages" resource), which many gateways copy and which the
//! stand-in `caudal_standins::sms` implements:
//!
//! ```text
//! POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json
//! Authorization: Basic base64(account_sid:auth_token)
//! Content-Type: application/x-www-form-urlencoded
//!
//! To=<E.164 phone>&From=<sender number>&Body=<the message's short form>
//! ```
//!
//! (`MessagingServiceSid=<from>` replaces `From` when the configured sender
//! starts with `MG`.) `base_url` defaults to `https://api.twilio.com`; point
//! it at any compatible gateway.
//!
//! Outcomes: `200`/`201` with a `sid`: delivered (receipt = sid); `429` and
//! `5xx`: retryable (honouring `Retry-After`); other statuses: permanent,
//! with the gateway's `code` and `message` (`21211` invalid number, `20003`
//! authentication, ...).

use std::time::Duration;

use super::{
    ChannelError, DeliveryOutcome, Envelope, http_client, http_failure, join, retry_after_ms,
    transport_failure,
};

/// SMS gateway settings.
#[derive(Clone)]
pub struct SmsSettings {
    /// Gateway base URL, e.g. `https://api.twilio.com`.
    pub base_url: String,
    /// Account id (the Basic-auth user and the path segment).
    pub account_sid: String,
    /// Auth token (the Basic-auth password).
    pub auth_token: String,
    /// Sender number in E.164, or a messaging service id (`MG...`).
    pub from: String,
    /// Whole-request deadline.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSettings")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Sends SMS through the gateway.
#[derive(Clone)]
pub struct SmsSender {
    client: reqwest::Client,
    url: reqwest::Url,
    settings: SmsSettings,
}

impl std::fmt::Debug for SmsSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsSender")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct Created {
    sid: String,
}

#[derive(serde::Deserialize)]
struct GatewayError {
    code: Option<i64>,
    message: Option<String>,
}

impl SmsSender {
    /// Build a sender.
    ///
    /// # Errors
    /// [`ChannelError::InvalidUrl`], [`ChannelError::HttpClient`].
    pub fn new(settings: SmsSettings) -> Result<SmsSender, ChannelError> {
        let base =
            reqwest::Url::parse(&settings.base_url).map_err(|e| ChannelError::InvalidUrl {
                what: "SMS gateway",
                url: settings.base_url.clone(),
                reason: e.to_string(),
            })?;
        let url = join(
            &base,
            &format!("2010-04-01/Accounts/{}/Messages.json", settings.account_sid),
        );
        Ok(SmsSender {
            client: http_client(settings.timeout)?,
            url,
            settings,
        })
    }

    /// Send one envelope's short form to its phone number.
    pub async fn send(&self, envelope: &Envelope) -> DeliveryOutcome {
        let from_key = if self.settings.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let form = [
            ("To", envelope.address.as_str()),
            (from_key, self.settings.from.as_str()),
            ("Body", envelope.short.as_str()),
        ];
        let request = self
            .client
            .post(self.url.clone())
            .basic_auth(&self.settings.account_sid, Some(&self.settings.auth_token))
            .form(&form);
        let resp = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(e),
        };
        let status = resp.status();
        let wait = retry_after_ms(resp.headers());
        let bytes = resp.bytes().await.unwrap_or_default();
        if status.is_success() {
            return match serde_json::from_slice::<Created>(&bytes) {
                Ok(c) => DeliveryOutcome::Delivered { receipt: c.sid },
                Err(e) => DeliveryOutcome::Retryable {
                    error: format!("gateway accepted the message without a sid: {e}"),
                    retry_after_ms: None,
                },
            };
        }
        let detail = match serde_json::from_slice::<GatewayError>(&bytes) {
            Ok(GatewayError {
                code: Some(code),
                message,
            }) => format!("code {code}: {}", message.unwrap_or_default()),
            _ => String::from_utf8_lossy(&bytes).chars().take(200).collect(),
        };
        http_failure(status, wait, detail.trim())
    }
}
