//! QUIC ingest: agents connect with mutual TLS (ALPN `caudal/1`), open one
//! bidirectional stream, and speak `Hello -> Welcome`, then
//! `Batch -> Ack` (see `caudal-protocol`).
//!
//! Per connection, a reader task decodes and checks frames ([`session`]) and
//! hands checked batches to the writer over a channel bounded by the
//! session's in-flight window; the writer commits each batch through
//! [`Store::write_batch`] and only then sends the `Ack`. A slow store
//! therefore fills the channel, the reader stops reading, QUIC flow control
//! stops the agent: memory stays bounded by `max_inflight_batches` and the
//! stream receive window. A protocol error is answered with a `Reject`
//! naming its reason, counted, and closes that session only.
//!
//! Invariant: an `Ack` is sent only after the transaction that stored every
//! seq it covers has committed.

pub mod session;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use caudal_protocol::frame::{PREFIX_LEN, decode_payload, payload_len};
use caudal_protocol::{Ack, Message, Reject, RejectReason, UtcMillis, encode_frame};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, debug, info, info_span, warn};

use crate::pki::{HandshakeRefusals, identity_of};
use caudal_collector_domain::agents::SessionFacts;
use caudal_collector_store::Store;
use session::{CheckedBatch, Session, message_name};

/// Counters of the ingest path, rendered on `/metrics`.
#[derive(Debug, Default)]
pub struct IngestMetrics {
    /// Certificates refused at the TLS handshake.
    pub refusals: Arc<HandshakeRefusals>,
    /// Connections that failed before a session started (handshake, ALPN).
    pub handshake_failures: AtomicU64,
    /// Connections refused because `max_sessions` were in use.
    pub sessions_refused: AtomicU64,
    /// Sessions open now.
    pub sessions_active: AtomicU64,
    /// Rejects sent, by reason.
    rejects: Mutex<BTreeMap<&'static str, u64>>,
    /// Per agent: batches and readings acknowledged, last ack.
    agents: Mutex<BTreeMap<String, AgentCounters>>,
}

/// Per-agent session counters.
#[derive(Debug, Default, Clone, Copy)]
pub struct AgentCounters {
    /// Sessions opened.
    pub sessions: u64,
    /// Batches committed and acknowledged.
    pub batches: u64,
    /// Readings received in those batches.
    pub readings: u64,
    /// Highest contiguous seq acknowledged in the current epoch.
    pub acked_seq: u64,
}

fn reason_name(r: RejectReason) -> &'static str {
    match r {
        RejectReason::UnsupportedVersion { .. } => "unsupported_version",
        RejectReason::Unauthorized => "unauthorized",
        RejectReason::Malformed => "malformed",
        RejectReason::FrameTooLarge => "frame_too_large",
        RejectReason::UnexpectedMessage => "unexpected_message",
        RejectReason::EpochMismatch => "epoch_mismatch",
        RejectReason::UnknownChannel => "unknown_channel",
        RejectReason::Overloaded => "overloaded",
        RejectReason::Internal => "internal",
        RejectReason::Other(_) => "other",
    }
}

impl IngestMetrics {
    fn rejected(&self, reason: RejectReason) {
        let mut m = self
            .rejects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *m.entry(reason_name(reason)).or_default() += 1;
    }

    fn agent(&self, id: &str, f: impl FnOnce(&mut AgentCounters)) {
        let mut m = self
            .agents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(m.entry(id.to_owned()).or_default());
    }

    /// Rejects sent with this reason name (e.g. `malformed`).
    #[must_use]
    pub fn rejects(&self, reason: &str) -> u64 {
        let m = self
            .rejects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.get(reason).copied().unwrap_or(0)
    }

    /// Counters of one agent.
    #[must_use]
    pub fn agent_counters(&self, id: &str) -> AgentCounters {
        let m = self
            .agents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.get(id).copied().unwrap_or_default()
    }

