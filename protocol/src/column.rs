//! Compact per-channel columns: the batch encoder and its hostile-input-safe decoder.
//!
//! # `IntColumn` format
//!
//! A sequence of `len` signed 64-bit integers is differenced `order` times
//! (0, 1 or 2; wrapping arithmetic) and the residuals are written as LEB128
//! tokens. A token `t` with its low bit clear is one residual
//! `unzigzag(t >> 1)`; a token with its low bit set is a run of `t >> 1`
//! zero residuals. Reconstruction undoes the differencing with the first
//! `order` residuals as seeds. The encoder tries every order and keeps the
//! shortest, so steady clocks and counters cost about one token per run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::MAX_BATCH_READINGS;
use crate::message::{Batch, Coding, Column, QualityRun, Values};
use crate::types::{ChannelId, Epoch, Reading, Seq, UtcMillis};

/// Why a batch could not be built or expanded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// The batch claims more readings than allowed.
    #[error("batch of {count} readings exceeds the limit of {max}")]
    TooManyReadings {
        /// Claimed count.
        count: u64,
        /// The limit.
        max: u32,
    },
    /// The readings given to the encoder do not have contiguous seqs.
    #[error("readings are not contiguous: expected seq {expected}, found {found}")]
    NotContiguous {
        /// Expected seq.
        expected: u64,
        /// Found seq.
        found: u64,
    },
    /// A column references a channel the catalog does not know.
    #[error("channel {0} is not declared")]
    UnknownChannel(u32),
    /// An integer column is malformed.
    #[error("column of channel {channel}: {what}")]
    Malformed {
        /// Channel of the column.
        channel: u32,
        /// What is wrong.
        what: &'static str,
    },
    /// The columns do not cover every seq of the batch exactly once.
    #[error("columns cover seq offset {offset} {times} times")]
    Coverage {
        /// Offending offset.
        offset: u64,
        /// How often it was covered.
        times: u32,
    },
}

/// A compact column of integers (see the module docs for the format).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntColumn {
    /// Number of values.
    pub len: u32,
    /// Differencing order (0, 1 or 2).
    pub order: u8,
    /// LEB128 tokens.
    pub tokens: Vec<u8>,
}

fn zigzag(v: i64) -> u64 {
    u64::from_ne_bytes(((v << 1) ^ (v >> 63)).to_ne_bytes())
}

fn unzigzag(u: u64) -> i64 {
    i64::from_ne_bytes((u >> 1).to_ne_bytes()) ^ -i64::from_ne_bytes((u & 1).to_ne_bytes())
}

