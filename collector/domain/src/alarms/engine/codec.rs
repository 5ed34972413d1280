//! The persisted evaluation state of one series: a versioned, compact,
//! hand-written binary format (no serde: STYLE rule 18 keeps domain types
//! unserialised, and this format must stay readable across releases).
//!
//! # Format, version 1
//!
//! Integers marked *varint* are LEB128 (7 bits per byte, low first, at most
//! 10 bytes); *zz* means zigzag-mapped first (`(n << 1) ^ (n >> 63)`), so
//! small negative numbers stay short. Times are stored as offsets from the
//! watermark, which keeps them to a few bytes.
//!
//! ```text
//! u8        version = 1
//! zz varint watermark                      (ms since the epoch)
//! zz varint watermark − last_event
//! zz varint last_arrival − last_event
//! varint    rule count                     (≤ MAX_RULES_PER_SERIES)
//! per rule:
//!   u32 LE  FNV-1a of the rule name
//!   u32 LE  rule fingerprint               (state is reused only under the same one)
//!   u8      bits 0-2: raised severity (0 none, 1 indeterminate … 5 critical); bit 3: holding
//!   u8      condition count                (1..=6: the create conditions, then the clear rule)
//!   per condition:
//!     u8    bit 0 last, 1 relaxed, 2 fired, 3 has since, 4 has count,
//!           5 has last_data, 6 has rate anchors; bit 7 zero
//!     [zz varint watermark − since]
//!     [varint    count]
//!     [zz varint watermark − last_data]
//!     [u8 anchors (≤ 6); per anchor: zz varint watermark − time, f64 LE value]
//! u32 LE    CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of every byte before it
//! ```
//!
//! A typical rule (one create condition and the clear) takes 14–20 bytes
//! (ten rules: 185 bytes in the benchmark); the widest possible state (64
//! rules of six conditions, every field at its widest) is 52 516 bytes,
//! below [`MAX_STATE_BYTES`] (a test builds it). Decoding checks
//! the length bound, the checksum, every count and every flag, and never
//! panics on any input.

use super::eval::{CondState, NEVER, NONE, RATE_RING, RateRing, RuleState, SchedCache};
use super::{BoundRule, MAX_RULES_PER_SERIES, SeriesState};
use crate::Severity;

/// The format version written.
pub const VERSION: u8 = 1;
/// The largest encoded state of one series, bytes.
pub const MAX_STATE_BYTES: usize = 64 * 1024;
/// The most conditions of one rule: five create rules and the clear.
const MAX_CONDS: u8 = 6;

/// Bytes that are not a valid series state.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StateDecodeError {
    /// The bytes end early.
    #[error("series state truncated at byte {offset}")]
    Truncated {
        /// Where more was expected.
        offset: usize,
    },
    /// Longer than any valid state.
    #[error("series state of {len} bytes exceeds the {MAX_STATE_BYTES}-byte bound")]
    TooLarge {
        /// Length given.
        len: usize,
    },
    /// A version this build does not read.
    #[error("series state version {0} is not supported (this build reads version {VERSION})")]
    UnknownVersion(u8),
    /// The checksum does not match: the bytes were damaged.
    #[error("series state checksum mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    Checksum {
        /// The stored CRC.
        stored: u32,
        /// The CRC of the bytes.
        computed: u32,
    },
    /// A varint runs past 10 bytes.
    #[error("series state varint too long at byte {offset}")]
    Varint {
        /// Where it starts.
        offset: usize,
    },
    /// A count beyond its bound.
    #[error("series state {what} count {count} at byte {offset} exceeds {max}")]
    Count {
        /// What is counted.
        what: &'static str,
        /// The count read.
        count: u64,
        /// The bound.
        max: u64,
        /// Where.
        offset: usize,
    },
    /// A flag byte with bits that mean nothing.
    #[error("series state flags {flags:#04x} at byte {offset} are not valid")]
    Flags {
        /// The byte.
        flags: u8,
        /// Where.
        offset: usize,
    },
    /// A time offset that lands outside the representable range.
    #[error("series state time at byte {offset} is out of range")]
    Time {
        /// Where.
        offset: usize,
    },
    /// Bytes left over after the state.
    #[error("series state has {extra} trailing bytes")]
    Trailing {
        /// How many.
        extra: usize,
    },
}

/// One rule's saved state, before matching it to the current rules.
pub(crate) struct SavedRule {
    pub(crate) name_hash: u32,
    pub(crate) fingerprint: u32,
    pub(crate) state: RuleState,
}

/// A decoded series state.
pub(crate) struct Snapshot {
    pub(crate) watermark: i64,
    pub(crate) last_event: i64,
    pub(crate) last_arrival: i64,
    pub(crate) rules: Vec<SavedRule>,
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        #[expect(clippy::cast_possible_truncation, reason = "i < 256")]
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// CRC-32 (IEEE 802.3).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xFFFF_FFFFu32;
    for b in bytes {
        c = CRC_TABLE[usize::from(c.to_le_bytes()[0] ^ *b)] ^ (c >> 8);
    }
    c ^ 0xFFFF_FFFF
}

fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v.to_le_bytes()[0] | 0x80);
        v >>= 7;
    }
    buf.push(v.to_le_bytes()[0]);
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)).cast_unsigned()
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1).cast_signed() ^ -((v & 1).cast_signed())
}

fn put_zz(buf: &mut Vec<u8>, n: i64) {
    put_varint(buf, zigzag(n));
}

fn severity_code(s: Option<Severity>) -> u8 {
    s.map_or(0, |s| s.rank() + 1)
}

fn severity_from(code: u8) -> Option<Option<Severity>> {
    match code {
        0 => Some(None),
        c => Severity::ALL
            .into_iter()
            .find(|s| s.rank() + 1 == c)
            .map(Some),
    }
}

/// Append the encoding of a series' state.
pub(crate) fn encode(st: &SeriesState, rules: &[BoundRule], buf: &mut Vec<u8>) {
    let start = buf.len();
    let w = st.watermark;
    buf.push(VERSION);
    put_zz(buf, w);
    put_zz(buf, w.wrapping_sub(st.last_event));
    put_zz(buf, st.last_arrival.wrapping_sub(st.last_event));
    put_varint(buf, rules.len() as u64);
    for (rule, rs) in rules.iter().zip(&st.rules) {
        buf.extend_from_slice(&rule.name_hash.to_le_bytes());
        buf.extend_from_slice(&rule.fingerprint.to_le_bytes());
        buf.push(severity_code(rs.active) | (u8::from(rs.holding) << 3));
        #[expect(
            clippy::cast_possible_truncation,
            reason = "at most six conditions per rule"
        )]
        buf.push(rs.conds.len() as u8);
        for c in &rs.conds {
            let flags = u8::from(c.last)
                | u8::from(c.relaxed) << 1
                | u8::from(c.fired) << 2
                | u8::from(c.since != NONE) << 3
                | u8::from(c.count != 0) << 4
                | u8::from(c.last_data != NONE) << 5
                | u8::from(c.rate.is_some()) << 6;
            buf.push(flags);
            if c.since != NONE {
                put_zz(buf, w.wrapping_sub(c.since));
            }
            if c.count != 0 {
                put_varint(buf, u64::from(c.count));
            }
            if c.last_data != NONE {
                put_zz(buf, w.wrapping_sub(c.last_data));
            }
            if let Some(ring) = &c.rate {
                #[expect(
                    clippy::cast_possible_truncation,
                    reason = "the ring holds at most six anchors"
                )]
                buf.push(ring.anchors.len() as u8);
                for (t, v) in &ring.anchors {
                    put_zz(buf, w.wrapping_sub(*t));
                    buf.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
    }
    let crc = crc32(&buf[start..]);
    buf.extend_from_slice(&crc.to_le_bytes());
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn u8(&mut self) -> Result<u8, StateDecodeError> {
        let v = *self
            .b
            .get(self.at)
            .ok_or(StateDecodeError::Truncated { offset: self.at })?;
        self.at += 1;
        Ok(v)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StateDecodeError> {
        let end = self.at.checked_add(N).filter(|e| *e <= self.b.len());
        let end = end.ok_or(StateDecodeError::Truncated { offset: self.at })?;
        let mut out = [0u8; N];
        out.copy_from_slice(&self.b[self.at..end]);
        self.at = end;
        Ok(out)
    }

    fn varint(&mut self) -> Result<u64, StateDecodeError> {
        let start = self.at;
        let mut v: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let part = u64::from(byte & 0x7f);
            if i == 9 && byte > 1 {
                return Err(StateDecodeError::Varint { offset: start });
            }
            v |= part << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(StateDecodeError::Varint { offset: start })
    }

    fn zz(&mut self) -> Result<i64, StateDecodeError> {
        self.varint().map(unzigzag)
    }

    /// A time stored as `base − t`.
    fn time_before(&mut self, base: i64) -> Result<i64, StateDecodeError> {
        let offset = self.at;
        let delta = self.zz()?;
        base.checked_sub(delta)
            .filter(|t| *t != NONE && *t != NEVER)
            .ok_or(StateDecodeError::Time { offset })
    }
}

