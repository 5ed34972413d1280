//! Behaviour of the slot life cycle: retries, review, no data, late filing,
//! double folios, and a model-based test that a slot is filed exactly once
//! whatever the DGA and the collector do.

use proptest::prelude::*;

use super::checks::PreviousTotal;
use super::settings::{DgaSettings, DgaSettingsInput};
use super::slot::{Due, Effect, ReceiptCheck, ReceiptStatus, Slot, TransitionError};
use super::values::{PointData, Sample, Series, value_slot};
use super::*;
use crate::{DAY_MS, HOUR_MS, MINUTE_MS, PointId, Severity, UserId, UtcMillis, Zone};

/// 2026-06-11 00:00 at UTC-4.
pub(super) const T0: i64 = 1_781_150_400_000;

pub(super) fn settings() -> DgaSettings {
    DgaSettings::from_input(&DgaSettingsInput {
        obra: "OB-0601-444".to_owned(),
        kind: "subterraneas".to_owned(),
        standard: "mayor".to_owned(),
        mode: "live".to_owned(),
        rut_empresa: "76086428-5".to_owned(),
        rut_usuario: "12345678-5".to_owned(),
        password: Secret::new("clave-secreta"),
        level_sensor: Some("water_column".to_owned()),
        sensor_depth_m: Some(60.0),
        water_right_lps: Some(20.0),
        ..DgaSettingsInput::default()
    })
    .unwrap()
}

/// A day of readings every 5 minutes: flow 15.31 l/s, the total rising
/// by 15.31 × 300 / 1000 = 4.593 m³ per step from 1000 m³, level 50.15 m
/// of water column over a sensor at 60 m.
pub(super) fn day_of_readings() -> (Vec<Sample>, Vec<Sample>, Vec<Sample>) {
    let n = 24 * 12 + 1;
    let t = |i: i64| UtcMillis(T0 + i * 5 * MINUTE_MS);
    let flow = (0..n).map(|i| Sample::good(t(i), 15.31)).collect();
    let total = (0..n)
        .map(|i| Sample::good(t(i), 1000.0 + 4.593 * i as f64))
        .collect();
    let level = (0..n).map(|i| Sample::good(t(i), 50.15)).collect();
    (flow, total, level)
}

pub(super) fn slot_at_hour(h: i64) -> Slot {
    let time = plan(
        Cadence::Hourly,
        Zone::utc_minus_4(),
        UtcMillis(T0 + h * HOUR_MS),
        UtcMillis(T0 + h * HOUR_MS + 1),
    )
    .next()
    .unwrap();
    Slot::planned(PointId(1), Regulator::Dga, time)
}

/// The 13:00 slot, valued and ready.
pub(super) fn ready_13() -> Slot {
    let s = settings();
    let (flow, total, level) = day_of_readings();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let slot = slot_at_hour(13);
    let valuation = value_slot(&s.values, &slot.time(), &data);
    let t = slot
        .on_valuation(
            valuation.clone(),
            &s.valuing(),
            None,
            &FilingPolicy::default(),
            UtcMillis(slot.at.0 + MINUTE_MS),
        )
        .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Ready, "{:?}", t.slot.review);
    assert_eq!(t.entry.action, LedgerAction::Valued);
    t.slot
}

fn reply(status: u16, body: &str) -> Exchange {
    Exchange::Reply {
        status,
        body: body.to_owned(),
    }
}

fn ok(folio: &str) -> Exchange {
    reply(
        200,
        &format!(
            r#"{{"status":"00","message":"Medición subterránea ingresada correctamente","data":{{"numeroComprobante":"{folio}"}}}}"#
        ),
    )
}

fn send(
    s: &DgaSettings,
    slot: &Slot,
    now: UtcMillis,
    exchange: &Exchange,
) -> (Slot, Vec<LedgerEntry>, Vec<Effect>) {
    let (_, sending) = dga::prepare(s, slot, now).unwrap();
    let t = dga::complete(s, &sending.slot, exchange, &FilingPolicy::default(), now).unwrap();
    (t.slot, vec![sending.entry, t.entry], t.effects)
}

