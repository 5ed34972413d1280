//! The SMA stand-in: tokens that expire, and registros that must carry
//! every configured parameter of a timestamp in one call.

use std::time::Duration;

use caudal_standins::sma::{SmaConfig, SmaStandIn, serve};
use serde_json::{Value, json};

const UF: &str = "UF-123";
const PROCESO: &str = "77";
const USUARIO: &str = "12345678-5";
const STAMP: &str = "2026-05-17T14:05:00";

struct Server {
    base: String,
    state: SmaStandIn,
    client: reqwest::Client,
}

async fn start(config: SmaConfig) -> Server {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let state = SmaStandIn::new(config);
    state.register_user(USUARIO, "s3cret");
    state.register_user("99999999-9", "otra");
    state.register_dispositivo(UF, PROCESO, USUARIO, "D-9", &[("Q", "l/s"), ("VA", "m3")]);
    state.register_dispositivo("UF-999", "1", "99999999-9", "D-1", &[("Q", "l/s")]);
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

async fn call(s: &Server, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = s
        .client
        .post(format!("{}{path}", s.base))
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

async fn token(s: &Server) -> String {
    let (status, reply) = call(
        s,
        "/api/v1/auth",
        None,
        &json!({"usuario": USUARIO, "password": "s3cret"}),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    reply["token"].as_str().unwrap().to_owned()
}

fn registros(params: &[(&str, &str, &str, &str)]) -> Value {
    json!([{
        "dispositivoId": "D-9",
        "parametros": params.iter().map(|(n, v, u, t)| json!({"nombre": n, "valor": v, "unidad": u, "estampaTiempo": t})).collect::<Vec<_>>(),
    }])
}

fn both(stamp: &str) -> Value {
    registros(&[("Q", "42.50", "l/s", stamp), ("VA", "42500", "m3", stamp)])
}

const PATH: &str = "/api/v1/ufs/UF-123/procesos/77/registros";

#[tokio::test]
async fn auth_issues_a_jwt_shaped_token_and_refuses_bad_credentials() {
    let s = start(SmaConfig::default()).await;
    let t = token(&s).await;
    let parts: Vec<&str> = t.split('.').collect();
    assert_eq!(parts.len(), 3, "{t}");
    assert!(parts.iter().all(|p| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }));
    assert_eq!(
        parts[0], "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",
        "base64url of {{\"alg\":\"HS256\",\"typ\":\"JWT\"}}"
    );
    let (status, reply) = call(
        &s,
        "/api/v1/auth",
        None,
        &json!({"usuario": USUARIO, "password": "mala"}),
    )
    .await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (401, Some("credenciales inválidas"))
    );
    let (status, reply) = call(&s, "/api/v1/auth", None, &json!({"usuario": USUARIO})).await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (400, Some("faltan las credenciales usuario y password"))
    );
    assert_eq!(s.state.tokens_issued(), 1);
}

#[tokio::test]
async fn every_parameter_of_a_timestamp_in_one_call_is_accepted_with_a_receipt() {
    let s = start(SmaConfig::default()).await;
    let t = token(&s).await;
    let (status, reply) = call(&s, PATH, Some(&t), &both(STAMP)).await;
    assert_eq!(status, 201, "{reply}");
    let id = reply["IdVerificacion"].as_str().unwrap();
    assert!(!id.is_empty());
    let held = s.state.registros();
    assert_eq!(held.len(), 1);
    assert_eq!(
        (held[0].id_verificacion.as_str(), held[0].estampa.as_str()),
        (id, STAMP)
    );
    assert_eq!(held[0].parametros.len(), 2);
    // Two timestamps in one call are fine, each complete.
    let two = registros(&[
        ("Q", "1.00", "l/s", "2026-05-17T14:10:00"),
        ("VA", "1", "m3", "2026-05-17T14:10:00"),
        ("VA", "2", "m3", "2026-05-17T14:15:00"),
        ("Q", "2.00", "l/s", "2026-05-17T14:15:00"),
    ]);
    assert_eq!(call(&s, PATH, Some(&t), &two).await.0, 201);
    assert_eq!(s.state.registros().len(), 3);
    assert_eq!(s.state.duplicates(), 0);
    assert_eq!(call(&s, PATH, Some(&t), &both(STAMP)).await.0, 201);
    assert_eq!(
        s.state.duplicates(),
        1,
        "a timestamp already held is counted"
    );
}

#[tokio::test]
async fn tokens_are_required_and_expire() {
    let s = start(SmaConfig {
        token_lifetime: Duration::from_millis(300),
        ..SmaConfig::default()
    })
    .await;
    let (status, reply) = call(&s, PATH, None, &both(STAMP)).await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (401, Some("falta el token (Authorization: Bearer)"))
    );
    let (status, reply) = call(&s, PATH, Some("a.b.c"), &both(STAMP)).await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (401, Some("token inválido"))
    );
    let t = token(&s).await;
    assert_eq!(call(&s, PATH, Some(&t), &both(STAMP)).await.0, 201);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (status, reply) = call(&s, PATH, Some(&t), &both("2026-05-17T14:10:00")).await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (401, Some("token expirado"))
    );
    let renewed = token(&s).await;
    assert_ne!(renewed, t);
    assert_eq!(
        call(&s, PATH, Some(&renewed), &both("2026-05-17T14:10:00"))
            .await
            .0,
        201
    );
    s.state.expire_tokens();
    assert_eq!(
        call(&s, PATH, Some(&renewed), &both("2026-05-17T14:15:00"))
            .await
            .0,
        401
    );
    assert_eq!(s.state.registros().len(), 2, "nothing refused is held");
}

