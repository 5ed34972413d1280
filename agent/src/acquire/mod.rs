//! Acquisition: polling Modbus devices over TCP and RTU.
//!
//! A [`Line`] is one physical link: a TCP connection to one device, or one
//! serial port shared by several unit ids. Each line is one task that polls
//! its devices in turn (never two requests on a line at once), each on its
//! own schedule. A poll issues the device's [`plan::ReadRequest`]s, each under
//! `tokio::time::timeout(dev.timeout)` with up to `dev.retries` retries.
//!
//! - A Modbus exception is data: the channels of that request get
//!   `Bad(Exception(code))`, no retry.
//! - A timeout or a transport error drops the connection (TCP and RTU alike:
//!   a late reply must never answer the next request; RTU has no transaction
//!   id) and the next attempt reconnects.
//! - When a request fails after its retries, the rest of the poll is skipped
//!   (the device is not answering), so a dead device costs the line at most
//!   `(retries + 1) × timeout` per poll.
//! - A device with a failed poll is *down*: [`Health`] probes it again after
//!   a capped exponential backoff (`poll_interval × 2^(n-1)`, at most
//!   `max_backoff_ms`), with one attempt and the first request only, until it
//!   answers. Other devices on the line keep their schedule.
//!
//! Cancellation happens only between transactions.

pub mod plan;
pub mod rtu;
pub mod tcp;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use caudal_config::agent::{Link, RegisterKind};
use caudal_protocol::UtcMillis;
use tokio::sync::mpsc;
use tokio::time::{Instant, sleep_until, timeout};
use tokio_modbus::client::{Context, Reader};
use tokio_modbus::prelude::SlaveContext;
use tokio_modbus::{Slave, SlaveId};
use tokio_util::sync::CancellationToken;

use crate::decode::decode;
use crate::metrics::Metrics;
use crate::process::{Poll, Sample, SampleError};
use crate::spec::DeviceSpec;
use crate::telemetry;
use plan::ReadRequest;

/// Why a request failed, as counted in metrics (`kind` label).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// No reply within the deadline.
    Timeout,
    /// A Modbus exception reply.
    Exception,
    /// The connection failed or broke.
    Transport,
    /// A reply that did not decode or did not match the request.
    Garbled,
    /// Could not connect / open the port.
    Connect,
}

impl ErrorKind {
    /// Every kind, in metric order.
    pub const ALL: [ErrorKind; 5] = [
        ErrorKind::Timeout,
        ErrorKind::Exception,
        ErrorKind::Transport,
        ErrorKind::Garbled,
        ErrorKind::Connect,
    ];

    /// The metric label.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Timeout => "timeout",
            ErrorKind::Exception => "exception",
            ErrorKind::Transport => "transport",
            ErrorKind::Garbled => "garbled",
            ErrorKind::Connect => "connect",
        }
    }
}

/// One poll's result, sent to the writer.
#[derive(Debug, Clone, PartialEq)]
pub struct PollReport {
    /// The samples.
    pub poll: Poll,
    /// Device id.
    pub device_id: String,
    /// At least one request was answered (a value or an exception).
    pub answered: bool,
    /// Failed requests of this poll.
    pub errors: u64,
    /// The last error, for `status`.
    pub last_error: Option<String>,
}

/// Whether a device answers, and when to poll it next (sans-IO).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    failures: u32,
}

/// A change of a device's state, worth a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Nothing changed.
    None,
    /// The device stopped answering.
    Down,
    /// The device answers again.
    Up,
}

impl Health {
    /// The device is marked down.
    #[must_use]
    pub fn is_down(&self) -> bool {
        self.failures > 0
    }

    /// Record a poll; returns the delay until the next poll and the transition.
    pub fn on_poll(
        &mut self,
        answered: bool,
        interval: Duration,
        max_backoff: Duration,
    ) -> (Duration, Transition) {
        if answered {
            let t = if self.failures > 0 {
                Transition::Up
            } else {
                Transition::None
            };
            self.failures = 0;
            return (interval, t);
        }
        self.failures = self.failures.saturating_add(1);
        let t = if self.failures == 1 {
            Transition::Down
        } else {
            Transition::None
        };
        let factor = 1u32.checked_shl(self.failures - 1).unwrap_or(u32::MAX);
        let backoff = interval.saturating_mul(factor);
        let delay = std::cmp::max(interval, std::cmp::min(backoff, max_backoff));
        (delay, t)
    }
}

struct Entry {
    spec: DeviceSpec,
    plan: Vec<ReadRequest>,
    health: Health,
    next_due: Instant,
}

/// One physical link and the devices on it.
pub struct Line {
    link: Link,
    devices: Vec<Entry>,
    ctx: Option<Context>,
    metrics: Arc<Metrics>,
}

enum Outcome {
    Words(Vec<u16>),
    Exception(u8),
    Failed(ErrorKind, String),
}