#[test]
fn a_rejection_is_retried_once_a_day_and_fails_on_the_seventh() {
    let s = settings();
    let policy = FilingPolicy::default();
    let mut slot = ready_13();
    let mut now = UtcMillis(slot.at.0 + MINUTE_MS);
    let rejection = reply(
        400,
        r#"{"status":"99","message":"Formato de caudal inválido"}"#,
    );
    for n in 1..=7u32 {
        assert_eq!(slot.due(FilingMode::Live, now), Due::Send);
        let (next, entries, _) = send(&s, &slot, now, &rejection);
        slot = next;
        assert_eq!(slot.rejections, n);
        assert_eq!(entries[1].http_status, Some(400));
        if n < 7 {
            assert_eq!(slot.status, SlotStatus::Rejected);
            let retry = UtcMillis(now.0 + DAY_MS);
            assert_eq!(slot.next_attempt_at, Some(retry));
            assert_eq!(
                slot.due(FilingMode::Live, UtcMillis(retry.0 - 1)),
                Due::At(retry)
            );
            assert_eq!(
                dga::prepare(&s, &slot, UtcMillis(retry.0 - 1)).unwrap_err(),
                PrepareError::Transition(TransitionError::NotDue {
                    next_attempt_at_ms: retry.0
                })
            );
            assert_eq!(
                entries[1].note,
                format!("rejected {n}/7 (status 99): Formato de caudal inválido; retried in 24 h")
            );
            now = retry;
        } else {
            assert_eq!(slot.status, SlotStatus::Failed);
            assert_eq!(
                slot.due(FilingMode::Live, UtcMillis(now.0 + 10 * DAY_MS)),
                Due::Never
            );
        }
    }
    assert_eq!(slot.attempts, 7);
    // A person may try again: the counters restart.
    let t = slot
        .resume(UserId(9), "formato corregido en la DGA", now)
        .unwrap();
    assert_eq!((t.slot.status, t.slot.rejections), (SlotStatus::Ready, 0));
    assert_eq!(t.entry.actor, Some(UserId(9)));
    assert_eq!(policy.max_rejections, 7);
}

#[test]
fn transient_failures_back_off_doubling_capped_within_the_lag_and_never_fail() {
    let s = settings();
    let mut slot = ready_13();
    let start = UtcMillis(slot.at.0 + MINUTE_MS);
    let mut now = start;
    let mut delays = Vec::new();
    for _ in 0..12 {
        let (next, entries, _) = send(&s, &slot, now, &reply(503, "Service Unavailable"));
        slot = next;
        assert_eq!(slot.status, SlotStatus::Retrying);
        assert_eq!(entries[1].http_status, Some(503));
        let at = slot.next_attempt_at.unwrap();
        delays.push((at.0 - now.0) / 1000);
        now = at;
    }
    // 30 s doubling, capped at 15 min while within the hour's lag, then 6 h.
    assert_eq!(&delays[..6], &[30, 60, 120, 240, 480, 900]);
    assert!(delays[6..].contains(&(6 * 3600)), "{delays:?}");
    assert_eq!(slot.rejections, 0, "the DGA never refused it");
    let (slot, _, _) = send(&s, &slot, now, &ok("F1"));
    assert_eq!(slot.status, SlotStatus::Accepted);
    assert!(slot.late, "accepted hours after its slot");
}

#[test]
fn a_timed_out_post_that_arrived_is_accepted_by_the_duplicate_reply() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let (slot, entries, _) = send(&s, &slot, now, &Exchange::TimedOut);
    assert_eq!(slot.status, SlotStatus::Retrying);
    assert_eq!(entries[1].response.as_deref(), Some("timed out"));
    let later = UtcMillis(now.0 + 30_000);
    let dup = reply(
        400,
        r#"{"status":"99","message":"Ya existe un registro en esa fecha, hora para la obra. Comprobante: A1b2C3d4E5f6A1b2C3d4E5f6A1b2C3d4"}"#,
    );
    let (slot, entries, effects) = send(&s, &slot, later, &dup);
    assert_eq!(slot.status, SlotStatus::Accepted);
    assert_eq!(
        slot.folio.as_deref(),
        Some("A1b2C3d4E5f6A1b2C3d4E5f6A1b2C3d4")
    );
    assert!(!slot.late);
    assert!(effects.is_empty());
    assert_eq!(
        entries[1].note,
        "already filed: folio A1b2C3d4E5f6A1b2C3d4E5f6A1b2C3d4"
    );
}