    /// Prometheus text exposition of the ingest counters.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        let g = |v: &AtomicU64| v.load(Ordering::Relaxed);
        let _ = writeln!(out, "# TYPE caudal_ingest_handshake_refused_total counter");
        let _ = writeln!(
            out,
            "caudal_ingest_handshake_refused_total{{reason=\"invalid\"}} {}",
            g(&self.refusals.invalid)
        );
        let _ = writeln!(
            out,
            "caudal_ingest_handshake_refused_total{{reason=\"revoked\"}} {}",
            g(&self.refusals.revoked)
        );
        let _ = writeln!(out, "# TYPE caudal_ingest_handshake_failures_total counter");
        let _ = writeln!(
            out,
            "caudal_ingest_handshake_failures_total {}",
            g(&self.handshake_failures)
        );
        let _ = writeln!(out, "# TYPE caudal_ingest_sessions_refused_total counter");
        let _ = writeln!(
            out,
            "caudal_ingest_sessions_refused_total {}",
            g(&self.sessions_refused)
        );
        let _ = writeln!(out, "# TYPE caudal_ingest_sessions_active gauge");
        let _ = writeln!(
            out,
            "caudal_ingest_sessions_active {}",
            g(&self.sessions_active)
        );
        let _ = writeln!(out, "# TYPE caudal_ingest_rejects_total counter");
        for (reason, n) in self
            .rejects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
        {
            let _ = writeln!(
                out,
                "caudal_ingest_rejects_total{{reason=\"{reason}\"}} {n}"
            );
        }
        let agents = self
            .agents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = writeln!(out, "# TYPE caudal_ingest_agent_readings_total counter");
        for (id, c) in agents.iter() {
            let _ = writeln!(
                out,
                "caudal_ingest_agent_readings_total{{agent=\"{id}\"}} {}",
                c.readings
            );
        }
        let _ = writeln!(out, "# TYPE caudal_ingest_agent_acked_seq gauge");
        for (id, c) in agents.iter() {
            let _ = writeln!(
                out,
                "caudal_ingest_agent_acked_seq{{agent=\"{id}\"}} {}",
                c.acked_seq
            );
        }
        out
    }
}

/// Everything a session needs.
#[derive(Debug, Clone)]
pub struct Ingest {
    /// Where batches go.
    pub store: Store,
    /// Limits.
    pub cfg: caudal_config::collector::Ingest,
    /// Counters.
    pub metrics: Arc<IngestMetrics>,
}

/// A QUIC endpoint for agents on `addr` with the given TLS config.
///
/// # Errors
/// Binding or TLS setup errors.
pub fn endpoint(addr: SocketAddr, tls: rustls::ServerConfig) -> anyhow::Result<quinn::Endpoint> {
    let crypto = quinn::crypto::rustls::QuicServerConfig::try_from(tls)?;
    let mut server = quinn::ServerConfig::with_crypto(Arc::new(crypto));
    let mut transport = quinn::TransportConfig::default();
    // Bound what one session may buffer before the writer catches up.
    transport.stream_receive_window(quinn::VarInt::from_u32(8 * 1024 * 1024));
    transport.receive_window(quinn::VarInt::from_u32(16 * 1024 * 1024));
    transport.max_concurrent_bidi_streams(quinn::VarInt::from_u32(4));
    transport.max_concurrent_uni_streams(quinn::VarInt::from_u32(0));
    transport.keep_alive_interval(Some(Duration::from_secs(10)));
    transport.max_idle_timeout(Some(quinn::IdleTimeout::try_from(Duration::from_secs(60))?));
    server.transport_config(Arc::new(transport));
    Ok(quinn::Endpoint::server(server, addr)?)
}

/// Serve agents until `shutdown`; then close every connection and wait for the endpoint to go idle.
///
/// # Errors
/// Never in normal operation; the signature leaves room for fatal endpoint errors.
pub async fn run(
    endpoint: quinn::Endpoint,
    ingest: Ingest,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let sessions = Arc::new(Semaphore::new(ingest.cfg.max_sessions.get()));
    let tracker = TaskTracker::new();
    info!(addr = %endpoint.local_addr()?, "QUIC ingest listening");
    loop {
        let incoming = tokio::select! {
            () = shutdown.cancelled() => break,
            i = endpoint.accept() => match i { Some(i) => i, None => break },
        };
        let Ok(permit) = sessions.clone().try_acquire_owned() else {
            ingest
                .metrics
                .sessions_refused
                .fetch_add(1, Ordering::Relaxed);
            warn!(remote = %incoming.remote_address(), "session limit reached: connection refused");
            incoming.refuse();
            continue;
        };
        let ingest = ingest.clone();
        let shutdown = shutdown.child_token();
        tracker.spawn(async move {
            connection(incoming, ingest, shutdown).await;
            drop(permit);
        });
    }
    endpoint.close(quinn::VarInt::from_u32(0), b"collector shutting down");
    tracker.close();
    let _ = tokio::time::timeout(Duration::from_secs(5), tracker.wait()).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), endpoint.wait_idle()).await;
    Ok(())
}