#[tokio::test]
async fn missing_extra_or_repeated_parameters_are_refused_with_their_message() {
    let s = start(SmaConfig::default()).await;
    let t = token(&s).await;
    let cases: Vec<(&str, Value, u16, &str)> = vec![
        (
            "missing VA",
            registros(&[("Q", "42.50", "l/s", STAMP)]),
            400,
            "faltan parámetros en 2026-05-17T14:05:00: VA",
        ),
        (
            "extra T",
            registros(&[
                ("Q", "1.00", "l/s", STAMP),
                ("VA", "1", "m3", STAMP),
                ("T", "20.0", "C", STAMP),
            ]),
            400,
            "parámetros no configurados en 2026-05-17T14:05:00: T",
        ),
        (
            "repeated Q",
            registros(&[
                ("Q", "1.00", "l/s", STAMP),
                ("Q", "2.00", "l/s", STAMP),
                ("VA", "1", "m3", STAMP),
            ]),
            400,
            "el parámetro Q está repetido en 2026-05-17T14:05:00",
        ),
        (
            "split timestamp",
            registros(&[
                ("Q", "1.00", "l/s", STAMP),
                ("VA", "1", "m3", "2026-05-17T14:10:00"),
            ]),
            400,
            "faltan parámetros en 2026-05-17T14:05:00: VA",
        ),
        (
            "wrong unit",
            registros(&[("Q", "1.00", "m3/h", STAMP), ("VA", "1", "m3", STAMP)]),
            400,
            "la unidad de Q debe ser l/s, no m3/h",
        ),
        (
            "bad valor",
            registros(&[("Q", "uno", "l/s", STAMP), ("VA", "1", "m3", STAMP)]),
            400,
            "valor inválido para Q: \"uno\"",
        ),
        (
            "bad timestamp",
            registros(&[
                ("Q", "1.00", "l/s", "2026-05-17 14:05"),
                ("VA", "1", "m3", STAMP),
            ]),
            400,
            "estampaTiempo inválida: 2026-05-17 14:05 (AAAA-MM-DDTHH:mm:ss)",
        ),
        (
            "not an array",
            json!({"dispositivoId": "D-9"}),
            400,
            "el cuerpo debe ser un arreglo JSON de registros no vacío",
        ),
        (
            "empty array",
            json!([]),
            400,
            "el cuerpo debe ser un arreglo JSON de registros no vacío",
        ),
        (
            "unknown dispositivo",
            json!([{"dispositivoId": "D-0", "parametros": [{"nombre": "Q", "valor": "1", "unidad": "l/s", "estampaTiempo": STAMP}]}]),
            400,
            "el dispositivo D-0 no está registrado en el proceso 77",
        ),
        (
            "extra key",
            json!([{"dispositivoId": "D-9", "parametros": [], "estado": "ok"}]),
            400,
            "campo no permitido estado en el registro 1",
        ),
        (
            "number valor",
            json!([{"dispositivoId": "D-9", "parametros": [{"nombre": "Q", "valor": 1.0, "unidad": "l/s", "estampaTiempo": STAMP}]}]),
            400,
            "valor del parámetro 1 del registro 1 debe ser texto",
        ),
    ];
    for (name, body, status, mensaje) in cases {
        let (got, reply) = call(&s, PATH, Some(&t), &body).await;
        assert_eq!(
            (got, reply["mensaje"].as_str()),
            (status, Some(mensaje)),
            "case {name}: {reply}"
        );
    }
    assert!(s.state.registros().is_empty());
    let (status, reply) = call(
        &s,
        "/api/v1/ufs/UF-000/procesos/77/registros",
        Some(&t),
        &both(STAMP),
    )
    .await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (
            404,
            Some("la unidad fiscalizable UF-000 o el proceso 77 no existe")
        )
    );
    let (status, reply) = call(
        &s,
        "/api/v1/ufs/UF-999/procesos/1/registros",
        Some(&t),
        &both(STAMP),
    )
    .await;
    assert_eq!(
        (status, reply["mensaje"].as_str()),
        (
            403,
            Some("el usuario no tiene acceso a la unidad fiscalizable UF-999")
        )
    );
}

#[tokio::test]
async fn a_fraction_of_requests_is_unavailable_reproducibly() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let s = start(SmaConfig {
            seed: 7,
            unavailable: 0.25,
            ..SmaConfig::default()
        })
        .await;
        s.state.set_unavailable(0.0);
        let t = token(&s).await;
        s.state.set_unavailable(0.25);
        let mut statuses = Vec::new();
        for m in 0..40 {
            statuses.push(
                call(
                    &s,
                    PATH,
                    Some(&t),
                    &both(&format!("2026-05-17T14:{m:02}:00")),
                )
                .await
                .0,
            );
        }
        assert_eq!(
            s.state.registros().len(),
            statuses.iter().filter(|c| **c == 201).count()
        );
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    let unavailable = runs[0].iter().filter(|c| **c == 503).count();
    assert!(
        (3..=20).contains(&unavailable),
        "{unavailable} of 40 with p = 0.25"
    );
}
