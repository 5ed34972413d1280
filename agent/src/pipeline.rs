//! Wiring: pollers → bounded queue → writer thread (process + outbox) under one shutdown tree.
//!
//! Each [`Line`](crate::acquire::Line) is a task on a [`TaskTracker`]. They
//! send [`PollReport`]s over a bounded queue ([`QUEUE_CAPACITY`]; a full
//! queue makes the pollers wait: `Block`, nothing is dropped in memory). One
//! writer thread owns the [`Outbox`] and the [`Processor`]: it takes a
//! report, lingers up to [`COMMIT_LINGER`] for more (at most
//! [`MAX_GROUP`] reports), processes them and commits them in one
//! transaction (group commit). On shutdown the pollers stop between
//! transactions, the queue closes, and the writer commits what is queued
//! and exits.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use anyhow::Context as _;
use caudal_config::agent::AgentConfig;
use caudal_protocol::Reason;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::acquire::{self, PollReport};
use crate::metrics::{self, Metrics};
use crate::outbox::{DeviceStatus, Outbox, OutboxConfig};
use crate::process::{Event, Processor, Record};
use crate::spec::AgentSpec;
use crate::telemetry;

/// Poll reports queued between the pollers and the writer.
pub const QUEUE_CAPACITY: usize = 1024;
/// How long the writer waits for more reports before committing.
pub const COMMIT_LINGER: Duration = Duration::from_millis(50);
/// Most reports in one commit.
pub const MAX_GROUP: usize = 512;

/// What a started agent tells its caller.
#[derive(Debug, Clone)]
pub struct Ready {
    /// Where metrics are served, if enabled.
    pub metrics_addr: Option<SocketAddr>,
    /// The live metrics.
    pub metrics: Arc<Metrics>,
    /// The sync task's metrics (idle when the config has no `[collector]`).
    pub sync: Arc<crate::sync::SyncMetrics>,
}

/// Open the outbox and resolve the config against it.
///
/// # Errors
/// Outbox errors.
pub fn open(cfg: &AgentConfig) -> anyhow::Result<(Outbox, AgentSpec)> {
    let mut outbox = Outbox::open(&cfg.agent.data_dir, &OutboxConfig::from(&cfg.agent))
        .with_context(|| format!("opening the outbox in {}", cfg.agent.data_dir.display()))?;
    let spec = AgentSpec::build(cfg, |def| outbox.register_channel(def))
        .context("registering channels")?;
    Ok((outbox, spec))
}

/// Run the agent until `shutdown` is cancelled.
///
/// # Errors
/// Startup failures (outbox, metrics listener) and a failed writer.
pub async fn run(
    cfg: &AgentConfig,
    shutdown: CancellationToken,
    ready: Option<oneshot::Sender<Ready>>,
) -> anyhow::Result<()> {
    let (outbox, spec) = open(cfg)?;
    let states = outbox.counter_states()?;
    let processor = Processor::new(&spec, &states);
    let metrics = Arc::new(Metrics::new(spec.devices.iter().map(|d| d.id.clone())));
    metrics.backlog.store(outbox.backlog_len(), Relaxed);
    metrics.disk_bytes.store(outbox.used_bytes(), Relaxed);
    tracing::info!(epoch = %format!("{:#018x}", outbox.epoch().0), devices = spec.devices.len(), backlog = outbox.backlog_len(), "agent starting");

    let tracker = TaskTracker::new();
    let mut metrics_addr = None;
    if let Some(addr) = cfg.agent.metrics_listen {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics listener on {addr}"))?;
        metrics_addr = Some(listener.local_addr()?);
        let (m, s) = (Arc::clone(&metrics), shutdown.clone());
        tracker.spawn(async move {
            if let Err(e) = metrics::serve(listener, m, async move { s.cancelled().await }).await {
                tracing::error!(error = %e, "metrics server failed");
            }
        });
    }

    // Sync reads the outbox through a handle of its own (opened after the
    // channels are registered) and never blocks acquisition.
    let sync_metrics = Arc::clone(&metrics.sync);
    if let Some(link) = &cfg.collector {
        crate::sync::tls::client_config(link).context("collector TLS material")?;
        let (c, m, s) = (cfg.clone(), Arc::clone(&sync_metrics), shutdown.clone());
        tracker.spawn(async move {
            if let Err(e) = crate::sync::run(&c, m, s).await {
                tracing::error!(error = %e, "sync stopped; readings stay in the outbox");
            }
        });
    }

    let (tx, rx) = mpsc::channel::<PollReport>(QUEUE_CAPACITY);
    let handle = tokio::runtime::Handle::current();
    let writer_metrics = Arc::clone(&metrics);
    let budget = cfg.agent.disk_budget_bytes.get();
    let writer = std::thread::Builder::new()
        .name("outbox-writer".to_owned())
        .spawn(move || writer(outbox, processor, rx, &writer_metrics, &handle, budget))?;

    for line in acquire::lines(&spec.devices, &metrics) {
        let (tx, s) = (tx.clone(), shutdown.clone());
        tracker.spawn(async move {
            let ids = line.device_ids();
            if let Err(e) = line.run(tx, s).await {
                tracing::error!(devices = ?ids, error = %e, "poller failed");
            }
        });
    }
    drop(tx);
    tracker.close();
    if let Some(ready) = ready {
        let _ = ready.send(Ready {
            metrics_addr,
            metrics: Arc::clone(&metrics),
            sync: Arc::clone(&sync_metrics),
        });
    }
    tracker.wait().await;
    let result = tokio::task::spawn_blocking(move || writer.join()).await?;
    match result {
        Ok(r) => r.context("outbox writer")?,
        Err(_) => anyhow::bail!("outbox writer panicked"),
    }
    tracing::info!("agent stopped");
    Ok(())
}