#[test]
fn a_slot_found_sending_after_a_crash_is_resent() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let (_, sending) = dga::prepare(&s, &slot, now).unwrap();
    // The collector dies here; on restart the slot is `sending`.
    let crashed = sending.slot;
    assert_eq!(crashed.due(FilingMode::Live, now), Due::Send);
    let (p, resend) = dga::prepare(&s, &crashed, UtcMillis(now.0 + 5_000)).unwrap();
    assert_eq!(resend.entry.action, LedgerAction::Resend);
    assert_eq!(resend.entry.from, SlotStatus::Sending);
    assert_eq!(resend.slot.attempts, 2);
    assert_eq!(
        resend.entry.note,
        "attempt 2: sending again, the reply to attempt 1 was lost"
    );
    // The values are frozen: the resend carries the same measurement.
    assert_eq!(
        dga::measurement(&s, &crashed).unwrap(),
        dga::measurement(&s, &resend.slot).unwrap()
    );
    assert!(p.request.body.unwrap().contains("\"caudal\":\"15.31\""));
}

#[test]
fn an_informante_mismatch_stops_the_point_and_raises_a_critical_alarm() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let mismatch = reply(
        400,
        r#"{"status":"99","message":"Usuario no es el informante registrado en la Obra"}"#,
    );
    let (slot, _, effects) = send(&s, &slot, now, &mismatch);
    assert_eq!(slot.status, SlotStatus::Held);
    assert_eq!(
        slot.due(FilingMode::Live, UtcMillis(now.0 + 10 * DAY_MS)),
        Due::Never,
        "never retried"
    );
    assert!(matches!(
        &effects[0],
        Effect::StopPoint {
            point: PointId(1),
            regulator: Regulator::Dga,
            ..
        }
    ));
    let Effect::Finding(f) = &effects[1] else {
        panic!("{effects:?}")
    };
    assert_eq!(
        (f.kind, f.severity),
        (FindingKind::InformanteMismatch, Severity::Critical)
    );
    assert!(
        slot.resume(UserId(1), "", now).is_err(),
        "a note is required"
    );
    let resumed = slot.resume(UserId(1), "informante corregido", now).unwrap();
    assert_eq!(resumed.slot.status, SlotStatus::Ready);
}

#[test]
fn two_different_folios_for_one_slot_are_critical() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let (accepted, mut ledger, _) = send(&s, &slot, now, &ok("FOLIO1"));
    // A resend (by a person forcing a slot back to sending) gets another folio.
    let mut forced = accepted.clone();
    forced.status = SlotStatus::Sending;
    let t = forced
        .on_outcome(
            &dga::classify(&ok("FOLIO2")),
            &ok("FOLIO2"),
            s.late_after_ms,
            &FilingPolicy::default(),
            now,
        )
        .unwrap();
    assert_eq!(
        t.slot.folio.as_deref(),
        Some("FOLIO1"),
        "the first folio is kept"
    );
    let Effect::Finding(f) = &t.effects[0] else {
        panic!()
    };
    assert_eq!(
        (f.kind, f.severity),
        (FindingKind::DoubleFolio, Severity::Critical)
    );
    ledger.push(t.entry);
    let findings = ledger_findings(&ledger);
    assert_eq!(findings.len(), 1);
    assert_eq!(
        findings[0].message,
        "slot 2026-06-11 13:00:00 has 2 folios: FOLIO1, FOLIO2"
    );
    assert!(ledger_findings(&ledger[..2]).is_empty());
}

