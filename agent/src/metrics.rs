//! Prometheus text exposition on a local port (`agent.metrics_listen`).
//!
//! [`Metrics`] is a set of atomics shared by the pollers and the writer;
//! [`app`] renders them at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use caudal_protocol::{Reason, UtcMillis};

use crate::acquire::ErrorKind;
use crate::telemetry::{self as t, reason_label};

/// Counters of one device.
#[derive(Debug, Default)]
pub struct DeviceMetrics {
    id: String,
    polls: AtomicU64,
    requests: AtomicU64,
    replies: AtomicU64,
    errors: [AtomicU64; 5],
    down: AtomicU64,
    last_poll_ms: AtomicU64,
}

impl DeviceMetrics {
    /// A poll happened at `time`.
    pub fn poll(&self, time: UtcMillis) {
        self.polls.fetch_add(1, Relaxed);
        self.last_poll_ms
            .store(u64::try_from(time.0).unwrap_or(0), Relaxed);
    }
    /// A request was sent.
    pub fn request(&self) {
        self.requests.fetch_add(1, Relaxed);
    }
    /// A reply arrived.
    pub fn reply(&self) {
        self.replies.fetch_add(1, Relaxed);
    }
    /// A request failed.
    pub fn error(&self, kind: ErrorKind) {
        let i = ErrorKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.errors[i].fetch_add(1, Relaxed);
    }
    /// Mark down/up.
    pub fn set_down(&self, down: bool) {
        self.down.store(u64::from(down), Relaxed);
    }
    /// Errors of `kind` so far.
    #[must_use]
    pub fn errors(&self, kind: ErrorKind) -> u64 {
        let i = ErrorKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.errors[i].load(Relaxed)
    }
    /// Replies so far.
    #[must_use]
    pub fn replies(&self) -> u64 {
        self.replies.load(Relaxed)
    }
}

/// All agent metrics.
#[derive(Debug, Default)]
pub struct Metrics {
    devices: Vec<DeviceMetrics>,
    fallback: DeviceMetrics,
    /// Readings committed.
    pub stored: AtomicU64,
    /// Readings refused (full outbox).
    pub refused: AtomicU64,
    /// Readings turned into tombstones.
    pub dropped: AtomicU64,
    /// Group commits.
    pub commits: AtomicU64,
    /// Counter resets.
    pub counter_resets: AtomicU64,
    /// Counter rollovers.
    pub counter_rollovers: AtomicU64,
    /// Backlog gauge.
    pub backlog: AtomicU64,
    /// Disk gauge.
    pub disk_bytes: AtomicU64,
    /// Full alarm gauge.
    pub full: AtomicU64,
    /// The sync task's counters (rendered after the acquisition ones).
    pub sync: Arc<crate::sync::SyncMetrics>,
    flags: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Metrics for the devices `ids` (by spec index).
    #[must_use]
    pub fn new(ids: impl IntoIterator<Item = String>) -> Metrics {
        Metrics {
            devices: ids
                .into_iter()
                .map(|id| DeviceMetrics {
                    id,
                    ..DeviceMetrics::default()
                })
                .collect(),
            ..Metrics::default()
        }
    }

    /// The metrics of device `index`.
    #[must_use]
    pub fn device(&self, index: usize) -> &DeviceMetrics {
        self.devices.get(index).unwrap_or(&self.fallback)
    }

    /// Count a quality flag.
    pub fn flag(&self, reason: Reason) {
        if let Ok(mut f) = self.flags.lock() {
            *f.entry(reason_label(reason)).or_default() += 1;
        }
    }

    /// Flags of `reason` so far.
    #[must_use]
    pub fn flags(&self, reason: Reason) -> u64 {
        self.flags
            .lock()
            .map_or(0, |f| f.get(reason_label(reason)).copied().unwrap_or(0))
    }