async fn connection(incoming: quinn::Incoming, ingest: Ingest, shutdown: CancellationToken) {
    let remote = incoming.remote_address();
    let conn = match incoming.await {
        Ok(c) => c,
        Err(e) => {
            ingest
                .metrics
                .handshake_failures
                .fetch_add(1, Ordering::Relaxed);
            warn!(%remote, error = %e, "agent connection failed at the handshake");
            return;
        }
    };
    let peer = conn
        .peer_identity()
        .and_then(|id| {
            id.downcast::<Vec<rustls::pki_types::CertificateDer<'static>>>()
                .ok()
        })
        .and_then(|certs| certs.first().and_then(identity_of));
    let Some((agent, _serial)) = peer else {
        ingest
            .metrics
            .handshake_failures
            .fetch_add(1, Ordering::Relaxed);
        warn!(%remote, "agent connection without a usable certificate");
        conn.close(quinn::VarInt::from_u32(1), b"no certificate");
        return;
    };
    ingest
        .metrics
        .sessions_active
        .fetch_add(1, Ordering::Relaxed);
    let span = info_span!("session", agent = %agent, %remote);
    async {
        loop {
            let stream = tokio::select! {
                () = shutdown.cancelled() => break,
                s = conn.accept_bi() => s,
            };
            match stream {
                Ok((send, recv)) => {
                    if let Err(e) =
                        serve_stream(send, recv, agent.clone(), &ingest, &shutdown).await
                    {
                        debug!(error = %e, "session stream ended");
                    }
                }
                Err(
                    quinn::ConnectionError::ApplicationClosed(_)
                    | quinn::ConnectionError::LocallyClosed,
                ) => break,
                Err(e) => {
                    debug!(error = %e, "connection ended");
                    break;
                }
            }
        }
        conn.close(quinn::VarInt::from_u32(0), b"bye");
    }
    .instrument(span)
    .await;
    ingest
        .metrics
        .sessions_active
        .fetch_sub(1, Ordering::Relaxed);
}

/// Why a stream stopped.
#[derive(Debug, thiserror::Error)]
enum StreamEnd {
    #[error("agent closed the stream")]
    Finished,
    #[error("rejected: {0:?}")]
    Rejected(RejectReason),
    #[error("read: {0}")]
    Read(#[from] quinn::ReadExactError),
    #[error("write: {0}")]
    Write(#[from] quinn::WriteError),
    #[error("shutting down")]
    Shutdown,
}

/// Read one frame; `Ok(None)` at a clean end of stream.
async fn read_message(
    recv: &mut quinn::RecvStream,
) -> Result<Option<Result<Message, Reject>>, StreamEnd> {
    let mut prefix = [0u8; PREFIX_LEN];
    match recv.read_exact(&mut prefix).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = match payload_len(prefix) {
        Ok(len) => len,
        Err(e) => {
            return Ok(Some(Err(Reject {
                reason: RejectReason::FrameTooLarge,
                detail: e.to_string(),
            })));
        }
    };
    let mut payload = vec![0u8; len];
    recv.read_exact(&mut payload).await?;
    Ok(Some(decode_payload(&payload).map_err(|e| Reject {
        reason: RejectReason::Malformed,
        detail: e.to_string(),
    })))
}

async fn send_message(send: &mut quinn::SendStream, msg: &Message) -> Result<(), StreamEnd> {
    let frame = encode_frame(msg).map_err(|_| StreamEnd::Rejected(RejectReason::Internal))?;
    send.write_all(&frame).await?;
    Ok(())
}

async fn refuse(send: &mut quinn::SendStream, ingest: &Ingest, reject: Reject) -> StreamEnd {
    ingest.metrics.rejected(reject.reason);
    warn!(reason = reason_name(reject.reason), detail = %reject.detail, "session rejected");
    let reason = reject.reason;
    let _ = send_message(send, &Message::Reject(reject)).await;
    let _ = send.finish();
    // Give the reject a moment to leave before the stream is dropped.
    let _ = tokio::time::timeout(Duration::from_secs(2), send.stopped()).await;
    StreamEnd::Rejected(reason)
}

async fn serve_stream(
    mut send: quinn::SendStream,
    mut recv: quinn::RecvStream,
    agent: String,
    ingest: &Ingest,
    shutdown: &CancellationToken,
) -> Result<(), StreamEnd> {
    let mut session = Session::new(agent.clone());
    // Handshake.
    let hello = match read_message(&mut recv).await? {
        None => return Err(StreamEnd::Finished),
        Some(Err(r)) => return Err(refuse(&mut send, ingest, r).await),
        Some(Ok(Message::Hello(h))) => h,
        Some(Ok(other)) => {
            let r = Reject {
                reason: RejectReason::UnexpectedMessage,
                detail: format!("expected Hello, got {}", message_name(&other)),
            };
            return Err(refuse(&mut send, ingest, r).await);
        }
    };
    let now = UtcMillis::now();
    let hello = match session.on_hello(hello) {
        Ok(h) => h.clone(),
        Err(r) => return Err(refuse(&mut send, ingest, r).await),
    };
    let resume = match ingest
        .store
        .upsert_agent_session(&agent, hello.epoch, &SessionFacts::from_hello(&hello, now))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            warn!(error = %e, "cannot record the session");
            return Err(refuse(
                &mut send,
                ingest,
                Reject {
                    reason: RejectReason::Internal,
                    detail: "storage unavailable; retry later".into(),
                },
            )
            .await);
        }
    };
    let welcome = session.welcome(resume, now, &ingest.cfg);
    info!(epoch = format_args!("{:016x}", hello.epoch.0), resume_after = resume.0, skew_ms = welcome.clock_skew_ms, software = %hello.software, "session open");
    ingest.metrics.agent(&agent, |c| {
        c.sessions += 1;
        c.acked_seq = resume.0;
    });
    send_message(&mut send, &Message::Welcome(welcome)).await?;