#[test]
fn a_12_hour_gap_is_filed_late_once_its_readings_arrive() {
    let s = settings();
    let policy = FilingPolicy::default();
    let (flow, total, level) = day_of_readings();
    // Only readings up to 08:00 have arrived.
    let cut = |v: &[Sample]| {
        v.iter()
            .copied()
            .filter(|r| r.at.0 <= T0 + 8 * HOUR_MS)
            .collect::<Vec<_>>()
    };
    let (f8, t8, l8) = (cut(&flow), cut(&total), cut(&level));
    let early = PointData {
        flow: Series::of(&f8),
        total: Series::of(&t8),
        level: Series::of(&l8),
    };
    let full = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let slot = slot_at_hour(13);
    let at_noon = UtcMillis(T0 + 20 * HOUR_MS);
    let v = value_slot(&s.values, &slot.time(), &early);
    assert_eq!(
        slot.on_valuation(v.clone(), &s.valuing(), None, &policy, at_noon),
        None,
        "waits for data"
    );
    assert_eq!(slot.due(FilingMode::Live, at_noon), Due::Never);
    // The backlog drains 12 hours later.
    let drained = UtcMillis(slot.at.0 + 12 * HOUR_MS);
    let v = value_slot(&s.values, &slot.time(), &full);
    let ready = slot
        .on_valuation(v.clone(), &s.valuing(), None, &policy, drained)
        .unwrap()
        .slot;
    let (filed, _, _) = send(&s, &ready, drained, &ok("LATE1"));
    assert_eq!(filed.status, SlotStatus::Accepted);
    assert!(filed.late);
    assert_eq!(filed.lag_ms(drained), Some(12 * HOUR_MS));
    assert_eq!(
        filed.due(FilingMode::Live, drained),
        Due::Never,
        "filed once"
    );
}

#[test]
fn no_readings_for_30_days_is_no_data_and_never_invented() {
    let s = settings();
    let policy = FilingPolicy::default();
    let slot = slot_at_hour(13);
    let nothing = PointData::default();
    let v = value_slot(&s.values, &slot.time(), &nothing);
    let later = UtcMillis(slot.at.0 + 29 * DAY_MS);
    assert_eq!(
        slot.on_valuation(v.clone(), &s.valuing(), None, &policy, later),
        None
    );
    assert_eq!(slot.expire(&policy, later), None);
    let t = slot
        .expire(&policy, UtcMillis(slot.at.0 + 30 * DAY_MS))
        .unwrap();
    assert_eq!(
        (t.slot.status, t.slot.values.clone()),
        (SlotStatus::NoData, None)
    );
    assert_eq!(t.entry.note, "no readings after 30 days");
    let reopened = t
        .slot
        .reopen(UserId(2), "historia importada", later)
        .unwrap();
    assert_eq!(reopened.slot.status, SlotStatus::Waiting);
}

#[test]
fn partial_data_goes_to_review_after_48_hours() {
    let s = settings();
    let policy = FilingPolicy::default();
    let (flow, total, _) = day_of_readings();
    // The level sensor sent nothing.
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::default(),
    };
    let slot = slot_at_hour(13);
    let v = value_slot(&s.values, &slot.time(), &data);
    assert_eq!(
        slot.on_valuation(
            v.clone(),
            &s.valuing(),
            None,
            &policy,
            UtcMillis(slot.at.0 + 47 * HOUR_MS)
        ),
        None
    );
    let t = slot
        .on_valuation(
            v.clone(),
            &s.valuing(),
            None,
            &policy,
            UtcMillis(slot.at.0 + 48 * HOUR_MS),
        )
        .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Review);
    assert_eq!(
        t.slot.review,
        vec![ReviewReason::ValueMissing(Measure::Nivel)]
    );
    assert_eq!(t.entry.note, "values taken; review: value_missing");
    // Release is refused: the DGA needs the nivel. A correction with a manual reading works.
    let now = UtcMillis(slot.at.0 + 50 * HOUR_MS);
    assert_eq!(
        t.slot.release(UserId(4), "ok", &s.required(), now),
        Err(TransitionError::Missing(vec![Measure::Nivel]))
    );
    let c = t
        .slot
        .correct(
            UserId(4),
            "lectura manual con sonda",
            &[(Measure::Nivel, 9.85)],
            &s.valuing(),
            now,
        )
        .unwrap();
    assert_eq!(c.slot.status, SlotStatus::Ready);
    assert_eq!(c.entry.actor, Some(UserId(4)));
    assert_eq!(
        c.entry.note,
        "corrected nivel = 9.85: lectura manual con sonda"
    );
    assert_eq!(
        dga::measurement(&s, &c.slot).unwrap().nivel.as_deref(),
        Some("9.85")
    );
}