/// Decode a series state written by [`encode`].
pub(crate) fn decode(bytes: &[u8]) -> Result<Snapshot, StateDecodeError> {
    if bytes.len() > MAX_STATE_BYTES {
        return Err(StateDecodeError::TooLarge { len: bytes.len() });
    }
    let Some(body_len) = bytes.len().checked_sub(4) else {
        return Err(StateDecodeError::Truncated {
            offset: bytes.len(),
        });
    };
    let (body, tail) = bytes.split_at(body_len);
    let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let computed = crc32(body);
    if stored != computed {
        return Err(StateDecodeError::Checksum { stored, computed });
    }
    let mut r = Reader { b: body, at: 0 };
    let version = r.u8()?;
    if version != VERSION {
        return Err(StateDecodeError::UnknownVersion(version));
    }
    let at = r.at;
    let watermark = r.zz()?;
    if watermark == NONE || watermark == NEVER {
        return Err(StateDecodeError::Time { offset: at });
    }
    let last_event = r.time_before(watermark)?;
    let at = r.at;
    let arrival_delta = r.zz()?;
    let last_arrival = last_event
        .checked_add(arrival_delta)
        .ok_or(StateDecodeError::Time { offset: at })?;
    let at = r.at;
    let n = r.varint()?;
    if n > MAX_RULES_PER_SERIES as u64 {
        return Err(StateDecodeError::Count {
            what: "rule",
            count: n,
            max: MAX_RULES_PER_SERIES as u64,
            offset: at,
        });
    }
    let mut rules = Vec::new();
    for _ in 0..n {
        let name_hash = u32::from_le_bytes(r.array::<4>()?);
        let fingerprint = u32::from_le_bytes(r.array::<4>()?);
        let at = r.at;
        let flags = r.u8()?;
        let active = severity_from(flags & 0b111)
            .filter(|_| flags & !0b1111 == 0)
            .ok_or(StateDecodeError::Flags { flags, offset: at })?;
        let holding = flags & 0b1000 != 0;
        let at = r.at;
        let count = r.u8()?;
        if count == 0 || count > MAX_CONDS {
            return Err(StateDecodeError::Count {
                what: "condition",
                count: u64::from(count),
                max: u64::from(MAX_CONDS),
                offset: at,
            });
        }
        let mut conds = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            conds.push(decode_cond(&mut r, watermark)?);
        }
        rules.push(SavedRule {
            name_hash,
            fingerprint,
            state: RuleState {
                active,
                holding,
                conds,
                deadline: NEVER,
                sched: SchedCache::EMPTY,
            },
        });
    }
    if r.at != body.len() {
        return Err(StateDecodeError::Trailing {
            extra: body.len() - r.at,
        });
    }
    Ok(Snapshot {
        watermark,
        last_event,
        last_arrival,
        rules,
    })
}

fn decode_cond(r: &mut Reader<'_>, w: i64) -> Result<CondState, StateDecodeError> {
    let at = r.at;
    let flags = r.u8()?;
    if flags & 0x80 != 0 {
        return Err(StateDecodeError::Flags { flags, offset: at });
    }
    let since = if flags & 0b1000 != 0 {
        r.time_before(w)?
    } else {
        NONE
    };
    let count = if flags & 0b1_0000 != 0 {
        let at = r.at;
        let c = r.varint()?;
        match u32::try_from(c) {
            Ok(c) if c != 0 => c,
            _ => {
                return Err(StateDecodeError::Count {
                    what: "repeat",
                    count: c,
                    max: u64::from(u32::MAX),
                    offset: at,
                });
            }
        }
    } else {
        0
    };
    let last_data = if flags & 0b10_0000 != 0 {
        r.time_before(w)?
    } else {
        NONE
    };
    let rate = if flags & 0b100_0000 != 0 {
        let at = r.at;
        let n = r.u8()?;
        if usize::from(n) > RATE_RING {
            return Err(StateDecodeError::Count {
                what: "rate anchor",
                count: u64::from(n),
                max: RATE_RING as u64,
                offset: at,
            });
        }
        let mut anchors = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let t = r.time_before(w)?;
            let v = f64::from_le_bytes(r.array::<8>()?);
            anchors.push((t, v));
        }
        Some(Box::new(RateRing { anchors }))
    } else {
        None
    };
    Ok(CondState {
        last: flags & 1 != 0,
        relaxed: flags & 0b10 != 0,
        fired: flags & 0b100 != 0,
        since,
        count,
        last_data,
        rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_the_check_value() {
        // The standard check value of CRC-32/ISO-HDLC: CRC of "123456789".
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn zigzag_round_trips_extremes() {
        for n in [0, 1, -1, 63, -64, i64::MAX, i64::MIN] {
            assert_eq!(unzigzag(zigzag(n)), n);
        }
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
    }

    #[test]
    fn varints_longer_than_ten_bytes_or_overflowing_are_refused() {
        let mut r = Reader {
            b: &[0xff; 11],
            at: 0,
        };
        assert_eq!(r.varint(), Err(StateDecodeError::Varint { offset: 0 }));
        let mut buf = Vec::new();
        put_varint(&mut buf, u64::MAX);
        assert_eq!(buf.len(), 10);
        let mut r = Reader { b: &buf, at: 0 };
        assert_eq!(r.varint(), Ok(u64::MAX));
        // A tenth byte above 1 would overflow 64 bits.
        let mut bad = buf.clone();
        bad[9] = 2;
        let mut r = Reader { b: &bad, at: 0 };
        assert_eq!(r.varint(), Err(StateDecodeError::Varint { offset: 0 }));
    }
}
