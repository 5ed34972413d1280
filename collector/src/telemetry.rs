//! Metrics of the collector, rendered as Prometheus text at `/metrics`.
//!
//! Each metric name is a constant; each event is a method that counts it.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

/// Batches written (replays included).
pub const BATCHES_WRITTEN: &str = "caudal_store_batches_written_total";
/// Readings received in batches.
pub const READINGS_RECEIVED: &str = "caudal_store_readings_received_total";
/// Readings newly stored.
pub const READINGS_STORED: &str = "caudal_store_readings_stored_total";
/// Readings ignored because already stored.
pub const READINGS_DUPLICATE: &str = "caudal_store_readings_duplicate_total";
/// HTTP responses, by status class.
pub const HTTP_RESPONSES: &str = "caudal_http_responses_total";

/// Process-wide counters.
#[derive(Debug, Default)]
pub struct Metrics {
    batches: AtomicU64,
    received: AtomicU64,
    stored: AtomicU64,
    http: [AtomicU64; 5],
}

impl Metrics {
    /// A batch of `received` readings was committed, `stored` of them new.
    pub fn batch_written(&self, received: usize, stored: usize) {
        let received = u64::try_from(received).unwrap_or(u64::MAX);
        let stored = u64::try_from(stored).unwrap_or(u64::MAX);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.received.fetch_add(received, Ordering::Relaxed);
        self.stored.fetch_add(stored, Ordering::Relaxed);
        tracing::debug!(received, stored, "batch written");
    }

    /// An HTTP response with this status was sent.
    pub fn http_response(&self, status: u16) {
        let class = usize::from(status / 100).saturating_sub(1);
        if let Some(c) = self.http.get(class) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Prometheus text exposition format 0.0.4.
    #[must_use]
    pub fn render(&self) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let received = get(&self.received);
        let stored = get(&self.stored);
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            BATCHES_WRITTEN,
            "Batches committed, replays included.",
            get(&self.batches),
        );
        counter(READINGS_RECEIVED, "Readings received in batches.", received);
        counter(READINGS_STORED, "Readings newly stored.", stored);
        counter(
            READINGS_DUPLICATE,
            "Readings ignored as already stored.",
            received.saturating_sub(stored),
        );
        let _ = writeln!(
            out,
            "# HELP {HTTP_RESPONSES} HTTP responses by status class.\n# TYPE {HTTP_RESPONSES} counter"
        );
        for (i, c) in self.http.iter().enumerate() {
            let _ = writeln!(out, "{HTTP_RESPONSES}{{class=\"{}xx\"}} {}", i + 1, get(c));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters() {
        let m = Metrics::default();
        m.batch_written(10, 7);
        m.http_response(404);
        let text = m.render();
        assert!(
            text.contains("caudal_store_readings_duplicate_total 3"),
            "{text}"
        );
        assert!(
            text.contains("caudal_http_responses_total{class=\"4xx\"} 1"),
            "{text}"
        );
    }
}
