//! The DGA stand-in refuses what the reference says the DGA refuses, with
//! the exact message, accepts the rest once per (obra, fecha, hora), and
//! injects its faults reproducibly.

use std::time::{Duration, Instant};

use caudal_standins::dga::{DgaStandIn, Fault, Faults, Kind, Obra, serve};
use serde_json::{Value, json};

const OBRA: &str = "OB-0601-444";
const CENTRO: &str = "76086428-5";
const INFORMANTE: &str = "12345678-5";
const PASSWORD: &str = "clave";

struct Server {
    base: String,
    state: DgaStandIn,
    client: reqwest::Client,
}

async fn start(faults: Faults) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let state = DgaStandIn::new(faults);
    state.register_centro(CENTRO);
    state.register_obra(OBRA, Obra::groundwater(INFORMANTE, PASSWORD));
    state.register_obra(
        "OB-0601-445",
        Obra {
            kind: Kind::SurfaceFlowmeter,
            ..Obra::groundwater(INFORMANTE, PASSWORD)
        },
    );
    state.register_obra(
        "OB-0601-446",
        Obra {
            empty_nivel_allowed: true,
            empty_caudal_allowed: true,
            ..Obra::groundwater(INFORMANTE, PASSWORD)
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(serve(listener, state.clone()));
    Server {
        base,
        state,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap(),
    }
}

fn body(hora: &str) -> Value {
    json!({
        "autenticacion": {"password": PASSWORD, "rutEmpresa": CENTRO, "rutUsuario": INFORMANTE},
        "medicionSubterranea": {
            "caudal": "15.31", "fechaMedicion": "2026-06-11", "horaMedicion": hora,
            "nivelFreaticoDelPozo": "9.85", "totalizador": "1010"
        }
    })
}

/// POST to the groundwater path with the good headers unless overridden.
async fn post(
    s: &Server,
    path: &str,
    headers: &[(&str, Option<&str>)],
    body: String,
) -> (u16, Value) {
    let mut req = s.client.post(format!("{}{path}", s.base));
    let mut all = vec![
        ("Content-Type", Some("application/json")),
        ("codigoObra", Some(OBRA)),
        ("timeStampOrigen", Some("2026-06-11T13:01:30-0000")),
    ];
    for (k, v) in headers {
        all.retain(|(name, _)| name != k);
        all.push((k, *v));
    }
    for (k, v) in all {
        if let Some(v) = v {
            req = req.header(k, v);
        }
    }
    let resp = req.body(body).send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn post_ground(s: &Server, body: &Value) -> (u16, Value) {
    post(s, "/api/v1/mediciones/subterraneas", &[], body.to_string()).await
}

#[tokio::test]
async fn a_valid_measurement_is_accepted_with_a_32_character_folio() {
    let s = start(Faults::default()).await;
    let (status, reply) = post_ground(&s, &body("13:00:00")).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["status"], "00");
    assert_eq!(
        reply["message"],
        "Medición subterránea ingresada correctamente"
    );
    let folio = reply["data"]["numeroComprobante"].as_str().unwrap();
    assert_eq!(folio.len(), 32);
    assert!(folio.bytes().all(|b| b.is_ascii_alphanumeric()));
    let record = s.state.record(OBRA, "2026-06-11", "13:00:00").unwrap();
    assert_eq!(
        (
            record.caudal.as_str(),
            record.totalizador.as_str(),
            record.nivel.as_deref()
        ),
        ("15.31", "1010", Some("9.85"))
    );
    assert_eq!(record.folio, folio);
    assert_eq!(record.time_stamp_origen, "2026-06-11T13:01:30-0000");
    assert_eq!(s.state.folios(), vec![folio.to_owned()]);
    let req = &s.state.requests()[0];
    assert!(
        req.headers
            .contains(&("codigoobra".to_owned(), OBRA.to_owned()))
    );
}

#[tokio::test]
async fn a_second_record_for_the_same_hour_is_refused_with_the_first_folio() {
    let s = start(Faults::default()).await;
    let (_, first) = post_ground(&s, &body("13:00:00")).await;
    let folio = first["data"]["numeroComprobante"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut changed = body("13:00:00");
    changed["medicionSubterranea"]["caudal"] = json!("16.00");
    let (status, reply) = post_ground(&s, &changed).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply["message"],
        format!("Ya existe un registro en esa fecha, hora para la obra. Comprobante: {folio}")
    );
    assert_eq!(s.state.records().len(), 1);
    assert_eq!(s.state.duplicates_refused(), 1);
    // Another hour is another record.
    assert_eq!(post_ground(&s, &body("14:00:00")).await.0, 200);
    assert_eq!(s.state.records().len(), 2);
}

#[tokio::test]
async fn only_the_registered_informante_may_file_for_the_obra() {
    let s = start(Faults::default()).await;
    let mut other = body("13:00:00");
    other["autenticacion"]["rutUsuario"] = json!("11111111-1");
    let (status, reply) = post_ground(&s, &other).await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (
            400,
            Some("Usuario no es el informante registrado en la Obra")
        )
    );
    assert_eq!(reply["status"], "99");
    let mut wrong = body("13:00:00");
    wrong["autenticacion"]["password"] = json!("otra");
    let (status, reply) = post_ground(&s, &wrong).await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (401, Some("Credenciales inválidas"))
    );
    assert!(s.state.records().is_empty());
}