    // Reader -> bounded channel -> writer (this task).
    let window = usize::try_from(ingest.cfg.max_inflight_batches.get()).unwrap_or(8);
    let (tx, mut rx) = mpsc::channel::<Result<CheckedBatch, Reject>>(window);
    let max_readings = ingest.cfg.max_batch_readings.get();
    let reader_stop = shutdown.child_token();
    let reader = {
        let stop = reader_stop.clone();
        tokio::spawn(async move {
            loop {
                let msg = tokio::select! {
                    () = stop.cancelled() => return,
                    m = read_message(&mut recv) => m,
                };
                let item = match msg {
                    Ok(None) | Err(_) => return,
                    Ok(Some(Err(r))) => Err(r),
                    Ok(Some(Ok(Message::Batch(b)))) => session.on_batch(&b, max_readings),
                    Ok(Some(Ok(other))) => Err(Reject {
                        reason: RejectReason::UnexpectedMessage,
                        detail: format!("expected Batch, got {}", message_name(&other)),
                    }),
                };
                let fatal = item.is_err();
                if tx.send(item).await.is_err() || fatal {
                    return;
                }
            }
        })
    };
    let channels = hello.channels;
    let result = loop {
        let item = tokio::select! {
            () = shutdown.cancelled() => break Err(StreamEnd::Shutdown),
            i = rx.recv() => i,
        };
        let batch = match item {
            None => break Err(StreamEnd::Finished),
            Some(Err(r)) => break Err(refuse(&mut send, ingest, r).await),
            Some(Ok(b)) => b,
        };
        match ingest
            .store
            .write_batch(&agent, batch.epoch, &channels, &batch.readings)
            .await
        {
            Ok(up_to) => {
                let n = u64::try_from(batch.readings.len()).unwrap_or(u64::MAX);
                ingest.metrics.agent(&agent, |c| {
                    c.batches += 1;
                    c.readings += n;
                    c.acked_seq = up_to.0;
                });
                if let Err(e) = send_message(
                    &mut send,
                    &Message::Ack(Ack {
                        epoch: batch.epoch,
                        up_to_seq: up_to,
                    }),
                )
                .await
                {
                    break Err(e);
                }
            }
            Err(e) => {
                warn!(error = %e, "batch not stored");
                let reason = if e.kind() == caudal_collector_store::StoreErrorKind::Invalid {
                    RejectReason::Malformed
                } else {
                    RejectReason::Internal
                };
                break Err(refuse(
                    &mut send,
                    ingest,
                    Reject {
                        reason,
                        detail: e.to_string(),
                    },
                )
                .await);
            }
        }
    };
    reader_stop.cancel();
    let _ = reader.await;
    result
}
