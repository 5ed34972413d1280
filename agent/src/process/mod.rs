//! Processing: decoded samples of one poll to outbox records (DESIGN.md invariant 2).
//!
//! Sans-IO: [`Processor::on_poll`] takes a [`Poll`] (time inside) and appends
//! [`Record`]s and [`Event`]s. Raw values are never edited: conversions and
//! rules only produce an engineering value and a quality code.
//!
//! - Pulse counters go through [`counter::Counter`]; the record carries the
//!   raw read, the running total and the new [`CounterState`], which the
//!   outbox commits in the same transaction as the record.
//! - Each counter read after the baseline also yields a derived flow record
//!   (`<id>:flow`, l/s = Δpulses × m³/pulse × 1000 / Δt).
//! - A failed sample yields a `Bad(reason)` record with raw 0 and value NaN
//!   (counters: the last raw and the unchanged total), so gaps are visible.
//! - Then [`rules`] apply per catchment point.

pub mod counter;
pub mod rules;

use std::collections::HashMap;

use caudal_protocol::{ChannelId, Coding, Quality, Reason, UtcMillis, Variable};

use crate::spec::{AgentSpec, ChannelSpec};
use counter::{Counter, CounterState, Step};
use rules::{CounterObs, Item, PointRules, Stuck};

/// Why a channel has no value in a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SampleError {
    /// No answer within the deadline (after retries), or no connection.
    Timeout,
    /// The device answered with a Modbus exception.
    Exception(u8),
    /// The reply was garbled or did not match the request.
    Garbled,
    /// The reply was too short for the channel.
    Short,
    /// A float register is NaN or infinite; raw bits kept.
    NotFinite(i64),
}

impl SampleError {
    /// The quality reason recorded for it.
    #[must_use]
    pub fn reason(self) -> Reason {
        match self {
            SampleError::Timeout => Reason::Timeout,
            SampleError::Exception(code) => Reason::Exception(code),
            SampleError::Garbled | SampleError::Short | SampleError::NotFinite(_) => {
                Reason::DecodeFailed
            }
        }
    }
}

/// A channel's raw value, or why there is none.
pub type Sample = Result<i64, SampleError>;

/// The result of one poll of one device.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    /// Device index in the spec.
    pub device: usize,
    /// Agent time of the poll.
    pub time: UtcMillis,
    /// One sample per channel of the device, in spec order.
    pub samples: Vec<Sample>,
}

/// A reading ready for the outbox (which assigns its seq).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Record {
    /// Channel.
    pub channel: ChannelId,
    /// Agent time.
    pub time: UtcMillis,
    /// Raw value (bits preserved).
    pub raw: i64,
    /// Running pulse total, counters only.
    pub total_pulses: Option<u64>,
    /// Engineering value.
    pub value: f64,
    /// Quality.
    pub quality: Quality,
    /// Counter state to commit with this record.
    pub counter: Option<CounterState>,
}

/// Something worth a log line and a metric.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A counter restarted from zero.
    CounterReset {
        /// Channel name.
        channel: String,
        /// Raw before.
        last_raw: u64,
        /// Raw now.
        raw: u64,
    },
    /// A counter wrapped.
    CounterRollover {
        /// Channel name.
        channel: String,
    },
    /// A reading got a non-good quality.
    Flagged {
        /// Channel name.
        channel: String,
        /// Why.
        reason: Reason,
        /// Engineering value.
        value: f64,
    },
}

struct ChannelState {
    spec: ChannelSpec,
    counter: Option<Counter>,
    stuck: Stuck,
}

struct DeviceState {
    channels: Vec<ChannelState>,
    /// Channel indexes per point, and the point's rule state.
    points: Vec<(Vec<usize>, PointRules)>,
}

/// The processing stage of all devices.
pub struct Processor {
    devices: Vec<DeviceState>,
}

fn raw_u64(raw: i64) -> u64 {
    u64::from_ne_bytes(raw.to_ne_bytes())
}

fn raw_i64(raw: u64) -> i64 {
    i64::from_ne_bytes(raw.to_ne_bytes())
}

