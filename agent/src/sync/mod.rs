//! Store-and-forward sync to the collector over QUIC.
//!
//! The sync task owns a second handle on the outbox (SQLite WAL: its reads
//! never block the acquisition writer). It connects with mutual TLS, sends
//! `Hello` (epoch, channel catalog, config digest, clock), resumes after the
//! seq the `Welcome` names, then streams batches read from the outbox with
//! at most `inflight_batches` unacknowledged ([`session::SyncSession`]). Each
//! `Ack` prunes the outbox up to its seq: the prune rule is "delete rows with
//! `seq <= ack.up_to_seq` of the acked epoch", so a reading leaves the
//! gateway only once the collector has committed it. While the collector is
//! unreachable the task waits with capped exponential backoff and full
//! jitter; acquisition never waits for sync.

pub mod session;
pub mod tls;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use caudal_config::agent::{AgentConfig, CollectorLink};
use caudal_protocol::column::encode_batch;
use caudal_protocol::frame::{PREFIX_LEN, decode_payload, payload_len};
use caudal_protocol::{ChannelId, Coding, Message, Reject, Seq, UtcMillis, encode_frame};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::outbox::{Outbox, OutboxConfig};
use session::{SessionConfig, SessionError, SyncSession};

/// How often the session looks for new readings when idle.
pub const IDLE_TICK: Duration = Duration::from_millis(100);
/// Deadline of a connection attempt.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Reconnect when an in-flight batch stays unacknowledged this long.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(30);
/// First and largest reconnect delay.
pub const BACKOFF: (Duration, Duration) = (Duration::from_millis(200), Duration::from_secs(30));

/// Sync counters, rendered on the agent's `/metrics`.
#[derive(Debug, Default)]
pub struct SyncMetrics {
    /// Connection attempts.
    pub connects: AtomicU64,
    /// Sessions that reached `Welcome`.
    pub sessions: AtomicU64,
    /// 1 while a session streams.
    pub connected: AtomicU64,
    /// Batches sent.
    pub batches_sent: AtomicU64,
    /// Readings sent (including resends after reconnects).
    pub readings_sent: AtomicU64,
    /// Frame bytes sent.
    pub frame_bytes_sent: AtomicU64,
    /// UDP payload bytes sent by QUIC (all overhead included), summed over sessions.
    pub udp_bytes_sent: AtomicU64,
    /// Highest seq acknowledged.
    pub acked_seq: AtomicU64,
    /// Rejects received.
    pub rejects: AtomicU64,
}

impl SyncMetrics {
    /// Prometheus text exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, kind, v) in [
            (
                "caudal_agent_sync_connects_total",
                "counter",
                &self.connects,
            ),
            (
                "caudal_agent_sync_sessions_total",
                "counter",
                &self.sessions,
            ),
            ("caudal_agent_sync_connected", "gauge", &self.connected),
            (
                "caudal_agent_sync_batches_sent_total",
                "counter",
                &self.batches_sent,
            ),
            (
                "caudal_agent_sync_readings_sent_total",
                "counter",
                &self.readings_sent,
            ),
            (
                "caudal_agent_sync_frame_bytes_sent_total",
                "counter",
                &self.frame_bytes_sent,
            ),
            (
                "caudal_agent_sync_udp_bytes_sent_total",
                "counter",
                &self.udp_bytes_sent,
            ),
            ("caudal_agent_sync_acked_seq", "gauge", &self.acked_seq),
            ("caudal_agent_sync_rejects_total", "counter", &self.rejects),
        ] {
            out.push_str(&format!(
                "# TYPE {name} {kind}\n{name} {}\n",
                v.load(Relaxed)
            ));
        }
        out
    }
}

