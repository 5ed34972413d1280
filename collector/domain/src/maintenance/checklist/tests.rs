use std::collections::BTreeSet;

use chrono::{NaiveDate, NaiveTime};

use super::*;
use crate::Zone;

fn key(s: &str) -> ItemKey {
    ItemKey::parse(s).unwrap()
}

fn item(k: &str, label: &str, kind: ItemKind, critical: bool) -> TemplateItem {
    TemplateItem {
        key: key(k),
        label: label.to_owned(),
        kind,
        critical,
        required: false,
    }
}

fn round_template() -> ChecklistTemplate {
    ChecklistTemplate::new(
        TemplateId(2),
        "Ronda diaria pozo",
        vec![
            item("seal", "Sello sin fuga", ItemKind::Verdict, true),
            item("noise", "Ruido normal", ItemKind::Verdict, false),
            item(
                "pressure",
                "Presión de descarga",
                ItemKind::Number {
                    unit: "bar".to_owned(),
                    min: Some(2.0),
                    max: Some(6.0),
                },
                false,
            ),
            item(
                "hours",
                "Horómetro",
                ItemKind::Meter(MeterKind::RunHours),
                false,
            ),
            item("remarks", "Observaciones", ItemKind::Text, false),
            item("photo", "Foto del tablero", ItemKind::Photo, false),
        ],
    )
    .unwrap()
}

fn at(date: NaiveDate, h: u32) -> UtcMillis {
    Zone::SANTIAGO.resolve(date.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap()))
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, n).unwrap()
}

fn submission(asset: i64, when: UtcMillis, answers: Vec<(&str, Answer)>) -> Submission {
    Submission {
        attached: Attachment::Round,
        asset: AssetId(asset),
        site: SiteId(3),
        filled_by: UserId(20),
        role: Role::Operator,
        at: when,
        answers: answers
            .into_iter()
            .map(|(k, a)| (k.to_owned(), a))
            .collect(),
    }
}

fn good(asset: i64, when: UtcMillis) -> Submission {
    submission(
        asset,
        when,
        vec![
            ("seal", Answer::Verdict(Verdict::Pass)),
            ("noise", Answer::Verdict(Verdict::Pass)),
            ("pressure", Answer::Number(4.1)),
        ],
    )
}

#[test]
fn a_good_round_passes_and_raises_nothing() {
    let t = round_template();
    let c = validate(&t, good(7, at(day(2), 9))).unwrap();
    assert_eq!(c.answers.len(), 6);
    assert_eq!(c.answers[2].outcome, Outcome::Within);
    assert_eq!(c.answers[5].outcome, Outcome::Unanswered);
    let inst = c.into_instance(ChecklistId(1));
    assert!(inst.follow_ups(Lang::Es).is_empty());
}

#[test]
fn every_wrong_answer_is_named_at_once() {
    let t = round_template();
    let e = validate(
        &t,
        submission(
            7,
            at(day(2), 9),
            vec![
                ("noise", Answer::Number(3.0)),
                ("pressure", Answer::Number(f64::INFINITY)),
                ("hours", Answer::Meter(-5.0)),
                ("remarks", Answer::Text("  ".into())),
                ("colour", Answer::Text("azul".into())),
                ("noise", Answer::Verdict(Verdict::Pass)),
            ],
        ),
    )
    .unwrap_err();
    let ChecklistError::Answers(items) = &e else {
        panic!("{e:?}");
    };
    let problems: Vec<(&str, ItemProblem)> =
        items.iter().map(|i| (i.key.as_str(), i.problem)).collect();
    assert_eq!(
        problems,
        vec![
            ("colour", ItemProblem::Unknown),
            ("noise", ItemProblem::Duplicate),
            ("seal", ItemProblem::Missing),
            ("noise", ItemProblem::WrongType),
            ("pressure", ItemProblem::NotFinite),
            ("hours", ItemProblem::NegativeMeter),
            ("remarks", ItemProblem::Empty),
        ]
    );
    assert_eq!(
        e.message(Lang::En),
        "7 answers are invalid: there is no item `colour` in this checklist; \
         item `noise` (Ruido normal) is answered more than once; \
         item `seal` (Sello sin fuga) is required and has no answer; \
         item `noise` (Ruido normal) expects pass, flag or fail; \
         item `pressure` (Presión de descarga): the number is not finite; \
         item `hours` (Horómetro): a meter reading cannot be negative; \
         item `remarks` (Observaciones): the answer is empty"
    );
    assert_eq!(
        items[3].message(Lang::Es),
        "el ítem «noise» (Ruido normal) espera conforme, observado o no conforme"
    );
    let mut guest = good(7, at(day(2), 9));
    guest.role = Role::Guest;
    assert_eq!(
        validate(&t, guest).unwrap_err().to_string(),
        "a guest may not fill checklists"
    );
}