impl Processor {
    /// A processor for `spec`, resuming counters from `states` (by channel id).
    #[must_use]
    pub fn new(spec: &AgentSpec, states: &HashMap<ChannelId, CounterState>) -> Processor {
        let devices = spec
            .devices
            .iter()
            .map(|dev| {
                let channels: Vec<ChannelState> = dev
                    .channels
                    .iter()
                    .map(|ch| ChannelState {
                        counter: ch
                            .counter
                            .map(|c| Counter::new(c.params, states.get(&ch.id).copied())),
                        spec: ch.clone(),
                        stuck: Stuck::default(),
                    })
                    .collect();
                let mut points: Vec<(Vec<usize>, PointRules)> = Vec::new();
                let mut seen: HashMap<&str, usize> = HashMap::new();
                for (i, ch) in dev.channels.iter().enumerate() {
                    let at = *seen.entry(ch.def.point.as_str()).or_insert_with(|| {
                        points.push((Vec::new(), PointRules::default()));
                        points.len() - 1
                    });
                    points[at].0.push(i);
                }
                DeviceState { channels, points }
            })
            .collect();
        Processor { devices }
    }

    /// Turn one poll into records and events.
    pub fn on_poll(&mut self, poll: &Poll, out: &mut Vec<Record>, events: &mut Vec<Event>) {
        let Some(dev) = self.devices.get_mut(poll.device) else {
            return;
        };
        let now = poll.time;
        let first = out.len();
        let mut counters: Vec<Option<CounterObs>> = vec![None; dev.channels.len()];
        let mut flows: Vec<Record> = Vec::new();
        for (i, (ch, sample)) in dev.channels.iter_mut().zip(&poll.samples).enumerate() {
            let spec = &ch.spec;
            let rec = match (sample, ch.counter.as_mut(), spec.counter) {
                (Ok(raw), Some(counter), Some(cspec)) => {
                    let before = counter.state();
                    let step = counter.on_read(raw_u64(*raw), now);
                    let state = counter.state();
                    let total = counter.total();
                    let mut quality = Quality::Good;
                    match step {
                        Step::Reset { last_raw, delta } => {
                            quality = Quality::Suspect(Reason::CounterReset);
                            events.push(Event::CounterReset {
                                channel: spec.def.name.clone(),
                                last_raw,
                                raw: delta,
                            });
                        }
                        Step::Rollover { .. } => events.push(Event::CounterRollover {
                            channel: spec.def.name.clone(),
                        }),
                        Step::Baseline | Step::Normal { .. } => {}
                    }
                    let elapsed_s = before.and_then(|b| {
                        let ms = now.0 - b.last_time.0;
                        #[allow(clippy::cast_precision_loss, reason = "elapsed ms far below 2^53")]
                        let s = ms as f64 / 1000.0;
                        (ms > 0).then_some(s)
                    });
                    counters[i] = Some(CounterObs {
                        delta: step.delta(),
                        total,
                        m3_per_pulse: cspec.m3_per_pulse,
                        elapsed_s,
                    });
                    if let (Some(dt), false) = (elapsed_s, step == Step::Baseline) {
                        #[allow(
                            clippy::cast_precision_loss,
                            reason = "per-poll deltas far below 2^53"
                        )]
                        let litres = step.delta() as f64 * cspec.m3_per_pulse * 1000.0;
                        let raw = flow_ml_per_s(litres / dt);
                        flows.push(Record {
                            channel: cspec.flow,
                            time: now,
                            raw,
                            total_pulses: None,
                            value: crate::spec::FLOW_CODING.value(raw, None),
                            quality,
                            counter: None,
                        });
                    }
                    Record {
                        channel: spec.id,
                        time: now,
                        raw: *raw,
                        total_pulses: Some(total),
                        value: spec.def.coding.value(*raw, Some(total)),
                        quality,
                        counter: state,
                    }
                }
                (Ok(raw), _, _) => {
                    let value = spec.def.coding.value(*raw, None);
                    let mut quality = rules::range(
                        spec.def.variable,
                        value,
                        spec.min,
                        spec.max,
                        spec.sensor_fault_below,
                    )
                    .unwrap_or(Quality::Good);
                    let stuck = spec
                        .stuck_after
                        .is_some_and(|after| ch.stuck.on_value(value, now, after));
                    if stuck && quality.is_good() {
                        quality = Quality::Suspect(Reason::Stuck);
                    }
                    Record {
                        channel: spec.id,
                        time: now,
                        raw: *raw,
                        total_pulses: None,
                        value,
                        quality,
                        counter: None,
                    }
                }
                (Err(e), counter, _) => {
                    let quality = Quality::Bad(e.reason());
                    match (counter, &spec.def.coding) {
                        (Some(c), Coding::Counter { .. }) => {
                            let raw = c.last_raw().map_or(0, raw_i64);
                            let total = c.total();
                            let value = spec.def.coding.value(raw, Some(total));
                            Record {
                                channel: spec.id,
                                time: now,
                                raw,
                                total_pulses: Some(total),
                                value,
                                quality,
                                counter: None,
                            }
                        }
                        _ => {
                            let raw = if let SampleError::NotFinite(raw) = e {
                                *raw
                            } else {
                                0
                            };
                            let value = if let SampleError::NotFinite(_) = e {
                                spec.def.coding.value(raw, None)
                            } else {
                                f64::NAN
                            };
                            Record {
                                channel: spec.id,
                                time: now,
                                raw,
                                total_pulses: None,
                                value,
                                quality,
                                counter: None,
                            }
                        }
                    }
                }
            };
            out.push(rec);
        }
        // Cross-channel rules, per point.
        for (members, rules) in &mut dev.points {
            let counter = members.iter().find_map(|&i| counters[i]);
            let mut items: Vec<Item> = members
                .iter()
                .filter(|&&i| dev.channels[i].spec.counter.is_none())
                .map(|&i| Item {
                    key: i,
                    variable: dev.channels[i].spec.def.variable,
                    value: out[first + i].value,
                    quality: out[first + i].quality,
                })
                .collect();
            rules.apply(&mut items, counter);
            for item in items {
                out[first + item.key].quality = item.quality;
            }
        }
        for (i, ch) in dev.channels.iter().enumerate() {
            let rec = &out[first + i];
            if let Quality::Suspect(reason) | Quality::Bad(reason) = rec.quality {
                let is_timeout = matches!(
                    reason,
                    Reason::Timeout | Reason::Exception(_) | Reason::DecodeFailed
                );
                if !is_timeout && reason != Reason::CounterReset {
                    events.push(Event::Flagged {
                        channel: ch.spec.def.name.clone(),
                        reason,
                        value: rec.value,
                    });
                }
            }
        }
        out.extend(flows);
    }

    /// Channel names of a device, in spec order (for log lines).
    #[must_use]
    pub fn channel_ids(&self, device: usize) -> Vec<ChannelId> {
        self.devices
            .get(device)
            .map(|d| d.channels.iter().map(|c| c.spec.id).collect())
            .unwrap_or_default()
    }

    /// Whether `variable` at `device` exists (used by tests).
    #[must_use]
    pub fn has_variable(&self, device: usize, variable: Variable) -> bool {
        self.devices
            .get(device)
            .is_some_and(|d| d.channels.iter().any(|c| c.spec.def.variable == variable))
    }
}

