//! The engine on a virtual clock: every condition with its edges, escalation,
//! schedules across Santiago's daylight saving, restarts in the middle of a
//! timer, replays and late data.

use caudal_protocol::{Quality, Reason, UtcMillis};
use chrono::NaiveDateTime;
use proptest::prelude::*;

use super::*;
use crate::alarms::alarm::{AlarmBook, AlarmPolicy, NoticeKind};
use crate::alarms::rule::{
    ClearDraft, ConditionDraft, CreateDraft, NoAttributes, RuleDraft, ScheduleDraft, ValueDraft,
    WindowDraft,
};
use crate::zone::from_datetime;
use crate::{PointId, SECOND_MS};

const SEC: i64 = SECOND_MS;
/// Readings reach the engine one second after they are taken.
const LATENCY: i64 = SEC;
const P: Originator = Originator::Point(PointId(3));

fn utc(s: &str) -> UtcMillis {
    from_datetime(&NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap())
}

/// The virtual clock's origin: 2026-07-15 12:00 UTC (a Wednesday, winter).
fn t0() -> i64 {
    utc("2026-07-15 12:00").0
}

fn threshold(field: &str, x: f64) -> ConditionDraft {
    let mut c = ConditionDraft {
        kind: "threshold".to_owned(),
        ..ConditionDraft::default()
    };
    match field {
        "above" => c.above = Some(ValueDraft::Number(x)),
        _ => c.below = Some(ValueDraft::Number(x)),
    }
    c
}

fn above(x: f64) -> ConditionDraft {
    threshold("above", x)
}

fn below(x: f64) -> ConditionDraft {
    threshold("below", x)
}

fn outside(lo: f64, hi: f64) -> ConditionDraft {
    ConditionDraft {
        kind: "threshold".to_owned(),
        outside: Some(vec![ValueDraft::Number(lo), ValueDraft::Number(hi)]),
        ..ConditionDraft::default()
    }
}

fn dur(c: ConditionDraft, seconds: i64) -> ConditionDraft {
    ConditionDraft {
        duration_s: Some(seconds),
        ..c
    }
}

fn rep(c: ConditionDraft, n: i64) -> ConditionDraft {
    ConditionDraft {
        repeat: Some(n),
        ..c
    }
}

fn no_data(seconds: i64) -> ConditionDraft {
    ConditionDraft {
        kind: "no_data".to_owned(),
        seconds: Some(seconds),
        ..ConditionDraft::default()
    }
}

fn event(names: &[&str]) -> ConditionDraft {
    ConditionDraft {
        kind: "event".to_owned(),
        events: names.iter().map(|n| (*n).to_owned()).collect(),
        ..ConditionDraft::default()
    }
}

fn auto(hysteresis: f64) -> ClearDraft {
    ClearDraft {
        hysteresis: (hysteresis != 0.0).then_some(hysteresis),
        ..ClearDraft::default()
    }
}

fn draft(name: &str, create: Vec<(&str, ConditionDraft)>, clear: ClearDraft) -> RuleDraft {
    RuleDraft {
        name: name.to_owned(),
        point: Some("OB-0101-001".to_owned()),
        variable: "level".to_owned(),
        create: create
            .into_iter()
            .map(|(s, condition)| CreateDraft {
                severity: s.to_owned(),
                condition,
            })
            .collect(),
        clear,
        ..RuleDraft::default()
    }
}

fn bind(d: &RuleDraft) -> BoundRule {
    d.validate().unwrap().bind(P, &NoAttributes).unwrap()
}

fn rule(name: &str, create: Vec<(&str, ConditionDraft)>, clear: ClearDraft) -> BoundRule {
    bind(&draft(name, create, clear))
}

/// An engine with one series, times in seconds from [`t0`].
struct H {
    e: Engine,
    idx: SeriesIdx,
    log: Vec<Transition>,
}

impl H {
    fn new(rules: Vec<BoundRule>) -> H {
        H::starting(rules, t0())
    }

    fn starting(rules: Vec<BoundRule>, start: i64) -> H {
        let mut e = Engine::new(EngineConfig::default());
        let idx = e
            .add_series(SeriesKey(1), P, rules, UtcMillis(start - 1))
            .unwrap();
        H {
            e,
            idx,
            log: Vec::new(),
        }
    }

    fn at(s: i64) -> UtcMillis {
        UtcMillis(t0() + s * SEC)
    }

    /// Feed an observation at `s` seconds; returns (change, event time in s).
    fn obs(&mut self, o: Observation<'_>) -> Vec<(Change, i64)> {
        let mut out = Vec::new();
        let arrived = UtcMillis(o.time.0 + LATENCY);
        self.e.observe(self.idx, &o, arrived, &mut out);
        self.take(out)
    }

    fn feed(&mut self, s: i64, v: f64) -> Vec<(Change, i64)> {
        self.obs(Observation::new(H::at(s), v, Quality::Good))
    }

    fn feed_q(&mut self, s: i64, v: f64, q: Quality) -> Vec<(Change, i64)> {
        self.obs(Observation::new(H::at(s), v, q))
    }

    /// Feed a reading taken at `s` that arrives at wall time `wall` (s).
    fn feed_late(&mut self, s: i64, v: f64, wall: i64) -> Vec<(Change, i64)> {
        let mut out = Vec::new();
        let o = Observation::new(H::at(s), v, Quality::Good);
        self.e.observe(self.idx, &o, H::at(wall), &mut out);
        self.take(out)
    }

    /// The wall clock reaches `s`.
    fn tick(&mut self, s: i64) -> Vec<(Change, i64)> {
        let mut out = Vec::new();
        self.e.on_timeout(H::at(s), &mut out);
        self.take(out)
    }

    fn take(&mut self, out: Vec<Transition>) -> Vec<(Change, i64)> {
        let got = out
            .iter()
            .map(|t| (t.change, (t.event_time.0 - t0()) / SEC))
            .collect();
        self.log.extend(out);
        got
    }

    fn poll(&self) -> Option<i64> {
        self.e.poll_timeout().map(|t| (t.0 - t0()) / SEC)
    }

