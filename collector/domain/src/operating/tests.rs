//! Behaviour of the operating record: each state transition with its edges,
//! the cause of down intervals, range clipping, and the promise that late
//! data fills the record in exactly as if it had arrived in order.

use caudal_protocol::UtcMillis;
use proptest::prelude::*;

use super::*;
use crate::{DownCause, MINUTE_MS, SECOND_MS};

fn m(minutes: i64) -> UtcMillis {
    UtcMillis(minutes * MINUTE_MS)
}

fn iv(a: i64, b: i64) -> Interval {
    Interval::new(m(a), m(b))
}

fn cfg() -> OperatingConfig {
    // No data after 5 minutes; a trip matches a stop within 1 minute.
    OperatingConfig::new(5 * MINUTE_MS, MINUTE_MS).unwrap()
}

/// Status-word samples every minute over `[from, to)` with the given word.
fn status(from: i64, to: i64, word: u16) -> Vec<Sample> {
    (from..to)
        .map(|t| Sample::status(m(t), StatusWord(word)))
        .collect()
}

fn run(from: i64, to: i64, running: bool) -> Vec<Sample> {
    (from..to).map(|t| Sample::run(m(t), running)).collect()
}

fn down(a: i64, b: i64, cause: DownCause, trip: Option<TripKind>) -> Down {
    Down {
        span: iv(a, b),
        cause,
        trip,
    }
}

fn derive_all(samples: &[Sample], until: i64, cal: &Calendar) -> Derivation {
    derive(&cfg(), &Checkpoint::start(m(0)), samples, m(until), cal)
}

#[test]
fn runs_stops_and_starts_from_the_run_signal() {
    let mut s = run(0, 60, true);
    s.extend(run(60, 90, false));
    s.extend(run(90, 120, true));
    let d = derive_all(&s, 120, &Calendar::default());
    assert_eq!(d.record.runs, vec![iv(0, 60), iv(90, 120)]);
    assert_eq!(d.record.downs, vec![down(60, 90, DownCause::Unknown, None)]);
    // The first sample shows it running: no start is invented for it.
    assert_eq!(d.record.starts, vec![m(90)]);
    assert_eq!(d.record.run_ms(), 90 * MINUTE_MS);
    assert_eq!(d.end.state, RunState::Running);
    assert_eq!(d.end.since, m(90));
}

#[test]
fn a_dry_run_trip_in_the_status_word_is_the_cause_of_the_stop() {
    // Running (bit 0), then stopped with the dry-run bit (bit 1), then reset.
    let mut s = status(0, 30, 0b0001);
    s.extend(status(30, 50, 0b0010));
    s.extend(status(50, 60, 0b0000));
    s.extend(status(60, 70, 0b0001));
    let d = derive_all(&s, 70, &Calendar::default());
    assert_eq!(
        d.record.trips,
        vec![Trip {
            time: m(30),
            kind: TripKind::DryRun
        }]
    );
    // The stopped run keeps its trip cause after the bit resets.
    assert_eq!(
        d.record.downs,
        vec![down(30, 60, DownCause::Trip, Some(TripKind::DryRun))]
    );
    assert_eq!(d.record.starts, vec![m(60)]);
    assert_eq!(d.record.down_ms(DownCause::Trip), 30 * MINUTE_MS);
}

#[test]
fn a_trip_polled_just_after_the_stop_explains_it_one_later_does_not() {
    let at = |secs: i64| UtcMillis(30 * MINUTE_MS + secs * SECOND_MS);
    for (trip_after_s, expected) in [
        (60, DownCause::Trip),    // exactly trip_match after the stop
        (61, DownCause::Unknown), // one second too late
    ] {
        let mut s = run(0, 30, true);
        s.push(Sample::run(at(0), false));
        s.push(Sample::trips(
            at(trip_after_s),
            TripSet::of(TripKind::MotorOvercurrent),
        ));
        s.extend(run(31, 34, false));
        let d = derive_all(&s, 34, &Calendar::default());
        assert_eq!(d.record.downs.len(), 1, "{trip_after_s}");
        assert_eq!(d.record.downs[0].cause, expected, "{trip_after_s}");
        assert_eq!(d.record.trips.len(), 1);
    }
}

