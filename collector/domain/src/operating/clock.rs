//! Impossible timestamps and skewed agent clocks (DESIGN "Time is data":
//! impossible timestamps are flagged, not dropped).
//!
//! The collector measures each agent's clock skew at the handshake:
//! `skew = agent clock − collector clock` (positive when the agent is
//! ahead). A reading stamped `t` that reaches the collector at `arrived` is
//! impossible when
//! - it lies in the future: `t − arrived > skew + future_tolerance`, i.e.
//!   ahead even of the agent's own measured clock by more than the
//!   tolerance; or
//! - it jumps back: `t < previous − back_tolerance`, where `previous` is the
//!   latest time of the same channel's earlier readings (in seq order).
//!
//! An agent whose handshake skew exceeds `skew_limit` (either sign) is
//! flagged, and so are its readings: their times are consistent with the
//! agent's clock but that clock is wrong. Both kinds get
//! `Reason::ImpossibleTime`; only [`TimeFault`]s make a reading unusable in
//! event time ([`TimeVerdict::usable_in_event_time`]): a reading from the
//! future would otherwise hold back every later reading of its series.

use caudal_protocol::{Quality, Reason, UtcMillis};

/// The limits of the time checks. `Default` is tuned for agents polling every
/// few seconds to a minute over a cellular link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockPolicy {
    /// How far ahead of the agent's measured clock a reading may be, ms.
    /// Default 120 000 (two minutes: the skew measured at the handshake
    /// drifts, and a batch may be stamped before it is sent).
    pub future_tolerance_ms: i64,
    /// How far behind the channel's latest reading a reading may be, ms.
    /// Default 0: a channel's clock never goes back.
    pub back_tolerance_ms: i64,
    /// The largest handshake skew (either sign) an agent may have, ms.
    /// Default 60 000: beyond a minute, hourly regulator slots are at risk.
    pub skew_limit_ms: i64,
}

impl Default for ClockPolicy {
    fn default() -> ClockPolicy {
        ClockPolicy {
            future_tolerance_ms: 120_000,
            back_tolerance_ms: 0,
            skew_limit_ms: 60_000,
        }
    }
}

/// What is impossible about a reading's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeFault {
    /// Ahead of the agent's measured clock by this many ms (beyond the tolerance).
    Future {
        /// `t − (arrived + skew)`.
        ahead_ms: i64,
    },
    /// Behind the channel's latest earlier reading by this many ms.
    Backwards {
        /// `previous − t`.
        back_ms: i64,
    },
}

/// The verdict on one reading's time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeVerdict {
    /// Plausible.
    Ok,
    /// Plausible for its agent, but the agent's clock is skewed beyond the limit.
    SkewedAgent,
    /// Impossible.
    Impossible(TimeFault),
}

impl TimeVerdict {
    /// Whether the reading may be placed in its series' event time (the
    /// alarm engine, the operating record). A skewed agent's readings are:
    /// their order is right, only their offset is off.
    #[must_use]
    pub fn usable_in_event_time(self) -> bool {
        !matches!(self, TimeVerdict::Impossible(_))
    }

    /// The reading's quality with the verdict applied. `ImpossibleTime`
    /// replaces any other reason, because a reading whose time cannot be
    /// trusted cannot be placed in a series; a bad reading stays bad and
    /// every other one becomes suspect (the value itself may be right).
    #[must_use]
    pub fn apply(self, quality: Quality) -> Quality {
        match (self, quality) {
            (TimeVerdict::Ok, q) => q,
            (_, Quality::Bad(_)) => Quality::Bad(Reason::ImpossibleTime),
            (_, Quality::Good | Quality::Suspect(_)) => Quality::Suspect(Reason::ImpossibleTime),
        }
    }
}

impl ClockPolicy {
    /// Whether an agent with this handshake skew is flagged.
    #[must_use]
    pub fn agent_flagged(&self, skew_ms: i64) -> bool {
        skew_ms.unsigned_abs() > self.skew_limit_ms.unsigned_abs()
    }

    /// The impossibility of a reading's time, if any (see the module docs).
    /// `previous` is the latest time among the channel's earlier readings.
    #[must_use]
    pub fn fault(
        &self,
        time: UtcMillis,
        arrived: UtcMillis,
        skew_ms: i64,
        previous: Option<UtcMillis>,
    ) -> Option<TimeFault> {
        let agent_now = arrived.0.saturating_add(skew_ms);
        let ahead = time.0.saturating_sub(agent_now);
        if ahead > self.future_tolerance_ms {
            return Some(TimeFault::Future { ahead_ms: ahead });
        }
        if let Some(prev) = previous {
            let back = prev.0.saturating_sub(time.0);
            if back > self.back_tolerance_ms {
                return Some(TimeFault::Backwards { back_ms: back });
            }
        }
        None
    }