    fn state(&self) -> Vec<u8> {
        let mut b = Vec::new();
        self.e.encode_series(self.idx, &mut b);
        b
    }

    /// A fresh engine with the same rules, restored from `bytes` at wall time `wall` (s).
    fn restarted(rules: Vec<BoundRule>, bytes: &[u8], wall: i64) -> H {
        let mut h = H::new(rules);
        h.e.restore_series(h.idx, bytes, H::at(wall)).unwrap();
        h
    }
}

use Change::{Clear as Cleared, Deescalate, Escalate, Raise, Retrigger};
use Severity::{Critical, Major, Minor, Warning};

fn cleared(s: Severity) -> Change {
    Cleared { severity: s }
}

#[test]
fn threshold_above_is_strict_and_clears_below_without_hysteresis() {
    let mut h = H::new(vec![rule("alto", vec![("major", above(90.0))], auto(0.0))]);
    assert_eq!(
        h.feed(0, 90.0),
        vec![],
        "exactly at the threshold is not above it"
    );
    assert_eq!(h.feed(10, 90.001), vec![(Raise(Major), 10)]);
    assert_eq!(h.feed(20, 95.0), vec![], "still holding: no second raise");
    assert_eq!(
        h.feed(30, 90.0),
        vec![],
        "at the threshold: neither create nor clear"
    );
    assert_eq!(h.feed(40, 89.999), vec![(cleared(Major), 40)]);
}

#[test]
fn hysteresis_band_holds_the_alarm_until_the_value_is_past_it() {
    let mut h = H::new(vec![rule("alto", vec![("major", above(90.0))], auto(2.0))]);
    assert_eq!(h.feed(0, 91.0), vec![(Raise(Major), 0)]);
    assert_eq!(h.feed(10, 89.0), vec![]);
    assert_eq!(
        h.feed(20, 88.0),
        vec![],
        "exactly at threshold − band: still inside the band"
    );
    assert_eq!(
        h.feed(30, 91.0),
        vec![(Retrigger(Major), 30)],
        "back above while raised counts up"
    );
    assert_eq!(h.feed(40, 87.99), vec![(cleared(Major), 40)]);
}

#[test]
fn below_and_outside_thresholds_at_their_edges() {
    let mut h = H::new(vec![
        rule("bajo", vec![("minor", below(5.0))], auto(1.0)),
        rule("rango", vec![("warning", outside(2.0, 8.0))], auto(0.5)),
    ]);
    assert_eq!(h.feed(0, 5.0), vec![]);
    assert_eq!(h.feed(10, 4.99), vec![(Raise(Minor), 10)]);
    assert_eq!(h.feed(20, 6.0), vec![], "5 + band: not yet cleared");
    assert_eq!(h.feed(30, 6.01), vec![(cleared(Minor), 30)]);
    assert_eq!(h.feed(40, 8.0), vec![], "the range edges are inside");
    assert_eq!(h.feed(50, 8.01), vec![(Raise(Warning), 50)]);
    assert_eq!(h.feed(60, 7.5), vec![], "hi − band is still in the band");
    assert_eq!(h.feed(70, 7.49), vec![(cleared(Warning), 70)]);
    assert_eq!(
        h.feed(80, 1.99),
        vec![(Raise(Minor), 80), (Raise(Warning), 80)],
        "one value, two rules"
    );
}

#[test]
fn duration_raises_at_exactly_n_seconds_and_not_at_n_minus_one() {
    let r = || rule("seco", vec![("critical", dur(below(5.0), 600))], auto(0.0));
    // True from 0, read every 10 s: at 590 not yet, at 600 raised.
    let mut h = H::new(vec![r()]);
    for s in (0..600).step_by(10) {
        assert_eq!(h.feed(s, 4.0), vec![], "{s}");
    }
    assert_eq!(h.feed(600, 4.0), vec![(Raise(Critical), 600)]);
    assert_eq!(h.feed(610, 4.0), vec![], "never twice");

    // True 0..=590 and false at 600: held for 600 s but not through the
    // instant 600 itself, so not raised.
    let mut h = H::new(vec![r()]);
    for s in (0..600).step_by(10) {
        h.feed(s, 4.0);
    }
    assert_eq!(h.feed(600, 6.0), vec![]);
    assert!(h.log.is_empty());
}

#[test]
fn a_duration_reached_between_readings_fires_at_its_deadline() {
    // Readings every 100 s; the 250-s deadline falls between 200 and 300.
    let mut h = H::new(vec![rule(
        "seco",
        vec![("critical", dur(below(5.0), 250))],
        auto(0.0),
    )]);
    h.feed(0, 4.0);
    h.feed(100, 4.0);
    h.feed(200, 4.0);
    // The value held below 5 until the reading at 300 said otherwise.
    assert_eq!(
        h.feed(300, 6.0),
        vec![(Raise(Critical), 250), (cleared(Critical), 300)]
    );
}

#[test]
fn duration_fires_on_the_clock_without_a_new_reading() {
    let mut h = H::new(vec![rule(
        "seco",
        vec![("critical", dur(below(5.0), 600))],
        auto(0.0),
    )]);
    h.feed(0, 4.0);
    h.feed(10, 4.0);
    // Deadline 600 in event time; the last reading arrived at 11 for 10, so
    // the wall deadline is 11 + 590.
    assert_eq!(h.poll(), Some(601));
    assert_eq!(h.tick(600), vec![]);
    assert_eq!(h.tick(601), vec![(Raise(Critical), 600)]);
    assert_eq!(h.poll(), None);
    assert_eq!(h.tick(700), vec![], "never twice");
    assert_eq!(h.log[0].arrived, H::at(601));
    // A reading in flight from before the deadline is stale now.
    assert_eq!(h.feed(590, 4.0), vec![]);
    assert_eq!(h.feed(610, 4.0), vec![]);
}

