//! Sans-IO core of one agent session on the collector: what a frame means
//! given what came before. The driver (`super`) feeds it decoded messages.
//!
//! States: `AwaitHello` --Hello ok--> `Ready` ; any error --> a [`Reject`]
//! that the driver sends before closing the stream.

use std::collections::HashMap;

use caudal_protocol::{
    Batch, ChannelDesc, ChannelId, Coding, Epoch, Hello, Message, Reading, Reject, RejectReason,
    Seq, UtcMillis, Welcome, negotiate_version,
};

/// A batch checked and expanded, ready for the store.
#[derive(Debug)]
pub struct CheckedBatch {
    /// Epoch of the batch.
    pub epoch: Epoch,
    /// Last seq it covers.
    pub last_seq: Seq,
    /// Its readings in seq order.
    pub readings: Vec<Reading>,
}

#[derive(Debug)]
enum State {
    AwaitHello,
    Ready {
        epoch: Epoch,
        catalog: HashMap<ChannelId, Coding>,
    },
}

/// One session's protocol state.
#[derive(Debug)]
pub struct Session {
    /// Identity proven by the TLS handshake (certificate common name).
    peer: String,
    state: State,
    hello: Option<Hello>,
}

fn reject(reason: RejectReason, detail: impl Into<String>) -> Reject {
    Reject {
        reason,
        detail: detail.into(),
    }
}

impl Session {
    /// A session for the agent whose certificate names `peer`.
    #[must_use]
    pub fn new(peer: String) -> Session {
        Session {
            peer,
            state: State::AwaitHello,
            hello: None,
        }
    }

    /// The agent id (valid after the hello).
    #[must_use]
    pub fn agent_id(&self) -> &str {
        &self.peer
    }

    /// The channels declared in the hello.
    #[must_use]
    pub fn channels(&self) -> &[ChannelDesc] {
        self.hello.as_ref().map_or(&[], |h| &h.channels)
    }

    /// Check a hello. On success the driver stores the session and answers
    /// with [`Session::welcome`].
    ///
    /// # Errors
    /// The [`Reject`] to send.
    pub fn on_hello(&mut self, hello: Hello) -> Result<&Hello, Reject> {
        if !matches!(self.state, State::AwaitHello) {
            return Err(reject(
                RejectReason::UnexpectedMessage,
                "a second hello on the same session",
            ));
        }
        negotiate_version(hello.version)?;
        if hello.agent_id != self.peer {
            return Err(reject(
                RejectReason::Unauthorized,
                format!(
                    "agent id `{}` does not match the certificate's `{}`",
                    hello.agent_id, self.peer
                ),
            ));
        }
        let mut catalog = HashMap::with_capacity(hello.channels.len());
        for ch in &hello.channels {
            if catalog.insert(ch.id, ch.coding).is_some() {
                return Err(reject(
                    RejectReason::Malformed,
                    format!("channel {} declared twice", ch.id.0),
                ));
            }
        }
        self.state = State::Ready {
            epoch: hello.epoch,
            catalog,
        };
        Ok(self.hello.insert(hello))
    }

    /// The welcome for an accepted hello, given the stored resume point.
    #[must_use]
    pub fn welcome(
        &self,
        resume_after_seq: Seq,
        now: UtcMillis,
        cfg: &caudal_config::collector::Ingest,
    ) -> Welcome {
        let skew = self
            .hello
            .as_ref()
            .map_or(0, |h| h.agent_time.0.saturating_sub(now.0));
        Welcome {
            version: self
                .hello
                .as_ref()
                .map_or(caudal_protocol::PROTOCOL_VERSION, |h| h.version),
            resume_after_seq,
            server_time: now,
            clock_skew_ms: skew,
            max_inflight_batches: cfg.max_inflight_batches.get(),
            max_batch_readings: cfg.max_batch_readings.get(),
        }
    }