#[test]
fn an_out_of_range_caudal_lands_in_review_never_at_the_regulator() {
    let s = settings();
    let policy = FilingPolicy::default();
    let (_, total, level) = day_of_readings();
    let flow: Vec<Sample> = total.iter().map(|r| Sample::good(r.at, 30.0)).collect();
    let total: Vec<Sample> = total
        .iter()
        .enumerate()
        .map(|(i, r)| Sample::good(r.at, 1000.0 + 9.0 * i as f64))
        .collect();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let slot = slot_at_hour(13);
    let v = value_slot(&s.values, &slot.time(), &data);
    let t = slot
        .on_valuation(
            v.clone(),
            &s.valuing(),
            None,
            &policy,
            UtcMillis(slot.at.0 + MINUTE_MS),
        )
        .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Review);
    assert_eq!(
        t.slot.review,
        vec![ReviewReason::CaudalAboveRight {
            caudal_lps: 30.0,
            limit_lps: 24.0
        }]
    );
    assert_eq!(
        t.slot.due(FilingMode::Live, UtcMillis(slot.at.0 + DAY_MS)),
        Due::Never
    );
    assert_eq!(
        dga::prepare(&s, &t.slot, UtcMillis(slot.at.0 + DAY_MS)).unwrap_err(),
        PrepareError::Transition(TransitionError::NotAllowed {
            from: SlotStatus::Review,
            action: "sent"
        })
    );
    // A person who knows the right was raised releases it; the ledger keeps who and why.
    assert_eq!(
        t.slot.release(UserId(3), "  ", &s.required(), slot.at),
        Err(TransitionError::NoteRequired)
    );
    let r = t
        .slot
        .release(
            UserId(3),
            "derecho ampliado por resolución",
            &s.required(),
            slot.at,
        )
        .unwrap();
    assert_eq!(r.slot.status, SlotStatus::Ready);
    assert_eq!(
        r.entry.note,
        "released despite caudal_above_right: derecho ampliado por resolución"
    );
}

#[test]
fn a_negative_caudal_cannot_be_released() {
    let s = settings();
    let mut slot = ready_13();
    slot.status = SlotStatus::Review;
    slot.review = vec![ReviewReason::CaudalNegative { caudal_lps: -2.0 }];
    assert!(matches!(
        slot.release(UserId(3), "ok", &s.required(), slot.at),
        Err(TransitionError::Unfileable(_))
    ));
    assert!(matches!(
        slot.correct(UserId(3), "signo", &[(Measure::FlowMean, -2.0)], &s.valuing(), slot.at),
        Err(TransitionError::Unfileable(m)) if m == "negative caudal: -2 l/s"
    ));
}

#[test]
fn a_decrease_against_the_previous_valued_slot_goes_to_review() {
    let s = settings();
    let (flow, total, level) = day_of_readings();
    let data = PointData {
        flow: Series::of(&flow),
        total: Series::of(&total),
        level: Series::of(&level),
    };
    let slot = slot_at_hour(13);
    let v = value_slot(&s.values, &slot.time(), &data);
    let previous = Some(PreviousTotal {
        at: UtcMillis(slot.at.0 - 2 * HOUR_MS),
        total_m3: 9_000.0,
    });
    let t = slot
        .on_valuation(
            v.clone(),
            &s.valuing(),
            previous,
            &FilingPolicy::default(),
            slot.at,
        )
        .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Review);
    assert!(
        matches!(t.slot.review[0], ReviewReason::TotaliserDecreased { previous_m3, .. } if previous_m3 == 9_000.0)
    );
}