#[test]
fn a_failed_critical_item_and_a_number_out_of_limits_each_raise_one_order() {
    // Atlas CMMS issue #56: "every failed item create a work order automatically".
    let t = round_template();
    let c = validate(
        &t,
        submission(
            7,
            at(day(2), 9),
            vec![
                ("seal", Answer::Verdict(Verdict::Fail)),
                ("noise", Answer::Verdict(Verdict::Fail)),
                ("pressure", Answer::Number(7.2)),
            ],
        ),
    )
    .unwrap();
    let inst = c.into_instance(ChecklistId(40));
    let orders = inst.follow_ups(Lang::Es);
    // The non-critical "noise" fail raises none.
    let keys: Vec<String> = orders.iter().map(|o| o.origin_key().unwrap()).collect();
    assert_eq!(
        keys,
        vec!["checklist:40:item:seal", "checklist:40:item:pressure"]
    );
    assert_eq!(orders[0].priority, Priority::High);
    assert_eq!(orders[0].state, WorkState::Requested);
    assert_eq!(orders[0].kind, WorkKind::Corrective);
    assert_eq!(orders[1].priority, Priority::Medium);
    assert_eq!(
        orders[1].title,
        "Checklist Ronda diaria pozo: Presión de descarga"
    );
    assert_eq!(
        orders[1].description,
        "Checklist 40 de Ronda diaria pozo: Presión de descarga: 7.2 bar está sobre el máximo de 6 bar."
    );
    // Submission and the 20:00 job both propose them; the keys make one each.
    let mut stored: BTreeSet<String> = BTreeSet::new();
    let report = daily_report(
        std::slice::from_ref(&inst),
        day(2),
        Zone::SANTIAGO,
        7,
        Lang::Es,
    );
    for o in orders.iter().chain(report.follow_ups.iter()) {
        stored.insert(o.origin_key().unwrap());
    }
    assert_eq!(stored.len(), 2);
}

#[test]
fn the_daily_report_counts_the_day_and_finds_repeat_failures() {
    let t = round_template();
    let mk = |id: i64, asset: i64, when: UtcMillis, seal: Verdict, pressure: f64| {
        validate(
            &t,
            submission(
                asset,
                when,
                vec![
                    ("seal", Answer::Verdict(seal)),
                    ("noise", Answer::Verdict(Verdict::Pass)),
                    ("pressure", Answer::Number(pressure)),
                ],
            ),
        )
        .unwrap()
        .into_instance(ChecklistId(id))
    };
    let instances = vec![
        // Asset 7: the seal failed three days ago, and twice today.
        mk(1, 7, at(day(7), 9), Verdict::Fail, 4.0),
        mk(2, 7, at(day(10), 8), Verdict::Fail, 4.0),
        mk(3, 7, at(day(10), 16), Verdict::Fail, 4.0),
        // Asset 8: flagged today only; pressure low today.
        mk(4, 8, at(day(10), 9), Verdict::Flag, 1.5),
        // Outside the 7-day window, and tomorrow: ignored.
        mk(5, 8, at(day(1), 9), Verdict::Flag, 4.0),
        mk(6, 7, at(day(11), 9), Verdict::Fail, 4.0),
    ];
    let r = daily_report(&instances, day(10), Zone::SANTIAGO, 7, Lang::Es);
    assert_eq!(r.checklists, 3);
    assert_eq!(r.answered, 9);
    assert_eq!(r.problems, 4);
    let lines: Vec<(i64, &str, u32, u32, bool)> = r
        .lines
        .iter()
        .map(|l| {
            (
                l.asset.0,
                l.key.as_str(),
                l.today.total(),
                l.in_window,
                l.repeat,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            (7, "seal", 2, 3, true),
            (8, "pressure", 1, 1, false),
            (8, "seal", 1, 1, false),
        ]
    );
    // Today: instances 2 and 3 (critical seal fail) and 4 (pressure low).
    assert_eq!(r.follow_ups.len(), 3);
    assert_eq!(
        r.render(Lang::Es),
        "Checklists del 2026-03-10: 3 completados, 9 respuestas, 4 con problemas.\n\
         Fallas repetidas (últimos 7 días):\n\
         - activo 7, Sello sin fuga (seal): 3 veces\n\
         Problemas de hoy:\n\
         - activo 8, Presión de descarga (pressure): fuera de límites\n\
         - activo 8, Sello sin fuga (seal): observado\n\
         Solicitudes correctivas: 3\n"
    );
}

#[test]
fn templates_that_cannot_be_filled_are_refused() {
    let bad_limits = ChecklistTemplate::new(
        TemplateId(1),
        "x",
        vec![item(
            "p",
            "P",
            ItemKind::Number {
                unit: "bar".into(),
                min: Some(5.0),
                max: Some(1.0),
            },
            false,
        )],
    );
    assert_eq!(
        bad_limits.unwrap_err().to_string(),
        "item `p` has limits that are not finite or not in order"
    );
    let dup = ChecklistTemplate::new(
        TemplateId(1),
        "x",
        vec![
            item("a", "A", ItemKind::Text, false),
            item("a", "B", ItemKind::Photo, false),
        ],
    );
    assert_eq!(dup, Err(TemplateError::DuplicateKey(key("a"))));
    assert_eq!(
        ItemKey::parse("Nivel Aceite").unwrap_err().to_string(),
        "item key `Nivel Aceite` must be 1 to 40 lowercase letters, digits or `_`"
    );
    // A critical item is always required.
    let t = ChecklistTemplate::new(
        TemplateId(1),
        "x",
        vec![item("a", "A", ItemKind::Verdict, true)],
    )
    .unwrap();
    assert!(t.items()[0].required);
}
