//! Tests of the DGA request builder, reply classifier and receipt lookup.

use super::*;
use crate::compliance::settings::{DgaSettingsInput, TimestampStyle};
use crate::compliance::tests::{T0, day_of_readings, ready_13, settings, slot_at_hour};
use crate::compliance::values::{PointData, Series, value_slot};
use crate::compliance::{Secret, SlotStatus};
use crate::{HOUR_MS, MINUTE_MS, SECOND_MS};

fn body(p: &Prepared) -> serde_json::Value {
    serde_json::from_str(p.request.body.as_deref().unwrap()).unwrap()
}

fn header<'a>(p: &'a Prepared, name: &str) -> Option<&'a str> {
    p.request
        .headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn the_groundwater_request_is_exactly_the_manuals_shape() {
    // By hand, from `day_of_readings`: the 13:00 slot (UTC-4) averages the
    // twelve 15.31 l/s readings of (12:00, 13:00]; the total at 13:00 is
    // reading 156, 1000 + 156 × 4.593 = 1716.508 → "1716"; the water column
    // is 50.15 m over a sensor at 60 m → nivel 9.85.
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + 90 * SECOND_MS); // 17:01:30Z
    let p = build(&s, &slot, now).unwrap();
    assert_eq!(p.request.method, HttpMethod::Post);
    assert_eq!(p.request.path, "/api/v1/mediciones/subterraneas");
    assert_eq!(
        body(&p),
        serde_json::json!({
            "autenticacion": {"password": "clave-secreta", "rutEmpresa": "76086428-5", "rutUsuario": "12345678-5"},
            "medicionSubterranea": {
                "caudal": "15.31",
                "fechaMedicion": "2026-06-11",
                "horaMedicion": "13:00:00",
                "nivelFreaticoDelPozo": "9.85",
                "totalizador": "1716"
            }
        })
    );
    assert_eq!(header(&p, "Content-Type"), Some("application/json"));
    assert_eq!(header(&p, "codigoObra"), Some("OB-0601-444"));
    assert_eq!(
        header(&p, "timeStampOrigen"),
        Some("2026-06-11T13:01:30-0000")
    );
    assert!(!p.redacted.contains("clave-secreta"), "{}", p.redacted);
    assert!(p.redacted.contains(r#""password":"****""#));
    assert!(
        p.redacted.contains(r#""codigoObra":"OB-0601-444""#),
        "headers are kept for diagnosis"
    );
    assert!(!format!("{p:?}").contains("clave-secreta"));
}

#[test]
fn a_surface_flowmeter_files_no_level_on_its_own_path() {
    let s = DgaSettings::from_input(&DgaSettingsInput {
        obra: "OB-0601-445".to_owned(),
        kind: "superficiales_flujometro".to_owned(),
        standard: "mayor".to_owned(),
        mode: "live".to_owned(),
        rut_empresa: "76086428-5".to_owned(),
        rut_usuario: "12345678-5".to_owned(),
        password: Secret::new("x"),
        ..DgaSettingsInput::default()
    })
    .unwrap();
    let slot = ready_13();
    let p = build(&s, &slot, slot.at).unwrap();
    assert_eq!(
        p.request.path,
        "/api/v1/mediciones/superficiales/flujometro"
    );
    assert_eq!(
        body(&p)["medicionSuperficialFlujometro"],
        serde_json::json!({"caudal": "15.31", "fechaMedicion": "2026-06-11", "horaMedicion": "13:00:00", "totalizador": "1716"})
    );
    assert_eq!(
        receipt_request(&s, "F1"),
        None,
        "no lookup is known for surface obras"
    );
}

#[test]
fn caudales_muy_pequenos_file_the_totaliser_with_empty_caudal_and_nivel() {
    let s = DgaSettings::from_input(&DgaSettingsInput {
        obra: "OB-0601-446".to_owned(),
        kind: "subterraneas".to_owned(),
        standard: "muy_pequenos".to_owned(),
        mode: "live".to_owned(),
        rut_empresa: "76086428-5".to_owned(),
        rut_usuario: "12345678-5".to_owned(),
        password: Secret::new("x"),
        ..DgaSettingsInput::default()
    })
    .unwrap();
    let (_, total, _) = day_of_readings();
    let data = PointData {
        total: Series::of(&total),
        ..PointData::default()
    };
    // 1 July would need a year of data; a semiannual slot at T0 is enough to
    // show the body: value a slot whose instant is the first reading.
    let time = crate::compliance::SlotTime {
        local: chrono::NaiveDate::from_ymd_opt(2026, 6, 11)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap(),
        at: UtcMillis(T0),
        period_start: UtcMillis(T0 - 180 * crate::DAY_MS),
    };
    let slot = Slot::planned(crate::PointId(2), crate::compliance::Regulator::Dga, time);
    let v = value_slot(&s.values, &time, &data);
    let t = slot
        .on_valuation(
            v.clone(),
            &s.valuing(),
            None,
            &FilingPolicy::default(),
            UtcMillis(T0 + HOUR_MS),
        )
        .unwrap();
    assert_eq!(t.slot.status, SlotStatus::Ready, "{:?}", t.slot.review);
    let p = build(&s, &t.slot, UtcMillis(T0 + HOUR_MS)).unwrap();
    assert_eq!(
        body(&p)["medicionSubterranea"],
        serde_json::json!({"caudal": "", "fechaMedicion": "2026-06-11", "horaMedicion": "00:00:00", "nivelFreaticoDelPozo": "", "totalizador": "1000"})
    );
}

#[test]
fn unfileable_values_never_make_a_request() {
    let s = settings();
    let mut slot = ready_13();
    if let Some(v) = slot.values.as_mut() {
        v.total.as_mut().unwrap().raw = 1e15;
    }
    assert_eq!(
        build(&s, &slot, slot.at).unwrap_err().to_string(),
        "totalizador = 1000000000000000 cannot be filed: longer than 15 characters"
    );
    if let Some(v) = slot.values.as_mut() {
        v.total.as_mut().unwrap().raw = 999_999_999_999_999.0;
        v.flow_mean.as_mut().unwrap().raw = -1.0;
    }
    assert_eq!(
        build(&s, &slot, slot.at).unwrap_err(),
        BuildError::Unfileable {
            field: "caudal",
            value: -1.0,
            why: "negative"
        }
    );
    let never_valued = slot_at_hour(13);
    assert_eq!(
        build(&s, &never_valued, slot.at).unwrap_err(),
        BuildError::NoValues
    );
}

#[test]
fn time_stamp_origen_styles() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + 90 * SECOND_MS); // 2026-06-11 17:01:30Z
    assert_eq!(
        timestamp_origen(TimestampStyle::Manual, s.zone, &slot, now),
        "2026-06-11T13:01:30-0000"
    );
    assert_eq!(
        timestamp_origen(TimestampStyle::ZoneOffset, Zone::SANTIAGO, &slot, now),
        "2026-06-11T13:01:30-04:00"
    );
    let january = UtcMillis(now.0 - 150 * crate::DAY_MS);
    assert_eq!(
        timestamp_origen(TimestampStyle::ZoneOffset, Zone::SANTIAGO, &slot, january),
        "2026-01-12T14:01:30-03:00",
        "summer time in Santiago"
    );
    assert_eq!(
        timestamp_origen(TimestampStyle::Manual, Zone::SANTIAGO, &slot, january),
        "2026-01-12T13:01:30-0000",
        "the manual's UTC-4 whatever the filing zone"
    );
    assert_eq!(
        timestamp_origen(TimestampStyle::MeasurementLocal, s.zone, &slot, now),
        "2026-06-11T13:00:00"
    );
}