#[test]
fn a_trip_seen_just_before_the_stop_explains_it() {
    let mut s = run(0, 30, true);
    // The trip contact flips 40 s before the run signal drops.
    s.push(Sample::trips(
        UtcMillis(30 * MINUTE_MS - 40 * SECOND_MS),
        TripSet::of(TripKind::Protection),
    ));
    s.push(Sample::trips(
        UtcMillis(30 * MINUTE_MS - 20 * SECOND_MS),
        TripSet::NONE,
    ));
    s.extend(run(30, 40, false));
    let d = derive_all(&s, 40, &Calendar::default());
    assert_eq!(
        d.record.downs,
        vec![down(30, 40, DownCause::Trip, Some(TripKind::Protection))]
    );
}

#[test]
fn a_gap_longer_than_the_timeout_is_no_data_exactly_the_timeout_is_not() {
    // Samples at 0..=10, then the next at 15 (a gap of exactly 5 minutes).
    let mut s = run(0, 11, true);
    s.extend(run(15, 20, true));
    let d = derive_all(&s, 20, &Calendar::default());
    assert_eq!(d.record.runs, vec![iv(0, 20)]);
    assert!(d.record.downs.is_empty());

    // The next at 16: 6 minutes without a sample. No data from 10 + 5.
    let mut s = run(0, 11, true);
    s.extend(run(16, 20, true));
    let d = derive_all(&s, 20, &Calendar::default());
    assert_eq!(d.record.runs, vec![iv(0, 15), iv(16, 20)]);
    assert_eq!(d.record.downs, vec![down(15, 16, DownCause::NoData, None)]);
    // It was running before the gap and after: no start is counted.
    assert!(d.record.starts.is_empty());
}

#[test]
fn a_start_inside_a_gap_is_counted_when_it_was_stopped_before() {
    let mut s = run(0, 10, false);
    s.extend(run(30, 40, true));
    let d = derive_all(&s, 40, &Calendar::default());
    assert_eq!(d.record.starts, vec![m(30)]);
    assert_eq!(
        d.record.downs,
        vec![
            down(0, 14, DownCause::Unknown, None),
            down(14, 30, DownCause::NoData, None),
        ]
    );
}

#[test]
fn the_tail_after_the_last_sample_becomes_no_data_and_a_fresh_asset_starts_in_no_data() {
    let s = run(10, 20, true);
    let d = derive_all(&s, 60, &Calendar::default());
    assert_eq!(d.record.runs, vec![iv(10, 24)]);
    assert_eq!(
        d.record.downs,
        vec![
            down(0, 10, DownCause::NoData, None),
            down(24, 60, DownCause::NoData, None),
        ]
    );
    assert_eq!(d.end.state, RunState::NoData);
}

#[test]
fn external_power_outranks_planned_work_which_outranks_trips_and_gaps() {
    // Stopped by a trip from 10; a work order is open 20..40; site power is
    // out 30..50 (no samples 35..50, a gap); running again from 50.
    let mut s = status(0, 10, 0b0001);
    s.extend(status(10, 35, 0b1000));
    s.extend(status(50, 60, 0b0001));
    let cal = Calendar::new(vec![iv(20, 40)], vec![iv(30, 50)]);
    let d = derive_all(&s, 60, &cal);
    let trip = Some(TripKind::MotorOvercurrent);
    assert_eq!(
        d.record.downs,
        vec![
            down(10, 20, DownCause::Trip, trip),
            down(20, 30, DownCause::Planned, None),
            // The stopped run ends at the gap (34 + 5 = 39); the gap goes on
            // inside the outage. Served views merge them (see `clip`).
            down(30, 39, DownCause::External, None),
            down(39, 50, DownCause::External, None),
        ]
    );
    let served = d.record.clip(m(0), m(60));
    assert_eq!(served.downs[2], down(30, 50, DownCause::External, None));
    assert_eq!(served.downs.len(), 3);
    assert_eq!(d.record.down_ms(DownCause::External), 20 * MINUTE_MS);
}

#[test]
fn the_calendar_normalises_overlapping_unsorted_intervals() {
    let cal = Calendar::new(vec![iv(30, 40), iv(0, 10), iv(5, 20), iv(50, 50)], vec![]);
    assert_eq!(cal.planned(), &[iv(0, 20), iv(30, 40)]);
}

#[test]
fn clip_serves_exactly_the_asked_range() {
    let mut s = run(0, 60, true);
    s.extend(status(60, 90, 0b0010));
    s.extend(run(90, 120, true));
    let d = derive_all(&s, 120, &Calendar::default());
    let c = d.record.clip(m(30), m(75));
    assert_eq!(c.runs, vec![iv(30, 60)]);
    assert_eq!(
        c.downs,
        vec![down(60, 75, DownCause::Trip, Some(TripKind::DryRun))]
    );
    assert_eq!(c.trips.len(), 1);
    assert!(c.starts.is_empty());
    // Half-open: an instant at the range end is outside.
    assert!(d.record.clip(m(30), m(90)).starts.is_empty());
    assert_eq!(d.record.clip(m(30), m(91)).starts, vec![m(90)]);
}

