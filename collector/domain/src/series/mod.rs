//! Time series of a point: what is read back (raw readings, hourly and daily
//! buckets, latest values), how pages continue, and the pure parts of the
//! write path: the aggregate fold ([`aggregate`]) and the idempotency ledger
//! ([`ledger`]).

pub mod aggregate;
pub mod ledger;

use caudal_protocol::{Quality, Variable};

use crate::UtcMillis;
use crate::vocab::vocabulary;

vocabulary!(
    /// Resolution of a series.
    Resolution {
        /// Every stored reading.
        Raw => "raw",
        /// UTC hours.
        Hour => "hour",
        /// UTC days.
        Day => "day",
    }
);

impl Resolution {
    /// Bucket width in ms (`None` for raw).
    #[must_use]
    pub fn period_ms(self) -> Option<i64> {
        match self {
            Resolution::Raw => None,
            Resolution::Hour => Some(crate::HOUR_MS),
            Resolution::Day => Some(crate::DAY_MS),
        }
    }
}

/// Where the next page of a series starts (opaque to API clients).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    /// After this reading of a raw series.
    Raw {
        /// Time.
        time: i64,
        /// Agent key.
        agent: i64,
        /// Epoch as stored.
        epoch: i64,
        /// Seq.
        seq: i64,
    },
    /// After this bucket start.
    Bucket(i64),
}

impl Cursor {
    /// The text form used in the API: `r<time>_<agent>_<epoch>_<seq>` or `b<bucket>`.
    #[must_use]
    pub fn encode(self) -> String {
        match self {
            Cursor::Raw {
                time,
                agent,
                epoch,
                seq,
            } => format!("r{time}_{agent}_{epoch}_{seq}"),
            Cursor::Bucket(b) => format!("b{b}"),
        }
    }

    /// Parse [`Cursor::encode`].
    #[must_use]
    pub fn decode(s: &str) -> Option<Cursor> {
        if let Some(b) = s.strip_prefix('b') {
            return b.parse().ok().map(Cursor::Bucket);
        }
        let mut parts = s.strip_prefix('r')?.split('_').map(str::parse::<i64>);
        let c = Cursor::Raw {
            time: parts.next()?.ok()?,
            agent: parts.next()?.ok()?,
            epoch: parts.next()?.ok()?,
            seq: parts.next()?.ok()?,
        };
        parts.next().is_none().then_some(c)
    }
}

/// A page request for a series. Rows have `from <= time < to` (for aggregates:
/// bucket start), in time order.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesQuery {
    /// Point code.
    pub point: String,
    /// Variable.
    pub variable: Variable,
    /// Resolution.
    pub resolution: Resolution,
    /// Inclusive start.
    pub from: UtcMillis,
    /// Exclusive end.
    pub to: UtcMillis,
    /// Continue after this row.
    pub after: Option<Cursor>,
    /// Rows per page (at least 1).
    pub limit: u32,
}

/// One stored reading of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    /// Time.
    pub time: UtcMillis,
    /// Engineering value (`None` for NaN).
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// Quality code.
    pub quality: Quality,
}

/// One bucket of an aggregated series.
#[derive(Clone, Debug, PartialEq)]
pub struct AggRow {
    /// Bucket start.
    pub bucket: UtcMillis,
    /// Readings aggregated.
    pub count: i64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub mean: f64,
    /// Value with the greatest time.
    pub last: f64,
    /// For counters: volume added in the bucket (see [`aggregate`]).
    pub increase: Option<f64>,
}

/// Rows of a series page.
#[derive(Clone, Debug, PartialEq)]
pub enum SeriesRows {
    /// Raw readings.
    Raw(Vec<RawRow>),
    /// Aggregates.
    Agg(Vec<AggRow>),
}

/// One page of a series.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesPage {
    /// The rows.
    pub rows: SeriesRows,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// The latest reading of one series.
#[derive(Clone, Debug, PartialEq)]
pub struct LatestValue {
    /// Point code.
    pub point: String,
    /// Variable.
    pub variable: Variable,
    /// Time of the reading.
    pub time: UtcMillis,
    /// Engineering value (`None` for NaN).
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// Quality code.
    pub quality: Quality,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        for c in [
            Cursor::Bucket(-5),
            Cursor::Raw {
                time: 1,
                agent: 2,
                epoch: i64::MIN,
                seq: 4,
            },
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        for bad in ["", "b", "bx", "r1_2_3", "r1_2_3_4_5", "x1", "r1_2_3_y"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
        assert_eq!(Resolution::Day.period_ms(), Some(crate::DAY_MS));
        assert_eq!(Resolution::parse("hour"), Some(Resolution::Hour));
    }
}