/// A name, header overrides (`None` removes), a body, the expected status and message.
type Case<'a> = (&'a str, Headers<'a>, String, u16, &'a str);
type Headers<'a> = Vec<(&'a str, Option<&'a str>)>;

#[tokio::test]
async fn every_check_refuses_with_its_exact_message() {
    let s = start(Faults::default()).await;
    let set = |path: &[&str], v: Value| {
        let mut b = body("13:00:00");
        let mut target = &mut b;
        for p in &path[..path.len() - 1] {
            target = &mut target[*p];
        }
        target[path[path.len() - 1]] = v;
        b.to_string()
    };
    let remove = |outer: &str, key: &str| {
        let mut b = body("13:00:00");
        b[outer].as_object_mut().unwrap().remove(key);
        b.to_string()
    };
    let g = "/api/v1/mediciones/subterraneas";
    let cases: Vec<Case<'_>> = vec![
        (
            "no codigoObra",
            vec![("codigoObra", None)],
            body("13:00:00").to_string(),
            400,
            "Falta el header codigoObra",
        ),
        (
            "bad codigoObra",
            vec![("codigoObra", Some("OB-601-444"))],
            body("13:00:00").to_string(),
            400,
            "codigoObra con formato inválido: OB-601-444",
        ),
        (
            "no timeStampOrigen",
            vec![("timeStampOrigen", None)],
            body("13:00:00").to_string(),
            400,
            "Falta el header timeStampOrigen",
        ),
        (
            "bad timeStampOrigen",
            vec![("timeStampOrigen", Some("ayer"))],
            body("13:00:00").to_string(),
            400,
            "timeStampOrigen con formato inválido: ayer",
        ),
        (
            "not JSON",
            vec![("Content-Type", Some("text/plain"))],
            body("13:00:00").to_string(),
            415,
            "Content-Type debe ser application/json",
        ),
        (
            "bad JSON",
            vec![],
            "{caudal".to_owned(),
            400,
            "El cuerpo no es JSON válido",
        ),
        (
            "no password",
            vec![],
            remove("autenticacion", "password"),
            400,
            "Falta el campo password",
        ),
        (
            "extra key",
            vec![],
            set(&["medicionSubterranea", "temperatura"], json!("12.00")),
            400,
            "Campo no permitido: temperatura",
        ),
        (
            "no nivel key",
            vec![],
            remove("medicionSubterranea", "nivelFreaticoDelPozo"),
            400,
            "Falta el campo nivelFreaticoDelPozo",
        ),
        (
            "number caudal",
            vec![],
            set(&["medicionSubterranea", "caudal"], json!(15.31)),
            400,
            "El campo caudal debe ser texto",
        ),
        (
            "one decimal",
            vec![],
            set(&["medicionSubterranea", "caudal"], json!("15.3")),
            400,
            "caudal con formato inválido: \"15.3\" (número con 2 decimales y punto)",
        ),
        (
            "comma",
            vec![],
            set(&["medicionSubterranea", "caudal"], json!("15,31")),
            400,
            "caudal con formato inválido: \"15,31\" (número con 2 decimales y punto)",
        ),
        (
            "empty caudal",
            vec![],
            set(&["medicionSubterranea", "caudal"], json!("")),
            400,
            "caudal con formato inválido: \"\" (número con 2 decimales y punto)",
        ),
        (
            "decimal total",
            vec![],
            set(&["medicionSubterranea", "totalizador"], json!("1010.5")),
            400,
            "totalizador con formato inválido: \"1010.5\" (entero sin decimales, hasta 15 dígitos)",
        ),
        (
            "16-digit total",
            vec![],
            set(
                &["medicionSubterranea", "totalizador"],
                json!("1234567890123456"),
            ),
            400,
            "totalizador con formato inválido: \"1234567890123456\" (entero sin decimales, hasta 15 dígitos)",
        ),
        (
            "empty nivel",
            vec![],
            set(&["medicionSubterranea", "nivelFreaticoDelPozo"], json!("")),
            400,
            "nivelFreaticoDelPozo con formato inválido: \"\" (número con 2 decimales y punto)",
        ),
        (
            "SOAP date",
            vec![],
            set(
                &["medicionSubterranea", "fechaMedicion"],
                json!("11-06-2026"),
            ),
            400,
            "fechaMedicion con formato inválido: \"11-06-2026\" (AAAA-MM-DD)",
        ),
        (
            "no such day",
            vec![],
            set(
                &["medicionSubterranea", "fechaMedicion"],
                json!("2026-02-30"),
            ),
            400,
            "fechaMedicion con formato inválido: \"2026-02-30\" (AAAA-MM-DD)",
        ),
        (
            "short time",
            vec![],
            set(&["medicionSubterranea", "horaMedicion"], json!("13:00")),
            400,
            "horaMedicion con formato inválido: \"13:00\" (HH:mm:ss)",
        ),
        (
            "dotted RUT",
            vec![],
            set(&["autenticacion", "rutEmpresa"], json!("76.086.428-5")),
            400,
            "rutEmpresa con formato inválido: 76.086.428-5 (NNNNNNNN-D sin puntos)",
        ),
        (
            "check digit",
            vec![],
            set(&["autenticacion", "rutUsuario"], json!("12345678-K")),
            400,
            "rutUsuario con dígito verificador inválido: 12345678-K",
        ),
        (
            "lower-case k",
            vec![],
            set(&["autenticacion", "rutUsuario"], json!("10000013-k")),
            400,
            "rutUsuario con formato inválido: 10000013-k (NNNNNNNN-D sin puntos)",
        ),
        (
            "unknown obra",
            vec![("codigoObra", Some("OB-0601-999"))],
            body("13:00:00").to_string(),
            400,
            "La obra OB-0601-999 no existe",
        ),
        (
            "unknown centro",
            vec![],
            set(&["autenticacion", "rutEmpresa"], json!("11111111-1")),
            400,
            "El rutEmpresa 11111111-1 no corresponde a un Centro de Control registrado",
        ),
        (
            "surface obra",
            vec![("codigoObra", Some("OB-0601-445"))],
            body("13:00:00").to_string(),
            400,
            "La obra OB-0601-445 no corresponde a este tipo de medición",
        ),
    ];
    for (name, headers, b, status, message) in cases {
        let (got, reply) = post(&s, g, &headers, b).await;
        assert_eq!(
            (got, reply["message"].as_str()),
            (status, Some(message)),
            "case {name}: {reply}"
        );
        assert_eq!(reply["status"], "99", "case {name}");
    }
    assert!(s.state.records().is_empty(), "nothing refused is recorded");
    let wrong_block = json!({
        "autenticacion": {"password": PASSWORD, "rutEmpresa": CENTRO, "rutUsuario": INFORMANTE},
        "medicionSuperficialFlujometro": {"caudal": "1.00", "fechaMedicion": "2026-06-11", "horaMedicion": "13:00:00", "totalizador": "1"}
    });
    let (status, reply) = post_ground(&s, &wrong_block).await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (400, Some("Falta el campo medicionSubterranea"))
    );
}

