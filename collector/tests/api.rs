//! The HTTP API: role matrix over the whole route table, bad input, series, CSV, shutdown.

mod common;

use caudal_collector_domain::Role;
use caudal_collector_domain::access::{Permission, allows};
use common::*;
use serde_json::{Value, json};

/// Path parameters and bodies for every documented route. A route without a
/// fixture fails the matrix test, so the table cannot silently drift.
fn request_for(method: &str, path: &str, role: Option<Role>) -> (String, Option<String>) {
    let uri = path.replace("{code}", "W-1").replace("{variable}", "level");
    let who = role.map_or("anon", Role::as_str);
    let body = match (method, path) {
        ("get", _) => None,
        ("post", "/api/v1/points") => {
            Some(json!({"code": format!("NEW-{who}"), "kind": "spring"}).to_string())
        }
        ("patch", "/api/v1/points/{code}") => {
            Some(json!({"name": format!("renamed by {who}")}).to_string())
        }
        _ => panic!("no request fixture for {method} {path}: add one to request_for"),
    };
    (uri, body)
}

/// `(method, path, required permission or None for public)` from the OpenAPI document.
fn route_table() -> Vec<(String, String, Option<Permission>)> {
    let doc = serde_json::to_value(caudal_collector::api::openapi()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scopes: Vec<&str> = op["security"]
                .as_array()
                .map(|reqs| {
                    reqs.iter()
                        .flat_map(|r| {
                            r["token"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .map(|s| s.as_str().unwrap())
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert!(scopes.len() <= 1, "{method} {path}: one scope per route");
            let perm = scopes
                .first()
                .map(|s| Permission::parse(s).unwrap_or_else(|| panic!("unknown scope {s}")));
            out.push((method.clone(), path.clone(), perm));
        }
    }
    out
}

/// Who may call what, written out by hand and independent of the code's
/// permission table: a change to a route's scope or to a role's rights must
/// change this table too, deliberately.
const WHO_MAY: &[(&str, &str, Option<&[&str]>)] = &[
    ("get", "/api/v1/points", Some(EVERYONE)),
    ("post", "/api/v1/points", Some(&["admin", "supervisor"])),
    ("get", "/api/v1/points/{code}", Some(EVERYONE)),
    (
        "patch",
        "/api/v1/points/{code}",
        Some(&["admin", "supervisor", "operator"]),
    ),
    ("get", "/api/v1/points/{code}/latest", Some(EVERYONE)),
    ("get", "/api/v1/latest", Some(EVERYONE)),
    (
        "get",
        "/api/v1/points/{code}/series/{variable}",
        Some(EVERYONE),
    ),
    (
        "get",
        "/api/v1/points/{code}/series/{variable}/csv",
        Some(EVERYONE),
    ),
    ("get", "/api/v1/agents", Some(STAFF)),
    ("get", "/metrics", Some(STAFF)),
    ("get", "/api/v1/openapi.json", None),
    ("get", "/healthz", None),
];
const EVERYONE: &[&str] = &["admin", "supervisor", "technician", "operator", "guest"];
const STAFF: &[&str] = &["admin", "supervisor", "technician", "operator"];

#[test]
fn route_table_matches_the_written_access_policy() {
    let routes = route_table();
    assert_eq!(
        routes.len(),
        WHO_MAY.len(),
        "a route was added or removed: update WHO_MAY: {routes:?}"
    );
    for (method, path, perm) in &routes {
        let (_, _, who) = WHO_MAY
            .iter()
            .find(|(m, p, _)| m == method && p == path)
            .unwrap_or_else(|| panic!("{method} {path} is not in WHO_MAY"));
        match (who, perm) {
            (None, None) => {}
            (Some(roles), Some(p)) => {
                for &role in Role::ALL {
                    assert_eq!(
                        allows(role, *p),
                        roles.contains(&role.as_str()),
                        "{method} {path} for {role}: the code and the written policy disagree"
                    );
                }
            }
            (who, perm) => panic!("{method} {path}: policy {who:?} but scope {perm:?}"),
        }
    }
}

#[tokio::test]
async fn every_route_checks_its_role() {
    let f = api_fixture().await;
    let routes = route_table();
    assert!(routes.len() >= 12, "route table too small: {routes:?}");
    let mut report = Vec::new();
    for (method, path, perm) in &routes {
        let m = method.to_uppercase();
        // No token: 401, unless public.
        let (uri, body) = request_for(method, path, None);
        let (status, resp) = call(&f.app, &m, &uri, None, body.as_deref()).await;
        let expected = if perm.is_some() { 401 } else { 200 };
        if status != expected {
            report.push(format!(
                "{m} {path} without token: {status}, expected {expected}: {resp}"
            ));
        }
        if perm.is_some() {
            let (status, _) =
                call(&f.app, &m, &uri, Some("cdl_not_a_token"), body.as_deref()).await;
            if status != 401 {
                report.push(format!(
                    "{m} {path} with a wrong token: {status}, expected 401"
                ));
            }
        }
        for &role in Role::ALL {
            let (uri, body) = request_for(method, path, Some(role));
            let (status, resp) = call(&f.app, &m, &uri, Some(f.token(role)), body.as_deref()).await;
            let allowed = perm.is_none_or(|p| allows(role, p));
            let ok = if allowed {
                (200..300).contains(&status)
            } else {
                status == 403
            };
            if !ok {
                report.push(format!(
                    "{m} {path} as {role}: {status} ({resp}), expected {}",
                    if allowed { "2xx" } else { "403" }
                ));
            }
            if status == 403 {
                assert_eq!(resp["kind"], "forbidden");
            }
        }
    }
    assert!(
        report.is_empty(),
        "role matrix failures:\n{}",
        report.join("\n")
    );
    // Forbidden writes wrote nothing.
    let (_, points) = call(
        &f.app,
        "GET",
        "/api/v1/points",
        Some(f.token(Role::Guest)),
        None,
    )
    .await;
    let codes: Vec<&str> = points
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, vec!["NEW-admin", "NEW-supervisor", "W-1"]);
    assert_eq!(
        points[2]["name"], "renamed by operator",
        "the last allowed PATCH (operator) wins"
    );
}

#[tokio::test]
async fn bad_input_gets_a_4xx_naming_the_problem_and_writes_nothing() {
    let f = api_fixture().await;
    let admin = Some(f.token(Role::Admin));
    let check = |status: u16, body: &Value, want_status: u16, kind: &str, needle: &str| {
        assert_eq!(status, want_status, "{body}");
        assert_eq!(body["kind"], kind, "{body}");
        assert!(
            body["error"].as_str().unwrap().contains(needle),
            "`{needle}` not in {body}"
        );
    };
    let (s, b) = call(
        &f.app,
        "POST",
        "/api/v1/points",
        admin,
        Some("{\"code\": \"X\","),
    )
    .await;
    check(s, &b, 400, "bad_request", "EOF while parsing");
    let (s, b) = call(
        &f.app,
        "POST",
        "/api/v1/points",
        admin,
        Some(r#"{"code": "X", "colour": "red"}"#),
    )
    .await;
    check(s, &b, 400, "bad_request", "unknown field `colour`");
    let (s, b) = call(
        &f.app,
        "PATCH",
        "/api/v1/points/W-1",
        admin,
        Some(r#"{"latitude": "south"}"#),
    )
    .await;
    check(s, &b, 400, "bad_request", "invalid type");
    let (s, b) = call(
        &f.app,
        "PATCH",
        "/api/v1/points/W-1",
        admin,
        Some(r#"{"latitude": -91, "name": "half"}"#),
    )
    .await;
    check(s, &b, 400, "bad_request", "invalid latitude");
    assert_eq!(b["field"], "latitude");
    let (s, b) = call(
        &f.app,
        "POST",
        "/api/v1/points",
        admin,
        Some(r#"{"code": "X", "kind": "ocean"}"#),
    )
    .await;
    check(s, &b, 400, "bad_request", "unknown kind `ocean`");
    let (s, b) = call(
        &f.app,
        "POST",
        "/api/v1/points",
        admin,
        Some(r#"{"code": "W-1"}"#),
    )
    .await;
    check(s, &b, 409, "conflict", "point `W-1` already exists");
    let (s, b) = call(&f.app, "GET", "/api/v1/points/NOPE", admin, None).await;
    check(s, &b, 404, "not_found", "point `NOPE` not found");
    let (s, b) = call(&f.app, "PATCH", "/api/v1/points/NOPE", admin, Some("{}")).await;
    check(s, &b, 404, "not_found", "point `NOPE` not found");
    let (s, b) = call(
        &f.app,
        "GET",
        "/api/v1/points/NOPE/series/level",
        admin,
        None,
    )
    .await;
    check(s, &b, 404, "not_found", "point `NOPE` not found");
    let series = "/api/v1/points/W-1/series/level";
    let (s, b) = call(
        &f.app,
        "GET",
        &format!("{series}?from=2024-03-02T00:00:00Z&to=2024-03-01T00:00:00Z"),
        admin,
        None,
    )
    .await;
    check(s, &b, 400, "bad_request", "`from` must be before `to`");
    let (s, b) = call(
        &f.app,
        "GET",
        &format!("{series}?from=yesterday"),
        admin,
        None,
    )
    .await;
    check(
        s,
        &b,
        400,
        "bad_request",
        "`yesterday` is not an RFC 3339 time",
    );
    let (s, b) = call(&f.app, "GET", &format!("{series}?limit=10001"), admin, None).await;
    check(
        s,
        &b,
        400,
        "bad_request",
        "limit must be between 1 and 10000",
    );
    assert_eq!(b["field"], "limit");
    let (s, b) = call(&f.app, "GET", &format!("{series}?limit=-3"), admin, None).await;
    check(s, &b, 400, "bad_request", "limit");
    let (s, b) = call(&f.app, "GET", &format!("{series}?page=2"), admin, None).await;
    check(s, &b, 400, "bad_request", "unknown field `page`");
    let (s, b) = call(&f.app, "GET", &format!("{series}?cursor=zzz"), admin, None).await;
    check(s, &b, 400, "bad_request", "not a cursor");
    let (s, b) = call(
        &f.app,
        "GET",
        "/api/v1/points/W-1/series/depth",
        admin,
        None,
    )
    .await;
    check(s, &b, 400, "bad_request", "unknown variable `depth`");
    let (s, b) = call(&f.app, "GET", "/api/v1/nothing", admin, None).await;
    check(s, &b, 404, "not_found", "no such route");
    // Nothing was half-written.
    let p = f.store.get_point("W-1").await.unwrap();
    assert_eq!(p.name, "W-1", "a refused PATCH changed the point");
    assert!(
        f.store.get_point("X").await.is_err(),
        "a refused POST created a point"
    );
}

#[tokio::test]
async fn series_pages_and_csv_export() {
    let f = api_fixture().await;
    let guest = Some(f.token(Role::Guest));
    let base = "/api/v1/points/W-1/series/level?from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z";
    let mut uri = format!("{base}&limit=40");
    let mut values = Vec::new();
    loop {
        let (s, b) = call(&f.app, "GET", &uri, guest, None).await;
        assert_eq!(s, 200, "{b}");
        values.extend(
            b["readings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["value"].as_f64().unwrap()),
        );
        match b["next"].as_str() {
            Some(c) => uri = format!("{base}&limit=40&cursor={c}"),
            None => break,
        }
    }
    let expected: Vec<f64> = (1..=90).map(|v| v as f64).collect();
    assert_eq!(values, expected);
    let (s, b) = call(
        &f.app,
        "GET",
        &format!("{base}&resolution=hour"),
        guest,
        None,
    )
    .await;
    assert_eq!(s, 200, "{b}");
    let buckets = b["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 2);
    assert_eq!(buckets[0]["start"], "2024-03-01T00:00:00.000Z");
    assert_eq!(
        (
            buckets[0]["count"].as_i64(),
            buckets[0]["min"].as_f64(),
            buckets[0]["max"].as_f64()
        ),
        (Some(60), Some(1.0), Some(60.0))
    );
    let (s, b) = call(&f.app, "GET", "/api/v1/points/W-1/series/total?from=2024-03-01T00:00:00Z&to=2024-03-02T00:00:00Z&resolution=day", guest, None).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        b["buckets"][0]["increase"].as_f64(),
        Some(80.0 * M3_PER_PULSE)
    );
    let (s, csv) = call(
        &f.app,
        "GET",
        &base.replace("/level?", "/level/csv?"),
        guest,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let csv = csv.as_str().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 91);
    assert_eq!(lines[0], "time,value,raw,quality");
    assert_eq!(lines[1], "2024-03-01T00:00:00.000Z,1,0,good");
    let (s, b) = call(&f.app, "GET", "/api/v1/latest?points=W-1", guest, None).await;
    assert_eq!(s, 200);
    assert_eq!(b.as_array().unwrap().len(), 2, "{b}");
    let (s, b) = call(
        &f.app,
        "GET",
        "/api/v1/agents",
        Some(f.token(Role::Operator)),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(
        (b[0]["agent_id"].as_str(), b[0]["contiguous_seq"].as_u64()),
        (Some("gw-01"), Some(92))
    );
    let (s, m) = call(
        &f.app,
        "GET",
        "/metrics",
        Some(f.token(Role::Operator)),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        m.as_str()
            .unwrap()
            .contains("caudal_store_readings_stored_total 92"),
        "{m}"
    );
}

#[tokio::test]
async fn openapi_document_is_served_and_matches_the_routes() {
    let f = api_fixture().await;
    let (s, doc) = call(&f.app, "GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(s, 200);
    assert_eq!(
        doc,
        serde_json::to_value(caudal_collector::api::openapi()).unwrap()
    );
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for p in [
        "/api/v1/points",
        "/api/v1/points/{code}",
        "/api/v1/points/{code}/series/{variable}",
        "/api/v1/agents",
        "/healthz",
        "/metrics",
    ] {
        assert!(paths.iter().any(|x| *x == p), "{p} missing from {paths:?}");
    }
}

#[tokio::test]
async fn server_stops_on_shutdown_signal() {
    let f = api_fixture().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let state = caudal_collector::api::AppState::new(f.store.clone());
    let server = tokio::spawn(caudal_collector::api::run(listener, state, async {
        let _ = rx.await;
    }));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    conn.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut resp = String::new();
    conn.read_to_string(&mut resp).await.unwrap();
    assert!(
        resp.starts_with("HTTP/1.1 200") && resp.ends_with("ok"),
        "{resp}"
    );
    tx.send(()).unwrap();
    server.await.unwrap().unwrap();
}

#[test]
fn example_config_loads() {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/examples/collector.toml");
    let cfg: caudal_config::collector::CollectorConfig = caudal_config::load(&path).unwrap();
    assert_eq!(cfg.api.max_page_rows.get(), 10_000);
    assert!(cfg.storage.database_url.is_none());
}
