//! The notification channel senders against real receivers on loopback:
//! e-mail to a real SMTP server (aiosmtpd, started by the test and read
//! back), webhooks to a receiver that verifies the HMAC, SMS and Telegram
//! to the stand-ins written from those services' API docs, and receivers
//! that are down for a while getting every message exactly once, with the
//! pure outbox rules driving the real senders on a virtual clock.
//!
//! The SMTP server is Python's aiosmtpd (`tests/support/smtp_sink.py`).
//! Install it with `python3 -m pip install aiosmtpd==1.4.6` (CI must run
//! that in `.ci/run` before the tests); `CAUDAL_TEST_PYTHON` overrides the
//! interpreter. Without it the e-mail tests fail, saying how to install it.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use caudal_collector::notify::channel::{
    Channel, Channels, DeliveryOutcome, Envelope, SmsSender, SmsSettings, SmtpSecurity, SmtpSender,
    SmtpSettings, TelegramSender, TelegramSettings, WebhookEndpoint, WebhookSender,
};
use caudal_collector_domain::notify::{
    AlarmFacts, ChannelKind, Claim, Coverage, Event, MergeDecision, OutboxRow, OutboxStatus,
    Payload, RateLimit, Recipient, RetryPolicy, Subscription, Target, after_attempt, claim, merge,
    route,
};
use caudal_collector_domain::{AlarmId, Lang, PointId, Severity, SiteId, UserId, UtcMillis, Zone};
use caudal_standins::{sms, telegram, webhook};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

const TIMEOUT: Duration = Duration::from_secs(20);

// ---------- helpers ----------