#[tokio::test]
async fn surface_flowmeters_and_empty_values_where_allowed() {
    let s = start(Faults::default()).await;
    let surface = json!({
        "autenticacion": {"password": PASSWORD, "rutEmpresa": CENTRO, "rutUsuario": INFORMANTE},
        "medicionSuperficialFlujometro": {"caudal": "1.50", "fechaMedicion": "2026-06-11", "horaMedicion": "13:00:00", "totalizador": "77"}
    });
    let (status, reply) = post(
        &s,
        "/api/v1/mediciones/superficiales/flujometro",
        &[("codigoObra", Some("OB-0601-445"))],
        surface.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["message"],
        "Medición superficial ingresada correctamente"
    );
    let mut with_level = surface.clone();
    with_level["medicionSuperficialFlujometro"]["nivelFreaticoDelPozo"] = json!("1.00");
    let (status, reply) = post(
        &s,
        "/api/v1/mediciones/superficiales/flujometro",
        &[("codigoObra", Some("OB-0601-445"))],
        with_level.to_string(),
    )
    .await;
    assert_eq!(
        (status, reply["message"].as_str()),
        (400, Some("Campo no permitido: nivelFreaticoDelPozo"))
    );
    let mut empty = body("00:00:00");
    empty["medicionSubterranea"]["caudal"] = json!("");
    empty["medicionSubterranea"]["nivelFreaticoDelPozo"] = json!("");
    let (status, reply) = post(
        &s,
        "/api/v1/mediciones/subterraneas",
        &[("codigoObra", Some("OB-0601-446"))],
        empty.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    for stamp in [
        "2026-06-11T13:01:30-04:00",
        "2026-06-11T17:01:30Z",
        "2026-06-11T13:00:00",
    ] {
        let (status, reply) = post(
            &s,
            "/api/v1/mediciones/subterraneas",
            &[("timeStampOrigen", Some(stamp))],
            body(&format!("1{}:00:00", s.state.records().len())).to_string(),
        )
        .await;
        assert_eq!(status, 200, "{stamp}: {reply}");
    }
}

#[tokio::test]
async fn the_receipt_lookup_answers_the_date_as_dd_mm_yyyy() {
    let s = start(Faults::default()).await;
    let (_, reply) = post_ground(&s, &body("13:00:00")).await;
    let folio = reply["data"]["numeroComprobante"].as_str().unwrap();
    let get = |q: String| {
        let url = format!("{}/api/v1/mediciones/subterraneas{q}", s.base);
        let client = s.client.clone();
        async move {
            let r = client
                .get(url)
                .header("Accept", "application/json")
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (status, found) = get(format!("?codigoObra={OBRA}&numeroComprobante={folio}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        found,
        json!({"status": "00", "message": "Consulta exitosa", "data": {
            "fechaMedicion": "11-06-2026", "horaMedicion": "13:00:00", "caudal": "15.31",
            "totalizador": "1010", "nivelFreaticoDelPozo": "9.85"}})
    );
    let (status, missing) = get(format!("?codigoObra={OBRA}&numeroComprobante=nope")).await;
    assert_eq!(
        (status, missing["message"].as_str()),
        (
            404,
            Some("No existe el comprobante nope para la obra OB-0601-444")
        )
    );
    let (status, bad) = get(format!("?codigoObra={OBRA}")).await;
    assert_eq!(
        (status, bad["message"].as_str()),
        (
            400,
            Some("Faltan los parámetros codigoObra y numeroComprobante")
        )
    );
}

#[tokio::test]
async fn unavailable_requests_are_not_processed() {
    let s = start(Faults {
        unavailable: 1.0,
        ..Faults::default()
    })
    .await;
    let resp = s
        .client
        .post(format!("{}/api/v1/mediciones/subterraneas", s.base))
        .header("Content-Type", "application/json")
        .header("codigoObra", OBRA)
        .header("timeStampOrigen", "2026-06-11T13:01:30-0000")
        .body(body("13:00:00").to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 503);
    assert!(s.state.records().is_empty());
    assert_eq!(s.state.requests()[0].fault, Some(Fault::Unavailable));
}

#[tokio::test]
async fn accept_then_time_out_commits_the_record_and_the_resend_gets_its_folio() {
    let s = start(Faults {
        accept_then_time_out: 1.0,
        hold: Duration::from_secs(3),
        ..Faults::default()
    })
    .await;
    let result = s
        .client
        .post(format!("{}/api/v1/mediciones/subterraneas", s.base))
        .timeout(Duration::from_millis(300))
        .header("Content-Type", "application/json")
        .header("codigoObra", OBRA)
        .header("timeStampOrigen", "2026-06-11T13:01:30-0000")
        .body(body("13:00:00").to_string())
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    let held = s.state.records();
    assert_eq!(held.len(), 1, "committed before the reply");
    s.state.set_faults(Faults::default());
    let (status, reply) = post_ground(&s, &body("13:00:00")).await;
    assert_eq!(status, 400);
    assert_eq!(
        reply["message"],
        format!(
            "Ya existe un registro en esa fecha, hora para la obra. Comprobante: {}",
            held[0].folio
        )
    );
}

#[tokio::test]
async fn slow_replies_arrive_after_the_delay() {
    let s = start(Faults {
        slow: 1.0,
        slow_delay: Duration::from_millis(400),
        ..Faults::default()
    })
    .await;
    let started = Instant::now();
    let (status, _) = post_ground(&s, &body("13:00:00")).await;
    assert_eq!(status, 200);
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_eq!(s.state.requests()[0].fault, Some(Fault::Slow));
}

#[tokio::test]
async fn faults_and_folios_are_reproducible_under_a_seed() {
    let faults = Faults {
        seed: 42,
        unavailable: 0.2,
        ..Faults::default()
    };
    let mut runs = Vec::new();
    for _ in 0..2 {
        let s = start(faults).await;
        let mut statuses = Vec::new();
        for h in 0..24 {
            for m in [0, 30] {
                let (status, _) = post_ground(&s, &body(&format!("{h:02}:{m:02}:00"))).await;
                statuses.push(status);
            }
        }
        runs.push((statuses, s.state.folios()));
    }
    assert_eq!(runs[0], runs[1]);
    let unavailable = runs[0].0.iter().filter(|s| **s == 503).count();
    assert!(
        (3..=20).contains(&unavailable),
        "{unavailable} of 48 with p = 0.2"
    );
    assert_eq!(runs[0].1.len(), 48 - unavailable);
}