#[test]
fn repeating_needs_exactly_n_consecutive_readings() {
    let r = || rule("alto", vec![("major", rep(above(90.0), 3))], auto(0.0));
    let mut h = H::new(vec![r()]);
    assert_eq!(h.feed(0, 91.0), vec![]);
    assert_eq!(h.feed(10, 91.0), vec![], "N − 1");
    assert_eq!(h.feed(20, 91.0), vec![(Raise(Major), 20)], "exactly N");

    let mut h = H::new(vec![r()]);
    h.feed(0, 91.0);
    h.feed(10, 91.0);
    h.feed(20, 80.0);
    h.feed(30, 91.0);
    assert_eq!(h.feed(40, 91.0), vec![], "the run was broken at 20");
    assert_eq!(h.feed(50, 91.0), vec![(Raise(Major), 50)]);
}

#[test]
fn a_replayed_reading_does_not_count_twice_for_repeating() {
    let mut h = H::new(vec![rule(
        "alto",
        vec![("major", rep(above(90.0), 3))],
        auto(0.0),
    )]);
    let o = Observation::new(H::at(0), 91.0, Quality::Good);
    let mut out = Vec::new();
    assert_eq!(
        h.e.observe(h.idx, &o, H::at(1), &mut out),
        Outcome::Evaluated
    );
    assert_eq!(
        h.e.observe(h.idx, &o, H::at(5), &mut out),
        Outcome::Stale {
            watermark: H::at(0)
        }
    );
    assert_eq!(h.feed(10, 91.0), vec![], "two distinct readings, not three");
    assert_eq!(h.feed(20, 91.0), vec![(Raise(Major), 20)]);
}

#[test]
fn bad_readings_neither_extend_nor_break_a_repeating_run() {
    let mut h = H::new(vec![rule(
        "alto",
        vec![("major", rep(above(90.0), 3))],
        auto(0.0),
    )]);
    h.feed(0, 91.0);
    h.feed_q(10, f64::NAN, Quality::Bad(Reason::Timeout));
    h.feed(20, 91.0);
    assert_eq!(h.feed(30, 91.0), vec![(Raise(Major), 30)]);
}

#[test]
fn no_data_counts_bad_readings_as_silence_and_fires_at_the_deadline() {
    let mut h = H::new(vec![rule(
        "sin_datos",
        vec![("major", no_data(300))],
        auto(0.0),
    )]);
    h.feed(0, 4.0);
    for s in (10..300).step_by(10) {
        assert_eq!(
            h.feed_q(s, f64::NAN, Quality::Bad(Reason::Timeout)),
            vec![],
            "{s}"
        );
    }
    assert_eq!(
        h.feed_q(300, f64::NAN, Quality::Bad(Reason::Timeout)),
        vec![(Raise(Major), 300)]
    );
    // A suspect reading is data.
    assert_eq!(
        h.feed_q(310, 4.0, Quality::Suspect(Reason::Stuck)),
        vec![(cleared(Major), 310)]
    );
}

#[test]
fn no_data_gap_of_exactly_n_is_not_silence_one_ms_more_is() {
    let r = || rule("sin_datos", vec![("major", no_data(300))], auto(0.0));
    let mut h = H::new(vec![r()]);
    h.feed(0, 4.0);
    assert_eq!(h.feed(300, 4.0), vec![]);

    let mut h = H::new(vec![r()]);
    h.feed(0, 4.0);
    let mut out = Vec::new();
    let o = Observation::new(UtcMillis(H::at(300).0 + 1), 4.0, Quality::Good);
    h.e.observe(h.idx, &o, H::at(302), &mut out);
    let got: Vec<_> = out.iter().map(|t| (t.change, t.event_time)).collect();
    assert_eq!(
        got,
        vec![(Raise(Major), H::at(300)), (cleared(Major), o.time)]
    );
}

#[test]
fn no_data_fires_on_the_clock_when_the_device_goes_quiet() {
    let mut h = H::new(vec![rule(
        "sin_datos",
        vec![("major", no_data(300))],
        auto(0.0),
    )]);
    h.feed(0, 4.0);
    assert_eq!(h.poll(), Some(301));
    assert_eq!(h.tick(300), vec![]);
    assert_eq!(h.tick(301), vec![(Raise(Major), 300)]);
    assert_eq!(h.tick(2000), vec![]);
    assert_eq!(h.feed(2000, 4.0), vec![(cleared(Major), 2000)]);
    assert_eq!(h.poll(), Some(2301));
}

#[test]
fn rate_of_change_per_hour_over_a_window() {
    // Level falls 0.05 m a minute = 3 m/h; alarm below −2 m/h over an hour.
    let c = ConditionDraft {
        kind: "rate".to_owned(),
        below: Some(ValueDraft::Number(-2.0)),
        window_s: Some(3600),
        ..ConditionDraft::default()
    };
    let mut h = H::new(vec![rule("descenso", vec![("major", c)], auto(0.0))]);
    let level = |s: i64| {
        #[expect(clippy::cast_precision_loss, reason = "small test integers")]
        let minutes = (s / 60) as f64;
        50.0 - 0.05 * minutes
    };
    for s in (0..1800).step_by(60) {
        assert_eq!(
            h.feed(s, level(s)),
            vec![],
            "less than half a window of history at {s}"
        );
    }
    assert_eq!(h.feed(1800, level(1800)), vec![(Raise(Major), 1800)]);
    // The level stabilises: the rate over the window falls back above −2 m/h.
    let mut cleared_at = None;
    for s in (1860..9000).step_by(60) {
        if !h.feed(s, level(1800)).is_empty() {
            cleared_at = Some(s);
            break;
        }
    }
    let at = cleared_at.expect("cleared");
    assert!((1860..=1800 + 3600).contains(&at), "{at}");
}

#[test]
fn a_rate_of_exactly_the_threshold_does_not_raise() {
    let c = ConditionDraft {
        kind: "rate".to_owned(),
        above: Some(ValueDraft::Number(6.0)),
        window_s: Some(1800),
        ..ConditionDraft::default()
    };
    let mut h = H::new(vec![rule("subida", vec![("minor", c)], auto(0.0))]);
    // +0.5 every 5 minutes is exactly 6 per hour (exact in binary floating point).
    for i in 0..20 {
        h.feed(i * 300, 0.5 * f64::from(u8::try_from(i).unwrap()));
    }
    assert!(h.log.is_empty(), "{:?}", h.log);
    assert_eq!(h.feed(20 * 300, 10.5), vec![(Raise(Minor), 6000)]);
}

