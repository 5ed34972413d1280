//! Agents as the collector sees them: the facts of a session's hello and the
//! sync state kept per agent.

use caudal_protocol::{Epoch, Hello, Seq};

use crate::UtcMillis;

/// Facts an agent reports when a session opens.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionFacts {
    /// Agent software name and version.
    pub software: String,
    /// SHA-256 of the agent's effective configuration.
    pub config_digest: [u8; 32],
    /// `agent_time - server_time` measured at the hello, in ms.
    pub clock_skew_ms: i64,
    /// Collector time of the hello.
    pub seen_at: UtcMillis,
}

impl SessionFacts {
    /// The facts of a [`Hello`] received at `now`.
    #[must_use]
    pub fn from_hello(hello: &Hello, now: UtcMillis) -> SessionFacts {
        SessionFacts {
            software: hello.software.clone(),
            config_digest: hello.config_digest,
            clock_skew_ms: hello.agent_time.0.saturating_sub(now.0),
            seen_at: now,
        }
    }
}

/// Sync state of an agent.
#[derive(Clone, Debug, PartialEq)]
pub struct AgentState {
    /// Identity.
    pub agent_id: String,
    /// Epoch of its latest session.
    pub epoch: Option<Epoch>,
    /// Highest contiguous seq stored for that epoch.
    pub contiguous_seq: Seq,
    /// Highest seq stored for that epoch (above `contiguous_seq` when there are gaps).
    pub highest_seq: Seq,
    /// Ranges stored beyond the contiguous prefix (gaps waiting to be filled).
    pub pending_ranges: i64,
    /// Readings stored for that epoch.
    pub readings: i64,
    /// Last hello or batch.
    pub last_seen: UtcMillis,
    /// Measured at the last hello.
    pub clock_skew_ms: Option<i64>,
    /// Software at the last hello.
    pub software: Option<String>,
}

/// A certificate the collector's CA issued to an agent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedCert {
    /// Serial number, lowercase hex.
    pub serial: String,
    /// The agent it names (its common name).
    pub agent_id: String,
    /// End of validity.
    pub not_after: UtcMillis,
    /// When it was issued.
    pub issued: UtcMillis,
    /// When it was revoked, if it was.
    pub revoked: Option<UtcMillis>,
}