fn python() -> String {
    std::env::var("CAUDAL_TEST_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

fn require_aiosmtpd() {
    let ok = std::process::Command::new(python())
        .args(["-c", "import aiosmtpd"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the e-mail tests need a real SMTP server: install Python's aiosmtpd with \
         `python3 -m pip install aiosmtpd==1.4.6` (or `apt-get install python3-aiosmtpd`), \
         or point CAUDAL_TEST_PYTHON at an interpreter that has it"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running aiosmtpd; dropping it kills the process.
struct SmtpSink {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

enum SinkMode<'a> {
    Plain,
    StartTls(&'a Pki),
    Tls(&'a Pki),
}

impl SmtpSink {
    async fn start(port: u16, mode: SinkMode<'_>) -> SmtpSink {
        require_aiosmtpd();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_sink.py");
        let mut cmd = tokio::process::Command::new(python());
        cmd.arg(script).arg(port.to_string());
        match mode {
            SinkMode::Plain => {}
            SinkMode::StartTls(p) => {
                cmd.arg("--starttls").arg(&p.cert_path).arg(&p.key_path);
            }
            SinkMode::Tls(p) => {
                cmd.arg("--tls").arg(&p.cert_path).arg(&p.key_path);
            }
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start python3");
        let stdout = child.stdout.take().unwrap();
        let mut sink = SmtpSink {
            child,
            lines: BufReader::new(stdout).lines(),
        };
        let ready = sink.next().await;
        assert_eq!(ready["ready"], port, "{ready}");
        sink
    }

    async fn next(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(TIMEOUT, self.lines.next_line())
            .await
            .expect("the SMTP server said nothing in time")
            .unwrap()
            .expect("the SMTP server exited");
        serde_json::from_str(&line).unwrap()
    }

    /// Stop the server; returns any message it received and nobody read.
    async fn stop(mut self) -> Vec<serde_json::Value> {
        drop(self.child.stdin.take());
        let mut rest = Vec::new();
        while let Ok(Ok(Some(line))) = tokio::time::timeout(TIMEOUT, self.lines.next_line()).await {
            rest.push(serde_json::from_str(&line).unwrap());
        }
        let _ = tokio::time::timeout(TIMEOUT, self.child.wait()).await;
        rest
    }
}

/// A test CA and a server certificate for 127.0.0.1.
struct Pki {
    _dir: tempfile::TempDir,
    ca_pem: String,
    cert_path: std::path::PathBuf,
    key_path: std::path::PathBuf,
}

fn pki() -> Pki {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "caudal test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, &ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cert_path = dir.path().join("server.pem");
    let key_path = dir.path().join("server.key");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    Pki {
        _dir: dir,
        ca_pem: ca.pem(),
        cert_path,
        key_path,
    }
}

fn smtp(port: u16, security: SmtpSecurity, ca: Option<&str>) -> SmtpSender {
    SmtpSender::new(&SmtpSettings {
        host: "127.0.0.1".to_owned(),
        port,
        security,
        credentials: None,
        from: "Caudal <alertas@caudal.example>".to_owned(),
        extra_root_pem: ca.map(|c| c.as_bytes().to_vec()),
        timeout: Duration::from_secs(10),
    })
    .unwrap()
}

fn alarm_event(rule: &str, severity: Severity) -> Event {
    Event::new(
        Payload::AlarmRaised(AlarmFacts {
            alarm: AlarmId(42),
            rule: rule.to_owned(),
            site: "Fundo El Roble".to_owned(),
            point: Some("P-01".to_owned()),
            asset: None,
            severity,
            value: Some((3.2, "m".to_owned())),
            at: UtcMillis(1_781_197_200_000), // 2026-06-11 17:00 UTC
            link: Some("https://caudal.example/alarms/42".to_owned()),
        }),
        Some(SiteId(1)),
        Some(PointId(1)),
        UtcMillis(1_781_197_200_000),
    )
}

fn envelope(id: i64, address: &str, lang: Lang) -> Envelope {
    Envelope::render(
        id,
        &alarm_event("Nivel bajo", Severity::Critical),
        address,
        lang,
        Zone::SANTIAGO,
        0,
    )
}

/// A stand-in server that can be stopped (graceful: connections closed).
struct Running {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    join: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        self.join.await.unwrap().unwrap();
    }
}

fn shutdown_pair() -> (
    tokio::sync::oneshot::Sender<()>,
    impl Future<Output = ()> + Send + 'static,
) {
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    (tx, async move {
        let _ = rx.await;
    })
}

async fn run_webhook(listener: TcpListener, state: webhook::WebhookState) -> Running {
    let (tx, shutdown) = shutdown_pair();
    Running {
        stop: Some(tx),
        join: tokio::spawn(webhook::serve(listener, state, shutdown)),
    }
}

async fn run_sms(listener: TcpListener, state: sms::SmsState) -> Running {
    let (tx, shutdown) = shutdown_pair();
    Running {
        stop: Some(tx),
        join: tokio::spawn(sms::serve(listener, state, shutdown)),
    }
}

async fn run_telegram(listener: TcpListener, state: telegram::TelegramState) -> Running {
    let (tx, shutdown) = shutdown_pair();
    Running {
        stop: Some(tx),
        join: tokio::spawn(telegram::serve(listener, state, shutdown)),
    }
}

fn wall_now() -> UtcMillis {
    UtcMillis::now()
}

// ---------- e-mail ----------

#[tokio::test]
async fn email_is_delivered_over_starttls_to_a_real_smtp_server_and_read_back() {
    let pki = pki();
    let port = free_port();
    let mut sink = SmtpSink::start(port, SinkMode::StartTls(&pki)).await;
    let sender = smtp(port, SmtpSecurity::StartTls, Some(&pki.ca_pem));
    let env = envelope(7, "ana.perez@example.cl", Lang::Es);
    let now = UtcMillis(1_781_197_260_000);
    let outcome = sender.send(&env, now).await;
    assert_eq!(
        outcome,
        DeliveryOutcome::Delivered {
            receipt: "250 2.0.0 Ok: queued as CAUDAL1".to_owned()
        }
    );
    let got = sink.next().await;
    assert_eq!(got["tls"], true, "STARTTLS was used: {got}");
    assert_eq!(got["mail_from"], "alertas@caudal.example");
    assert_eq!(got["rcpt_tos"], serde_json::json!(["ana.perez@example.cl"]));
    assert_eq!(
        got["subject"],
        "[CRÍTICA] Alarma: Nivel bajo – P-01 (Fundo El Roble)"
    );
    assert_eq!(got["message_id"], "<caudal.7@caudal.example>");
    let text = got["text"].as_str().unwrap();
    assert!(text.contains("Valor: 3,20 m"), "{text}");
    assert!(
        text.contains("Hora: 11/06/2026 13:00 (America/Santiago)"),
        "{text}"
    );
    assert!(
        got["html"]
            .as_str()
            .unwrap()
            .contains("<th align=\"left\">Severidad</th>")
    );
    assert!(
        got["date"]
            .as_str()
            .unwrap()
            .contains("11 Jun 2026 17:01:00")
    );
    sink.stop().await;
}

#[tokio::test]
async fn email_is_delivered_over_implicit_tls_and_plain() {
    let pki = pki();
    let port = free_port();
    let mut tls = SmtpSink::start(port, SinkMode::Tls(&pki)).await;
    let sender = smtp(port, SmtpSecurity::Tls, Some(&pki.ca_pem));
    let out = sender
        .send(&envelope(1, "a@example.cl", Lang::En), wall_now())
        .await;
    assert!(matches!(out, DeliveryOutcome::Delivered { .. }), "{out:?}");
    let got = tls.next().await;
    assert_eq!(got["tls"], true);
    assert_eq!(
        got["subject"],
        "[CRITICAL] Alarm: Nivel bajo – P-01 (Fundo El Roble)"
    );
    tls.stop().await;

    let port = free_port();
    let mut plain = SmtpSink::start(port, SinkMode::Plain).await;
    let out = smtp(port, SmtpSecurity::Plain, None)
        .send(&envelope(2, "b@example.cl", Lang::Es), wall_now())
        .await;
    assert!(matches!(out, DeliveryOutcome::Delivered { .. }), "{out:?}");
    assert_eq!(plain.next().await["tls"], false);
    plain.stop().await;
}

#[tokio::test]
async fn email_security_is_never_downgraded_and_bad_addresses_are_permanent() {
    // A server without STARTTLS: a sender that requires it must not send in clear.
    let port = free_port();
    let plain = SmtpSink::start(port, SinkMode::Plain).await;
    let pki = pki();
    let out = smtp(port, SmtpSecurity::StartTls, Some(&pki.ca_pem))
        .send(&envelope(3, "c@example.cl", Lang::Es), wall_now())
        .await;
    assert!(matches!(out, DeliveryOutcome::Retryable { .. }), "{out:?}");
    // An untrusted certificate is refused too.
    plain.stop().await;
    let port = free_port();
    let tls = SmtpSink::start(port, SinkMode::Tls(&pki)).await;
    let out = smtp(port, SmtpSecurity::Tls, None)
        .send(&envelope(4, "c@example.cl", Lang::Es), wall_now())
        .await;
    assert!(matches!(out, DeliveryOutcome::Retryable { .. }), "{out:?}");
    let out = smtp(port, SmtpSecurity::Tls, Some(&pki.ca_pem))
        .send(&envelope(5, "not an address", Lang::Es), wall_now())
        .await;
    assert!(
        matches!(&out, DeliveryOutcome::Permanent { error } if error.starts_with("invalid e-mail address `not an address`")),
        "{out:?}"
    );
    tls.stop().await;
}

#[tokio::test]
async fn an_smtp_server_that_is_down_is_a_retryable_failure() {
    let port = free_port();
    let out = smtp(port, SmtpSecurity::Plain, None)
        .send(&envelope(1, "a@example.cl", Lang::Es), wall_now())
        .await;
    assert!(matches!(out, DeliveryOutcome::Retryable { .. }), "{out:?}");
}

// ---------- webhook ----------

#[tokio::test]
async fn webhooks_are_signed_and_the_receiver_verifies_the_hmac() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks/caudal", listener.local_addr().unwrap());
    let state = webhook::WebhookState::new(b"shared-secret");
    let server = run_webhook(listener, state.clone()).await;
    let endpoint = |name: &str, secret: &[u8]| WebhookEndpoint {
        name: name.to_owned(),
        url: url.parse().unwrap(),
        secret: secret.to_vec(),
    };
    let sender = WebhookSender::new(
        vec![
            endpoint("scada", b"shared-secret"),
            endpoint("impostor", b"wrong"),
        ],
        Duration::from_secs(5),
    )
    .unwrap();
    let now = wall_now();
    let out = sender.send(&envelope(11, "scada", Lang::Es), now).await;
    assert_eq!(
        out,
        DeliveryOutcome::Delivered {
            receipt: "HTTP 204".to_owned()
        }
    );
    let d = state.deliveries();
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].delivery_id.as_deref(), Some("11"));
    assert_eq!(d[0].event.as_deref(), Some("alarm_raised"));
    assert_eq!(d[0].path, "/hooks/caudal");
    assert_eq!(d[0].body["delivery_id"], 11);
    assert_eq!(d[0].body["severity"], "critical");
    assert_eq!(d[0].body["time"], "2026-06-11T17:00:00.000Z");
    assert_eq!(d[0].body["data"]["alarm_id"], 42);
    assert_eq!(d[0].body["data"]["value"], 3.2);

    // A wrong secret is refused: permanent, nothing recorded.
    let out = sender.send(&envelope(12, "impostor", Lang::Es), now).await;
    assert!(
        matches!(&out, DeliveryOutcome::Permanent { error } if error.contains("401")),
        "{out:?}"
    );
    // A stale timestamp (a replay ten minutes late) is refused.
    let out = sender
        .send(&envelope(13, "scada", Lang::Es), UtcMillis(now.0 - 600_000))
        .await;
    assert!(matches!(out, DeliveryOutcome::Permanent { .. }), "{out:?}");
    assert_eq!(
        state
            .rejected()
            .iter()
            .map(|(_, why)| why.as_str())
            .collect::<Vec<_>>(),
        vec!["signature does not match", "stale timestamp"]
    );
    assert_eq!(state.deliveries().len(), 1);

    // A receiver's 503 is retryable; an unknown endpoint is permanent.
    state.fail_next(1, axum::http::StatusCode::SERVICE_UNAVAILABLE);
    let out = sender.send(&envelope(14, "scada", Lang::Es), now).await;
    assert!(matches!(out, DeliveryOutcome::Retryable { .. }), "{out:?}");
    let out = sender.send(&envelope(15, "nobody", Lang::Es), now).await;
    assert_eq!(
        out,
        DeliveryOutcome::Permanent {
            error: "no webhook endpoint named `nobody`".to_owned()
        }
    );
    server.stop().await;
}

// ---------- SMS ----------

#[tokio::test]
async fn sms_reaches_the_gateway_stand_in_and_its_errors_are_classified() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = sms::SmsState::new("AC0123", "tok");
    let server = run_sms(listener, state.clone()).await;
    let settings = |token: &str| SmsSettings {
        base_url: base.clone(),
        account_sid: "AC0123".to_owned(),
        auth_token: token.to_owned(),
        from: "+56950000000".to_owned(),
        timeout: Duration::from_secs(5),
    };
    let sender = SmsSender::new(settings("tok")).unwrap();
    let env = envelope(21, "+56912345678", Lang::Es);
    let out = sender.send(&env).await;
    assert_eq!(
        out,
        DeliveryOutcome::Delivered {
            receipt: "SM00000000000000000000000000000001".to_owned()
        }
    );
    let sent = state.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, "+56912345678");
    assert_eq!(sent[0].from, "+56950000000");
    assert_eq!(sent[0].body, env.short);

    let out = sender.send(&envelope(22, "912345678", Lang::Es)).await;
    assert_eq!(
        out,
        DeliveryOutcome::Permanent {
            error: "HTTP 400 Bad Request: code 21211: The 'To' number 912345678 is not a valid phone number.".to_owned()
        }
    );
    let out = SmsSender::new(settings("bad")).unwrap().send(&env).await;
    assert!(
        matches!(&out, DeliveryOutcome::Permanent { error } if error.contains("code 20003")),
        "{out:?}"
    );
    state.inject(&[
        sms::SmsFault::TooManyRequests { retry_after_s: 7 },
        sms::SmsFault::Unavailable,
    ]);
    let out = sender.send(&env).await;
    assert!(
        matches!(
            out,
            DeliveryOutcome::Retryable {
                retry_after_ms: Some(7_000),
                ..
            }
        ),
        "{out:?}"
    );
    let out = sender.send(&env).await;
    assert!(matches!(out, DeliveryOutcome::Retryable { .. }), "{out:?}");
    assert_eq!(state.sent().len(), 1);
    server.stop().await;
}

// ---------- Telegram ----------

#[tokio::test]
async fn telegram_reaches_the_bot_api_stand_in_and_handles_ok_false() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = telegram::TelegramState::new("123456:SECRET");
    state.add_chat("555");
    state.block_chat("666");
    let server = run_telegram(listener, state.clone()).await;
    let sender = |token: &str| {
        TelegramSender::new(&TelegramSettings {
            base_url: base.clone(),
            bot_token: token.to_owned(),
            timeout: Duration::from_secs(5),
        })
        .unwrap()
    };
    let bot = sender("123456:SECRET");
    let env = envelope(31, "555", Lang::Es);
    assert_eq!(
        bot.send(&env).await,
        DeliveryOutcome::Delivered {
            receipt: "1".to_owned()
        }
    );
    let sent = state.sent();
    assert_eq!(sent[0].chat_id, "555");
    assert!(sent[0].text.starts_with(
        "[CRÍTICA] Alarma: Nivel bajo – P-01 (Fundo El Roble)\n\nAlarma activada: Nivel bajo\n"
    ));

    assert_eq!(
        bot.send(&envelope(32, "777", Lang::Es)).await,
        DeliveryOutcome::Permanent {
            error: "Telegram error 400: Bad Request: chat not found".to_owned()
        }
    );
    assert_eq!(
        bot.send(&envelope(33, "666", Lang::Es)).await,
        DeliveryOutcome::Permanent {
            error: "Telegram error 403: Forbidden: bot was blocked by the user".to_owned()
        }
    );
    state.flood(3);
    assert_eq!(
        bot.send(&env).await,
        DeliveryOutcome::Retryable {
            error: "Telegram error 429: Too Many Requests: retry after 3".to_owned(),
            retry_after_ms: Some(3_000)
        }
    );
    let out = sender("123456:WRONG").send(&env).await;
    assert_eq!(
        out,
        DeliveryOutcome::Permanent {
            error: "Telegram error 401: Unauthorized".to_owned()
        }
    );
    server.stop().await;
    // Down: retryable, and the token never shows in the error.
    let out = bot.send(&env).await;
    match out {
        DeliveryOutcome::Retryable { error, .. } => assert!(!error.contains("SECRET"), "{error}"),
        other => panic!("{other:?}"),
    }
}

// ---------- receivers down for a while: every message exactly once ----------

/// The outbox as a plain Vec, driven by the pure rules, with the real senders.
struct Outbox {
    rows: Vec<OutboxRow>,
    envelopes: BTreeMap<i64, (Event, Lang)>,
    recent: BTreeMap<(ChannelKind, String), Vec<UtcMillis>>,
    policy: RetryPolicy,
    limit: RateLimit,
}

impl Outbox {
    fn enqueue(
        &mut self,
        event: &Event,
        subs: &[Subscription],
        people: &[Recipient],
        now: UtcMillis,
    ) {
        let routing = route(event, subs, people, now);
        assert!(routing.unroutable.is_empty(), "{:?}", routing.unroutable);
        for p in routing.planned {
            let key = event.merge_key();
            let same: Vec<OutboxRow> = self
                .rows
                .iter()
                .filter(|r| {
                    r.user == Some(p.user)
                        && r.channel == p.target.channel()
                        && r.address == p.address
                        && r.merge_key == key
                })
                .cloned()
                .collect();
            match merge(&same, now, &self.policy) {
                MergeDecision::New => {
                    let id = i64::try_from(self.rows.len()).unwrap() + 1;
                    self.rows.push(OutboxRow::enqueue(id, &p, event, now));
                    self.envelopes.insert(id, (event.clone(), p.lang));
                }
                MergeDecision::IntoPending(id) => {
                    self.rows.iter_mut().find(|r| r.id == id).unwrap().merged += 1;
                }
                MergeDecision::Suppressed(_) => {}
            }
        }
    }

    /// One pass at `now`: claim and send every due row.
    async fn pass(&mut self, channels: &Channels, now: UtcMillis) {
        for i in 0..self.rows.len() {
            let row = self.rows[i].clone();
            let key = (row.channel, row.address.clone());
            let recent = self.recent.get(&key).cloned().unwrap_or_default();
            let claimed = match claim(&row, now, &recent, &self.limit, &self.policy) {
                Claim::Send(c) => c,
                Claim::Deferred(d) => {
                    self.rows[i] = d;
                    continue;
                }
                Claim::NotDue => continue,
            };
            let (event, lang) = &self.envelopes[&row.id];
            let env = Envelope::render(
                row.id,
                event,
                &row.address,
                *lang,
                Zone::SANTIAGO,
                row.merged,
            );
            let outcome = channels.send(row.channel, &env, now).await;
            if matches!(outcome, DeliveryOutcome::Delivered { .. }) {
                self.recent.entry(key).or_default().push(now);
            }
            self.rows[i] = after_attempt(&claimed, &outcome, now, &self.policy);
        }
    }

    fn next_due(&self) -> Option<UtcMillis> {
        self.rows
            .iter()
            .filter(|r| r.status == OutboxStatus::Pending)
            .map(|r| r.next_attempt_at)
            .min()
    }
}

#[tokio::test]
async fn receivers_that_are_down_for_a_while_get_every_message_exactly_once() {
    require_aiosmtpd();
    // Every receiver's port is reserved, then closed: down.
    let smtp_port = free_port();
    let web_addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let sms_addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));
    let tg_addr = std::net::SocketAddr::from(([127, 0, 0, 1], free_port()));

    let channels = Channels::new(vec![
        Channel::Smtp(smtp(smtp_port, SmtpSecurity::Plain, None)),
        Channel::Webhook(
            WebhookSender::new(
                vec![WebhookEndpoint {
                    name: "scada".to_owned(),
                    url: format!("http://{web_addr}/in").parse().unwrap(),
                    secret: b"k".to_vec(),
                }],
                Duration::from_secs(5),
            )
            .unwrap(),
        ),
        Channel::Sms(
            SmsSender::new(SmsSettings {
                base_url: format!("http://{sms_addr}"),
                account_sid: "AC1".to_owned(),
                auth_token: "t".to_owned(),
                from: "+56950000000".to_owned(),
                timeout: Duration::from_secs(5),
            })
            .unwrap(),
        ),
        Channel::Telegram(
            TelegramSender::new(&TelegramSettings {
                base_url: format!("http://{tg_addr}"),
                bot_token: "1:T".to_owned(),
                timeout: Duration::from_secs(5),
            })
            .unwrap(),
        ),
    ]);

    let user = UserId(1);
    let people = vec![Recipient {
        user,
        active: true,
        lang: Lang::Es,
        zone: Zone::SANTIAGO,
        email: Some("ana@example.cl".to_owned()),
        phone: Some("+56912345678".to_owned()),
        telegram_chat_id: Some("555".to_owned()),
        quiet: None,
        coverage: Coverage::All,
    }];
    let subs: Vec<Subscription> = [
        Target::Email,
        Target::Sms,
        Target::Telegram,
        Target::Webhook {
            endpoint: "scada".to_owned(),
        },
    ]
    .into_iter()
    .map(|t| Subscription::everything(user, t))
    .collect();

    // Virtual clock: real wall time at the start (the webhook receiver's
    // clock follows it), moving only when the test says so.
    let t0 = wall_now();
    let mut outbox = Outbox {
        rows: Vec::new(),
        envelopes: BTreeMap::new(),
        recent: BTreeMap::new(),
        policy: RetryPolicy::default(),
        limit: RateLimit::default(),
    };
    let rules = [
        "Nivel bajo",
        "Caudal sobre derecho",
        "Bomba detenida",
        "Sin datos",
    ];
    for (k, rule) in rules.iter().enumerate() {
        let now = UtcMillis(t0.0 + i64::try_from(k).unwrap() * 1_000);
        outbox.enqueue(&alarm_event(rule, Severity::Major), &subs, &people, now);
    }
    // The first alarm flaps: an identical message merges into the pending row.
    outbox.enqueue(
        &alarm_event(rules[0], Severity::Major),
        &subs,
        &people,
        UtcMillis(t0.0 + 5_000),
    );
    assert_eq!(outbox.rows.len(), 16, "4 messages x 4 channels");

    let recover_at = UtcMillis(t0.0 + 5 * 60_000);
    let web = webhook::WebhookState::new(b"k");
    let sms_state = sms::SmsState::new("AC1", "t");
    let tg = telegram::TelegramState::new("1:T");
    tg.add_chat("555");
    let mut servers: Vec<Running> = Vec::new();
    let mut sink: Option<SmtpSink> = None;
    let mut now = UtcMillis(t0.0 + 5_000);
    let mut passes = 0;
    while let Some(due) = outbox.next_due() {
        passes += 1;
        assert!(passes < 100, "the outbox does not drain");
        now = std::cmp::max(now, due);
        if now >= recover_at && servers.is_empty() {
            servers
                .push(run_webhook(TcpListener::bind(web_addr).await.unwrap(), web.clone()).await);
            servers.push(
                run_sms(
                    TcpListener::bind(sms_addr).await.unwrap(),
                    sms_state.clone(),
                )
                .await,
            );
            servers.push(run_telegram(TcpListener::bind(tg_addr).await.unwrap(), tg.clone()).await);
            sink = Some(SmtpSink::start(smtp_port, SinkMode::Plain).await);
        }
        web.set_now(Some(now.0 / 1000));
        outbox.pass(&channels, now).await;
    }

    // Every row delivered, after failing while the receivers were down.
    for r in &outbox.rows {
        assert_eq!(r.status, OutboxStatus::Sent, "{r:?}");
        assert!(r.attempts >= 2, "row {} was never refused: {r:?}", r.id);
        assert!(r.sent_at.unwrap() >= recover_at);
    }
    // Each receiver got each message exactly once.
    let mut hooks: Vec<String> = web
        .deliveries()
        .iter()
        .map(|d| d.delivery_id.clone().unwrap())
        .collect();
    hooks.sort();
    let expected_hooks: Vec<String> = outbox
        .rows
        .iter()
        .filter(|r| r.channel == ChannelKind::Webhook)
        .map(|r| r.id.to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(hooks, expected_hooks);
    let mut sms_bodies: Vec<String> = sms_state.sent().into_iter().map(|s| s.body).collect();
    sms_bodies.sort();
    sms_bodies.dedup();
    assert_eq!(sms_state.sent().len(), 4);
    assert_eq!(sms_bodies.len(), 4);
    assert_eq!(tg.sent().len(), 4);
    let mut sink = sink.unwrap();
    let mut ids = Vec::new();
    for _ in 0..4 {
        let m = sink.next().await;
        ids.push(m["message_id"].as_str().unwrap().to_owned());
        if m["subject"].as_str().unwrap().contains("Nivel bajo") {
            assert!(
                m["text"].as_str().unwrap().contains("Repetido 1 veces más"),
                "{m}"
            );
        }
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 4, "four distinct e-mails");
    assert_eq!(
        sink.stop().await,
        Vec::<serde_json::Value>::new(),
        "no fifth e-mail"
    );
    for s in servers {
        s.stop().await;
    }
    let telegram_first = &tg.sent()[0].text;
    assert!(
        telegram_first.contains("Repetido 1 veces más"),
        "{telegram_first}"
    );
}