#[test]
fn a_dry_run_trip_raises_critical_and_clears_when_the_trip_resets() {
    let mut h = H::new(vec![rule(
        "marcha_en_seco",
        vec![("critical", event(&["dry_run"]))],
        auto(0.0),
    )]);
    let status =
        |s: i64, e: EventSet| Observation::new(H::at(s), 0.0, Quality::Good).with_events(e);
    assert_eq!(h.obs(status(0, EventSet::EMPTY)), vec![]);
    let dry = EventSet::of(EventKind::DryRun);
    assert_eq!(h.obs(status(10, dry)), vec![(Raise(Critical), 10)]);
    assert_eq!(h.obs(status(20, dry)), vec![]);
    assert_eq!(
        h.obs(status(30, EventSet::EMPTY)),
        vec![(cleared(Critical), 30)]
    );
}

#[test]
fn a_quality_event_on_the_reading_is_an_event() {
    let mut h = H::new(vec![rule(
        "congelado",
        vec![("warning", event(&["stuck", "sensor_fault"]))],
        auto(0.0),
    )]);
    assert_eq!(
        h.feed_q(0, 4.0, Quality::Suspect(Reason::Stuck)),
        vec![(Raise(Warning), 0)]
    );
    assert_eq!(h.feed_q(10, 4.0, Quality::Bad(Reason::SensorFault)), vec![]);
    assert_eq!(h.feed(20, 4.0), vec![(cleared(Warning), 20)]);
}

#[test]
fn an_anomaly_verdict_raises_with_its_score() {
    let c = ConditionDraft {
        kind: "anomaly".to_owned(),
        detector: Some("ewma".to_owned()),
        min_score: Some(3.0),
        repeat: Some(2),
        ..ConditionDraft::default()
    };
    let mut h = H::new(vec![rule("anomalia", vec![("minor", c)], auto(0.0))]);
    let mut feed = |s: i64, d: &'static str, score: f64, anomalous: bool| {
        let v = [Verdict {
            detector: d,
            score,
            anomalous,
        }];
        h.obs(Observation::new(H::at(s), 1.0, Quality::Good).with_verdicts(&v))
    };
    assert_eq!(feed(0, "ewma", 4.0, true), vec![]);
    assert_eq!(
        feed(10, "cusum", 9.0, true),
        vec![],
        "another detector says nothing to this rule"
    );
    assert_eq!(
        feed(20, "ewma", 3.0, true),
        vec![(Raise(Minor), 20)],
        "two in a row; exactly min_score counts"
    );
    assert_eq!(feed(30, "ewma", 2.9, true), vec![(cleared(Minor), 30)]);
}

#[test]
fn severities_escalate_and_de_escalate_through_one_alarm() {
    let mut h = H::new(vec![rule(
        "nivel_alto",
        vec![
            ("critical", above(95.0)),
            ("major", above(90.0)),
            ("warning", above(85.0)),
        ],
        auto(0.0),
    )]);
    assert_eq!(h.feed(0, 91.0), vec![(Raise(Major), 0)]);
    assert_eq!(
        h.feed(10, 96.0),
        vec![(
            Escalate {
                from: Major,
                to: Critical
            },
            10
        )]
    );
    assert_eq!(
        h.feed(20, 92.0),
        vec![(
            Deescalate {
                from: Critical,
                to: Major
            },
            20
        )]
    );
    assert_eq!(
        h.feed(30, 86.0),
        vec![(
            Deescalate {
                from: Major,
                to: Warning
            },
            30
        )]
    );
    assert_eq!(h.feed(40, 84.0), vec![(cleared(Warning), 40)]);
}

#[test]
fn an_explicit_clear_condition_and_a_manual_clear_rule() {
    let clear_when = ClearDraft {
        kind: "condition".to_owned(),
        condition: Some(dur(below(80.0), 60)),
        ..ClearDraft::default()
    };
    let manual = ClearDraft {
        kind: "manual".to_owned(),
        ..ClearDraft::default()
    };
    let mut h = H::new(vec![
        rule("a", vec![("major", above(90.0))], clear_when),
        rule("b", vec![("major", above(90.0))], manual),
    ]);
    assert_eq!(h.feed(0, 91.0), vec![(Raise(Major), 0), (Raise(Major), 0)]);
    assert_eq!(h.feed(10, 79.0), vec![]);
    assert_eq!(h.feed(60, 79.0), vec![]);
    assert_eq!(
        h.feed(70, 79.0),
        vec![(cleared(Major), 70)],
        "below 80 for 60 s"
    );
    assert_eq!(
        h.log.iter().filter(|t| &*t.rule == "b").count(),
        1,
        "b waits for a person"
    );
    assert!(h.log.iter().all(|t| t.manual_clear == (&*t.rule == "b")));
    // A person clears b while the value is fine; a new excursion raises anew.
    h.e.alarm_cleared(h.idx, "b").unwrap();
    assert_eq!(
        h.feed(80, 91.0),
        vec![(Raise(Major), 80), (Raise(Major), 80)]
    );
    assert!(matches!(
        h.e.alarm_cleared(h.idx, "c"),
        Err(EngineError::UnknownRule { .. })
    ));
}

#[test]
fn a_person_clearing_while_the_condition_holds_gets_it_back() {
    let manual = ClearDraft {
        kind: "manual".to_owned(),
        ..ClearDraft::default()
    };
    let mut h = H::new(vec![rule("b", vec![("major", above(90.0))], manual)]);
    h.feed(0, 91.0);
    h.e.alarm_cleared(h.idx, "b").unwrap();
    assert!(!h.e.has_active(h.idx));
    assert_eq!(h.feed(10, 91.0), vec![(Raise(Major), 10)]);
    assert!(h.e.has_active(h.idx));
    assert_eq!(h.e.active(h.idx), vec![("b", Major)]);
}

