//! Point events: the facts about a point or an asset that are not a
//! measured value. Trips come from the asset's status (the simulator's status
//! word, a protection relay contact); quality events come from the reasons
//! the agent's consistency rules put on readings (`caudal_protocol::Reason`).
//!
//! A reason repeats on every reading while its cause lasts (a stuck sensor
//! flags each reading), so [`EpisodeFold`] folds a channel's readings into
//! episodes: one [`PointEvent`] from the first flagged reading to the first
//! reading without the reason.

use caudal_protocol::{Quality, Reason, UtcMillis};

use crate::Lang;
use crate::vocab::vocabulary;

vocabulary!(
    /// What happened at a point or an asset. The first three are trips.
    EventKind {
        /// Trip: the pump ran dry (status word bit 1 on the simulator).
        DryRun => "dry_run",
        /// Trip: motor overcurrent / overload relay (status word bit 3).
        MotorOvercurrent => "motor_overcurrent",
        /// Trip: another protection (phase loss, undervoltage relay, ...).
        Protection => "protection",
        /// A totaliser went backwards or dropped to zero while flow was positive.
        TotalReset => "total_reset",
        /// The level is above the configured maximum.
        LevelAboveMax => "level_above_max",
        /// Flow reported without a matching increase of the total.
        FlowWithoutTotal => "flow_without_total",
        /// The level changed without the matching accumulated volume.
        LevelWithoutVolume => "level_without_volume",
        /// The value has not changed for longer than expected.
        Stuck => "stuck",
        /// The sensor reports a fault (a 4-20 mA loop below 4 mA).
        SensorFault => "sensor_fault",
        /// The value is outside the channel's configured min/max.
        OutOfRange => "out_of_range",
        /// The device's pulse counter restarted (device reboot).
        CounterReset => "counter_reset",
        /// The reading's timestamp is impossible (see [`super::clock`]).
        ImpossibleTime => "impossible_time",
    }
);

impl EventKind {
    /// The event a reading's quality reason stands for, if it is one.
    ///
    /// Communication and decoding faults (`Timeout`, `Exception`,
    /// `DecodeFailed`) are not events of the point: they mean the value is
    /// missing, which NO_DATA covers. `Other(n)` has no agreed meaning and
    /// maps to nothing rather than to a guess.
    #[must_use]
    pub fn from_reason(reason: Reason) -> Option<EventKind> {
        match reason {
            Reason::TotalReset => Some(EventKind::TotalReset),
            Reason::LevelAboveMax => Some(EventKind::LevelAboveMax),
            Reason::FlowWithoutTotal => Some(EventKind::FlowWithoutTotal),
            Reason::LevelWithoutVolume => Some(EventKind::LevelWithoutVolume),
            Reason::Stuck => Some(EventKind::Stuck),
            Reason::SensorFault => Some(EventKind::SensorFault),
            Reason::OutOfRange => Some(EventKind::OutOfRange),
            Reason::CounterReset => Some(EventKind::CounterReset),
            Reason::ImpossibleTime => Some(EventKind::ImpossibleTime),
            Reason::Exception(_) | Reason::Timeout | Reason::DecodeFailed | Reason::Other(_) => {
                None
            }
        }
    }

    /// The event a reading's quality stands for, if any.
    #[must_use]
    pub fn from_quality(quality: Quality) -> Option<EventKind> {
        match quality {
            Quality::Good => None,
            Quality::Suspect(r) | Quality::Bad(r) => EventKind::from_reason(r),
        }
    }

    /// The trip this event is, if it is one.
    #[must_use]
    pub fn trip(self) -> Option<TripKind> {
        match self {
            EventKind::DryRun => Some(TripKind::DryRun),
            EventKind::MotorOvercurrent => Some(TripKind::MotorOvercurrent),
            EventKind::Protection => Some(TripKind::Protection),
            _ => None,
        }
    }