#[test]
fn replayed_and_shuffled_samples_give_the_same_record() {
    let mut s = status(0, 40, 0b0001);
    s.extend(status(40, 50, 0b1000));
    s.extend(status(50, 80, 0b0001));
    let once = derive_all(&s, 80, &Calendar::default());
    let mut twice: Vec<Sample> = s.iter().chain(s.iter()).copied().collect();
    twice.reverse();
    assert_eq!(derive_all(&twice, 80, &Calendar::default()), once);
}

#[test]
fn samples_at_the_same_instant_merge_whatever_their_order() {
    // The run signal and the trip contact polled at the same instant.
    let mut a = run(0, 10, true);
    a.push(Sample::run(m(10), false));
    a.push(Sample::trips(m(10), TripSet::of(TripKind::DryRun)));
    let mut b = a.clone();
    let n = b.len();
    b.swap(n - 2, n - 1);
    let da = derive_all(&a, 20, &Calendar::default());
    assert_eq!(da, derive_all(&b, 20, &Calendar::default()));
    assert_eq!(da.record.downs[0].cause, DownCause::Trip);
}

#[test]
fn bad_configs_are_refused_with_the_field_named() {
    assert_eq!(
        OperatingConfig::new(0, 0),
        Err(OperatingConfigError::NoDataTimeout(0))
    );
    let e = OperatingConfig::new(60_000, 60_000).unwrap_err();
    assert_eq!(
        e.to_string(),
        "trip_match_ms must be at least 0 and below no_data_after_ms (60000), got 60000"
    );
    assert!(OperatingConfig::new(60_000, -1).is_err());
}

/// What the store does: keep every sample, the record and hourly
/// checkpoints; on each arriving batch, re-derive from the latest checkpoint
/// at or before the batch's earliest sample and splice the result in.
struct StoreModel {
    origin: Checkpoint,
    samples: Vec<Sample>,
    record: Record,
    checkpoints: Vec<Checkpoint>,
    cal: Calendar,
}

impl StoreModel {
    fn new(origin: Checkpoint, cal: Calendar) -> StoreModel {
        StoreModel {
            origin,
            samples: Vec::new(),
            record: Record::default(),
            checkpoints: Vec::new(),
            cal,
        }
    }

    fn arrive(&mut self, batch: &[Sample], now: UtcMillis) {
        self.samples.extend_from_slice(batch);
        let earliest = batch.iter().map(|s| s.time).min().unwrap_or(now);
        let cut = self
            .checkpoints
            .iter()
            .rev()
            .find(|c| c.at <= earliest)
            .copied()
            .unwrap_or(self.origin);
        self.checkpoints.retain(|c| c.at <= cut.at);
        let (d, cps) = derive_with_checkpoints(
            &cfg(),
            &cut,
            &self.samples,
            now,
            &self.cal,
            Some(60 * MINUTE_MS),
        );
        self.record.splice(&cut, d.record);
        self.checkpoints
            .extend(cps.into_iter().filter(|c| c.at > cut.at));
    }
}

/// Two days of a pump cycling 3 h on, 1 h off, with a dry-run trip, a device
/// that is off for an hour, and an agent outage whose backlog arrives late.
fn two_days() -> Vec<Sample> {
    let mut s = Vec::new();
    for t in 0..(2 * 24 * 60) {
        if (26 * 60..27 * 60).contains(&t) {
            continue; // device powered off: no sample at all
        }
        let word = if (21 * 60..21 * 60 + 45).contains(&t) {
            0b0010 // tripped dry
        } else if t % 240 < 180 {
            0b0001
        } else {
            0b0000
        };
        s.push(Sample::status(m(t), StatusWord(word)));
    }
    s
}