/// Why a session ended.
#[derive(Debug, thiserror::Error)]
enum SessionEnd {
    #[error("shutting down")]
    Shutdown,
    #[error("collector rejected the session: {0:?}: {1}")]
    Rejected(caudal_protocol::RejectReason, String),
    #[error(transparent)]
    Protocol(#[from] SessionError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// Capped exponential backoff with full jitter.
#[derive(Debug)]
struct Backoff {
    attempt: u32,
}

impl Backoff {
    fn next(&mut self) -> Duration {
        let (base, cap) = BACKOFF;
        let exp = base.saturating_mul(1u32.checked_shl(self.attempt).unwrap_or(u32::MAX));
        self.attempt = std::cmp::min(self.attempt + 1, 16);
        let ceiling = std::cmp::min(exp, cap);
        let ms = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(std::cmp::max(
            base.as_millis().try_into().unwrap_or(1),
            rand::random_range(0..=ms),
        ))
    }
}

/// The sync settings of an agent config.
fn session_config(link: &CollectorLink) -> SessionConfig {
    SessionConfig {
        max_batch: link.batch_readings.get(),
        window: link.inflight_batches.get(),
        linger_ms: i64::try_from(link.batch_linger_ms.get()).unwrap_or(i64::MAX),
        ack_timeout_ms: i64::try_from(ACK_TIMEOUT.as_millis()).unwrap_or(i64::MAX),
    }
}

/// SHA-256 of the effective configuration, as sent in `Hello`.
#[must_use]
pub fn config_digest(cfg: &AgentConfig) -> [u8; 32] {
    use sha2::Digest as _;
    let json = serde_json::to_vec(cfg).unwrap_or_default();
    sha2::Sha256::digest(&json).into()
}

/// Run sync until `shutdown`. Returns at once when the config has no `[collector]`.
///
/// # Errors
/// Unusable TLS material or outbox; network trouble is retried, never returned.
pub async fn run(
    cfg: &AgentConfig,
    metrics: Arc<SyncMetrics>,
    shutdown: CancellationToken,
) -> anyhow::Result<()> {
    let Some(link) = cfg.collector.clone() else {
        tracing::info!("no [collector] in the config: readings stay in the outbox");
        return Ok(());
    };
    let client = tls::client_config(&link)?;
    let outbox =
        Outbox::open(&cfg.agent.data_dir, &OutboxConfig::from(&cfg.agent)).with_context(|| {
            format!(
                "opening the outbox in {} for sync",
                cfg.agent.data_dir.display()
            )
        })?;
    let outbox = Arc::new(Mutex::new(outbox));
    let agent_id = cfg.agent.id.get_ref().clone();
    let digest = config_digest(cfg);
    let mut endpoints: HashMap<bool, quinn::Endpoint> = HashMap::new();
    let mut backoff = Backoff { attempt: 0 };
    loop {
        if shutdown.is_cancelled() {
            break;
        }
        metrics.connects.fetch_add(1, Relaxed);
        let ctx = Ctx {
            link: &link,
            agent_id: &agent_id,
            digest,
            outbox: &outbox,
            metrics: &metrics,
            shutdown: &shutdown,
        };
        let end = session_once(&ctx, &client, &mut endpoints, &mut backoff).await;
        metrics.connected.store(0, Relaxed);
        match end {
            SessionEnd::Shutdown => break,
            SessionEnd::Rejected(reason, detail) => {
                metrics.rejects.fetch_add(1, Relaxed);
                tracing::error!(?reason, %detail, "collector rejected the session");
            }
            other => tracing::warn!(error = %other, "sync session ended"),
        }
        let delay = backoff.next();
        tracing::info!(
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            "reconnecting to the collector"
        );
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = tokio::time::sleep(delay) => {}
        }
    }
    for ep in endpoints.values() {
        ep.close(quinn::VarInt::from_u32(0), b"agent shutting down");
        let _ = tokio::time::timeout(Duration::from_secs(3), ep.wait_idle()).await;
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    outbox: &Arc<Mutex<Outbox>>,
    f: impl FnOnce(&mut Outbox) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let outbox = Arc::clone(outbox);
    tokio::task::spawn_blocking(move || {
        let mut guard = outbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    })
    .await?
}

async fn read_message(recv: &mut quinn::RecvStream) -> anyhow::Result<Option<Message>> {
    let mut prefix = [0u8; PREFIX_LEN];
    match recv.read_exact(&mut prefix).await {
        Ok(()) => {}
        Err(quinn::ReadExactError::FinishedEarly(0)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = payload_len(prefix)?;
    let mut payload = vec![0u8; len];
    recv.read_exact(&mut payload).await?;
    Ok(Some(decode_payload(&payload)?))
}

/// What every step of a session needs.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    link: &'a CollectorLink,
    agent_id: &'a str,
    digest: [u8; 32],
    outbox: &'a Arc<Mutex<Outbox>>,
    metrics: &'a SyncMetrics,
    shutdown: &'a CancellationToken,
}

async fn session_once(
    ctx: &Ctx<'_>,
    client: &quinn::ClientConfig,
    endpoints: &mut HashMap<bool, quinn::Endpoint>,
    backoff: &mut Backoff,
) -> SessionEnd {
    let Ctx { link, shutdown, .. } = *ctx;
    let addr: SocketAddr = match tokio::net::lookup_host(&link.address)
        .await
        .map(|mut a| a.next())
    {
        Ok(Some(a)) => a,
        Ok(None) => {
            return SessionEnd::Other(anyhow::anyhow!("{} resolves to no address", link.address));
        }
        Err(e) => return SessionEnd::Other(anyhow::anyhow!("resolving {}: {e}", link.address)),
    };
    let endpoint = match endpoints.entry(addr.is_ipv6()) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            let bind: SocketAddr = if addr.is_ipv6() {
                "[::]:0".parse().unwrap_or(addr)
            } else {
                SocketAddr::from(([0, 0, 0, 0], 0))
            };
            match quinn::Endpoint::client(bind) {
                Ok(mut ep) => {
                    ep.set_default_client_config(client.clone());
                    v.insert(ep)
                }
                Err(e) => return SessionEnd::Other(anyhow::anyhow!("binding a UDP socket: {e}")),
            }
        }
    };
    let result = tokio::select! {
        () = shutdown.cancelled() => return SessionEnd::Shutdown,
        r = stream(ctx, endpoint, addr, backoff) => r,
    };
    match result {
        Ok(()) => SessionEnd::Shutdown,
        Err(e) => e,
    }
}

async fn stream(
    ctx: &Ctx<'_>,
    endpoint: &quinn::Endpoint,
    addr: SocketAddr,
    backoff: &mut Backoff,
) -> Result<(), SessionEnd> {
    let Ctx { link, metrics, .. } = *ctx;
    let connecting = endpoint
        .connect(addr, &link.server_name)
        .map_err(|e| anyhow::anyhow!("connecting to {addr}: {e}"))?;
    let conn = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
        .await
        .map_err(|_| anyhow::anyhow!("no answer from {addr} within {CONNECT_TIMEOUT:?}"))?
        .map_err(|e| anyhow::anyhow!("handshake with {addr}: {e}"))?;
    let result = streaming(ctx, &conn, backoff).await;
    let stats = conn.stats();
    metrics
        .udp_bytes_sent
        .fetch_add(stats.udp_tx.bytes, Relaxed);
    let reason: &[u8] = if matches!(result, Err(SessionEnd::Shutdown)) {
        b"agent shutting down"
    } else {
        b"session ended"
    };
    conn.close(quinn::VarInt::from_u32(0), reason);
    result
}

async fn streaming(
    ctx: &Ctx<'_>,
    conn: &quinn::Connection,
    backoff: &mut Backoff,
) -> Result<(), SessionEnd> {
    let Ctx {
        link,
        agent_id,
        digest,
        outbox,
        metrics,
        shutdown,
    } = *ctx;
    let (mut send, mut recv) = conn.open_bi().await.map_err(anyhow::Error::from)?;
    let (epoch, channels, local_acked, last) = blocking(outbox, |o| {
        o.refresh()?;
        let (first, last) = o.backlog();
        Ok((o.epoch(), o.channels()?, Seq(first.0 - 1), last))
    })
    .await?;
    let codings: HashMap<ChannelId, Coding> = channels.iter().map(|c| (c.id, c.coding)).collect();
    let mut session = SyncSession::new(epoch, session_config(link));
    let hello = session.hello(agent_id, channels, digest, UtcMillis::now());
    send.write_all(&encode_frame(&Message::Hello(hello)).map_err(anyhow::Error::from)?)
        .await
        .map_err(anyhow::Error::from)?;
    let welcome = match read_message(&mut recv).await? {
        Some(Message::Welcome(w)) => w,
        Some(Message::Reject(Reject { reason, detail })) => {
            return Err(SessionEnd::Rejected(reason, detail));
        }
        Some(_) => return Err(SessionError::Unexpected("message before Welcome").into()),
        None => return Err(anyhow::anyhow!("collector closed the stream before Welcome").into()),
    };
    let resume = session.on_welcome(&welcome, local_acked, last)?;
    if resume > local_acked {
        // The collector already holds these (an ack lost with the last connection).
        blocking(outbox, move |o| Ok(o.ack(epoch, resume)?)).await?;
    }
    *backoff = Backoff { attempt: 0 };
    metrics.sessions.fetch_add(1, Relaxed);
    metrics.connected.store(1, Relaxed);
    metrics.acked_seq.store(resume.0, Relaxed);
    tracing::info!(
        resume_after = resume.0,
        last = last.0,
        skew_ms = welcome.clock_skew_ms,
        "sync session streaming"
    );

    // Acks arrive on their own task so sending never waits on reading.
    let (tx, mut rx) = mpsc::channel::<anyhow::Result<Option<Message>>>(64);
    let reader = tokio::spawn(async move {
        loop {
            let m = read_message(&mut recv).await;
            let end = !matches!(m, Ok(Some(_)));
            if tx.send(m).await.is_err() || end {
                return;
            }
        }
    });
    let result = loop {
        let now = UtcMillis::now();
        let last = match blocking(outbox, |o| {
            o.refresh()?;
            Ok(o.backlog().1)
        })
        .await
        {
            Ok(l) => l,
            Err(e) => break Err(e.into()),
        };
        // Fill the window.
        let mut failed = None;
        while let Some((after, max)) = session.poll_batch(last, now) {
            let readings = match blocking(outbox, move |o| Ok(o.read_after(after, max)?)).await {
                Ok(r) => r,
                Err(e) => {
                    failed = Some(SessionEnd::Other(e));
                    break;
                }
            };
            let Some(first) = readings.first() else { break };
            if first.seq != after.next() {
                failed = Some(
                    anyhow::anyhow!("outbox returned seq {} after {}", first.seq.0, after.0).into(),
                );
                break;
            }
            let batch = match encode_batch(epoch, &readings, |c| codings.get(&c).copied()) {
                Ok(b) => b,
                Err(e) => {
                    failed = Some(anyhow::anyhow!("encoding a batch: {e}").into());
                    break;
                }
            };
            let last_seq = batch.last_seq();
            let frame = match encode_frame(&Message::Batch(batch)) {
                Ok(f) => f,
                Err(e) => {
                    failed = Some(anyhow::anyhow!("framing a batch: {e}").into());
                    break;
                }
            };
            if let Err(e) = send.write_all(&frame).await {
                failed = Some(anyhow::anyhow!("sending a batch: {e}").into());
                break;
            }
            session.on_sent(last_seq, now);
            metrics.batches_sent.fetch_add(1, Relaxed);
            metrics
                .readings_sent
                .fetch_add(u64::try_from(readings.len()).unwrap_or(0), Relaxed);
            metrics
                .frame_bytes_sent
                .fetch_add(u64::try_from(frame.len()).unwrap_or(0), Relaxed);
        }
        if let Some(f) = failed {
            break Err(f);
        }
        let wait = session.poll_timeout().map_or(IDLE_TICK, |d| {
            std::cmp::min(
                Duration::from_millis(u64::try_from(d.0.saturating_sub(now.0)).unwrap_or(0)),
                IDLE_TICK,
            )
        });
        tokio::select! {
            () = shutdown.cancelled() => {
                let _ = send.finish();
                break Err(SessionEnd::Shutdown);
            }
            m = rx.recv() => match m {
                Some(Ok(Some(Message::Ack(ack)))) => {
                    match session.on_ack(ack, UtcMillis::now()) {
                        Ok(Some(up_to)) => {
                            if let Err(e) = blocking(outbox, move |o| Ok(o.ack(epoch, up_to)?)).await {
                                break Err(e.into());
                            }
                            metrics.acked_seq.store(up_to.0, Relaxed);
                        }
                        Ok(None) => {}
                        Err(e) => break Err(e.into()),
                    }
                }
                Some(Ok(Some(Message::Reject(Reject { reason, detail })))) => break Err(SessionEnd::Rejected(reason, detail)),
                Some(Ok(Some(_))) => break Err(SessionError::Unexpected("message while streaming").into()),
                Some(Ok(None)) | None => break Err(anyhow::anyhow!("collector closed the stream").into()),
                Some(Err(e)) => break Err(e.context("reading from the collector").into()),
            },
            () = tokio::time::sleep(wait) => {
                if let Err(e) = session.handle_timeout(UtcMillis::now()) {
                    break Err(e.into());
                }
            }
        }
    };
    reader.abort();
    result
}
