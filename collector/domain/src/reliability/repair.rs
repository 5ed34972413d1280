//! MTTR from repair events, MTBM and mean downtime.
//!
//! MTTR (SMRP Best Practices 3.5.2): total repair time / number of repair
//! events, from repair events only (a preventive task is not a repair). Where
//! the clock starts differs between editions and standards (reference §1):
//! SMRP 2009 starts "when the asset ceases to operate" (the failure); the
//! current SMRP text starts when the technician arrives (travel excluded);
//! sites also start at the work order's creation. The start is therefore a
//! named choice, [`MttrStart`], and every [`Mttr`] says which it used. The end
//! is always the restoration, after the functional test (SMRP 3.5.2).
//!
//! Each event also carries its time-to-restore components (detection,
//! response/travel, waiting for parts, active repair, test), so the ISO 14224
//! and IEC 60050 variants can be derived from the means in [`Mttr::components`]
//! (e.g. ISO 14224's MTTR without detection = response + parts + repair + test).
//!
//! MTBM (SMRP 3.5.3) = operating time / maintenance actions (corrective and
//! preventive); mean downtime (SMRP 3.5.4) = total downtime / downtime events.

use caudal_protocol::UtcMillis;

use super::ReliabilityError;
use crate::HOUR_MS;
use crate::ids::AssetId;
use crate::vocab::vocabulary;

vocabulary!(
    /// The event at which a repair's clock starts. The end is the restoration.
    MttrStart {
        /// The asset stopped working (SMRP 3.5.2, 2009 edition; IEC 60050-191 "restore").
        Failure => "failure",
        /// The corrective work order was created.
        OrderCreated => "order_created",
        /// The technician arrived (current SMRP edition: travel excluded).
        TechnicianArrival => "technician_arrival",
    }
);

/// Time-to-restore components of one repair, in milliseconds (reference §1:
/// "store per-failure TTR components").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TtrComponents {
    /// From the failure to its detection.
    pub detection_ms: i64,
    /// Response and travel, to the technician's arrival.
    pub response_ms: i64,
    /// Waiting for parts and other logistic delay.
    pub waiting_parts_ms: i64,
    /// Active repair.
    pub active_repair_ms: i64,
    /// Functional test before hand-over.
    pub test_ms: i64,
}

impl TtrComponents {
    fn as_array(self) -> [i64; 5] {
        [
            self.detection_ms,
            self.response_ms,
            self.waiting_parts_ms,
            self.active_repair_ms,
            self.test_ms,
        ]
    }

    const NAMES: [&'static str; 5] = [
        "detection",
        "response",
        "waiting for parts",
        "active repair",
        "test",
    ];
}

/// One repair: the events of a corrective intervention.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RepairEvent {
    /// The repaired asset.
    pub asset: AssetId,
    /// When the asset stopped working.
    pub failed_at: UtcMillis,
    /// When the corrective order was created, if known.
    pub order_created_at: Option<UtcMillis>,
    /// When the technician arrived, if known.
    pub technician_arrived_at: Option<UtcMillis>,
    /// When the asset was restored (after the functional test).
    pub restored_at: UtcMillis,
    /// Time-to-restore components.
    pub components: TtrComponents,
}

impl RepairEvent {
    /// The instant the clock starts under `start`, if recorded.
    #[must_use]
    pub fn start(&self, start: MttrStart) -> Option<UtcMillis> {
        match start {
            MttrStart::Failure => Some(self.failed_at),
            MttrStart::OrderCreated => self.order_created_at,
            MttrStart::TechnicianArrival => self.technician_arrived_at,
        }
    }

    /// Restoration minus start, ms, if the start is recorded.
    #[must_use]
    pub fn duration_ms(&self, start: MttrStart) -> Option<i64> {
        self.start(start).map(|s| self.restored_at.0 - s.0)
    }

    /// Checks the event's order and its components.
    ///
    /// # Errors
    /// [`ReliabilityError::RepairOutOfOrder`] if restoration precedes a start
    /// event, [`ReliabilityError::NegativeDuration`] for a negative component.
    pub fn validate(&self, index: usize) -> Result<(), ReliabilityError> {
        for (start, what) in [
            (Some(self.failed_at), "fails"),
            (self.order_created_at, "has its order created"),
            (self.technician_arrived_at, "gets its technician"),
        ] {
            if let Some(s) = start
                && s.0 > self.restored_at.0
            {
                return Err(ReliabilityError::RepairOutOfOrder { index, what });
            }
        }
        for (v, what) in self
            .components
            .as_array()
            .into_iter()
            .zip(TtrComponents::NAMES)
        {
            if v < 0 {
                return Err(ReliabilityError::NegativeDuration { index, what });
            }
        }
        Ok(())
    }
}

/// Mean of each time-to-restore component, hours.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct TtrBreakdownHours {
    /// Detection.
    pub detection: f64,
    /// Response and travel.
    pub response: f64,
    /// Waiting for parts.
    pub waiting_parts: f64,
    /// Active repair.
    pub active_repair: f64,
    /// Functional test.
    pub test: f64,
}

/// An MTTR and how it was computed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mttr {
    /// Where the clock started.
    pub start: MttrStart,
    /// Repairs counted.
    pub repairs: usize,
    /// Repairs left out because their start event was not recorded.
    pub skipped_missing_start: usize,
    /// Sum of the counted durations, hours.
    pub total_hours: f64,
    /// Mean, hours; `None` without a counted repair.
    pub mttr_hours: Option<f64>,
    /// Mean components over all repairs given.
    pub components: TtrBreakdownHours,
}

