//! What the store counts. The collector's `telemetry.rs` defines the metric
//! families and renders these values on `/metrics`; the store only counts.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use caudal_metrics::{Histogram, LATENCY_BUCKETS};

/// Counters of one store (shared by its clones).
#[derive(Debug)]
pub struct StoreStats {
    batches: AtomicU64,
    received: AtomicU64,
    stored: AtomicU64,
    /// Seconds per committed batch transaction.
    pub batch_seconds: Histogram,
    corrupt: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl Default for StoreStats {
    fn default() -> StoreStats {
        StoreStats {
            batches: AtomicU64::new(0),
            received: AtomicU64::new(0),
            stored: AtomicU64::new(0),
            batch_seconds: Histogram::new(LATENCY_BUCKETS),
            corrupt: Mutex::default(),
        }
    }
}

impl StoreStats {
    /// A batch of `received` readings was committed in `seconds`, `stored` of them new.
    pub fn batch_written(&self, received: usize, stored: usize, seconds: f64) {
        let received = u64::try_from(received).unwrap_or(u64::MAX);
        let stored = u64::try_from(stored).unwrap_or(u64::MAX);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.received.fetch_add(received, Ordering::Relaxed);
        self.stored.fetch_add(stored, Ordering::Relaxed);
        self.batch_seconds.observe(seconds);
        tracing::debug!(received, stored, "batch written");
    }

    /// Batches committed, replays included.
    #[must_use]
    pub fn batches(&self) -> u64 {
        self.batches.load(Ordering::Relaxed)
    }

    /// Readings received in committed batches.
    #[must_use]
    pub fn readings_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Readings newly stored.
    #[must_use]
    pub fn readings_stored(&self) -> u64 {
        self.stored.load(Ordering::Relaxed)
    }

    /// Readings ignored because they were stored already.
    #[must_use]
    pub fn readings_duplicate(&self) -> u64 {
        self.readings_received()
            .saturating_sub(self.readings_stored())
    }

    /// Count and log a read that failed on corrupt stored data (any other
    /// error is left to the caller).
    pub fn note(&self, e: &crate::StoreError) {
        if let crate::StoreError::Corrupt {
            table,
            column,
            value,
        } = e
        {
            tracing::error!(
                table,
                column,
                value,
                "stored data cannot be read: fix or remove the row"
            );
            let mut m = self
                .corrupt
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            *m.entry((table, column)).or_default() += 1;
        }
    }

    /// Reads refused on corrupt data so far, by `(table, column)`.
    #[must_use]
    pub fn corrupt_values(&self) -> Vec<((&'static str, &'static str), u64)> {
        let m = self
            .corrupt
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        m.iter().map(|(k, v)| (*k, *v)).collect()
    }
}