fn writer(
    mut outbox: Outbox,
    mut processor: Processor,
    mut rx: mpsc::Receiver<PollReport>,
    metrics: &Metrics,
    handle: &tokio::runtime::Handle,
    budget: u64,
) -> anyhow::Result<()> {
    let mut reports: Vec<PollReport> = Vec::with_capacity(MAX_GROUP);
    let mut records: Vec<Record> = Vec::new();
    let mut events: Vec<Event> = Vec::new();
    let mut last_flag: HashMap<String, Reason> = HashMap::new();
    let mut was_full = outbox.is_full();
    loop {
        let Some(first) = rx.blocking_recv() else {
            return Ok(());
        };
        reports.push(first);
        let deadline = tokio::time::Instant::now() + COMMIT_LINGER;
        while reports.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => reports.push(r),
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {
                    match handle
                        .block_on(async { tokio::time::timeout_at(deadline, rx.recv()).await })
                    {
                        Ok(Some(r)) => reports.push(r),
                        Ok(None) | Err(_) => break,
                    }
                }
            }
        }
        let mut devices: HashMap<&str, DeviceStatus> = HashMap::new();
        for r in &reports {
            processor.on_poll(&r.poll, &mut records, &mut events);
            let d = devices
                .entry(r.device_id.as_str())
                .or_insert_with(|| DeviceStatus {
                    id: r.device_id.clone(),
                    last_poll: r.poll.time,
                    last_ok: None,
                    polls: 0,
                    errors: 0,
                    last_error: None,
                });
            d.last_poll = r.poll.time;
            d.polls += 1;
            d.errors += r.errors;
            if r.answered {
                d.last_ok = Some(r.poll.time);
            }
            if r.last_error.is_some() {
                d.last_error.clone_from(&r.last_error);
            }
        }
        for e in events.drain(..) {
            match e {
                Event::CounterReset {
                    channel,
                    last_raw,
                    raw,
                } => {
                    metrics.counter_resets.fetch_add(1, Relaxed);
                    metrics.flag(Reason::CounterReset);
                    telemetry::CounterReset {
                        channel: &channel,
                        last_raw,
                        raw,
                    }
                    .emit();
                }
                Event::CounterRollover { .. } => {
                    metrics.counter_rollovers.fetch_add(1, Relaxed);
                }
                Event::Flagged {
                    channel,
                    reason,
                    value,
                } => {
                    metrics.flag(reason);
                    if last_flag.get(&channel) != Some(&reason) {
                        telemetry::QualityFlagged {
                            channel: &channel,
                            reason,
                            value,
                        }
                        .emit();
                        last_flag.insert(channel, reason);
                    }
                }
            }
        }
        let statuses: Vec<DeviceStatus> = devices.into_values().collect();
        match outbox.append(&records, &statuses) {
            Ok(a) => {
                let stored = records.len() - a.refused.len();
                metrics
                    .stored
                    .fetch_add(u64::try_from(stored).unwrap_or(0), Relaxed);
                metrics
                    .refused
                    .fetch_add(u64::try_from(a.refused.len()).unwrap_or(0), Relaxed);
                metrics.dropped.fetch_add(a.dropped, Relaxed);
                metrics.commits.fetch_add(1, Relaxed);
                metrics.full.store(u64::from(a.full), Relaxed);
                if a.full && (!was_full || !a.refused.is_empty() || a.dropped > 0) {
                    telemetry::OutboxFull {
                        used_bytes: outbox.used_bytes(),
                        budget_bytes: budget,
                        refused: u64::try_from(a.refused.len()).unwrap_or(0),
                        dropped: a.dropped,
                    }
                    .emit();
                }
                was_full = a.full;
            }
            Err(e) => {
                telemetry::OutboxWriteFailed {
                    readings: records.len(),
                    error: &e,
                }
                .emit();
            }
        }
        // The sync task acks through its own handle: re-read its watermark.
        if let Err(e) = outbox.refresh() {
            tracing::warn!(error = %e, "cannot refresh the outbox watermarks");
        }
        metrics.backlog.store(outbox.backlog_len(), Relaxed);
        metrics.disk_bytes.store(outbox.used_bytes(), Relaxed);
        records.clear();
        reports.clear();
    }
}