    /// Prometheus text format 0.0.4.
    #[must_use]
    pub fn render(&self) -> String {
        let mut s = String::with_capacity(4096);
        let mut family = |name: &str, kind: &str, help: &str| {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(t::POLLS_TOTAL, "counter", "Polls started.");
        family(t::REQUESTS_TOTAL, "counter", "Modbus requests sent.");
        family(t::REPLIES_TOTAL, "counter", "Modbus replies received.");
        family(
            t::ERRORS_TOTAL,
            "counter",
            "Failed Modbus requests by kind.",
        );
        family(
            t::DEVICE_DOWN,
            "gauge",
            "1 while the device is not answering.",
        );
        family(
            t::LAST_POLL_MS,
            "gauge",
            "Time of the last poll (ms since the Unix epoch).",
        );
        for d in &self.devices {
            let id = d.id.replace('\\', "\\\\").replace('"', "\\\"");
            let _ = writeln!(
                s,
                "{}{{device=\"{id}\"}} {}",
                t::POLLS_TOTAL,
                d.polls.load(Relaxed)
            );
            let _ = writeln!(
                s,
                "{}{{device=\"{id}\"}} {}",
                t::REQUESTS_TOTAL,
                d.requests.load(Relaxed)
            );
            let _ = writeln!(
                s,
                "{}{{device=\"{id}\"}} {}",
                t::REPLIES_TOTAL,
                d.replies.load(Relaxed)
            );
            for k in ErrorKind::ALL {
                let _ = writeln!(
                    s,
                    "{}{{device=\"{id}\",kind=\"{}\"}} {}",
                    t::ERRORS_TOTAL,
                    k.as_str(),
                    d.errors(k)
                );
            }
            let _ = writeln!(
                s,
                "{}{{device=\"{id}\"}} {}",
                t::DEVICE_DOWN,
                d.down.load(Relaxed)
            );
            let _ = writeln!(
                s,
                "{}{{device=\"{id}\"}} {}",
                t::LAST_POLL_MS,
                d.last_poll_ms.load(Relaxed)
            );
        }
        for (name, kind, help, v) in [
            (
                t::READINGS_STORED_TOTAL,
                "counter",
                "Readings committed to the outbox.",
                &self.stored,
            ),
            (
                t::READINGS_REFUSED_TOTAL,
                "counter",
                "Readings refused: outbox full.",
                &self.refused,
            ),
            (
                t::READINGS_DROPPED_TOTAL,
                "counter",
                "Readings dropped for the disk budget.",
                &self.dropped,
            ),
            (
                t::COMMITS_TOTAL,
                "counter",
                "Outbox group commits.",
                &self.commits,
            ),
            (
                t::COUNTER_RESETS_TOTAL,
                "counter",
                "Pulse counter resets.",
                &self.counter_resets,
            ),
            (
                t::COUNTER_ROLLOVERS_TOTAL,
                "counter",
                "Pulse counter rollovers.",
                &self.counter_rollovers,
            ),
            (
                t::OUTBOX_BACKLOG,
                "gauge",
                "Readings waiting for an ack.",
                &self.backlog,
            ),
            (
                t::OUTBOX_DISK_BYTES,
                "gauge",
                "Used bytes of the outbox.",
                &self.disk_bytes,
            ),
            (
                t::OUTBOX_FULL,
                "gauge",
                "1 while the outbox is at its disk budget (alarm).",
                &self.full,
            ),
        ] {
            let _ = writeln!(
                s,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                v.load(Relaxed)
            );
        }
        let _ = writeln!(
            s,
            "# HELP {0} Readings flagged by processing.\n# TYPE {0} counter",
            t::QUALITY_FLAGS_TOTAL
        );
        if let Ok(f) = self.flags.lock() {
            for (reason, n) in f.iter() {
                let _ = writeln!(s, "{}{{reason=\"{reason}\"}} {n}", t::QUALITY_FLAGS_TOTAL);
            }
        }
        s
    }
}

async fn render(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        m.render() + &m.sync.render(),
    )
}

/// The metrics router.
pub fn app(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(metrics)
}

/// Serve [`app`] on `listener` until `shutdown` completes.
///
/// # Errors
/// I/O errors of the listener.
pub async fn serve(
    listener: tokio::net::TcpListener,
    metrics: Arc<Metrics>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(metrics))
        .with_graceful_shutdown(shutdown)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_text() {
        let m = Metrics::new(["w1".to_owned()]);
        m.device(0).error(ErrorKind::Timeout);
        m.device(0).poll(UtcMillis(5));
        m.stored.fetch_add(7, Relaxed);
        m.flag(Reason::Stuck);
        let s = m.render();
        assert!(
            s.contains("caudal_agent_errors_total{device=\"w1\",kind=\"timeout\"} 1"),
            "{s}"
        );
        assert!(s.contains("caudal_agent_polls_total{device=\"w1\"} 1"));
        assert!(s.contains("caudal_agent_readings_stored_total 7"));
        assert!(s.contains("caudal_agent_quality_flags_total{reason=\"stuck\"} 1"));
        // Out-of-range device indexes do not panic.
        m.device(99).reply();
    }
}