async fn read(ctx: &mut Context, req: &ReadRequest) -> tokio_modbus::Result<Vec<u16>> {
    let bits = |r: tokio_modbus::Result<Vec<bool>>| {
        r.map(|r| r.map(|v| v.into_iter().map(u16::from).collect()))
    };
    match req.table {
        RegisterKind::Holding => ctx.read_holding_registers(req.start, req.count).await,
        RegisterKind::Input => ctx.read_input_registers(req.start, req.count).await,
        RegisterKind::Coil => bits(ctx.read_coils(req.start, req.count).await),
        RegisterKind::Discrete => bits(ctx.read_discrete_inputs(req.start, req.count).await),
    }
}

fn classify(err: &tokio_modbus::Error) -> ErrorKind {
    match err {
        tokio_modbus::Error::Protocol(_) => ErrorKind::Garbled,
        tokio_modbus::Error::Transport(e) if e.kind() == io::ErrorKind::InvalidData => {
            ErrorKind::Garbled
        }
        tokio_modbus::Error::Transport(_) => ErrorKind::Transport,
    }
}

/// Group the devices of a config into lines: one per TCP device, one per serial port.
#[must_use]
pub fn lines(devices: &[DeviceSpec], metrics: &Arc<Metrics>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for dev in devices {
        let entry = Entry {
            plan: plan::plan(&dev.channels),
            spec: dev.clone(),
            health: Health::default(),
            next_due: Instant::now(),
        };
        let port = dev.serial_port();
        if let Some(line) = out
            .iter_mut()
            .find(|l| matches!(&l.link, Link::Rtu { port: p, .. } if Some(p) == port))
        {
            line.devices.push(entry);
            continue;
        }
        out.push(Line {
            link: dev.link.clone(),
            devices: vec![entry],
            ctx: None,
            metrics: Arc::clone(metrics),
        });
    }
    out
}

impl Line {
    /// Device ids on this line.
    #[must_use]
    pub fn device_ids(&self) -> Vec<String> {
        self.devices.iter().map(|d| d.spec.id.clone()).collect()
    }

    async fn context(&mut self, unit: u8, deadline: Duration) -> io::Result<&mut Context> {
        if self.ctx.is_none() {
            let ctx = match &self.link {
                Link::Tcp { address } => tcp::connect(address, unit, deadline).await?,
                link @ Link::Rtu { .. } => rtu::open(link, unit, deadline).await?,
            };
            self.ctx = Some(ctx);
        }
        let ctx = self
            .ctx
            .as_mut()
            .ok_or_else(|| io::Error::other("no context"))?;
        ctx.set_slave(Slave(SlaveId::from(unit)));
        Ok(ctx)
    }

    async fn request(&mut self, dev: &DeviceSpec, req: &ReadRequest) -> Outcome {
        let ctx = match self.context(dev.unit_id, dev.timeout).await {
            Ok(ctx) => ctx,
            Err(e) => {
                let kind = if e.kind() == io::ErrorKind::TimedOut {
                    ErrorKind::Timeout
                } else {
                    ErrorKind::Connect
                };
                return Outcome::Failed(kind, e.to_string());
            }
        };
        match timeout(dev.timeout, read(ctx, req)).await {
            Ok(Ok(Ok(words))) => Outcome::Words(words),
            Ok(Ok(Err(code))) => Outcome::Exception(u8::from(code)),
            Ok(Err(e)) => {
                self.ctx = None;
                Outcome::Failed(classify(&e), e.to_string())
            }
            Err(_) => {
                // Drop the context: a late reply must not answer the next request.
                self.ctx = None;
                Outcome::Failed(
                    ErrorKind::Timeout,
                    format!("no reply within {} ms", dev.timeout.as_millis()),
                )
            }
        }
    }

