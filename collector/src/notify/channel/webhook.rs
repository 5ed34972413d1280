//! Webhooks: a signed JSON POST per message.
//!
//! # Request
//!
//! ```text
//! POST <endpoint url>
//! Content-Type: application/json
//! User-Agent: caudal-collector/<version>
//! X-Caudal-Delivery: <outbox row id>          (the same on every retry: deduplicate on it)
//! X-Caudal-Event: <event kind, e.g. alarm_raised>
//! X-Caudal-Timestamp: <unix seconds when sent>
//! X-Caudal-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>
//!
//! {"delivery_id": 42, "event": "alarm_raised", "severity": "critical",
//!  "time": "2026-06-11T17:00:00.000Z", "subject": "...", "text": "...",
//!  "data": { ...typed fields of the event... }}
//! ```
//!
//! # Verifying (receiver side)
//!
//! Recompute HMAC-SHA256 with the shared secret over the exact bytes
//! `X-Caudal-Timestamp`, `.`, raw body; compare with the hex after `sha256=`
//! in constant time; refuse when the timestamp is more than 5 minutes from
//! the receiver's clock (a replay). `caudal_standins::webhook` is a
//! reference receiver. The scheme is Stripe's and Slack's (timestamp bound
//! into the signature).
//!
//! # Outcomes
//!
//! 2xx: delivered (receipt `HTTP <status>`); 408, 425, 429, 5xx and network
//! errors: retryable (honouring `Retry-After` seconds); any other status,
//! including redirects (not followed), and an endpoint name that is not
//! configured: permanent.

use std::collections::BTreeMap;
use std::time::Duration;

use caudal_collector_domain::UtcMillis;
use ring::hmac;

use super::{
    ChannelError, DeliveryOutcome, Envelope, http_client, http_failure, retry_after_ms, rfc3339,
    transport_failure,
};

/// Header carrying the signature.
pub const SIGNATURE_HEADER: &str = "X-Caudal-Signature";
/// Header carrying the signed unix time, seconds.
pub const TIMESTAMP_HEADER: &str = "X-Caudal-Timestamp";
/// Header carrying the delivery id.
pub const DELIVERY_HEADER: &str = "X-Caudal-Delivery";
/// Header carrying the event kind.
pub const EVENT_HEADER: &str = "X-Caudal-Event";

/// One configured endpoint.
#[derive(Clone)]
pub struct WebhookEndpoint {
    /// Name subscriptions refer to.
    pub name: String,
    /// Where to POST.
    pub url: reqwest::Url,
    /// Shared secret for the signature.
    pub secret: Vec<u8>,
}

impl std::fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookEndpoint")
            .field("name", &self.name)
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

/// The `X-Caudal-Signature` value of a body sent at `timestamp_s`.
#[must_use]
pub fn signature(secret: &[u8], timestamp_s: i64, body: &[u8]) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, secret);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(timestamp_s.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("sha256={}", hex::encode(ctx.sign().as_ref()))
}

/// The JSON body of an envelope (see the module docs).
#[must_use]
pub fn body(envelope: &Envelope) -> Vec<u8> {
    let v = serde_json::json!({
        "delivery_id": envelope.delivery_id,
        "event": envelope.kind.as_str(),
        "severity": envelope.severity.as_str(),
        "time": rfc3339(envelope.event_time),
        "subject": envelope.subject,
        "text": envelope.text,
        "data": envelope.data,
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

/// POSTs signed messages to named endpoints.
#[derive(Clone, Debug)]
pub struct WebhookSender {
    client: reqwest::Client,
    endpoints: BTreeMap<String, WebhookEndpoint>,
}

impl WebhookSender {
    /// A sender for these endpoints.
    ///
    /// # Errors
    /// [`ChannelError::DuplicateEndpoint`], [`ChannelError::HttpClient`].
    pub fn new(
        endpoints: Vec<WebhookEndpoint>,
        timeout: Duration,
    ) -> Result<WebhookSender, ChannelError> {
        let mut map = BTreeMap::new();
        for e in endpoints {
            if map.contains_key(&e.name) {
                return Err(ChannelError::DuplicateEndpoint(e.name));
            }
            map.insert(e.name.clone(), e);
        }
        Ok(WebhookSender {
            client: http_client(timeout)?,
            endpoints: map,
        })
    }

    /// Send one envelope; its address is the endpoint's name.
    pub async fn send(&self, envelope: &Envelope, now: UtcMillis) -> DeliveryOutcome {
        let Some(endpoint) = self.endpoints.get(&envelope.address) else {
            return DeliveryOutcome::Permanent {
                error: format!("no webhook endpoint named `{}`", envelope.address),
            };
        };
        let body = body(envelope);
        let ts = now.0.div_euclid(1000);
        let request = self
            .client
            .post(endpoint.url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(DELIVERY_HEADER, envelope.delivery_id.to_string())
            .header(EVENT_HEADER, envelope.kind.as_str())
            .header(TIMESTAMP_HEADER, ts.to_string())
            .header(SIGNATURE_HEADER, signature(&endpoint.secret, ts, &body))
            .body(body);
        match request.send().await {
            Ok(resp) if resp.status().is_success() => DeliveryOutcome::Delivered {
                receipt: format!("HTTP {}", resp.status().as_u16()),
            },
            Ok(resp) => {
                let status = resp.status();
                let wait = retry_after_ms(resp.headers());
                let detail: String = resp
                    .text()
                    .await
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect();
                http_failure(status, wait, detail.trim())
            }
            Err(e) => transport_failure(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_an_independent_hmac() {
        // Python: hmac.new(b"s3cret", b'1700000000.{"id":1}', hashlib.sha256).hexdigest()
        assert_eq!(
            signature(b"s3cret", 1_700_000_000, br#"{"id":1}"#),
            "sha256=ee0658aa4e37018df69c24227df01e0f680eb3b87c7f1f9bd936e283cfe01d9b"
        );
    }
}