fn scheduled(c: ConditionDraft, days: &[&str], start: &str, end: &str) -> BoundRule {
    let mut d = draft("programada", vec![("major", c)], auto(0.0));
    d.schedule = Some(ScheduleDraft {
        zone: Some("America/Santiago".to_owned()),
        windows: vec![WindowDraft {
            days: days.iter().map(|d| (*d).to_owned()).collect(),
            start: start.to_owned(),
            end: end.to_owned(),
        }],
    });
    bind(&d)
}

#[test]
fn outside_its_schedule_a_rule_does_not_raise_and_its_timer_resets() {
    // Weekdays 08:00-18:00 Santiago (winter, -04:00): 12:00-22:00 UTC.
    let r = scheduled(
        dur(above(90.0), 600),
        &["mon", "tue", "wed", "thu", "fri"],
        "08:00",
        "18:00",
    );
    let fri = utc("2026-07-17 21:50").0; // Friday 17:50 local
    let mut h = H::starting(vec![r], fri);
    let at = |m: i64| UtcMillis(fri + m * 60 * SEC);
    let mut feed = |m: i64| {
        let mut out = Vec::new();
        let o = Observation::new(at(m), 95.0, Quality::Good);
        h.e.observe(h.idx, &o, at(m), &mut out);
        out
    };
    // True from 17:50; the window closes at 18:00 before the 10 minutes.
    for m in 0..=20 {
        assert!(feed(m).is_empty(), "{m}");
    }
    // Monday 08:00 local: the timer starts again from the first reading.
    let mon = utc("2026-07-20 12:00").0;
    let mut out = Vec::new();
    for m in 0..=10 {
        let o = Observation::new(UtcMillis(mon + m * 60 * SEC), 95.0, Quality::Good);
        h.e.observe(h.idx, &o, o.time, &mut out);
    }
    let got: Vec<_> = out.iter().map(|t| (t.change, t.event_time)).collect();
    assert_eq!(got, vec![(Raise(Major), utc("2026-07-20 12:10"))]);
}

#[test]
fn a_no_data_due_outside_the_schedule_fires_when_the_window_opens_after_the_september_jump() {
    // Sunday 00:00-06:00 Santiago. On 2026-09-06, 00:00 does not exist: the
    // window opens at 01:00 -03:00, 04:00 UTC.
    let r = scheduled(no_data(300), &["sun"], "00:00", "06:00");
    let last = utc("2026-09-06 03:00").0; // Saturday 23:00 -04:00
    let mut h = H::starting(vec![r], last - SEC);
    let mut out = Vec::new();
    let o = Observation::new(UtcMillis(last), 1.0, Quality::Good);
    h.e.observe(h.idx, &o, o.time, &mut out);
    // Due at 03:05 UTC, outside the window: nothing happens then, and the
    // clock wakes next at the opening.
    assert_eq!(h.e.poll_timeout(), Some(utc("2026-09-06 03:05")));
    h.e.on_timeout(utc("2026-09-06 03:05"), &mut out);
    assert!(out.is_empty());
    assert_eq!(h.e.poll_timeout(), Some(utc("2026-09-06 04:00")));
    h.e.on_timeout(utc("2026-09-06 03:59"), &mut out);
    assert!(out.is_empty());
    h.e.on_timeout(utc("2026-09-06 04:00"), &mut out);
    let got: Vec<_> = out.iter().map(|t| (t.change, t.event_time)).collect();
    assert_eq!(got, vec![(Raise(Major), utc("2026-09-06 04:00"))]);
}

#[test]
fn a_window_over_the_april_repeated_hour_covers_both_passes() {
    // Saturday 23:00-24:00 local on 2026-04-04 lasts 02:00-04:00 UTC.
    let r = scheduled(above(90.0), &["sat"], "23:00", "24:00");
    let start = utc("2026-04-05 01:00").0;
    let mut h = H::starting(vec![r], start);
    let mut out = Vec::new();
    let mut feed = |s: &str, v: f64, out: &mut Vec<Transition>| {
        let o = Observation::new(utc(s), v, Quality::Good);
        h.e.observe(h.idx, &o, o.time, out);
    };
    feed("2026-04-05 01:59", 95.0, &mut out); // 22:59 -03:00: not yet
    assert!(out.is_empty());
    feed("2026-04-05 03:30", 95.0, &mut out); // the second 23:30, -04:00
    feed("2026-04-05 03:40", 80.0, &mut out);
    feed("2026-04-05 04:00", 95.0, &mut out); // 00:00 Sunday: closed
    let got: Vec<_> = out.iter().map(|t| (t.change, t.event_time)).collect();
    assert_eq!(
        got,
        vec![
            (Raise(Major), utc("2026-04-05 03:30")),
            (cleared(Major), utc("2026-04-05 03:40")),
        ]
    );
}

/// A ten-minute DURATION: readings every 10 s below 5 m from 0.
fn ten_minutes() -> Vec<BoundRule> {
    vec![rule(
        "seco",
        vec![("critical", dur(below(5.0), 600))],
        auto(0.0),
    )]
}

#[test]
fn a_restart_in_the_middle_of_a_ten_minute_duration_raises_at_the_right_time_once() {
    let mut h = H::new(ten_minutes());
    for s in (0..=300).step_by(10) {
        h.feed(s, 4.0);
    }
    let saved = h.state();
    // The collector dies at 305 and is back at 420. The agent kept its
    // readings and sends the backlog, then live ones.
    let mut r = H::restarted(ten_minutes(), &saved, 420);
    assert_eq!(
        r.poll(),
        Some(601),
        "the timer survived: deadline 600, last arrival 301"
    );
    let mut raised = Vec::new();
    for s in (310..=900).step_by(10) {
        let wall = std::cmp::max(s + 1, 425 + (s - 310) / 100);
        raised.extend(r.feed_late(s, 4.0, wall));
        raised.extend(r.tick(wall));
    }
    assert_eq!(raised, vec![(Raise(Critical), 600)]);
}

#[test]
fn after_a_restart_a_duration_with_no_new_data_fires_at_its_deadline() {
    let mut h = H::new(ten_minutes());
    for s in (0..=300).step_by(10) {
        h.feed(s, 4.0);
    }
    let saved = h.state();
    let mut r = H::restarted(ten_minutes(), &saved, 420);
    assert_eq!(r.tick(600), vec![]);
    assert_eq!(r.tick(601), vec![(Raise(Critical), 600)]);
    assert_eq!(r.tick(1200), vec![], "never twice");
}