    /// The full verdict on a reading of an agent with this skew.
    #[must_use]
    pub fn verdict(
        &self,
        time: UtcMillis,
        arrived: UtcMillis,
        skew_ms: i64,
        previous: Option<UtcMillis>,
    ) -> TimeVerdict {
        match self.fault(time, arrived, skew_ms, previous) {
            Some(f) => TimeVerdict::Impossible(f),
            None if self.agent_flagged(skew_ms) => TimeVerdict::SkewedAgent,
            None => TimeVerdict::Ok,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: ClockPolicy = ClockPolicy {
        future_tolerance_ms: 1_000,
        back_tolerance_ms: 0,
        skew_limit_ms: 5_000,
    };

    #[test]
    fn future_is_measured_against_the_agents_own_clock() {
        let now = UtcMillis(100_000);
        // No skew: exactly the tolerance ahead is fine, 1 ms more is not.
        assert_eq!(P.fault(UtcMillis(101_000), now, 0, None), None);
        assert_eq!(
            P.fault(UtcMillis(101_001), now, 0, None),
            Some(TimeFault::Future { ahead_ms: 1_001 })
        );
        // An agent 3 s ahead stamps 3 s ahead legitimately.
        assert_eq!(P.fault(UtcMillis(104_000), now, 3_000, None), None);
        assert_eq!(
            P.fault(UtcMillis(104_001), now, 3_000, None),
            Some(TimeFault::Future { ahead_ms: 1_001 })
        );
        // An agent 10 s behind that stamps 5 s ahead of the collector has jumped.
        assert_eq!(
            P.fault(UtcMillis(105_000), now, -10_000, None),
            Some(TimeFault::Future { ahead_ms: 15_000 })
        );
    }

    #[test]
    fn a_jump_back_against_the_channel_is_impossible_an_equal_time_is_not() {
        let now = UtcMillis(100_000);
        let prev = Some(UtcMillis(90_000));
        assert_eq!(P.fault(UtcMillis(90_000), now, 0, prev), None);
        assert_eq!(
            P.fault(UtcMillis(89_999), now, 0, prev),
            Some(TimeFault::Backwards { back_ms: 1 })
        );
        let lenient = ClockPolicy {
            back_tolerance_ms: 500,
            ..P
        };
        assert_eq!(lenient.fault(UtcMillis(89_500), now, 0, prev), None);
    }

    #[test]
    fn an_agent_beyond_the_skew_limit_is_flagged_either_way() {
        assert!(!P.agent_flagged(5_000));
        assert!(P.agent_flagged(5_001));
        assert!(P.agent_flagged(-5_001));
        let v = P.verdict(UtcMillis(100_000), UtcMillis(100_000), 6_000, None);
        assert_eq!(v, TimeVerdict::SkewedAgent);
        assert!(v.usable_in_event_time());
        assert_eq!(
            v.apply(Quality::Good),
            Quality::Suspect(Reason::ImpossibleTime)
        );
    }

    #[test]
    fn impossible_readings_are_flagged_not_dropped_and_not_placed_in_time() {
        let v = P.verdict(UtcMillis(200_000), UtcMillis(100_000), 0, None);
        assert!(matches!(
            v,
            TimeVerdict::Impossible(TimeFault::Future { .. })
        ));
        assert!(!v.usable_in_event_time());
        assert_eq!(
            v.apply(Quality::Suspect(Reason::Stuck)),
            Quality::Suspect(Reason::ImpossibleTime)
        );
        assert_eq!(
            v.apply(Quality::Bad(Reason::SensorFault)),
            Quality::Bad(Reason::ImpossibleTime)
        );
        assert_eq!(TimeVerdict::Ok.apply(Quality::Good), Quality::Good);
    }

    #[test]
    fn extreme_inputs_do_not_overflow() {
        let v = P.fault(
            UtcMillis(i64::MAX),
            UtcMillis(i64::MIN),
            i64::MIN,
            Some(UtcMillis(i64::MAX)),
        );
        assert!(matches!(v, Some(TimeFault::Future { .. })));
        assert!(P.agent_flagged(i64::MIN));
    }
}