    /// Poll device `i` once: every planned request, with retries.
    pub async fn poll(&mut self, i: usize) -> PollReport {
        let (spec, plan, down) = {
            let e = &self.devices[i];
            (e.spec.clone(), e.plan.clone(), e.health.is_down())
        };
        let time = UtcMillis::now();
        let mut samples: Vec<Sample> = vec![Err(SampleError::Timeout); spec.channels.len()];
        let (mut answered, mut errors, mut last_error) = (false, 0u64, None);
        let metrics = Arc::clone(&self.metrics);
        let m = metrics.device(spec.index);
        let retries = if down { 0 } else { spec.retries };
        for req in &plan {
            let mut attempt = 0u8;
            let outcome = loop {
                m.request();
                let outcome = self.request(&spec, req).await;
                if let Outcome::Failed(kind, ref err) = outcome {
                    errors += 1;
                    m.error(kind);
                    telemetry::RequestFailed {
                        device: &spec.id,
                        kind,
                        attempt,
                        error: err,
                    }
                    .emit();
                    last_error = Some(format!("{}: {err}", kind.as_str()));
                    if attempt < retries {
                        attempt += 1;
                        continue;
                    }
                }
                break outcome;
            };
            match outcome {
                Outcome::Words(words) => {
                    answered = true;
                    m.reply();
                    for &(ch, offset) in &req.members {
                        let c = &spec.channels[ch];
                        let words = words.get(usize::from(offset)..).unwrap_or(&[]);
                        samples[ch] = match c.register {
                            RegisterKind::Coil | RegisterKind::Discrete => words
                                .first()
                                .map(|w| i64::from(*w))
                                .ok_or(SampleError::Short),
                            RegisterKind::Holding | RegisterKind::Input => {
                                decode(words, c.data_type, c.byte_order).map_err(|e| match e {
                                    crate::decode::DecodeError::Short { .. } => SampleError::Short,
                                    crate::decode::DecodeError::NotFinite { raw } => {
                                        SampleError::NotFinite(raw)
                                    }
                                })
                            }
                        };
                    }
                }
                Outcome::Exception(code) => {
                    answered = true;
                    m.reply();
                    m.error(ErrorKind::Exception);
                    errors += 1;
                    last_error = Some(format!("exception {code:#04x}"));
                    telemetry::ExceptionReply {
                        device: &spec.id,
                        start: req.start,
                        count: req.count,
                        code,
                    }
                    .emit();
                    for &(ch, _) in &req.members {
                        samples[ch] = Err(SampleError::Exception(code));
                    }
                }
                Outcome::Failed(kind, _) => {
                    let err = if kind == ErrorKind::Garbled {
                        SampleError::Garbled
                    } else {
                        SampleError::Timeout
                    };
                    for &(ch, _) in &req.members {
                        samples[ch] = Err(err);
                    }
                    // The device is not answering: skip the rest of the poll.
                    break;
                }
            }
        }
        m.poll(time);
        PollReport {
            poll: Poll {
                device: spec.index,
                time,
                samples,
            },
            device_id: spec.id,
            answered,
            errors,
            last_error,
        }
    }

    fn schedule(&mut self, i: usize, report: &PollReport, started: Instant) {
        let e = &mut self.devices[i];
        let (delay, transition) =
            e.health
                .on_poll(report.answered, e.spec.poll_interval, e.spec.max_backoff);
        match transition {
            Transition::Down => telemetry::DeviceDown {
                device: &e.spec.id,
                error: report.last_error.as_deref().unwrap_or(""),
            }
            .emit(),
            Transition::Up => telemetry::DeviceUp { device: &e.spec.id }.emit(),
            Transition::None => {}
        }
        self.metrics
            .device(e.spec.index)
            .set_down(e.health.is_down());
        // Fixed rate while healthy (no drift), never in the past.
        let next = if report.answered {
            e.next_due + delay
        } else {
            started + delay
        };
        e.next_due = std::cmp::max(next, Instant::now());
    }

    /// Poll the line's devices until `shutdown`, sending each poll to `tx`.
    ///
    /// # Errors
    /// None today; the signature keeps the shutdown-tree shape.
    pub async fn run(
        mut self,
        tx: mpsc::Sender<PollReport>,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        loop {
            let Some((i, due)) = self
                .devices
                .iter()
                .enumerate()
                .map(|(i, d)| (i, d.next_due))
                .min_by_key(|(_, d)| *d)
            else {
                return Ok(());
            };
            tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until(due) => {}
            }
            let started = Instant::now();
            let report = self.poll(i).await;
            self.schedule(i, &report, started);
            if tx.send(report).await.is_err() {
                break;
            }
        }
        if let Some(mut ctx) = self.ctx.take() {
            let _ = timeout(
                Duration::from_millis(200),
                tokio_modbus::client::Client::disconnect(&mut ctx),
            )
            .await;
        }
        Ok(())
    }
}

/// Read every planned request of `dev` once (commissioning, like `mbpoll`).
pub async fn probe(dev: &DeviceSpec) -> Vec<(ReadRequest, Result<Vec<u16>, String>)> {
    let mut line = Line {
        link: dev.link.clone(),
        devices: Vec::new(),
        ctx: None,
        metrics: Arc::new(Metrics::default()),
    };
    let mut out = Vec::new();
    for req in plan::plan(&dev.channels) {
        let result = match line.request(dev, &req).await {
            Outcome::Words(w) => Ok(w),
            Outcome::Exception(code) => Err(format!("Modbus exception {code:#04x}")),
            Outcome::Failed(kind, e) => Err(format!("{}: {e}", kind.as_str())),
        };
        out.push((req, result));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_resets_on_answer() {
        let mut h = Health::default();
        let s = Duration::from_secs(1);
        let cap = Duration::from_secs(10);
        let delays: Vec<(Duration, Transition)> =
            (0..6).map(|_| h.on_poll(false, s, cap)).collect();
        assert_eq!(delays[0], (s, Transition::Down));
        let secs: Vec<u64> = delays.iter().map(|d| d.0.as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 10, 10]);
        assert!(h.is_down());
        assert_eq!(h.on_poll(true, s, cap), (s, Transition::Up));
        assert!(!h.is_down());
        // A cap below the interval never polls faster than the interval.
        assert_eq!(h.on_poll(false, s, Duration::from_millis(10)).0, s);
    }
}
