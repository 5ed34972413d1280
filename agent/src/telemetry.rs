//! Every log event and metric name of the agent, each defined once.
//!
//! Events are structs with `emit()`; fields first, message last; errors in
//! a field called `error` (Display). ERROR means data loss or operator action.

use caudal_protocol::Reason;

use crate::acquire::ErrorKind;

/// Polls started, by device.
pub const POLLS_TOTAL: &str = "caudal_agent_polls_total";
/// Modbus requests sent, by device.
pub const REQUESTS_TOTAL: &str = "caudal_agent_requests_total";
/// Replies received (values or exceptions), by device.
pub const REPLIES_TOTAL: &str = "caudal_agent_replies_total";
/// Failed requests, by device and kind (`timeout`, `exception`, `transport`, `garbled`, `connect`).
pub const ERRORS_TOTAL: &str = "caudal_agent_errors_total";
/// 1 while a device is marked down.
pub const DEVICE_DOWN: &str = "caudal_agent_device_down";
/// Agent time (ms) of the last poll, by device.
pub const LAST_POLL_MS: &str = "caudal_agent_last_poll_timestamp_ms";
/// Readings committed to the outbox.
pub const READINGS_STORED_TOTAL: &str = "caudal_agent_readings_stored_total";
/// Readings refused because the outbox is full.
pub const READINGS_REFUSED_TOTAL: &str = "caudal_agent_readings_refused_total";
/// Stored readings turned into tombstones by `drop_oldest_unregulated`.
pub const READINGS_DROPPED_TOTAL: &str = "caudal_agent_readings_dropped_total";
/// Readings with a non-good quality set by processing, by reason.
pub const QUALITY_FLAGS_TOTAL: &str = "caudal_agent_quality_flags_total";
/// Counter resets detected.
pub const COUNTER_RESETS_TOTAL: &str = "caudal_agent_counter_resets_total";
/// Counter rollovers detected.
pub const COUNTER_ROLLOVERS_TOTAL: &str = "caudal_agent_counter_rollovers_total";
/// Outbox commits (group commits).
pub const COMMITS_TOTAL: &str = "caudal_agent_outbox_commits_total";
/// Readings waiting for an ack.
pub const OUTBOX_BACKLOG: &str = "caudal_agent_outbox_backlog";
/// Used bytes of the outbox file.
pub const OUTBOX_DISK_BYTES: &str = "caudal_agent_outbox_disk_bytes";
/// 1 while the outbox is at or over its disk budget (alarm).
pub const OUTBOX_FULL: &str = "caudal_agent_outbox_full";

/// Short name of a quality reason, for labels and logs.
#[must_use]
pub fn reason_label(r: Reason) -> &'static str {
    match r {
        Reason::Exception(_) => "exception",
        Reason::Timeout => "timeout",
        Reason::OutOfRange => "out_of_range",
        Reason::CounterReset => "counter_reset",
        Reason::TotalReset => "total_reset",
        Reason::LevelAboveMax => "level_above_max",
        Reason::FlowWithoutTotal => "flow_without_total",
        Reason::LevelWithoutVolume => "level_without_volume",
        Reason::ImpossibleTime => "impossible_time",
        Reason::DecodeFailed => "decode_failed",
        Reason::SensorFault => "sensor_fault",
        Reason::Stuck => "stuck",
        Reason::Other(_) => "other",
    }
}

/// One Modbus request failed (it may be retried).
pub struct RequestFailed<'a> {
    /// Device id.
    pub device: &'a str,
    /// Kind.
    pub kind: ErrorKind,
    /// Attempt number (0 = first).
    pub attempt: u8,
    /// Error.
    pub error: &'a str,
}

impl RequestFailed<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::debug!(device = %self.device, kind = self.kind.as_str(), attempt = self.attempt, error = %self.error, "Modbus request failed");
    }
}

/// A device answered with a Modbus exception.
pub struct ExceptionReply<'a> {
    /// Device id.
    pub device: &'a str,
    /// First register of the request.
    pub start: u16,
    /// Registers requested.
    pub count: u16,
    /// Exception code.
    pub code: u8,
}

impl ExceptionReply<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::warn!(device = %self.device, start = self.start, count = self.count, code = self.code, "device answered with a Modbus exception");
    }
}

/// A device stopped answering.
pub struct DeviceDown<'a> {
    /// Device id.
    pub device: &'a str,
    /// The last error.
    pub error: &'a str,
}

impl DeviceDown<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::warn!(device = %self.device, error = %self.error, "device stopped answering; probing with backoff");
    }
}

/// A device answers again.
pub struct DeviceUp<'a> {
    /// Device id.
    pub device: &'a str,
}

impl DeviceUp<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::info!(device = %self.device, "device answers again");
    }
}

/// A pulse counter restarted from zero.
pub struct CounterReset<'a> {
    /// Channel id.
    pub channel: &'a str,
    /// Raw before.
    pub last_raw: u64,
    /// Raw now.
    pub raw: u64,
}

impl CounterReset<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::warn!(channel = %self.channel, last_raw = self.last_raw, raw = self.raw, "pulse counter reset: counting from zero");
    }
}

/// Processing flagged a reading.
pub struct QualityFlagged<'a> {
    /// Channel id.
    pub channel: &'a str,
    /// Why.
    pub reason: Reason,
    /// Engineering value.
    pub value: f64,
}

impl QualityFlagged<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::warn!(channel = %self.channel, reason = reason_label(self.reason), value = self.value, "reading flagged");
    }
}

/// The outbox reached its disk budget (alarm).
pub struct OutboxFull {
    /// Used bytes.
    pub used_bytes: u64,
    /// Budget.
    pub budget_bytes: u64,
    /// Readings refused in this batch.
    pub refused: u64,
    /// Readings turned into tombstones in this batch.
    pub dropped: u64,
}

impl OutboxFull {
    /// Log it.
    pub fn emit(&self) {
        tracing::error!(
            used_bytes = self.used_bytes,
            budget_bytes = self.budget_bytes,
            refused = self.refused,
            dropped = self.dropped,
            "outbox is at its disk budget: unregulated readings are refused or dropped, regulated readings are kept"
        );
    }
}

/// Writing to the outbox failed.
pub struct OutboxWriteFailed<'a> {
    /// Readings in the failed batch.
    pub readings: usize,
    /// Error.
    pub error: &'a dyn std::fmt::Display,
}

impl OutboxWriteFailed<'_> {
    /// Log it.
    pub fn emit(&self) {
        tracing::error!(readings = self.readings, error = %self.error, "outbox write failed; readings of this batch are lost");
    }
}