fn put_leb(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = u8::try_from(v & 0x7F).unwrap_or(0);
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn get_leb(bytes: &[u8], pos: &mut usize) -> Option<u128> {
    let mut v: u128 = 0;
    for shift in (0..128).step_by(7) {
        let byte = *bytes.get(*pos)?;
        *pos += 1;
        v |= u128::from(byte & 0x7F).checked_shl(shift)?;
        if byte & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

fn residuals(values: &[i64], order: u8) -> Vec<i64> {
    let mut out = values.to_vec();
    // Pass `p` keeps the first `p` entries as seeds for reconstruction.
    for pass in 1..=usize::from(order) {
        for i in (pass..out.len()).rev() {
            out[i] = out[i].wrapping_sub(out[i - 1]);
        }
    }
    out
}

fn tokens_of(res: &[i64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(res.len());
    let mut zeros: u128 = 0;
    for &r in res {
        if r == 0 {
            zeros += 1;
            continue;
        }
        if zeros > 0 {
            put_leb(&mut out, (zeros << 1) | 1);
            zeros = 0;
        }
        put_leb(&mut out, u128::from(zigzag(r)) << 1);
    }
    if zeros > 0 {
        put_leb(&mut out, (zeros << 1) | 1);
    }
    out
}

impl IntColumn {
    /// Encode `values`, choosing the differencing order that gives the fewest bytes.
    #[must_use]
    pub fn encode(values: &[i64]) -> IntColumn {
        let len = u32::try_from(values.len()).unwrap_or(u32::MAX);
        let mut best = IntColumn {
            len,
            order: 0,
            tokens: tokens_of(values),
        };
        for order in 1..=2u8 {
            let tokens = tokens_of(&residuals(values, order));
            if tokens.len() < best.tokens.len() {
                best = IntColumn { len, order, tokens };
            }
        }
        best
    }

    /// Expand the column. `limit` bounds `len` before anything is allocated.
    ///
    /// # Errors
    /// A description of the first malformation found.
    pub fn decode(&self, limit: u32) -> Result<Vec<i64>, &'static str> {
        if self.len > limit {
            return Err("length exceeds the batch count");
        }
        if self.order > 2 {
            return Err("differencing order above 2");
        }
        let len = self.len as usize;
        let mut res = Vec::with_capacity(len);
        let mut pos = 0;
        while pos < self.tokens.len() {
            let token = get_leb(&self.tokens, &mut pos).ok_or("truncated or oversized token")?;
            if token & 1 == 1 {
                let run = usize::try_from(token >> 1).map_err(|_| "zero run too long")?;
                if run == 0 || run > len - res.len() {
                    return Err("zero run overflows the column");
                }
                res.resize(res.len() + run, 0);
            } else {
                let zz = u64::try_from(token >> 1).map_err(|_| "residual wider than 64 bits")?;
                if res.len() == len {
                    return Err("more residuals than the column length");
                }
                res.push(unzigzag(zz));
            }
        }
        if res.len() != len {
            return Err("fewer residuals than the column length");
        }
        for pass in (1..=usize::from(self.order)).rev() {
            for i in pass..res.len() {
                res[i] = res[i].wrapping_add(res[i - 1]);
            }
        }
        Ok(res)
    }
}

fn diff(a: &[i64], b: &[i64]) -> Vec<i64> {
    a.iter().zip(b).map(|(x, y)| x.wrapping_sub(*y)).collect()
}

fn add_into(a: &mut [i64], b: &[i64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x = x.wrapping_add(*y);
    }
}

fn u64_to_i64(v: u64) -> i64 {
    i64::from_ne_bytes(v.to_ne_bytes())
}

fn i64_to_u64(v: i64) -> u64 {
    u64::from_ne_bytes(v.to_ne_bytes())
}

/// Encode readings with contiguous seqs (in seq order) into a [`Batch`].
///
/// `coding` gives each channel's [`Coding`]; values that differ from the
/// derived one (bit for bit) travel as overrides, so the wire never lies.
///
/// # Errors
/// [`BatchError::NotContiguous`], [`BatchError::TooManyReadings`] or
/// [`BatchError::UnknownChannel`].
pub fn encode_batch(
    epoch: Epoch,
    readings: &[Reading],
    coding: impl Fn(ChannelId) -> Option<Coding>,
) -> Result<Batch, BatchError> {
    let count = u32::try_from(readings.len())
        .ok()
        .filter(|c| *c <= MAX_BATCH_READINGS)
        .ok_or(BatchError::TooManyReadings {
            count: readings.len() as u64,
            max: MAX_BATCH_READINGS,
        })?;
    let first_seq = readings.first().map_or(Seq(1), |r| r.seq);
    let mut by_channel: BTreeMap<ChannelId, Vec<(u64, &Reading)>> = BTreeMap::new();
    for (i, r) in readings.iter().enumerate() {
        let expected = first_seq.0 + i as u64;
        if r.seq.0 != expected {
            return Err(BatchError::NotContiguous {
                expected,
                found: r.seq.0,
            });
        }
        by_channel.entry(r.channel).or_default().push((i as u64, r));
    }
    let mut columns = Vec::with_capacity(by_channel.len());
    let mut previous: Option<(Vec<i64>, Vec<i64>)> = None;
    for (channel, rows) in by_channel {
        let coding = coding(channel).ok_or(BatchError::UnknownChannel(channel.0))?;
        let offsets: Vec<i64> = rows.iter().map(|(i, _)| u64_to_i64(*i)).collect();
        let times: Vec<i64> = rows.iter().map(|(_, r)| r.time.0).collect();
        let absolute = (IntColumn::encode(&offsets), IntColumn::encode(&times));
        let relative = previous
            .as_ref()
            .filter(|(po, _)| po.len() == offsets.len())
            .map(|(po, pt)| {
                (
                    IntColumn::encode(&diff(&offsets, po)),
                    IntColumn::encode(&diff(&times, pt)),
                )
            });
        let size = |c: &(IntColumn, IntColumn)| c.0.tokens.len() + c.1.tokens.len();
        let (is_relative, (seq_offsets, time_column)) = match relative {
            Some(rel) if size(&rel) < size(&absolute) => (true, rel),
            _ => (false, absolute),
        };
        let raw: Vec<i64> = rows.iter().map(|(_, r)| r.raw).collect();
        let totals = if matches!(coding, Coding::Counter { .. }) {
            let t: Vec<i64> = rows
                .iter()
                .map(|(_, r)| u64_to_i64(r.total_pulses.unwrap_or(0)))
                .collect();
            Some(IntColumn::encode(&t))
        } else {
            None
        };
        let mut overrides = Vec::new();
        let mut quality: Vec<QualityRun> = Vec::new();
        for (idx, (_, r)) in rows.iter().enumerate() {
            let derived = coding.value(r.raw, r.total_pulses);
            if derived.to_bits() != r.value.to_bits() {
                overrides.push((u32::try_from(idx).unwrap_or(u32::MAX), r.value));
            }
            match quality.last_mut() {
                Some(last) if last.quality == r.quality => last.run += 1,
                _ => quality.push(QualityRun {
                    quality: r.quality,
                    run: 1,
                }),
            }
        }
        columns.push(Column {
            channel,
            relative: is_relative,
            seq_offsets,
            times: time_column,
            raw: IntColumn::encode(&raw),
            totals,
            values: Values { overrides },
            quality,
        });
        previous = Some((offsets, times));
    }
    Ok(Batch {
        epoch,
        first_seq,
        count,
        columns,
    })
}

impl Batch {
    /// The seq of the last reading (equal to `first_seq - 1` for an empty batch).
    #[must_use]
    pub fn last_seq(&self) -> Seq {
        Seq((self.first_seq.0 + u64::from(self.count)).saturating_sub(1))
    }

    /// Expand the columns into readings in seq order, checking every invariant:
    /// each seq of the batch is covered exactly once, columns are consistent,
    /// channels are declared. Never panics on hostile input.
    ///
    /// # Errors
    /// The first [`BatchError`] found.
    pub fn readings(
        &self,
        coding: impl Fn(ChannelId) -> Option<Coding>,
    ) -> Result<Vec<Reading>, BatchError> {
        if self.count > MAX_BATCH_READINGS {
            return Err(BatchError::TooManyReadings {
                count: u64::from(self.count),
                max: MAX_BATCH_READINGS,
            });
        }
        if self.first_seq.0 == 0
            || self
                .first_seq
                .0
                .checked_add(u64::from(self.count))
                .is_none()
        {
            return Err(BatchError::Malformed {
                channel: 0,
                what: "seq range out of bounds",
            });
        }
        let count = self.count as usize;
        let mut slots: Vec<Option<Reading>> = vec![None; count];
        let mut previous: Option<(Vec<i64>, Vec<i64>)> = None;
        for col in &self.columns {
            let ch = col.channel.0;
            let bad = |what| BatchError::Malformed { channel: ch, what };
            let coding = coding(col.channel).ok_or(BatchError::UnknownChannel(ch))?;
            let mut offsets = col.seq_offsets.decode(self.count).map_err(bad)?;
            let n = offsets.len();
            let n32 = col.seq_offsets.len;
            let mut times = col.times.decode(n32).map_err(bad)?;
            if col.relative {
                let Some((po, pt)) = previous.as_ref().filter(|(po, _)| po.len() == n) else {
                    return Err(bad(
                        "relative column without a previous column of the same length",
                    ));
                };
                if times.len() != n {
                    return Err(bad("columns of different lengths"));
                }
                add_into(&mut offsets, po);
                add_into(&mut times, pt);
            }
            let raw = col.raw.decode(n32).map_err(bad)?;
            if times.len() != n || raw.len() != n {
                return Err(bad("columns of different lengths"));
            }
            let totals = match (&col.totals, coding) {
                (Some(t), Coding::Counter { .. }) => {
                    let t = t.decode(n32).map_err(bad)?;
                    if t.len() != n {
                        return Err(bad("columns of different lengths"));
                    }
                    Some(t)
                }
                (None, Coding::Counter { .. }) => return Err(bad("counter column without totals")),
                (Some(_), _) => return Err(bad("totals on a non-counter channel")),
                (None, _) => None,
            };
            let mut qualities = Vec::with_capacity(n);
            for run in &col.quality {
                if run.run as usize > n - qualities.len() {
                    return Err(bad("quality runs exceed the column length"));
                }
                qualities.resize(qualities.len() + run.run as usize, run.quality);
            }
            if qualities.len() != n {
                return Err(bad("quality runs do not cover the column"));
            }
            for i in 0..n {
                let offset = i64_to_u64(offsets[i]);
                let slot = usize::try_from(offset)
                    .ok()
                    .filter(|o| *o < count)
                    .ok_or(bad("seq offset outside the batch"))?;
                if slots[slot].is_some() {
                    return Err(BatchError::Coverage { offset, times: 2 });
                }
                let total_pulses = totals.as_ref().map(|t| i64_to_u64(t[i]));
                slots[slot] = Some(Reading {
                    seq: Seq(self.first_seq.0 + offset),
                    channel: col.channel,
                    time: UtcMillis(times[i]),
                    raw: raw[i],
                    total_pulses,
                    value: coding.value(raw[i], total_pulses),
                    quality: qualities[i],
                });
            }
            for &(idx, value) in &col.values.overrides {
                let i = idx as usize;
                let offset = offsets
                    .get(i)
                    .ok_or(bad("value override outside the column"))?;
                let slot =
                    usize::try_from(*offset).map_err(|_| bad("seq offset outside the batch"))?;
                if let Some(Some(r)) = slots.get_mut(slot) {
                    r.value = value;
                }
            }
            previous = Some((offsets, times));
        }
        slots
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                s.ok_or(BatchError::Coverage {
                    offset: i as u64,
                    times: 0,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(values: &[i64], expected_tokens: usize) {
        let col = IntColumn::encode(values);
        assert_eq!(
            col.decode(u32::MAX).unwrap(),
            values,
            "round trip of {values:?}"
        );
        assert_eq!(
            col.tokens.len(),
            expected_tokens,
            "encoded size of {values:?}: {col:?}"
        );
    }

    #[test]
    fn int_column_sizes() {
        check(&[], 0);
        check(&[0], 1);
        check(&[5, 5, 5, 5], 2);
        // A steady 1 s clock: seed, first delta, one zero run.
        check(
            &[
                1_700_000_000_000,
                1_700_000_001_000,
                1_700_000_002_000,
                1_700_000_003_000,
            ],
            10,
        );
        check(&[i64::MIN, i64::MAX, 0, -1], 22);
        check(&[10, 20, 30, 40, 50, 60, 70], 3);
        check(&[3, 1, 4, 1, 5, 9, 2, 6], 8);
    }

    #[test]
    fn zigzag_round_trips_extremes() {
        for v in [0, 1, -1, i64::MAX, i64::MIN, 63, -64] {
            assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

    #[test]
    fn hostile_zero_run_is_refused_before_allocation() {
        let mut tokens = Vec::new();
        put_leb(&mut tokens, (u128::from(u64::MAX) << 1) | 1);
        let col = IntColumn {
            len: 3,
            order: 0,
            tokens,
        };
        assert_eq!(col.decode(3), Err("zero run overflows the column"));
        let col = IntColumn {
            len: u32::MAX,
            order: 0,
            tokens: vec![],
        };
        assert_eq!(col.decode(10), Err("length exceeds the batch count"));
    }

    #[test]
    fn batch_round_trip_with_override_and_counter() {
        let coding = |c: ChannelId| match c.0 {
            1 => Some(Coding::Linear {
                scale: 0.1,
                offset: 0.0,
            }),
            2 => Some(Coding::Counter { m3_per_pulse: 0.01 }),
            _ => None,
        };
        let mut readings = Vec::new();
        let mut seq = 1;
        for i in 0..10i64 {
            let t = UtcMillis(1_000_000 + i * 1000);
            let raw = 100 + i;
            let value = if i == 3 {
                f64::NAN
            } else {
                coding(ChannelId(1)).unwrap().value(raw, None)
            };
            readings.push(Reading {
                seq: Seq(seq),
                channel: ChannelId(1),
                time: t,
                raw,
                total_pulses: None,
                value,
                quality: crate::Quality::Good,
            });
            seq += 1;
            let total = u64::try_from(i * 7).unwrap();
            readings.push(Reading {
                seq: Seq(seq),
                channel: ChannelId(2),
                time: t,
                raw: i * 7,
                total_pulses: Some(total),
                value: coding(ChannelId(2)).unwrap().value(0, Some(total)),
                quality: crate::Quality::Good,
            });
            seq += 1;
        }
        let batch = encode_batch(Epoch(9), &readings, coding).unwrap();
        assert_eq!(batch.columns[0].values.overrides.len(), 1);
        let back = batch.readings(coding).unwrap();
        assert_eq!(back.len(), readings.len());
        for (a, b) in back.iter().zip(&readings) {
            assert!(a.same_as(b), "{a:?} != {b:?}");
        }
        assert_eq!(batch.last_seq(), Seq(20));
    }

    #[test]
    fn channels_polled_together_are_coded_relative_to_the_first() {
        let lin = |_| {
            Some(Coding::Linear {
                scale: 1.0,
                offset: 0.0,
            })
        };
        let mut readings = Vec::new();
        let mut seq = 1;
        // Two devices polled at irregular moments, three channels each, interleaved.
        for (k, t) in [0i64, 990, 2013, 2995, 4002].into_iter().enumerate() {
            for dev in [0u32, 1] {
                for ch in 0..3 {
                    let time = UtcMillis(t + i64::from(dev) * 333);
                    let raw = i64::try_from(k).unwrap() * 10 + i64::from(ch);
                    readings.push(Reading {
                        seq: Seq(seq),
                        channel: ChannelId(dev * 3 + ch),
                        time,
                        raw,
                        total_pulses: None,
                        value: raw as f64,
                        quality: crate::Quality::Good,
                    });
                    seq += 1;
                }
            }
        }
        let batch = encode_batch(Epoch(1), &readings, lin).unwrap();
        let relative: Vec<bool> = batch.columns.iter().map(|c| c.relative).collect();
        assert_eq!(relative, [false, true, true, true, true, true]);
        let back = batch.readings(lin).unwrap();
        assert!(back.iter().zip(&readings).all(|(a, b)| a.same_as(b)));
        // A relative first column is refused.
        let mut broken = batch.clone();
        broken.columns[0].relative = true;
        assert!(matches!(
            broken.readings(lin),
            Err(BatchError::Malformed { .. })
        ));
    }

    #[test]
    fn gap_in_seqs_is_refused() {
        let r = |s| Reading {
            seq: Seq(s),
            channel: ChannelId(1),
            time: UtcMillis(0),
            raw: 0,
            total_pulses: None,
            value: 0.0,
            quality: crate::Quality::Good,
        };
        let err = encode_batch(Epoch(1), &[r(1), r(3)], |_| {
            Some(Coding::Linear {
                scale: 1.0,
                offset: 0.0,
            })
        })
        .unwrap_err();
        assert_eq!(
            err,
            BatchError::NotContiguous {
                expected: 2,
                found: 3
            }
        );
    }
}
