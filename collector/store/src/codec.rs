//! How protocol values are spelled in the database (both backends alike).
//!
//! - [`Quality`] is text: `good`, `suspect:<reason>`, `bad:<reason>`, where a
//!   reason is `timeout`, `out_of_range`, ..., `exception:<code>` or `other:<n>`.
//!   Text keeps the tables readable by hand and costs 4 bytes for `good`.
//! - [`Variable`] is its wire index (the `variables` table is seeded with it).
//! - An [`Epoch`] (u64) is bit-cast to i64; seqs above `i64::MAX` are refused.

use caudal_protocol::{Epoch, Quality, Reason, Variable};

use crate::StoreError;

/// The database spelling of a quality code.
#[must_use]
pub fn quality_to_text(q: Quality) -> std::borrow::Cow<'static, str> {
    match q {
        Quality::Good => std::borrow::Cow::Borrowed("good"),
        Quality::Suspect(r) => format!("suspect:{}", reason_to_text(r)).into(),
        Quality::Bad(r) => format!("bad:{}", reason_to_text(r)).into(),
    }
}

fn reason_to_text(r: Reason) -> String {
    match r {
        Reason::Exception(c) => format!("exception:{c}"),
        Reason::Timeout => "timeout".to_owned(),
        Reason::OutOfRange => "out_of_range".to_owned(),
        Reason::CounterReset => "counter_reset".to_owned(),
        Reason::TotalReset => "total_reset".to_owned(),
        Reason::LevelAboveMax => "level_above_max".to_owned(),
        Reason::FlowWithoutTotal => "flow_without_total".to_owned(),
        Reason::LevelWithoutVolume => "level_without_volume".to_owned(),
        Reason::ImpossibleTime => "impossible_time".to_owned(),
        Reason::DecodeFailed => "decode_failed".to_owned(),
        Reason::SensorFault => "sensor_fault".to_owned(),
        Reason::Stuck => "stuck".to_owned(),
        Reason::Other(n) => format!("other:{n}"),
    }
}

fn reason_from_text(s: &str) -> Option<Reason> {
    Some(match s {
        "timeout" => Reason::Timeout,
        "out_of_range" => Reason::OutOfRange,
        "counter_reset" => Reason::CounterReset,
        "total_reset" => Reason::TotalReset,
        "level_above_max" => Reason::LevelAboveMax,
        "flow_without_total" => Reason::FlowWithoutTotal,
        "level_without_volume" => Reason::LevelWithoutVolume,
        "impossible_time" => Reason::ImpossibleTime,
        "decode_failed" => Reason::DecodeFailed,
        "sensor_fault" => Reason::SensorFault,
        "stuck" => Reason::Stuck,
        _ => {
            if let Some(c) = s.strip_prefix("exception:") {
                Reason::Exception(c.parse().ok()?)
            } else {
                Reason::Other(s.strip_prefix("other:")?.parse().ok()?)
            }
        }
    })
}

/// Parse the database spelling of a quality code.
#[must_use]
pub fn quality_from_text(s: &str) -> Option<Quality> {
    if s == "good" {
        return Some(Quality::Good);
    }
    if let Some(r) = s.strip_prefix("suspect:") {
        return reason_from_text(r).map(Quality::Suspect);
    }
    reason_from_text(s.strip_prefix("bad:")?).map(Quality::Bad)
}

/// A stored quality code read back from `table`.
///
/// # Errors
/// [`StoreError::Corrupt`] when the text is not a quality code.
pub fn quality_from_db(table: &'static str, s: &str) -> Result<Quality, StoreError> {
    quality_from_text(s).ok_or_else(|| StoreError::corrupt(table, "quality", s))
}

/// A stored variable id read back from `table`.
///
/// # Errors
/// [`StoreError::Corrupt`] when no variable has this id.
pub fn variable_from_db(table: &'static str, id: i64) -> Result<Variable, StoreError> {
    variable_from_id(id).ok_or_else(|| StoreError::corrupt(table, "variable_id", id))
}

/// The id of a variable in the `variables` table.
#[must_use]
pub fn variable_id(v: Variable) -> i64 {
    Variable::ALL
        .iter()
        .position(|x| *x == v)
        .and_then(|i| i64::try_from(i).ok())
        .unwrap_or(-1)
}

/// The variable of a `variables` id.
#[must_use]
pub fn variable_from_id(id: i64) -> Option<Variable> {
    usize::try_from(id)
        .ok()
        .and_then(|i| Variable::ALL.get(i).copied())
}

/// An epoch as stored.
#[must_use]
pub fn epoch_to_db(e: Epoch) -> i64 {
    i64::from_ne_bytes(e.0.to_ne_bytes())
}

/// An epoch as read back.
#[must_use]
pub fn epoch_from_db(v: i64) -> Epoch {
    Epoch(u64::from_ne_bytes(v.to_ne_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities_round_trip() {
        let reasons = [
            Reason::Exception(2),
            Reason::Timeout,
            Reason::OutOfRange,
            Reason::CounterReset,
            Reason::TotalReset,
            Reason::LevelAboveMax,
            Reason::FlowWithoutTotal,
            Reason::LevelWithoutVolume,
            Reason::ImpossibleTime,
            Reason::DecodeFailed,
            Reason::SensorFault,
            Reason::Stuck,
            Reason::Other(65535),
        ];
        assert_eq!(quality_from_text("good"), Some(Quality::Good));
        for r in reasons {
            for q in [Quality::Suspect(r), Quality::Bad(r)] {
                assert_eq!(quality_from_text(&quality_to_text(q)), Some(q), "{q:?}");
            }
        }
        assert_eq!(
            quality_to_text(Quality::Bad(Reason::Exception(2))),
            "bad:exception:2"
        );
        assert_eq!(quality_from_text("bad:exception:999"), None);
        assert_eq!(quality_from_text("meh"), None);
    }

    #[test]
    fn ids_and_epochs_round_trip() {
        for v in Variable::ALL {
            assert_eq!(variable_from_id(variable_id(v)), Some(v));
        }
        assert_eq!(variable_from_id(13), None);
        for e in [0, 1, u64::MAX, 1 << 63] {
            assert_eq!(epoch_from_db(epoch_to_db(Epoch(e))), Epoch(e));
        }
    }
}
