//! Sans-IO core of the agent's sync session: which seqs to send next, what an
//! ack means, when to give up on a silent collector. Time is passed in.
//!
//! ```text
//! new --hello()--> AwaitWelcome --on_welcome()--> Streaming
//!   Streaming: poll_batch(now) -> Some(range) -> on_sent(range) ... on_ack(ack) -> Some(prune up to)
//! ```
//!
//! Invariant: `acked <= sent <= last_stored`; seqs are sent in order without
//! gaps, at most `window` batches unacknowledged at once.

use std::collections::VecDeque;

use caudal_protocol::{Ack, ChannelDesc, Epoch, Hello, PROTOCOL_VERSION, Seq, UtcMillis, Welcome};

/// Knobs of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig {
    /// Most readings in one batch (the collector may lower it).
    pub max_batch: u32,
    /// Most batches unacknowledged (the collector may lower it).
    pub window: u32,
    /// Wait up to this long for a full batch before sending a partial one (ms).
    pub linger_ms: i64,
    /// Reconnect when an in-flight batch stays unacknowledged this long (ms).
    pub ack_timeout_ms: i64,
}

/// A protocol violation by the collector; the driver drops the connection.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// A message arrived in the wrong state.
    #[error("unexpected {0} from the collector")]
    Unexpected(&'static str),
    /// The collector claims to hold seqs this outbox never wrote: a foreign or reused epoch.
    #[error("collector resumes after seq {resume} but this outbox's last seq is {last}")]
    ResumeBeyondLast {
        /// Claimed resume point.
        resume: u64,
        /// Our last seq.
        last: u64,
    },
    /// An ack for another epoch.
    #[error("ack for epoch {got:016x}, session epoch is {expected:016x}")]
    EpochMismatch {
        /// Ours.
        expected: u64,
        /// Theirs.
        got: u64,
    },
    /// An ack beyond what was sent.
    #[error("ack up to seq {up_to} but only {sent} was sent")]
    AckBeyondSent {
        /// Acked.
        up_to: u64,
        /// Sent.
        sent: u64,
    },
    /// No ack progress within the deadline.
    #[error("no ack for {0} ms")]
    AckTimeout(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitWelcome,
    Streaming,
}

/// One sync session's state.
#[derive(Debug)]
pub struct SyncSession {
    epoch: Epoch,
    cfg: SessionConfig,
    state: State,
    /// Highest seq the collector acknowledged.
    acked: Seq,
    /// Highest seq sent.
    sent: Seq,
    /// Last seq of each unacknowledged batch, oldest first.
    inflight: VecDeque<Seq>,
    /// When unsent data was first seen (for the linger).
    pending_since: Option<UtcMillis>,
    /// When the oldest in-flight batch was sent.
    oldest_sent_at: Option<UtcMillis>,
    /// Clock skew reported by the collector.
    skew_ms: i64,
}

impl SyncSession {
    /// A session for the outbox of `epoch`.
    #[must_use]
    pub fn new(epoch: Epoch, cfg: SessionConfig) -> SyncSession {
        SyncSession {
            epoch,
            cfg,
            state: State::AwaitWelcome,
            acked: Seq(0),
            sent: Seq(0),
            inflight: VecDeque::new(),
            pending_since: None,
            oldest_sent_at: None,
            skew_ms: 0,
        }
    }

    /// The hello that opens the session.
    #[must_use]
    pub fn hello(
        &self,
        agent_id: &str,
        channels: Vec<ChannelDesc>,
        config_digest: [u8; 32],
        now: UtcMillis,
    ) -> Hello {
        Hello {
            version: PROTOCOL_VERSION,
            agent_id: agent_id.to_owned(),
            epoch: self.epoch,
            software: concat!("caudal-agent ", env!("CARGO_PKG_VERSION")).to_owned(),
            config_digest,
            agent_time: now,
            channels,
        }
    }

    /// Take the welcome. `local_acked` is the outbox's own ack watermark and
    /// `last_stored` its last seq. Returns the seq to resume after.
    ///
    /// # Errors
    /// [`SessionError::Unexpected`] or [`SessionError::ResumeBeyondLast`].
    pub fn on_welcome(
        &mut self,
        w: &Welcome,
        local_acked: Seq,
        last_stored: Seq,
    ) -> Result<Seq, SessionError> {
        if self.state != State::AwaitWelcome {
            return Err(SessionError::Unexpected("Welcome"));
        }
        if w.resume_after_seq > last_stored {
            return Err(SessionError::ResumeBeyondLast {
                resume: w.resume_after_seq.0,
                last: last_stored.0,
            });
        }
        // The collector may be behind our local watermark only if it lost data it had
        // acknowledged (a restored backup); pruned rows cannot be resent, so resume locally.
        let resume = std::cmp::max(w.resume_after_seq, local_acked);
        self.acked = resume;
        self.sent = resume;
        self.cfg.max_batch =
            std::cmp::max(1, std::cmp::min(self.cfg.max_batch, w.max_batch_readings));
        self.cfg.window = std::cmp::max(1, std::cmp::min(self.cfg.window, w.max_inflight_batches));
        self.skew_ms = w.clock_skew_ms;
        self.state = State::Streaming;
        Ok(resume)
    }

    /// Clock skew measured by the collector (agent minus collector, ms).
    #[must_use]
    pub fn clock_skew_ms(&self) -> i64 {
        self.skew_ms
    }

    /// What to send next, if anything: `(after, max readings)` to read from the outbox.
    /// A partial batch waits up to `linger_ms` unless more than a batch is waiting.
    pub fn poll_batch(&mut self, last_stored: Seq, now: UtcMillis) -> Option<(Seq, usize)> {
        if self.state != State::Streaming || self.inflight.len() >= self.cfg.window as usize {
            return None;
        }
        let waiting = last_stored.0.saturating_sub(self.sent.0);
        if waiting == 0 {
            self.pending_since = None;
            return None;
        }
        let since = *self.pending_since.get_or_insert(now);
        let full = waiting >= u64::from(self.cfg.max_batch);
        if full || now.0.saturating_sub(since.0) >= self.cfg.linger_ms {
            Some((self.sent, self.cfg.max_batch as usize))
        } else {
            None
        }
    }

    /// A batch ending at `last` went out at `now`.
    pub fn on_sent(&mut self, last: Seq, now: UtcMillis) {
        debug_assert!(last > self.sent, "batches go out in order");
        self.sent = last;
        self.inflight.push_back(last);
        self.oldest_sent_at.get_or_insert(now);
        self.pending_since = None;
    }

    /// Take an ack. Returns the seq up to which the outbox may now prune.
    ///
    /// # Errors
    /// [`SessionError`] when the ack breaks the protocol.
    pub fn on_ack(&mut self, ack: Ack, now: UtcMillis) -> Result<Option<Seq>, SessionError> {
        if self.state != State::Streaming {
            return Err(SessionError::Unexpected("Ack"));
        }
        if ack.epoch != self.epoch {
            return Err(SessionError::EpochMismatch {
                expected: self.epoch.0,
                got: ack.epoch.0,
            });
        }
        if ack.up_to_seq > self.sent {
            return Err(SessionError::AckBeyondSent {
                up_to: ack.up_to_seq.0,
                sent: self.sent.0,
            });
        }
        if ack.up_to_seq <= self.acked {
            return Ok(None);
        }
        self.acked = ack.up_to_seq;
        while self
            .inflight
            .front()
            .is_some_and(|last| *last <= ack.up_to_seq)
        {
            self.inflight.pop_front();
        }
        self.oldest_sent_at = if self.inflight.is_empty() {
            None
        } else {
            Some(now)
        };
        Ok(Some(ack.up_to_seq))
    }

    /// The ack deadline, if a batch is in flight.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<UtcMillis> {
        self.oldest_sent_at
            .map(|t| UtcMillis(t.0 + self.cfg.ack_timeout_ms))
    }

    /// Check the ack deadline.
    ///
    /// # Errors
    /// [`SessionError::AckTimeout`] once the deadline has passed.
    pub fn handle_timeout(&self, now: UtcMillis) -> Result<(), SessionError> {
        match self.poll_timeout() {
            Some(deadline) if now >= deadline => {
                Err(SessionError::AckTimeout(self.cfg.ack_timeout_ms))
            }
            _ => Ok(()),
        }
    }

    /// Batches in flight.
    #[must_use]
    pub fn inflight(&self) -> usize {
        self.inflight.len()
    }

    /// Highest acknowledged seq.
    #[must_use]
    pub fn acked(&self) -> Seq {
        self.acked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CFG: SessionConfig = SessionConfig {
        max_batch: 100,
        window: 2,
        linger_ms: 1000,
        ack_timeout_ms: 5000,
    };

    fn welcome(resume: u64) -> Welcome {
        Welcome {
            version: 1,
            resume_after_seq: Seq(resume),
            server_time: UtcMillis(0),
            clock_skew_ms: 42,
            max_inflight_batches: 8,
            max_batch_readings: 50,
        }
    }

    fn ack(up_to: u64) -> Ack {
        Ack {
            epoch: Epoch(1),
            up_to_seq: Seq(up_to),
        }
    }

    #[test]
    fn resumes_where_the_collector_stopped_and_respects_its_limits() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        assert_eq!(
            s.poll_batch(Seq(500), UtcMillis(0)),
            None,
            "nothing before the welcome"
        );
        assert_eq!(
            s.on_welcome(&welcome(120), Seq(100), Seq(500)),
            Ok(Seq(120))
        );
        assert_eq!(s.clock_skew_ms(), 42);
        // The collector's batch limit (50) wins over ours (100).
        assert_eq!(s.poll_batch(Seq(500), UtcMillis(0)), Some((Seq(120), 50)));
    }

    #[test]
    fn local_watermark_wins_when_the_collector_is_behind() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        assert_eq!(s.on_welcome(&welcome(10), Seq(100), Seq(500)), Ok(Seq(100)));
    }

    #[test]
    fn resume_beyond_the_outbox_is_refused() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        assert_eq!(
            s.on_welcome(&welcome(600), Seq(0), Seq(500)),
            Err(SessionError::ResumeBeyondLast {
                resume: 600,
                last: 500
            })
        );
    }

    #[test]
    fn window_bounds_batches_in_flight_and_acks_free_it() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        s.on_welcome(&welcome(0), Seq(0), Seq(1000)).unwrap();
        let now = UtcMillis(0);
        assert_eq!(s.poll_batch(Seq(1000), now), Some((Seq(0), 50)));
        s.on_sent(Seq(50), now);
        assert_eq!(s.poll_batch(Seq(1000), now), Some((Seq(50), 50)));
        s.on_sent(Seq(100), now);
        assert_eq!(s.poll_batch(Seq(1000), now), None, "window of 2 is full");
        assert_eq!(s.on_ack(ack(50), now), Ok(Some(Seq(50))));
        assert_eq!(s.inflight(), 1);
        assert_eq!(s.poll_batch(Seq(1000), now), Some((Seq(100), 50)));
        assert_eq!(s.on_ack(ack(40), now), Ok(None), "stale ack is harmless");
        assert_eq!(
            s.on_ack(ack(101), now),
            Err(SessionError::AckBeyondSent {
                up_to: 101,
                sent: 100
            })
        );
        assert_eq!(
            s.on_ack(
                Ack {
                    epoch: Epoch(2),
                    up_to_seq: Seq(60)
                },
                now
            ),
            Err(SessionError::EpochMismatch {
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn partial_batches_linger_then_go() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        s.on_welcome(&welcome(0), Seq(0), Seq(0)).unwrap();
        assert_eq!(s.poll_batch(Seq(10), UtcMillis(0)), None);
        assert_eq!(s.poll_batch(Seq(20), UtcMillis(999)), None);
        assert_eq!(s.poll_batch(Seq(20), UtcMillis(1000)), Some((Seq(0), 50)));
    }

    #[test]
    fn silent_collector_times_out() {
        let mut s = SyncSession::new(Epoch(1), CFG);
        s.on_welcome(&welcome(0), Seq(0), Seq(100)).unwrap();
        s.on_sent(Seq(50), UtcMillis(1000));
        assert_eq!(s.poll_timeout(), Some(UtcMillis(6000)));
        assert_eq!(s.handle_timeout(UtcMillis(5999)), Ok(()));
        assert_eq!(
            s.handle_timeout(UtcMillis(6000)),
            Err(SessionError::AckTimeout(5000))
        );
        s.on_ack(ack(50), UtcMillis(2000)).unwrap();
        assert_eq!(s.poll_timeout(), None);
    }
}