#[test]
fn a_deadline_that_passed_while_the_collector_was_down_waits_the_grace_then_fires_late() {
    let mut h = H::new(ten_minutes());
    for s in (0..=300).step_by(10) {
        h.feed(s, 4.0);
    }
    let saved = h.state();
    let mut r = H::restarted(ten_minutes(), &saved, 900);
    assert_eq!(r.poll(), Some(960), "held for the 60-s restart grace");
    assert_eq!(r.tick(959), vec![]);
    assert_eq!(r.tick(960), vec![(Raise(Critical), 600)]);
    let mut book = AlarmBook::new(AlarmPolicy::default());
    let notices = book.apply(&r.log[0]);
    assert_eq!(notices.len(), 1);
    assert!(notices[0].late, "raised 360 s after its event time");
}

#[test]
fn a_no_data_deadline_survives_a_restart() {
    let rules = || vec![rule("sin_datos", vec![("major", no_data(300))], auto(0.0))];
    let mut h = H::new(rules());
    h.feed(0, 4.0);
    let saved = h.state();
    let mut r = H::restarted(rules(), &saved, 100);
    assert_eq!(r.poll(), Some(301));
    assert_eq!(r.tick(300), vec![]);
    assert_eq!(r.tick(301), vec![(Raise(Major), 300)]);
    // Restarted after the deadline: fires at the end of the grace, at its event time.
    let mut r = H::restarted(rules(), &saved, 1000);
    assert_eq!(r.tick(1059), vec![]);
    assert_eq!(r.tick(1060), vec![(Raise(Major), 300)]);
}

#[test]
fn a_restored_series_holds_only_its_own_timeouts() {
    let r = || vec![rule("sin_datos", vec![("major", no_data(300))], auto(0.0))];
    let mut h = H::new(r());
    let other =
        h.e.add_series(SeriesKey(2), Originator::Point(PointId(4)), r(), H::at(-1))
            .unwrap();
    h.feed(0, 4.0);
    let mut out = Vec::new();
    let o = Observation::new(H::at(0), 4.0, Quality::Good);
    h.e.observe(other, &o, H::at(1), &mut out);
    let saved = h.state();
    h.e.restore_series(h.idx, &saved, H::at(290)).unwrap();
    h.e.on_timeout(H::at(301), &mut out);
    let keys: Vec<_> = out.iter().map(|t| t.series).collect();
    assert_eq!(keys, vec![SeriesKey(2)], "the other series fires on time");
    out.clear();
    h.e.on_timeout(H::at(350), &mut out);
    assert_eq!(
        out.iter().map(|t| t.series).collect::<Vec<_>>(),
        vec![SeriesKey(1)]
    );
}

#[test]
fn a_state_older_than_the_alarm_replays_the_raise_and_the_book_ignores_it() {
    let mut h = H::new(ten_minutes());
    for s in (0..=300).step_by(10) {
        h.feed(s, 4.0);
    }
    let stale_state = h.state();
    for s in (310..=650).step_by(10) {
        h.feed(s, 4.0);
    }
    let mut book = AlarmBook::new(AlarmPolicy::default());
    let first: Vec<_> = h.log.iter().flat_map(|t| book.apply(t)).collect();
    assert_eq!(first.len(), 1);
    // The collector dies having saved the alarm but not the engine state
    // after 300; the agent resends everything after 300.
    let mut r = H::restarted(ten_minutes(), &stale_state, 700);
    for s in (310..=700).step_by(10) {
        r.feed_late(s, 4.0, 705);
    }
    assert_eq!(r.log.len(), 1, "the engine raises again from its old state");
    assert!(book.apply(&r.log[0]).is_empty(), "the book sees a replay");
    let alarm = book.get(P, "seco").unwrap();
    assert_eq!(alarm.count(), 1);
    assert_eq!(book.active().count(), 1);
}

#[test]
fn late_backlog_gives_the_same_transitions_as_live_data_and_is_marked_late() {
    let rules = || {
        vec![
            rule("seco", vec![("critical", dur(below(5.0), 250))], auto(0.0)),
            rule("alto", vec![("major", rep(above(8.0), 2))], auto(0.5)),
            rule("sin_datos", vec![("minor", no_data(120))], auto(0.0)),
        ]
    };
    let values: Vec<(i64, f64)> = (0..100)
        .map(|i| {
            let s = i * 37;
            let v = match i % 30 {
                0..=9 => 4.0,
                10..=14 => 9.0,
                _ => 6.0,
            };
            (s, v)
        })
        .filter(|(s, _)| !(1500..1800).contains(s))
        .collect();
    // Live: each reading arrives a second after it is taken, and the wall
    // clock ticks every 5 s in between (so deadlines fire on the clock).
    let mut live = H::new(rules());
    for (i, (s, v)) in values.iter().enumerate() {
        live.feed(*s, *v);
        let next = values.get(i + 1).map_or(s + 60, |(n, _)| *n);
        for wall in (s + 1..=next).step_by(5) {
            live.tick(wall);
        }
    }
    let mut late = H::new(rules());
    for (s, v) in &values {
        late.feed_late(*s, *v, 10_000 + s / 10);
    }
    let strip = |log: &[Transition]| {
        log.iter()
            .map(|t| (t.rule.to_string(), t.change, t.event_time))
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&late.log), strip(&live.log));
    assert!(live.log.len() >= 6, "{:?}", strip(&live.log));
    // Some deadlines fell between readings: their event times are no reading's.
    assert!(
        live.log
            .iter()
            .any(|t| !values.iter().any(|(s, _)| H::at(*s) == t.event_time)),
        "{:?}",
        strip(&live.log)
    );
    let mut book = AlarmBook::new(AlarmPolicy::default());
    let notices: Vec<_> = late.log.iter().flat_map(|t| book.apply(t)).collect();
    assert!(notices.iter().all(|n| n.late));
    assert!(notices.iter().any(|n| n.kind == NoticeKind::Raised));
}