/// MTTR over repair events, with the clock starting at `start`.
///
/// # Errors
/// The first invalid event's [`RepairEvent::validate`] error.
pub fn mttr(events: &[RepairEvent], start: MttrStart) -> Result<Mttr, ReliabilityError> {
    let mut total_ms: i64 = 0;
    let mut repairs = 0;
    let mut skipped = 0;
    let mut components = [0_i64; 5];
    for (index, e) in events.iter().enumerate() {
        e.validate(index)?;
        match e.duration_ms(start) {
            Some(d) => {
                total_ms = total_ms.saturating_add(d);
                repairs += 1;
            }
            None => skipped += 1,
        }
        for (sum, v) in components.iter_mut().zip(e.components.as_array()) {
            *sum = sum.saturating_add(v);
        }
    }
    let hours = |ms: i64| ms as f64 / HOUR_MS as f64;
    let mean = |ms: i64| {
        if events.is_empty() {
            0.0
        } else {
            hours(ms) / events.len() as f64
        }
    };
    Ok(Mttr {
        start,
        repairs,
        skipped_missing_start: skipped,
        total_hours: hours(total_ms),
        mttr_hours: (repairs > 0).then(|| hours(total_ms) / repairs as f64),
        components: TtrBreakdownHours {
            detection: mean(components[0]),
            response: mean(components[1]),
            waiting_parts: mean(components[2]),
            active_repair: mean(components[3]),
            test: mean(components[4]),
        },
    })
}

/// MTBM (SMRP 3.5.3): operating hours per maintenance action, corrective and
/// preventive; `None` without an action.
#[must_use]
pub fn mtbm_hours(operating_hours: f64, maintenance_actions: u64) -> Option<f64> {
    (maintenance_actions > 0).then(|| operating_hours / maintenance_actions as f64)
}

/// Mean downtime (SMRP 3.5.4): downtime hours per downtime event; `None`
/// without an event.
#[must_use]
pub fn mean_downtime_hours(total_down_hours: f64, down_events: u64) -> Option<f64> {
    (down_events > 0).then(|| total_down_hours / down_events as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = HOUR_MS;

    fn event(
        failed: i64,
        created: Option<i64>,
        arrived: Option<i64>,
        restored: i64,
    ) -> RepairEvent {
        RepairEvent {
            asset: AssetId(1),
            failed_at: UtcMillis(failed),
            order_created_at: created.map(UtcMillis),
            technician_arrived_at: arrived.map(UtcMillis),
            restored_at: UtcMillis(restored),
            components: TtrComponents {
                detection_ms: H / 2,
                response_ms: H,
                waiting_parts_ms: 0,
                active_repair_ms: 2 * H,
                test_ms: H / 2,
            },
        }
    }

    #[test]
    fn mttr_follows_the_named_start_event() {
        // Failure at 0, order at 0.5 h, technician at 1.5 h, restored at 4 h;
        // second: failure at 10 h, order 11 h, no arrival recorded, restored 16 h.
        let events = [
            event(0, Some(H / 2), Some(3 * H / 2), 4 * H),
            event(10 * H, Some(11 * H), None, 16 * H),
        ];
        let from_failure = mttr(&events, MttrStart::Failure).unwrap();
        assert_eq!(from_failure.mttr_hours, Some(5.0));
        assert_eq!(from_failure.start.as_str(), "failure");
        let from_order = mttr(&events, MttrStart::OrderCreated).unwrap();
        assert_eq!(from_order.mttr_hours, Some((3.5 + 5.0) / 2.0));
        let from_arrival = mttr(&events, MttrStart::TechnicianArrival).unwrap();
        assert_eq!(from_arrival.mttr_hours, Some(2.5));
        assert_eq!(
            (from_arrival.repairs, from_arrival.skipped_missing_start),
            (1, 1)
        );
        assert_eq!(from_failure.components.active_repair, 2.0);
        assert_eq!(from_failure.components.detection, 0.5);
    }

    #[test]
    fn no_repairs_means_no_mttr_not_zero() {
        let m = mttr(&[], MttrStart::Failure).unwrap();
        assert_eq!(m.mttr_hours, None);
        assert_eq!(mtbm_hours(100.0, 0), None);
        assert_eq!(mtbm_hours(100.0, 4), Some(25.0));
        assert_eq!(mean_downtime_hours(9.0, 3), Some(3.0));
    }

    #[test]
    fn a_repair_restored_before_its_failure_is_refused() {
        let bad = [event(0, None, None, H), event(5 * H, None, None, 4 * H)];
        assert_eq!(
            mttr(&bad, MttrStart::Failure),
            Err(ReliabilityError::RepairOutOfOrder {
                index: 1,
                what: "fails"
            })
        );
        let mut neg = event(0, None, None, H);
        neg.components.test_ms = -1;
        assert_eq!(
            mttr(&[neg], MttrStart::Failure),
            Err(ReliabilityError::NegativeDuration {
                index: 0,
                what: "test"
            })
        );
    }

    #[test]
    fn start_events_round_trip_their_names() {
        for s in MttrStart::ALL {
            assert_eq!(MttrStart::parse(s.as_str()), Some(*s));
        }
    }
}