#[test]
fn shadow_mode_builds_and_records_but_never_sends() {
    let mut s = settings();
    s.mode = FilingMode::Shadow;
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    assert_eq!(slot.due(FilingMode::Shadow, now), Due::Shadow);
    assert_eq!(
        dga::prepare(&s, &slot, now).unwrap_err(),
        PrepareError::Mode(FilingMode::Shadow)
    );
    let t = dga::shadow(&s, &slot, now).unwrap();
    assert_eq!(t.slot.status, SlotStatus::Shadowed);
    let payload = t.entry.payload.as_deref().unwrap();
    assert!(
        payload.contains("\"password\":\"****\"") && !payload.contains("clave-secreta"),
        "{payload}"
    );
    assert_eq!(
        t.slot.due(FilingMode::Shadow, now),
        Due::Never,
        "recorded once"
    );
    assert_eq!(
        t.slot.due(FilingMode::Live, now),
        Due::Send,
        "sent once the point goes live"
    );
    assert_eq!(t.slot.due(FilingMode::Off, now), Due::Never);
}

#[test]
fn receipt_checks_verify_or_raise_findings() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let (accepted, _, _) = send(&s, &slot, now, &ok("R1"));
    let found = reply(
        200,
        r#"{"status":"00","message":"ok","data":{"fechaMedicion":"11-06-2026","horaMedicion":"13:00:00","caudal":"15.31","totalizador":"1716","nivelFreaticoDelPozo":"9.85"}}"#,
    );
    let t = dga::check_receipt(&s, &accepted, &found, now).unwrap();
    assert_eq!(t.slot.receipt, ReceiptStatus::Verified, "{}", t.entry.note);
    assert!(t.effects.is_empty());
    let other = reply(
        200,
        r#"{"status":"00","message":"ok","data":{"fechaMedicion":"11-06-2026","horaMedicion":"13:00:00","caudal":"15.31","totalizador":"1715","nivelFreaticoDelPozo":"9.85"}}"#,
    );
    let t = dga::check_receipt(&s, &accepted, &other, now).unwrap();
    assert_eq!(t.slot.receipt, ReceiptStatus::Mismatch);
    assert_eq!(
        dga::classify_receipt(&other, &dga::measurement(&s, &accepted).unwrap()),
        ReceiptCheck::Mismatch(vec![
            "totalizador: filed \"1716\", receipt \"1715\"".to_owned()
        ])
    );
    let missing = reply(
        404,
        r#"{"status":"99","message":"Comprobante no encontrado"}"#,
    );
    let t = dga::check_receipt(&s, &accepted, &missing, now).unwrap();
    assert_eq!(t.slot.receipt, ReceiptStatus::Missing);
    let Effect::Finding(f) = &t.effects[0] else {
        panic!()
    };
    assert_eq!(f.severity, Severity::Critical);
    assert_eq!(
        dga::check_receipt(&s, &accepted, &reply(503, ""), now),
        None,
        "try later"
    );
}

/// What the simulated DGA does with one POST.
#[derive(Clone, Copy, Debug)]
enum Dga {
    /// Process it and reply.
    Reply,
    /// Answer 503 without processing.
    Unavailable,
    /// Process it, but the reply is lost (the client times out).
    AcceptThenTimeOut,
    /// Refuse it (a format rejection), without processing.
    Reject,
    /// Process it; the collector dies before it reads the reply.
    CrashAfterPost,
    /// The collector dies after committing `sending`, before the POST.
    CrashBeforePost,
}