#[test]
fn a_reading_from_the_future_is_refused_and_blocks_nothing() {
    let mut h = H::new(vec![rule("alto", vec![("major", above(90.0))], auto(0.0))]);
    let o = Observation::new(H::at(7200), 95.0, Quality::Good);
    let mut out = Vec::new();
    assert_eq!(h.e.observe(h.idx, &o, H::at(10), &mut out), Outcome::Future);
    assert_eq!(h.feed(20, 95.0), vec![(Raise(Major), 20)]);
}

#[test]
fn edited_rules_keep_state_when_unchanged_and_their_raised_severity_otherwise() {
    let a = || rule("a", vec![("major", rep(above(90.0), 3))], auto(0.0));
    let mut h = H::new(vec![
        a(),
        rule("b", vec![("major", above(90.0))], auto(0.0)),
    ]);
    h.feed(0, 91.0);
    h.feed(10, 91.0);
    // b is edited (threshold 80): its alarm stays raised, no second raise.
    h.e.set_rules(
        h.idx,
        vec![a(), rule("b", vec![("major", above(80.0))], auto(0.0))],
    )
    .unwrap();
    assert_eq!(
        h.feed(20, 91.0),
        vec![(Raise(Major), 20)],
        "a kept its count of 2"
    );
    assert_eq!(h.e.active(h.idx), vec![("a", Major), ("b", Major)]);
    assert!(matches!(
        h.e.set_rules(h.idx, vec![a(), a()]),
        Err(EngineError::DuplicateRule { .. })
    ));
}

#[test]
fn restore_reports_what_it_kept() {
    let mut h = H::new(vec![
        rule("a", vec![("major", above(90.0))], auto(0.0)),
        rule("b", vec![("major", above(90.0))], auto(0.0)),
    ]);
    h.feed(0, 95.0);
    let saved = h.state();
    let mut r = H::new(vec![
        rule("a", vec![("major", above(90.0))], auto(0.0)),
        rule("c", vec![("major", above(90.0))], auto(0.0)),
        rule("b", vec![("major", above(70.0))], auto(0.0)),
    ]);
    let report = r.e.restore_series(r.idx, &saved, H::at(5)).unwrap();
    assert_eq!(
        report,
        RestoreReport {
            kept: 1,
            reset: 1,
            dropped: 0
        }
    );
    assert_eq!(r.e.active(r.idx), vec![("a", Major), ("b", Major)]);
    assert_eq!(
        r.feed(10, 95.0),
        vec![(Raise(Major), 10)],
        "only the new rule c raises"
    );
}

#[test]
fn series_registration_refuses_misuse() {
    let mut e = Engine::new(EngineConfig::default());
    let r = || rule("a", vec![("major", above(90.0))], auto(0.0));
    e.add_series(SeriesKey(1), P, vec![r()], UtcMillis(0))
        .unwrap();
    assert_eq!(
        e.add_series(SeriesKey(1), P, vec![r()], UtcMillis(0)),
        Err(EngineError::DuplicateSeries(SeriesKey(1)))
    );
    let many: Vec<_> = (0..=MAX_RULES_PER_SERIES)
        .map(|i| rule(&format!("r{i}"), vec![("major", above(90.0))], auto(0.0)))
        .collect();
    assert!(matches!(
        e.add_series(SeriesKey(2), P, many, UtcMillis(0)),
        Err(EngineError::TooManyRules { count: 65, .. })
    ));
    assert_eq!(e.len(), 1);
    let idx = e.index_of(SeriesKey(1)).unwrap();
    assert_eq!(e.key(idx), SeriesKey(1));
    assert_eq!(e.drain_dirty(), vec![idx]);
    assert!(e.drain_dirty().is_empty());
}

// ---- the state codec ------------------------------------------------------

fn mixed_rules() -> Vec<BoundRule> {
    let rate = ConditionDraft {
        kind: "rate".to_owned(),
        below: Some(ValueDraft::Number(-2.0)),
        window_s: Some(600),
        ..ConditionDraft::default()
    };
    vec![
        rule(
            "seco",
            vec![("critical", dur(below(5.0), 250)), ("major", below(6.0))],
            auto(0.5),
        ),
        rule(
            "alto",
            vec![("major", rep(above(8.0), 3))],
            ClearDraft {
                duration_s: Some(60),
                ..auto(0.2)
            },
        ),
        rule("sin_datos", vec![("minor", no_data(120))], auto(0.0)),
        rule("descenso", vec![("warning", rate)], auto(0.0)),
        rule("congelado", vec![("warning", event(&["stuck"]))], auto(0.0)),
    ]
}

/// A reading's value and quality from generated bytes: values 2..14.75,
/// some bad, some stuck.
fn sample(v: u8, bad: bool) -> (f64, Quality) {
    let q = if bad {
        Quality::Bad(Reason::Timeout)
    } else if v.is_multiple_of(7) {
        Quality::Suspect(Reason::Stuck)
    } else {
        Quality::Good
    };
    (f64::from(v) / 20.0 + 2.0, q)
}

#[test]
fn the_state_round_trips_byte_for_byte_and_its_size_is_small() {
    let mut h = H::new(mixed_rules());
    for i in 0..60u32 {
        let (v, q) = sample(u8::try_from(i * 7 % 200).unwrap(), i % 11 == 0);
        h.feed_q(i64::from(i) * 13, v, q);
    }
    let a = h.state();
    let r = H::restarted(mixed_rules(), &a, 2000);
    assert_eq!(r.state(), a);
    assert!(a.len() < 300, "{} bytes for five rules", a.len());
}