/// A flow in l/s as whole ml/s (the raw value of a derived flow channel).
fn flow_ml_per_s(lps: f64) -> i64 {
    let ml = (lps * 1000.0).round();
    if ml.is_finite() && ml.abs() < 9.0e15 {
        #[allow(
            clippy::cast_possible_truncation,
            reason = "finite and below 2^53: exact"
        )]
        let v = ml as i64;
        v
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::AgentSpec;

    fn spec() -> AgentSpec {
        let text = r#"
[agent]
id = "a"
data_dir = "/tmp/x"
[[devices]]
id = "w1"
transport = "tcp"
address = "127.0.0.1:502"
[[devices.channels]]
id = "w1.pulses"
point = "W1"
variable = "pulses"
register = "input"
address = 0
data_type = "u32"
pulses_per_liter = 1.0
counter_bits = 32
max_pulses_per_second = 100.0
[[devices.channels]]
id = "w1.level"
point = "W1"
variable = "level"
register = "input"
address = 2
scale = 0.01
max = 30.0
[[devices.channels]]
id = "w1.flow"
point = "W1"
variable = "flow"
register = "input"
address = 3
scale = 0.01
"#;
        let cfg: caudal_config::agent::AgentConfig =
            caudal_config::parse(std::path::Path::new("t.toml"), text).unwrap();
        let mut next = 0;
        AgentSpec::build(&cfg, |_| -> Result<ChannelId, ()> {
            next += 1;
            Ok(ChannelId(next))
        })
        .unwrap()
    }

    fn poll(t: i64, samples: Vec<Sample>) -> Poll {
        Poll {
            device: 0,
            time: UtcMillis(t),
            samples,
        }
    }

    #[test]
    fn counter_records_carry_raw_total_and_state_and_a_derived_flow() {
        let spec = spec();
        let mut p = Processor::new(&spec, &HashMap::new());
        let (mut out, mut ev) = (Vec::new(), Vec::new());
        p.on_poll(&poll(0, vec![Ok(1000), Ok(2000), Ok(0)]), &mut out, &mut ev);
        assert_eq!(out.len(), 3, "baseline: no flow record");
        assert_eq!(out[0].total_pulses, Some(0));
        out.clear();
        p.on_poll(
            &poll(10_000, vec![Ok(1050), Ok(1990), Ok(500)]),
            &mut out,
            &mut ev,
        );
        let c = out[0];
        assert_eq!((c.raw, c.total_pulses), (1050, Some(50)));
        assert_eq!(
            c.value,
            Coding::Counter {
                m3_per_pulse: 0.001
            }
            .value(1050, Some(50))
        );
        assert_eq!(
            c.counter,
            Some(CounterState {
                last_raw: 1050,
                total: 50,
                last_time: UtcMillis(10_000)
            })
        );
        // 50 litres in 10 s = 5 l/s.
        let flow = out[3];
        assert_eq!(flow.channel, ChannelId(1));
        assert_eq!(flow.raw, 5_000, "5 l/s is 5000 ml/s");
        assert_eq!(
            flow.value.to_bits(),
            crate::spec::FLOW_CODING.value(5_000, None).to_bits()
        );
        assert!(ev.is_empty(), "{ev:?}");
    }

    #[test]
    fn failures_and_rules_set_quality_never_the_raw() {
        let spec = spec();
        let mut p = Processor::new(&spec, &HashMap::new());
        let (mut out, mut ev) = (Vec::new(), Vec::new());
        p.on_poll(&poll(0, vec![Ok(10), Ok(3100), Ok(200)]), &mut out, &mut ev);
        assert_eq!(out[1].quality, Quality::Bad(Reason::LevelAboveMax));
        assert_eq!(out[1].raw, 3100);
        out.clear();
        p.on_poll(
            &poll(
                10_000,
                vec![
                    Err(SampleError::Timeout),
                    Err(SampleError::Exception(2)),
                    Ok(200),
                ],
            ),
            &mut out,
            &mut ev,
        );
        assert_eq!(out[0].quality, Quality::Bad(Reason::Timeout));
        assert_eq!(
            (out[0].raw, out[0].total_pulses, out[0].counter),
            (10, Some(0), None)
        );
        assert_eq!(out[1].quality, Quality::Bad(Reason::Exception(2)));
        assert!(out[1].value.is_nan());
        out.clear();
        // 2 l/s for 10 s with no pulses.
        p.on_poll(
            &poll(20_000, vec![Ok(10), Ok(1000), Ok(200)]),
            &mut out,
            &mut ev,
        );
        assert_eq!(out[2].quality, Quality::Suspect(Reason::FlowWithoutTotal));
        assert!(ev.iter().any(|e| matches!(
            e,
            Event::Flagged {
                reason: Reason::FlowWithoutTotal,
                ..
            }
        )));
        out.clear();
        p.on_poll(
            &poll(30_000, vec![Ok(3), Ok(1000), Ok(0)]),
            &mut out,
            &mut ev,
        );
        assert_eq!(out[0].quality, Quality::Suspect(Reason::CounterReset));
        assert_eq!(out[0].total_pulses, Some(3));
        assert!(ev.iter().any(|e| matches!(
            e,
            Event::CounterReset {
                last_raw: 10,
                raw: 3,
                ..
            }
        )));
    }

    #[test]
    fn resumes_from_persisted_counter_state() {
        let spec = spec();
        let id = spec.devices[0].channels[0].id;
        let states = HashMap::from([(
            id,
            CounterState {
                last_raw: 1000,
                total: 77,
                last_time: UtcMillis(0),
            },
        )]);
        let mut p = Processor::new(&spec, &states);
        let (mut out, mut ev) = (Vec::new(), Vec::new());
        p.on_poll(&poll(1000, vec![Ok(1010), Ok(0), Ok(0)]), &mut out, &mut ev);
        assert_eq!(out[0].total_pulses, Some(87));
    }
}