#[test]
fn filing_in_america_santiago_uses_its_wall_time() {
    let mut s = settings();
    s.zone = Zone::SANTIAGO;
    // January: 13:00 local (-03:00) is 16:00Z.
    let at = crate::zone::from_datetime(
        &chrono::NaiveDate::from_ymd_opt(2026, 1, 15)
            .unwrap()
            .and_hms_opt(16, 0, 0)
            .unwrap(),
    );
    let time = crate::compliance::plan(s.cadence(), s.zone, at, UtcMillis(at.0 + 1))
        .next()
        .unwrap();
    let mut slot = Slot::planned(crate::PointId(1), crate::compliance::Regulator::Dga, time);
    slot.values = ready_13().values;
    let p = build(&s, &slot, at).unwrap();
    assert_eq!(body(&p)["medicionSubterranea"]["horaMedicion"], "13:00:00");
    assert_eq!(
        body(&p)["medicionSubterranea"]["fechaMedicion"],
        "2026-01-15"
    );
}

fn reply(status: u16, body: &str) -> Exchange {
    Exchange::Reply {
        status,
        body: body.to_owned(),
    }
}

#[test]
fn replies_are_classified_as_the_reference_says() {
    let check = |e: Exchange, expected: Outcome| assert_eq!(classify(&e), expected, "{e:?}");
    check(
        reply(
            200,
            r#"{"status":"00","message":"Medición subterránea ingresada correctamente","data":{"numeroComprobante":"AbC123"}}"#,
        ),
        Outcome::Accepted {
            folio: "AbC123".to_owned(),
            duplicate: false,
        },
    );
    check(
        reply(
            400,
            r#"{"status":"99","message":"Ya existe un registro en esa fecha, hora para la obra. Comprobante: Zx9Q0w"}"#,
        ),
        Outcome::Accepted {
            folio: "Zx9Q0w".to_owned(),
            duplicate: true,
        },
    );
    check(
        reply(
            400,
            r#"{"status":"99","message":"Usuario no es el informante registrado en la Obra"}"#,
        ),
        Outcome::InformanteMismatch {
            message: "Usuario no es el informante registrado en la Obra".to_owned(),
        },
    );
    check(
        reply(
            400,
            r#"{"status":"99","message":"Formato de totalizador inválido"}"#,
        ),
        Outcome::Rejected {
            code: Some("99".to_owned()),
            message: "Formato de totalizador inválido".to_owned(),
        },
    );
    check(
        reply(200, r#"{"status":"07","message":"Obra no habilitada"}"#),
        Outcome::Rejected {
            code: Some("07".to_owned()),
            message: "Obra no habilitada".to_owned(),
        },
    );
    check(
        reply(401, "Unauthorized"),
        Outcome::Rejected {
            code: Some("HTTP 401".to_owned()),
            message: "Unauthorized".to_owned(),
        },
    );
    check(
        reply(503, "Service Unavailable"),
        Outcome::Transient {
            reason: "HTTP 503: Service Unavailable".to_owned(),
        },
    );
    check(
        reply(429, ""),
        Outcome::Transient {
            reason: "HTTP 429: ".to_owned(),
        },
    );
    check(
        Exchange::TimedOut,
        Outcome::Transient {
            reason: "timed out".to_owned(),
        },
    );
    check(
        Exchange::Failed {
            error: "connection refused".to_owned(),
        },
        Outcome::Transient {
            reason: "connection refused".to_owned(),
        },
    );
    assert!(matches!(
        classify(&reply(200, r#"{"status":"00","message":"ok","data":{}}"#)),
        Outcome::Transient { .. }
    ));
    assert!(matches!(
        classify(&reply(
            400,
            r#"{"message":"Ya existe un registro en esa fecha, hora para la obra."}"#
        )),
        Outcome::Rejected { .. }
    ));
}

#[test]
fn the_folio_is_read_after_comprobante() {
    assert_eq!(
        folio_in("… Comprobante: 0123456789abcdefABCDEF0123456789").as_deref(),
        Some("0123456789abcdefABCDEF0123456789")
    );
    assert_eq!(folio_in("Comprobante:X1.").as_deref(), Some("X1"));
    assert_eq!(folio_in("Comprobante: "), None);
    assert_eq!(folio_in("sin folio"), None);
}

#[test]
fn the_receipt_lookup_is_a_get_with_the_obra_and_folio() {
    let r = receipt_request(&settings(), "AbC 1").unwrap();
    assert_eq!(r.method, HttpMethod::Get);
    assert_eq!(
        r.path,
        "/api/v1/mediciones/subterraneas?codigoObra=OB-0601-444&numeroComprobante=AbC%201"
    );
    assert_eq!(
        r.headers,
        vec![("Accept".to_owned(), "application/json".to_owned())]
    );
    assert_eq!(r.body, None);
}

#[test]
fn the_receipts_dd_mm_yyyy_date_is_read() {
    let filed = measurement(&settings(), &ready_13()).unwrap();
    let iso = reply(
        200,
        r#"{"status":"00","data":{"fechaMedicion":"2026-06-11","horaMedicion":"13:00","caudal":15.31}}"#,
    );
    assert_eq!(classify_receipt(&iso, &filed), ReceiptCheck::Verified);
    let wrong_day = reply(
        200,
        r#"{"status":"00","data":{"fechaMedicion":"12-06-2026"}}"#,
    );
    assert_eq!(
        classify_receipt(&wrong_day, &filed),
        ReceiptCheck::Mismatch(vec![
            "fechaMedicion: filed \"2026-06-11\", receipt \"12-06-2026\"".to_owned()
        ])
    );
    assert_eq!(
        classify_receipt(
            &reply(200, r#"{"status":"99","message":"no existe"}"#),
            &filed
        ),
        ReceiptCheck::NotFound
    );
    assert!(matches!(
        classify_receipt(&Exchange::TimedOut, &filed),
        ReceiptCheck::Unavailable(_)
    ));
}

#[test]
fn replies_echoing_the_password_are_redacted_in_the_ledger() {
    let s = settings();
    let slot = ready_13();
    let now = UtcMillis(slot.at.0 + MINUTE_MS);
    let (_, sending) = prepare(&s, &slot, now).unwrap();
    let echo = reply(
        400,
        r#"{"status":"99","message":"clave clave-secreta inválida"}"#,
    );
    let t = complete(&s, &sending.slot, &echo, &FilingPolicy::default(), now).unwrap();
    assert_eq!(
        t.entry.response.as_deref(),
        Some(r#"{"status":"99","message":"clave **** inválida"}"#)
    );
    assert!(!t.entry.note.contains("clave-secreta"));
}
