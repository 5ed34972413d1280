//! Every metric of the collector, defined once, and the one writer of
//! `/metrics` (Prometheus text format 0.0.4 through [`caudal_metrics`]).
//!
//! Families: the store's write path and pools (`caudal_store_*`), the HTTP
//! API (`caudal_http_*`: responses by class, latency by route), the PKI's
//! revocation list (`caudal_pki_*`), the process (`process_*`), then the QUIC
//! ingest's own families (`caudal_ingest_*`, rendered by `ingest`). Every
//! family has `# HELP` and `# TYPE`; a test runs the whole page through
//! `promtool check metrics`.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use caudal_collector_store::Store;
use caudal_metrics::{Def, Exposition, Histogram, LATENCY_BUCKETS};

/// Batches committed.
pub const BATCHES_WRITTEN: Def = Def::counter(
    "caudal_store_batches_written_total",
    "Agent batches committed to the store, replays included.",
);
/// Readings received.
pub const READINGS_RECEIVED: Def = Def::counter(
    "caudal_store_readings_received_total",
    "Readings received in committed batches.",
);
/// Readings newly stored.
pub const READINGS_STORED: Def = Def::counter(
    "caudal_store_readings_stored_total",
    "Readings newly stored (not seen before).",
);
/// Readings ignored as duplicates.
pub const READINGS_DUPLICATE: Def = Def::counter(
    "caudal_store_readings_duplicate_total",
    "Readings ignored because their (agent, epoch, seq) was stored already.",
);
/// Batch transaction latency.
pub const BATCH_SECONDS: Def = Def::histogram(
    "caudal_store_batch_write_seconds",
    "Time to commit one agent batch, in seconds.",
);
/// Reads refused on corrupt stored values.
pub const CORRUPT_VALUES: Def = Def::counter(
    "caudal_store_corrupt_values_total",
    "Reads that failed because a stored value could not be parsed, by table and column.",
);
/// Open database connections.
pub const POOL_CONNECTIONS: Def = Def::gauge(
    "caudal_store_pool_connections",
    "Database connections open in the store's pools.",
);
/// Idle database connections.
pub const POOL_IDLE: Def = Def::gauge(
    "caudal_store_pool_idle_connections",
    "Database connections open and idle in the store's pools.",
);
/// Which backend.
pub const STORE_INFO: Def = Def::gauge(
    "caudal_store_info",
    "Always 1; the backend label names the database in use.",
);
/// HTTP responses by class.
pub const HTTP_RESPONSES: Def = Def::counter(
    "caudal_http_responses_total",
    "HTTP responses sent, by status class.",
);
/// HTTP latency.
pub const HTTP_SECONDS: Def = Def::histogram(
    "caudal_http_request_duration_seconds",
    "Time from request to response head, in seconds, by method and route template.",
);

/// Every family this module writes (the ingest's are its own).
pub const ALL: &[Def] = &[
    BATCHES_WRITTEN,
    READINGS_RECEIVED,
    READINGS_STORED,
    READINGS_DUPLICATE,
    BATCH_SECONDS,
    CORRUPT_VALUES,
    POOL_CONNECTIONS,
    POOL_IDLE,
    STORE_INFO,
    HTTP_RESPONSES,
    HTTP_SECONDS,
];

/// `(method, route template)` of a request; unmatched requests share one route.
type RouteKey = (String, String);

/// Counters of the HTTP API.
#[derive(Debug, Default)]
pub struct HttpStats {
    responses: [AtomicU64; 5],
    latency: Mutex<BTreeMap<RouteKey, Histogram>>,
}

/// Route label of requests that matched no route (never the raw path: it is
/// unbounded and attacker-chosen).
pub const UNMATCHED_ROUTE: &str = "unmatched";

impl HttpStats {
    /// A response with `status` was sent for `method route` after `seconds`.
    pub fn response(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let class = usize::from(status / 100).saturating_sub(1);
        if let Some(c) = self.responses.get(class) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        let mut m = self
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.entry((method.to_owned(), route.to_owned()))
            .or_insert_with(|| Histogram::new(LATENCY_BUCKETS))
            .observe(seconds);
    }

    /// Responses of class `n`xx so far.
    #[must_use]
    pub fn responses(&self, n: usize) -> u64 {
        self.responses
            .get(n.saturating_sub(1))
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

/// The whole `/metrics` page.
#[must_use]
pub fn render(store: &Store, http: &HttpStats, ingest: &crate::ingest::IngestMetrics) -> String {
    let mut exp = Exposition::new();
    let s = store.stats();
    exp.single(&BATCHES_WRITTEN, s.batches());
    exp.single(&READINGS_RECEIVED, s.readings_received());
    exp.single(&READINGS_STORED, s.readings_stored());
    exp.single(&READINGS_DUPLICATE, s.readings_duplicate());
    exp.family(&BATCH_SECONDS).histogram(&[], &s.batch_seconds);
    {
        let mut f = exp.family(&CORRUPT_VALUES);
        for ((table, column), n) in s.corrupt_values() {
            f.sample(&[("table", table), ("column", column)], n);
        }
    }
    let (open, idle) = store.pool_connections();
    exp.single(&POOL_CONNECTIONS, u64::from(open));
    exp.single(&POOL_IDLE, u64::from(idle));
    exp.family(&STORE_INFO)
        .sample(&[("backend", store.backend())], 1u64);
    {
        let mut f = exp.family(&HTTP_RESPONSES);
        for (i, c) in http.responses.iter().enumerate() {
            let class = format!("{}xx", i + 1);
            f.sample(&[("class", &class)], c.load(Ordering::Relaxed));
        }
    }
    {
        let m = http
            .latency
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut f = exp.family(&HTTP_SECONDS);
        for ((method, route), h) in m.iter() {
            f.histogram(&[("method", method), ("route", route)], h);
        }
    }
    caudal_metrics::process(&mut exp);
    exp.finish() + &ingest.render()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_family_follows_the_naming_rules() {
        caudal_metrics::check_all(ALL).unwrap();
    }
}