    /// Check and expand a batch.
    ///
    /// # Errors
    /// The [`Reject`] to send.
    pub fn on_batch(&self, batch: &Batch, max_readings: u32) -> Result<CheckedBatch, Reject> {
        let State::Ready { epoch, catalog } = &self.state else {
            return Err(reject(
                RejectReason::UnexpectedMessage,
                "a batch before the hello",
            ));
        };
        if batch.epoch != *epoch {
            return Err(reject(
                RejectReason::EpochMismatch,
                format!(
                    "batch of epoch {:016x} on a session of epoch {:016x}",
                    batch.epoch.0, epoch.0
                ),
            ));
        }
        if batch.count > max_readings {
            return Err(reject(
                RejectReason::Malformed,
                format!("batch of {} readings exceeds {max_readings}", batch.count),
            ));
        }
        let readings = batch
            .readings(|c| catalog.get(&c).copied())
            .map_err(|e| match e {
                caudal_protocol::BatchError::UnknownChannel(c) => reject(
                    RejectReason::UnknownChannel,
                    format!("channel {c} was not declared in the hello"),
                ),
                other => reject(RejectReason::Malformed, other.to_string()),
            })?;
        Ok(CheckedBatch {
            epoch: *epoch,
            last_seq: batch.last_seq(),
            readings,
        })
    }
}

/// Name of a message for logs and errors.
#[must_use]
pub fn message_name(m: &Message) -> &'static str {
    match m {
        Message::Hello(_) => "Hello",
        Message::Welcome(_) => "Welcome",
        Message::Batch(_) => "Batch",
        Message::Ack(_) => "Ack",
        Message::Reject(_) => "Reject",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caudal_protocol::column::encode_batch;
    use caudal_protocol::{Quality, Variable};

    fn hello(agent: &str, version: u16) -> Hello {
        Hello {
            version,
            agent_id: agent.into(),
            epoch: Epoch(5),
            software: "t".into(),
            config_digest: [0; 32],
            agent_time: UtcMillis(10_000),
            channels: vec![ChannelDesc {
                id: ChannelId(1),
                point: "P1".into(),
                variable: Variable::Level,
                unit: "m".into(),
                coding: Coding::Linear {
                    scale: 0.01,
                    offset: 0.0,
                },
                regulated: false,
            }],
        }
    }

    fn reading(seq: u64, ch: u32) -> Reading {
        Reading {
            seq: Seq(seq),
            channel: ChannelId(ch),
            time: UtcMillis(1),
            raw: 5,
            total_pulses: None,
            value: 0.05,
            quality: Quality::Good,
        }
    }

    #[test]
    fn batch_before_hello_is_unexpected() {
        let s = Session::new("gw".into());
        let b = encode_batch(Epoch(5), &[reading(1, 1)], |_| {
            Some(Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            })
        })
        .unwrap();
        assert_eq!(
            s.on_batch(&b, 100).unwrap_err().reason,
            RejectReason::UnexpectedMessage
        );
    }

    #[test]
    fn hello_must_match_the_certificate_and_version() {
        let mut s = Session::new("gw".into());
        assert_eq!(
            s.on_hello(hello("other", 1)).unwrap_err().reason,
            RejectReason::Unauthorized
        );
        assert!(matches!(
            s.on_hello(hello("gw", 99)).unwrap_err().reason,
            RejectReason::UnsupportedVersion { .. }
        ));
        s.on_hello(hello("gw", 1)).unwrap();
        assert_eq!(
            s.on_hello(hello("gw", 1)).unwrap_err().reason,
            RejectReason::UnexpectedMessage
        );
        let cfg = caudal_config::collector::Ingest::default();
        let w = s.welcome(Seq(7), UtcMillis(9_000), &cfg);
        assert_eq!((w.resume_after_seq, w.clock_skew_ms), (Seq(7), 1_000));
    }

    #[test]
    fn batches_are_checked_against_the_session() {
        let mut s = Session::new("gw".into());
        s.on_hello(hello("gw", 1)).unwrap();
        let lin = |_| {
            Some(Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            })
        };
        let ok = encode_batch(Epoch(5), &[reading(1, 1), reading(2, 1)], lin).unwrap();
        let checked = s.on_batch(&ok, 100).unwrap();
        assert_eq!((checked.last_seq, checked.readings.len()), (Seq(2), 2));
        let wrong_epoch = encode_batch(Epoch(6), &[reading(1, 1)], lin).unwrap();
        assert_eq!(
            s.on_batch(&wrong_epoch, 100).unwrap_err().reason,
            RejectReason::EpochMismatch
        );
        let unknown = encode_batch(Epoch(5), &[reading(1, 9)], lin).unwrap();
        assert_eq!(
            s.on_batch(&unknown, 100).unwrap_err().reason,
            RejectReason::UnknownChannel
        );
        assert_eq!(
            s.on_batch(&ok, 1).unwrap_err().reason,
            RejectReason::Malformed
        );
    }
}