    /// The words shown to people.
    #[must_use]
    pub fn label(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Es => match self {
                EventKind::DryRun => "marcha en seco",
                EventKind::MotorOvercurrent => "sobrecorriente del motor",
                EventKind::Protection => "disparo de protección",
                EventKind::TotalReset => "reinicio del totalizador",
                EventKind::LevelAboveMax => "nivel sobre el máximo",
                EventKind::FlowWithoutTotal => "caudal sin aumento del totalizado",
                EventKind::LevelWithoutVolume => "cambio de nivel sin volumen",
                EventKind::Stuck => "valor congelado",
                EventKind::SensorFault => "falla del sensor",
                EventKind::OutOfRange => "valor fuera de rango",
                EventKind::CounterReset => "reinicio del contador",
                EventKind::ImpossibleTime => "hora imposible",
            },
            Lang::En => match self {
                EventKind::DryRun => "dry running",
                EventKind::MotorOvercurrent => "motor overcurrent",
                EventKind::Protection => "protection trip",
                EventKind::TotalReset => "totaliser reset",
                EventKind::LevelAboveMax => "level above maximum",
                EventKind::FlowWithoutTotal => "flow without total increase",
                EventKind::LevelWithoutVolume => "level change without volume",
                EventKind::Stuck => "stuck value",
                EventKind::SensorFault => "sensor fault",
                EventKind::OutOfRange => "value out of range",
                EventKind::CounterReset => "counter reset",
                EventKind::ImpossibleTime => "impossible time",
            },
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of [`EventKind`]s, as a bit set (cheap to test on every reading).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventSet(u32);

impl EventSet {
    /// No event.
    pub const EMPTY: EventSet = EventSet(0);

    /// The set of one event.
    #[must_use]
    pub fn of(kind: EventKind) -> EventSet {
        EventSet(kind.bit())
    }

    /// This set with `kind` added.
    #[must_use]
    pub fn with(self, kind: EventKind) -> EventSet {
        EventSet(self.0 | kind.bit())
    }

    /// Whether `kind` is in the set.
    #[must_use]
    pub fn contains(self, kind: EventKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether the sets share an event.
    #[must_use]
    pub fn intersects(self, other: EventSet) -> bool {
        self.0 & other.0 != 0
    }

    /// Union.
    #[must_use]
    pub fn union(self, other: EventSet) -> EventSet {
        EventSet(self.0 | other.0)
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The events in declaration order.
    pub fn iter(self) -> impl Iterator<Item = EventKind> {
        EventKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.contains(*k))
    }

    /// The bits, for storage (bit `i` is `EventKind::ALL[i]`).
    #[must_use]
    pub fn bits(self) -> u32 {
        self.0
    }

    /// The set from [`EventSet::bits`]; `None` if a bit names no event.
    #[must_use]
    pub fn from_bits(bits: u32) -> Option<EventSet> {
        let all = EventKind::ALL
            .iter()
            .fold(0u32, |acc, kind| acc | kind.bit());
        (bits & !all == 0).then_some(EventSet(bits))
    }
}

impl FromIterator<EventKind> for EventSet {
    fn from_iter<I: IntoIterator<Item = EventKind>>(iter: I) -> EventSet {
        iter.into_iter().fold(EventSet::EMPTY, EventSet::with)
    }
}

vocabulary!(
    /// Why a pump tripped.
    TripKind {
        /// The pump ran dry (well level at the intake).
        DryRun => "dry_run",
        /// Motor overcurrent: the overload relay opened.
        MotorOvercurrent => "motor_overcurrent",
        /// Another protection opened the contactor.
        Protection => "protection",
    }
);

impl TripKind {
    /// The point event of this trip.
    #[must_use]
    pub fn event(self) -> EventKind {
        match self {
            TripKind::DryRun => EventKind::DryRun,
            TripKind::MotorOvercurrent => EventKind::MotorOvercurrent,
            TripKind::Protection => EventKind::Protection,
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The trips active at one instant, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TripSet(u8);

impl TripSet {
    /// No trip active.
    pub const NONE: TripSet = TripSet(0);

    /// The set of one trip.
    #[must_use]
    pub fn of(kind: TripKind) -> TripSet {
        TripSet(kind.bit())
    }

    /// This set with `kind` added.
    #[must_use]
    pub fn with(self, kind: TripKind) -> TripSet {
        TripSet(self.0 | kind.bit())
    }

    /// Whether `kind` is active.
    #[must_use]
    pub fn contains(self, kind: TripKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether no trip is active.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Union.
    #[must_use]
    pub fn union(self, other: TripSet) -> TripSet {
        TripSet(self.0 | other.0)
    }

    /// The trips in `self` that are not in `before`: the rising edges.
    #[must_use]
    pub fn rising_since(self, before: TripSet) -> TripSet {
        TripSet(self.0 & !before.0)
    }

    /// The trips in declaration order (the first is the most specific cause).
    pub fn iter(self) -> impl Iterator<Item = TripKind> {
        TripKind::ALL
            .iter()
            .copied()
            .filter(move |k| self.contains(*k))
    }

    /// The first trip in declaration order.
    #[must_use]
    pub fn first(self) -> Option<TripKind> {
        self.iter().next()
    }

    /// The point events of these trips.
    #[must_use]
    pub fn events(self) -> EventSet {
        self.iter().map(TripKind::event).collect()
    }

    /// The bits, for storage (bit `i` is `TripKind::ALL[i]`).
    #[must_use]
    pub fn bits(self) -> u8 {
        self.0
    }

    /// The set from [`TripSet::bits`]; `None` if a bit names no trip.
    #[must_use]
    pub fn from_bits(bits: u8) -> Option<TripSet> {
        (bits & !0b111 == 0).then_some(TripSet(bits))
    }
}

impl FromIterator<TripKind> for TripSet {
    fn from_iter<I: IntoIterator<Item = TripKind>>(iter: I) -> TripSet {
        iter.into_iter().fold(TripSet::NONE, TripSet::with)
    }
}

/// One episode of a point event: from the first reading that showed it to the
/// first reading that did not.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PointEvent {
    /// What happened.
    pub kind: EventKind,
    /// Time of the first reading that showed it.
    pub start: UtcMillis,
    /// Time of the first later reading without it; `None` while it lasts.
    pub end: Option<UtcMillis>,
    /// How many readings showed it.
    pub readings: u32,
}

/// Folds one channel's readings, in time order, into [`PointEvent`]
/// episodes. A reading whose reason is no event (a timeout) neither starts
/// nor ends an episode: it says nothing about the point.
#[derive(Clone, Debug, Default)]
pub struct EpisodeFold {
    open: Option<PointEvent>,
}

impl EpisodeFold {
    /// A fold with no open episode.
    #[must_use]
    pub fn new() -> EpisodeFold {
        EpisodeFold::default()
    }

    /// Feed the next reading; returns the episode it closed, if any.
    pub fn push(&mut self, time: UtcMillis, quality: Quality) -> Option<PointEvent> {
        if matches!(
            quality,
            Quality::Suspect(r) | Quality::Bad(r) if EventKind::from_reason(r).is_none()
        ) {
            return None;
        }
        let kind = EventKind::from_quality(quality);
        match (&mut self.open, kind) {
            (Some(open), Some(k)) if open.kind == k => {
                open.readings = open.readings.saturating_add(1);
                None
            }
            (open, k) => {
                let closed = open.take().map(|mut e| {
                    e.end = Some(time);
                    e
                });
                *open = k.map(|kind| PointEvent {
                    kind,
                    start: time,
                    end: None,
                    readings: 1,
                });
                closed
            }
        }
    }

    /// The episode still open, if any.
    #[must_use]
    pub fn open(&self) -> Option<&PointEvent> {
        self.open.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_six_agent_quality_events_become_point_events() {
        let cases = [
            (Reason::TotalReset, EventKind::TotalReset),
            (Reason::LevelAboveMax, EventKind::LevelAboveMax),
            (Reason::FlowWithoutTotal, EventKind::FlowWithoutTotal),
            (Reason::LevelWithoutVolume, EventKind::LevelWithoutVolume),
            (Reason::Stuck, EventKind::Stuck),
            (Reason::SensorFault, EventKind::SensorFault),
        ];
        for (reason, kind) in cases {
            assert_eq!(
                EventKind::from_quality(Quality::Suspect(reason)),
                Some(kind)
            );
            assert_eq!(EventKind::from_quality(Quality::Bad(reason)), Some(kind));
        }
        assert_eq!(EventKind::from_quality(Quality::Good), None);
        assert_eq!(EventKind::from_reason(Reason::Timeout), None);
        assert_eq!(EventKind::from_reason(Reason::Exception(2)), None);
        assert_eq!(EventKind::from_reason(Reason::Other(7)), None);
    }

    #[test]
    fn event_and_trip_sets_round_trip_their_bits() {
        let s: EventSet = [EventKind::Stuck, EventKind::DryRun].into_iter().collect();
        assert_eq!(EventSet::from_bits(s.bits()), Some(s));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![EventKind::DryRun, EventKind::Stuck]
        );
        assert_eq!(EventSet::from_bits(1 << 31), None);
        let t = TripSet::of(TripKind::MotorOvercurrent).with(TripKind::DryRun);
        assert_eq!(TripSet::from_bits(t.bits()), Some(t));
        assert_eq!(t.first(), Some(TripKind::DryRun));
        assert_eq!(TripSet::from_bits(0b1000), None);
        assert_eq!(
            t.rising_since(TripSet::of(TripKind::DryRun)),
            TripSet::of(TripKind::MotorOvercurrent)
        );
        assert!(t.events().contains(EventKind::MotorOvercurrent));
    }

    #[test]
    fn a_stuck_sensor_is_one_episode_not_one_event_per_reading() {
        let mut fold = EpisodeFold::new();
        let stuck = Quality::Suspect(Reason::Stuck);
        assert_eq!(fold.push(UtcMillis(0), Quality::Good), None);
        assert_eq!(fold.push(UtcMillis(10), stuck), None);
        assert_eq!(fold.push(UtcMillis(20), stuck), None);
        // A timeout says nothing about the sensor: the episode goes on.
        assert_eq!(
            fold.push(UtcMillis(25), Quality::Bad(Reason::Timeout)),
            None
        );
        assert_eq!(fold.push(UtcMillis(30), stuck), None);
        let closed = fold.push(UtcMillis(40), Quality::Good);
        assert_eq!(
            closed,
            Some(PointEvent {
                kind: EventKind::Stuck,
                start: UtcMillis(10),
                end: Some(UtcMillis(40)),
                readings: 3,
            })
        );
        assert!(fold.open().is_none());
    }

    #[test]
    fn a_new_reason_closes_the_previous_episode_and_opens_its_own() {
        let mut fold = EpisodeFold::new();
        fold.push(UtcMillis(0), Quality::Suspect(Reason::Stuck));
        let closed = fold.push(UtcMillis(5), Quality::Bad(Reason::SensorFault));
        assert_eq!(
            closed.map(|e| (e.kind, e.end)),
            Some((EventKind::Stuck, Some(UtcMillis(5))))
        );
        assert_eq!(fold.open().map(|e| e.kind), Some(EventKind::SensorFault));
    }

    #[test]
    fn labels_are_spanish_by_default_language() {
        assert_eq!(EventKind::DryRun.label(Lang::default()), "marcha en seco");
        assert_eq!(EventKind::DryRun.label(Lang::En), "dry running");
        assert_eq!(TripKind::DryRun.event().trip(), Some(TripKind::DryRun));
    }
}
