//! E-mail over SMTP (lettre, rustls on ring).
//!
//! Security ([`SmtpSecurity`]):
//! - `StartTls` (port 587): plain connection upgraded with `STARTTLS`, which
//!   is **required**: a server that does not offer it fails the send (no
//!   silent fallback to plaintext);
//! - `Tls` (port 465): TLS from the first byte ("implicit TLS", RFC 8314);
//! - `Plain` (port 25 on a trusted relay, or a loopback test server): no TLS.
//!
//! Server certificates are checked against the Mozilla roots (webpki-roots)
//! plus any `extra_root_pem` (a private relay's CA). Credentials, when set,
//! use `AUTH PLAIN`/`LOGIN` as the server offers.
//!
//! Each message is `multipart/alternative` (plain text and HTML), with
//! `Message-ID: <caudal.<delivery id>@<sender domain>>`, stable across
//! retries so a receiving system can spot a resend, and `Date` from the
//! injected clock. The receipt is the server's reply to `DATA`
//! (e.g. `250 2.0.0 Ok: queued as 4Qx...`).
//!
//! Outcomes: a 5xx reply (permanent negative completion, RFC 5321 §4.2.1)
//! or an address that does not parse is permanent; a 4xx reply, a timeout,
//! a TLS or connection failure is retryable.

use std::time::{Duration, UNIX_EPOCH};

use caudal_collector_domain::UtcMillis;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{ChannelError, DeliveryOutcome, Envelope};

/// How the connection is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// STARTTLS, required.
    StartTls,
    /// Implicit TLS.
    Tls,
    /// No TLS.
    Plain,
}

/// SMTP settings.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    /// Server host name (also the TLS server name).
    pub host: String,
    /// Port: 587 for STARTTLS, 465 for TLS, 25 for plain, by convention.
    pub port: u16,
    /// Connection security.
    pub security: SmtpSecurity,
    /// User name and password, if the server needs them.
    pub credentials: Option<(String, String)>,
    /// Sender mailbox, e.g. `Caudal <alertas@example.cl>`.
    pub from: String,
    /// PEM of an extra CA to trust (a private relay).
    pub extra_root_pem: Option<Vec<u8>>,
    /// Deadline of each SMTP command.
    pub timeout: Duration,
}

/// Sends e-mail through one SMTP server. Clones share the connection pool.
#[derive(Clone)]
pub struct SmtpSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    domain: String,
}

impl std::fmt::Debug for SmtpSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl SmtpSender {
    /// Build a sender (no connection is made until the first send).
    ///
    /// # Errors
    /// [`ChannelError::InvalidFrom`], [`ChannelError::InvalidCertificate`].
    pub fn new(settings: &SmtpSettings) -> Result<SmtpSender, ChannelError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(
                |e: lettre::address::AddressError| ChannelError::InvalidFrom {
                    address: settings.from.clone(),
                    reason: e.to_string(),
                },
            )?;
        let tls_params = || -> Result<TlsParameters, ChannelError> {
            let cert_err = |e: lettre::transport::smtp::Error| ChannelError::InvalidCertificate {
                host: settings.host.clone(),
                reason: e.to_string(),
            };
            let mut b = TlsParameters::builder(settings.host.clone())
                .certificate_store(CertificateStore::WebpkiRoots);
            if let Some(pem) = &settings.extra_root_pem {
                b = b.add_root_certificate(Certificate::from_pem(pem).map_err(cert_err)?);
            }
            b.build().map_err(cert_err)
        };
        let tls = match settings.security {
            SmtpSecurity::StartTls => Tls::Required(tls_params()?),
            SmtpSecurity::Tls => Tls::Wrapper(tls_params()?),
            SmtpSecurity::Plain => Tls::None,
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            .port(settings.port)
            .tls(tls)
            .timeout(Some(settings.timeout));
        if let Some((user, pass)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), pass.clone()));
        }
        let domain = from.email.domain().to_owned();
        Ok(SmtpSender {
            transport: builder.build(),
            from,
            domain,
        })
    }

    /// The `Message-ID` of a delivery.
    #[must_use]
    pub fn message_id(&self, delivery_id: i64) -> String {
        format!("<caudal.{delivery_id}@{}>", self.domain)
    }

    /// Send one envelope to its address.
    pub async fn send(&self, envelope: &Envelope, now: UtcMillis) -> DeliveryOutcome {
        let to: Mailbox = match envelope.address.parse() {
            Ok(m) => m,
            Err(e) => {
                return DeliveryOutcome::Permanent {
                    error: format!("invalid e-mail address `{}`: {e}", envelope.address),
                };
            }
        };
        let date = UNIX_EPOCH + Duration::from_millis(u64::try_from(now.0).unwrap_or(0));
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(envelope.subject.clone())
            .message_id(Some(self.message_id(envelope.delivery_id)))
            .date(date)
            .multipart(MultiPart::alternative_plain_html(
                envelope.text.clone(),
                envelope.html.clone(),
            ));
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                return DeliveryOutcome::Permanent {
                    error: format!("cannot build the message: {e}"),
                };
            }
        };
        match self.transport.send(message).await {
            Ok(response) => DeliveryOutcome::Delivered {
                receipt: format!(
                    "{} {}",
                    response.code(),
                    response.message().collect::<Vec<_>>().join(" ")
                )
                .trim()
                .to_owned(),
            },
            Err(e) if e.is_permanent() => DeliveryOutcome::Permanent {
                error: format!("SMTP: {e}"),
            },
            Err(e) => DeliveryOutcome::Retryable {
                error: format!("SMTP: {}", chain(&e)),
                retry_after_ms: None,
            },
        }
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg
}