#[test]
fn a_late_backlog_fills_the_record_in_as_if_it_had_arrived_in_order() {
    let cal = Calendar::new(vec![iv(30 * 60, 31 * 60)], vec![iv(40 * 60, 40 * 60 + 30)]);
    let samples = two_days();
    let until = m(48 * 60);
    let in_order = derive(&cfg(), &Checkpoint::start(m(0)), &samples, until, &cal);

    // Live: batches every 10 minutes, 5 s after the last sample, except
    // during the agent outage 10:00..16:00 of day one, whose samples arrive
    // as one backlog at 16:05 after the live batches of 16:00..16:05.
    let outage = (10 * 60)..(16 * 60);
    let mut store = StoreModel::new(Checkpoint::start(m(0)), cal.clone());
    let mut backlog: Vec<Sample> = Vec::new();
    for chunk in samples.chunks(10) {
        let (held, live): (Vec<Sample>, Vec<Sample>) = chunk
            .iter()
            .partition(|s| outage.contains(&(s.time.0 / MINUTE_MS)));
        backlog.extend(held);
        let Some(last) = live.last() else { continue };
        let now = UtcMillis(last.time.0 + 5 * SECOND_MS);
        store.arrive(&live, now);
        if !backlog.is_empty() && last.time >= m(16 * 60 + 5) {
            store.arrive(&std::mem::take(&mut backlog), now);
        }
    }
    store.arrive(&[], until);
    assert_eq!(store.record, in_order.record);
    // And it is a real record: the trip, its stop and the gap are in it.
    assert!(
        in_order
            .record
            .trips
            .iter()
            .any(|t| t.kind == TripKind::DryRun)
    );
    assert!(
        in_order
            .record
            .downs
            .iter()
            .any(|d| d.cause == DownCause::Trip)
    );
    assert!(
        in_order
            .record
            .downs
            .iter()
            .any(|d| d.cause == DownCause::NoData && d.span.start == m(26 * 60 - 1 + 5))
    );
}

fn arb_samples() -> impl Strategy<Value = Vec<Sample>> {
    // Up to 120 samples; gaps of 0..8 minutes (some beyond the timeout);
    // run samples, trip samples and status words.
    prop::collection::vec((0i64..8 * 60, 0u8..6, 0u8..8), 1..120).prop_map(|steps| {
        let mut t = 0i64;
        steps
            .into_iter()
            .map(|(gap_s, kind, bits)| {
                t += gap_s * SECOND_MS;
                let time = UtcMillis(t);
                match kind {
                    0 | 1 => Sample::run(time, kind == 1),
                    2 => Sample::trips(time, TripSet::from_bits(bits & 0b111).unwrap()),
                    _ => {
                        Sample::status(time, StatusWord(u16::from(bits) << 1 | u16::from(kind & 1)))
                    }
                }
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn deriving_from_any_checkpoint_gives_the_one_shot_record(
        samples in arb_samples(),
        every_min in 1i64..30,
    ) {
        let until = UtcMillis(samples.iter().map(|s| s.time.0).max().unwrap_or(0) + 20 * MINUTE_MS);
        let cal = Calendar::new(vec![iv(10, 20)], vec![iv(40, 45)]);
        let origin = Checkpoint::start(UtcMillis(0));
        let one = derive(&cfg(), &origin, &samples, until, &cal);
        let (same, cps) = derive_with_checkpoints(&cfg(), &origin, &samples, until, &cal, Some(every_min * MINUTE_MS));
        prop_assert_eq!(&same, &one);
        for cp in cps {
            let mut head = derive(&cfg(), &origin, &samples, cp.at, &cal);
            prop_assert_eq!(head.end, cp);
            let tail = derive(&cfg(), &cp, &samples, until, &cal);
            head.record.splice(&cp, tail.record);
            prop_assert_eq!(&head.record, &one.record);
            prop_assert_eq!(tail.end, one.end);
        }
    }

    #[test]
    fn any_arrival_order_with_late_backlogs_gives_the_in_order_record(
        samples in arb_samples(),
        held in prop::collection::vec(any::<bool>(), 120),
        release_every in 1usize..20,
    ) {
        let until = UtcMillis(samples.iter().map(|s| s.time.0).max().unwrap_or(0) + 20 * MINUTE_MS);
        let cal = Calendar::new(vec![iv(10, 20)], vec![iv(40, 45)]);
        let origin = Checkpoint::start(UtcMillis(0));
        let one = derive(&cfg(), &origin, &samples, until, &cal);
        let mut store = StoreModel::new(origin, cal);
        let mut backlog = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            if held[i] {
                backlog.push(*s);
            } else {
                store.arrive(&[*s], UtcMillis(s.time.0 + 1));
            }
            if i % release_every == 0 && !backlog.is_empty() {
                store.arrive(&std::mem::take(&mut backlog), UtcMillis(s.time.0 + 1));
            }
        }
        store.arrive(&backlog, until);
        prop_assert_eq!(store.record, one.record);
    }
}
