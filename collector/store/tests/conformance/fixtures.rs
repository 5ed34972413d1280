//! Channels and readings the conformance cases write.

use caudal_protocol::{ChannelDesc, ChannelId, Coding, Quality, Reading, Seq, UtcMillis, Variable};

pub(crate) const LEVEL: ChannelId = ChannelId(1);
pub(crate) const VOLUME: ChannelId = ChannelId(2);
pub(crate) const FLOW: ChannelId = ChannelId(3);
/// m³ per pulse of the test counter (exact in binary, so sums compare exactly).
pub(crate) const M3_PER_PULSE: f64 = 0.125;
pub(crate) const HOUR: i64 = 3_600_000;
/// 2024-03-01T00:00:00Z
pub(crate) const T0: i64 = 1_709_251_200_000;

pub(crate) fn channels(point: &str) -> Vec<ChannelDesc> {
    vec![
        ChannelDesc {
            id: LEVEL,
            point: point.to_owned(),
            variable: Variable::Level,
            unit: "m".to_owned(),
            coding: Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
            regulated: false,
        },
        ChannelDesc {
            id: VOLUME,
            point: point.to_owned(),
            variable: Variable::Total,
            unit: "m3".to_owned(),
            coding: Coding::Counter {
                m3_per_pulse: M3_PER_PULSE,
            },
            regulated: true,
        },
        ChannelDesc {
            id: FLOW,
            point: point.to_owned(),
            variable: Variable::Flow,
            unit: "l/s".to_owned(),
            coding: Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
            regulated: false,
        },
    ]
}

pub(crate) fn level(seq: u64, time: i64, value: f64) -> Reading {
    Reading {
        seq: Seq(seq),
        channel: LEVEL,
        time: UtcMillis(time),
        raw: 0,
        total_pulses: None,
        value,
        quality: Quality::Good,
    }
}

pub(crate) fn counter(seq: u64, time: i64, pulses: u64) -> Reading {
    let value = pulses as f64 * M3_PER_PULSE;
    Reading {
        seq: Seq(seq),
        channel: VOLUME,
        time: UtcMillis(time),
        raw: i64::try_from(pulses % 65_536).unwrap(),
        total_pulses: Some(pulses),
        value,
        quality: Quality::Good,
    }
}

/// Level readings with seqs `first..=last`, one a minute from `T0 + (seq - 1) min`, value = seq.
pub(crate) fn levels(first: u64, last: u64) -> Vec<Reading> {
    (first..=last)
        .map(|s| {
            let i = i64::try_from(s).unwrap();
            let v = s as f64;
            level(s, T0 + (i - 1) * 60_000, v)
        })
        .collect()
}
