use super::*;

fn bar() -> BarChart {
    BarChart {
        id: "av".to_owned(),
        title: "Disponibilidad <diaria> & \"meta\"".to_owned(),
        categories: vec!["lun".to_owned(), "mar".to_owned(), "mié".to_owned()],
        values: vec![Some(0.9634), None, Some(0.5)],
        format: NumberFormat::PERCENT,
        target: Some(Target {
            value: 0.95,
            label: "meta 95 %".to_owned(),
        }),
        y_max: Some(1.0),
    }
}

#[test]
fn charts_are_deterministic_and_escape_their_text() {
    let a = bar().to_svg(Lang::Es).unwrap();
    assert_eq!(a, bar().to_svg(Lang::Es).unwrap());
    assert!(a.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(a.ends_with("</svg>"));
    assert!(a.contains("&lt;diaria&gt; &amp; &quot;meta&quot;"));
    assert!(!a.contains("<diaria>"));
    // Well-formed enough for a strict XML parser (usvg's roxmltree).
    resvg::usvg::Tree::from_str(&a, &resvg::usvg::Options::default()).unwrap();
}

#[test]
fn charts_carry_an_accessible_title_and_a_description_with_every_value() {
    let svg = bar().to_svg(Lang::Es).unwrap();
    assert!(svg.contains(r#"role="img" aria-labelledby="av-title av-desc""#));
    assert!(svg.contains(r#"<title id="av-title">Disponibilidad &lt;diaria&gt;"#));
    assert!(svg.contains(
        r#"<desc id="av-desc">lun: 96,3 %; mar: sin datos; mié: 50,0 %. meta 95 %</desc>"#
    ));
}

#[test]
fn spanish_labels_use_a_decimal_comma_and_english_a_point() {
    let es = bar().to_svg(Lang::Es).unwrap();
    let en = bar().to_svg(Lang::En).unwrap();
    assert!(es.contains(">96,3 %<") && es.contains(">100 %<"));
    assert!(en.contains(">96.3%<") && en.contains(">100%<"));
    assert!(en.contains("mar: no data"));
}

#[test]
fn a_missing_value_is_labelled_never_drawn_as_zero() {
    let svg = bar().to_svg(Lang::Es).unwrap();
    assert!(svg.contains(">s/d<"));
    assert!(!svg.contains(">0,0 %<"));
    // Two bars.
    let bars = svg.matches(&format!("fill=\"{}\"", PALETTE[0])).count();
    assert_eq!(bars, 2);
}

#[test]
fn a_series_of_the_wrong_length_or_a_bad_value_is_refused() {
    let mut c = bar();
    c.values.pop();
    assert_eq!(
        c.to_svg(Lang::Es),
        Err(ChartError::SeriesLength {
            chart: "av".to_owned(),
            series: c.title.clone(),
            found: 2,
            expected: 3
        })
    );
    let mut c = bar();
    c.values[1] = Some(f64::INFINITY);
    assert!(matches!(
        c.to_svg(Lang::Es),
        Err(ChartError::NotFinite { index: 1, .. })
    ));
    let mut c = bar();
    c.values[2] = Some(-0.1);
    assert!(matches!(
        c.to_svg(Lang::Es),
        Err(ChartError::Negative { index: 2, .. })
    ));
    let mut c = bar();
    c.id = "a b\"".to_owned();
    assert_eq!(
        c.to_svg(Lang::Es),
        Err(ChartError::BadId("a b\"".to_owned()))
    );
}

#[test]
fn stacked_bars_stack_and_total_each_category() {
    let c = StackedBarChart {
        id: "orders".to_owned(),
        title: "Órdenes".to_owned(),
        categories: vec!["abierta".to_owned(), "cerrada".to_owned()],
        series: vec![
            Series {
                name: "correctiva".to_owned(),
                values: vec![Some(3.0), Some(1.0)],
            },
            Series {
                name: "preventiva".to_owned(),
                values: vec![Some(2.0), None],
            },
        ],
        format: NumberFormat::COUNT,
    };
    let svg = c.to_svg(Lang::Es).unwrap();
    assert!(svg.contains("abierta: 5 (correctiva 3, preventiva 2); cerrada: 1 (correctiva 1)"));
    assert!(svg.contains(">5<") && svg.contains(">1<"));
    assert!(svg.contains(">correctiva<") && svg.contains(">preventiva<"));
    // Three segments: 3, 2 and 1 (the missing one is not drawn).
    let segments = svg.matches(PALETTE[0]).count() - 1 + svg.matches(PALETTE[1]).count() - 1;
    assert_eq!(segments, 3);
}

#[test]
fn a_line_breaks_at_missing_values_and_draws_its_target() {
    let c = LineChart {
        id: "pm".to_owned(),
        title: "PM".to_owned(),
        categories: (44..=48).map(|w| format!("W{w}")).collect(),
        series: vec![Series {
            name: "PM".to_owned(),
            values: vec![Some(0.85), Some(0.9), None, Some(0.92), Some(0.95)],
        }],
        format: NumberFormat::PERCENT,
        target: Some(Target {
            value: 0.9,
            label: "meta 90 %".to_owned(),
        }),
        y_min: Some(0.0),
        y_max: Some(1.0),
    };
    let svg = c.to_svg(Lang::Es).unwrap();
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert_eq!(svg.matches("<circle").count(), 4);
    assert!(svg.contains("stroke-dasharray") && svg.contains(">meta 90 %<"));
    assert!(svg.contains("W46: sin datos"));
}

#[test]
fn a_ranking_shows_notes_instead_of_missing_bars_and_its_markers() {
    let c = HBarChart {
        id: "mtbf".to_owned(),
        title: "MTBF".to_owned(),
        rows: vec![
            HBarRow {
                label: "SP 17-8".to_owned(),
                value: Some(412.5),
                marker: Some(180.26),
                note: None,
            },
            HBarRow {
                label: "MAG 5100W".to_owned(),
                value: None,
                marker: Some(476.49),
                note: Some("datos insuficientes (2 fallas)".to_owned()),
            },
        ],
        format: NumberFormat::HOURS,
        marker_label: Some("límite inferior χ² 90 %".to_owned()),
        x_max: None,
    };
    let svg = c.to_svg(Lang::Es).unwrap();
    assert!(svg.contains(">412,5 h<"));
    assert!(svg.contains(">datos insuficientes (2 fallas)<"));
    assert!(svg.contains(
        "SP 17-8: 412,5 h (límite inferior χ² 90 % 180,3 h); MAG 5100W: datos insuficientes (2 fallas) (límite inferior χ² 90 % 476,5 h)"
    ));
    // One bar, two markers plus the legend's.
    assert_eq!(svg.matches(&format!("fill=\"{}\"", PALETTE[0])).count(), 1);
    assert_eq!(
        svg.matches(&format!("stroke=\"{}\"", PALETTE[3])).count(),
        3
    );
}

#[test]
fn nice_axes_cover_the_data_with_round_steps() {
    let a = Axis::new(0.0, 412.5);
    assert_eq!((a.lo, a.hi, a.step), (0.0, 600.0, 200.0));
    let a = Axis::new(0.0, 1.0);
    assert_eq!((a.lo, a.hi, a.step), (0.0, 1.0, 0.25));
    assert_eq!(a.decimals(100.0), 0);
    let a = Axis::new(0.8, 1.0);
    assert!(a.lo <= 0.8 && a.hi >= 1.0 && a.ticks().len() <= 7);
    let a = Axis::new(0.0, 0.0);
    assert!(a.hi > a.lo);
}