fn dga_behaviour() -> impl Strategy<Value = Dga> {
    prop_oneof![
        4 => Just(Dga::Reply),
        3 => Just(Dga::Unavailable),
        2 => Just(Dga::AcceptThenTimeOut),
        1 => Just(Dga::Reject),
        1 => Just(Dga::CrashAfterPost),
        1 => Just(Dga::CrashBeforePost),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever the DGA and the collector do, the DGA ends with at most one
    /// record for the slot; once the DGA recovers, the slot is accepted
    /// with that record's folio (or failed after 7 rejections, with nothing
    /// at the DGA); and the ledger explains every state the slot was in
    /// (each entry starts where the previous one ended).
    #[test]
    fn a_slot_is_filed_exactly_once(behaviour in proptest::collection::vec(dga_behaviour(), 1..40)) {
        let s = settings();
        let policy = FilingPolicy::default();
        let mut slot = ready_13();
        let mut ledger: Vec<LedgerEntry> = Vec::new();
        let mut dga_records: Vec<String> = Vec::new();
        let mut now = UtcMillis(slot.at.0 + MINUTE_MS);
        let mut issued = 0u32;
        // The given behaviour, then a DGA that always answers.
        let script = behaviour.into_iter().chain(std::iter::repeat_n(Dga::Reply, 3));
        for b in script {
            match slot.due(FilingMode::Live, now) {
                Due::Send => {}
                Due::At(t) => now = t,
                Due::Never | Due::Shadow => break,
            }
            let (p, sending) = dga::prepare(&s, &slot, now).unwrap();
            prop_assert!(!p.redacted.contains("clave-secreta"));
            ledger.push(sending.entry);
            slot = sending.slot;
            if matches!(b, Dga::CrashBeforePost) {
                now = UtcMillis(now.0 + 10_000);
                continue;
            }
            // The DGA side: one record per (obra, fecha, hora); a request it
            // reads for a slot it holds gets the duplicate reply.
            let exchange = match (b, dga_records.first()) {
                (Dga::Unavailable, _) => reply(503, ""),
                (_, Some(folio)) => reply(400, &format!(r#"{{"status":"99","message":"Ya existe un registro en esa fecha, hora para la obra. Comprobante: {folio}"}}"#)),
                (Dga::Reject, None) => reply(400, r#"{"status":"99","message":"rechazo"}"#),
                (_, None) => {
                    issued += 1;
                    let folio = format!("F{issued:031}");
                    dga_records.push(folio.clone());
                    ok(&folio)
                }
            };
            let exchange = match b {
                Dga::AcceptThenTimeOut => Exchange::TimedOut,
                _ => exchange,
            };
            if matches!(b, Dga::CrashAfterPost) {
                now = UtcMillis(now.0 + 10_000);
                continue;
            }
            let t = dga::complete(&s, &slot, &exchange, &policy, now).unwrap();
            prop_assert!(t.effects.is_empty());
            ledger.push(t.entry);
            slot = t.slot;
            now = UtcMillis(now.0 + 1_000);
        }
        prop_assert!(dga_records.len() <= 1, "the DGA holds {} records", dga_records.len());
        match slot.status {
            SlotStatus::Accepted => prop_assert_eq!(slot.folio.as_ref(), dga_records.first()),
            SlotStatus::Failed => prop_assert!(dga_records.is_empty(), "failed, yet the DGA holds it"),
            other => prop_assert!(false, "ended {}", other),
        }
        prop_assert!(ledger_findings(&ledger).is_empty());
        let mut state = SlotStatus::Ready;
        for e in &ledger {
            prop_assert_eq!(e.from, state, "entry {:?} does not follow {}", e, state);
            state = e.to;
        }
        prop_assert_eq!(state, slot.status);
    }
}

#[test]
fn a_drained_backlog_is_filed_oldest_first() {
    let mut slots: Vec<Slot> = [15, 13, 14].iter().map(|h| slot_at_hour(*h)).collect();
    let mut other = slot_at_hour(13);
    other.key.point = PointId(0);
    slots.push(other);
    slots.sort_by(filing_order);
    let order: Vec<(i64, i64)> = slots
        .iter()
        .map(|s| ((s.at.0 - T0) / HOUR_MS, s.key.point.0))
        .collect();
    assert_eq!(order, vec![(13, 0), (13, 1), (14, 1), (15, 1)]);
}