#[test]
fn damaged_or_foreign_state_is_refused_with_a_reason() {
    let mut h = H::new(mixed_rules());
    h.feed(0, 4.0);
    let good = h.state();
    let mut flipped = good.clone();
    flipped[5] ^= 0x10;
    assert!(matches!(
        codec::decode(&flipped),
        Err(StateDecodeError::Checksum { .. })
    ));
    assert_eq!(
        codec::decode(&good[..3]).err(),
        Some(StateDecodeError::Truncated { offset: 3 })
    );
    assert!(codec::decode(&[]).is_err());
    // A future version, with a valid checksum.
    let mut v2 = good[..good.len() - 4].to_vec();
    v2[0] = 2;
    let crc = codec::crc32(&v2);
    v2.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        codec::decode(&v2).err(),
        Some(StateDecodeError::UnknownVersion(2))
    );
    assert_eq!(
        StateDecodeError::UnknownVersion(2).to_string(),
        "series state version 2 is not supported (this build reads version 1)"
    );
    // Trailing bytes inside a valid checksum.
    let mut extra = good[..good.len() - 4].to_vec();
    extra.push(0);
    let crc = codec::crc32(&extra);
    extra.extend_from_slice(&crc.to_le_bytes());
    assert_eq!(
        codec::decode(&extra).err(),
        Some(StateDecodeError::Trailing { extra: 1 })
    );
    let r = h.e.restore_series(h.idx, &flipped, H::at(10));
    assert!(r.is_err());
}

#[test]
fn the_largest_possible_state_fits_the_documented_bound() {
    // 64 rules of five create conditions and a clear condition, every
    // field present at its widest: ten-byte varints, full rate rings.
    let five = || {
        ["critical", "major", "minor", "warning", "indeterminate"]
            .into_iter()
            .map(|s| {
                let c = ConditionDraft {
                    kind: "rate".to_owned(),
                    above: Some(ValueDraft::Number(1.0)),
                    window_s: Some(600),
                    duration_s: Some(60),
                    ..ConditionDraft::default()
                };
                (s, c)
            })
            .collect::<Vec<_>>()
    };
    let clear = ClearDraft {
        kind: "condition".to_owned(),
        condition: Some(ConditionDraft {
            kind: "rate".to_owned(),
            below: Some(ValueDraft::Number(0.0)),
            window_s: Some(600),
            repeat: Some(5),
            ..ConditionDraft::default()
        }),
        ..ClearDraft::default()
    };
    let rules: Vec<_> = (0..MAX_RULES_PER_SERIES)
        .map(|i| rule(&format!("r{i}"), five(), clear.clone()))
        .collect();
    let mut h = H::new(rules);
    let s = &mut h.e.series[0];
    // Offsets from the watermark of about 2^63 take ten-byte varints.
    s.st.watermark = i64::MAX - 1;
    s.st.last_event = 0;
    s.st.last_arrival = i64::MAX - 1;
    for r in &mut s.st.rules {
        r.active = Some(Severity::Critical);
        r.holding = true;
        for c in &mut r.conds {
            c.since = 0;
            c.count = u32::MAX;
            c.last_data = 0;
            c.rate = Some(Box::new(eval::RateRing {
                anchors: vec![(0, f64::MAX); eval::RATE_RING],
            }));
        }
    }
    let bytes = h.state();
    assert!(
        bytes.len() <= codec::MAX_STATE_BYTES,
        "{} bytes exceed the bound",
        bytes.len()
    );
    assert!(
        bytes.len() > 50_000,
        "the test did not build the widest state"
    );
    let snap = codec::decode(&bytes).unwrap();
    assert_eq!(snap.rules.len(), MAX_RULES_PER_SERIES);
    assert_eq!(snap.rules[0].state.conds[5].count, u32::MAX);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic_the_decoder(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = codec::decode(&bytes);
        // With a valid checksum the parser itself is exercised.
        let mut b = bytes.clone();
        let crc = codec::crc32(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        let _ = codec::decode(&b);
    }

    #[test]
    fn a_damaged_state_that_still_decodes_never_panics_the_engine(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut h = H::new(mixed_rules());
        for (i, v) in [4.0, 9.0, 9.0, 3.0, 6.0].into_iter().enumerate() {
            h.feed(i64::try_from(i).unwrap() * 50, v);
        }
        let good = h.state();
        let mut body = good[..good.len() - 4].to_vec();
        for (at, x) in &flips {
            let i = at.index(body.len());
            body[i] ^= *x;
        }
        let crc = codec::crc32(&body);
        body.extend_from_slice(&crc.to_le_bytes());
        let mut r = H::new(mixed_rules());
        if r.e.restore_series(r.idx, &body, H::at(400)).is_ok() {
            let mut out = Vec::new();
            let _ = r.e.poll_timeout();
            r.e.on_timeout(UtcMillis(i64::MAX), &mut out);
            r.e.on_timeout(UtcMillis(i64::MIN), &mut out);
            for s in [500, 600, 100_000] {
                let o = Observation::new(H::at(s), 4.0, Quality::Good);
                r.e.observe(r.idx, &o, H::at(s), &mut out);
            }
            let _ = r.state();
        }
    }

    #[test]
    fn a_restart_anywhere_continues_exactly_as_if_none_happened(
        steps in prop::collection::vec((1u32..90, any::<u8>(), prop::bool::weighted(0.1)), 2..80),
        cut in any::<prop::sample::Index>(),
        downtime in 0i64..600,
    ) {
        let cut = cut.index(steps.len());
        let mut one = H::new(mixed_rules());
        let mut t = 0i64;
        let mut times = Vec::new();
        for (gap, v, bad) in &steps {
            t += i64::from(*gap);
            times.push((t, *v, *bad));
        }
        for (s, v, bad) in &times {
            let (v, q) = sample(*v, *bad);
            one.feed_q(*s, v, q);
        }
        let mut two = H::new(mixed_rules());
        for (s, v, bad) in &times[..cut] {
            let (v, q) = sample(*v, *bad);
            two.feed_q(*s, v, q);
        }
        let saved = two.state();
        let restart_at = times[cut.saturating_sub(1)].0 + downtime;
        let mut three = H::restarted(mixed_rules(), &saved, restart_at);
        for (s, v, bad) in &times[cut..] {
            let (v, q) = sample(*v, *bad);
            three.feed_q(*s, v, q);
        }
        let strip = |log: &[Transition]| log.iter().map(|t| (t.rule.to_string(), t.change, t.event_time)).collect::<Vec<_>>();
        let mut both = strip(&two.log);
        both.extend(strip(&three.log));
        prop_assert_eq!(both, strip(&one.log));
        prop_assert_eq!(three.state(), one.state());
    }
}
