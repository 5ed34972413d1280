//! Helpers shared by the collector's behaviour tests: a fresh store per test
//! on either backend, and reading builders.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset"
)]

use caudal_collector::store::Store;
use caudal_protocol::{ChannelDesc, ChannelId, Coding, Quality, Reading, Seq, UtcMillis, Variable};
use sqlx::Connection;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A store on a database of its own, removed when dropped.
pub struct TestDb {
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin, name)) = self.pg.take() else {
            return;
        };
        // Drop the database on a thread of its own: Drop cannot await, and this
        // also runs when the test panicked.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("CAUDAL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// Replace the database name of a PostgreSQL URL.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Create an empty database with a random name; FAIL when the server is unreachable.
pub async fn fresh_pg_database() -> (String, String) {
    let admin = pg_admin_url();
    let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for these tests but {admin} is unreachable ({e}). Start it \
             (e.g. `pg_ctlcluster 15 main start`, or `docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:15`) \
             or point CAUDAL_TEST_PG_URL at a server where the user may CREATE DATABASE."
        )
    });
    let name = format!("caudal_test_{:016x}", rand::random::<u64>());
    let sql = format!("CREATE DATABASE {name}");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(&mut conn)
        .await
        .expect("CREATE DATABASE");
    conn.close().await.ok();
    (admin, name)
}

pub async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite:{}", dir.path().join("collector.sqlite").display());
    let store = Store::connect_url(&url, 4)
        .await
        .expect("open sqlite store");
    TestDb {
        store,
        _dir: Some(dir),
        pg: None,
    }
}

pub async fn postgres() -> TestDb {
    let (admin, name) = fresh_pg_database().await;
    let url = with_database(&admin, &name);
    let store = Store::connect_url(&url, 4)
        .await
        .expect("open postgres store");
    TestDb {
        store,
        _dir: None,
        pg: Some((admin, name)),
    }
}

pub const LEVEL: ChannelId = ChannelId(1);
pub const VOLUME: ChannelId = ChannelId(2);
pub const FLOW: ChannelId = ChannelId(3);
/// m³ per pulse of the test counter (exact in binary, so sums compare exactly).
pub const M3_PER_PULSE: f64 = 0.125;
pub const HOUR: i64 = 3_600_000;
/// 2024-03-01T00:00:00Z
pub const T0: i64 = 1_709_251_200_000;

pub fn channels(point: &str) -> Vec<ChannelDesc> {
    vec![
        ChannelDesc {
            id: LEVEL,
            point: point.to_owned(),
            variable: Variable::Level,
            unit: "m".to_owned(),
            coding: Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
            regulated: false,
        },
        ChannelDesc {
            id: VOLUME,
            point: point.to_owned(),
            variable: Variable::Total,
            unit: "m3".to_owned(),
            coding: Coding::Counter {
                m3_per_pulse: M3_PER_PULSE,
            },
            regulated: true,
        },
        ChannelDesc {
            id: FLOW,
            point: point.to_owned(),
            variable: Variable::Flow,
            unit: "l/s".to_owned(),
            coding: Coding::Linear {
                scale: 0.01,
                offset: 0.0,
            },
            regulated: false,
        },
    ]
}

pub fn level(seq: u64, time: i64, value: f64) -> Reading {
    Reading {
        seq: Seq(seq),
        channel: LEVEL,
        time: UtcMillis(time),
        raw: 0,
        total_pulses: None,
        value,
        quality: Quality::Good,
    }
}

pub fn counter(seq: u64, time: i64, pulses: u64) -> Reading {
    #[allow(clippy::cast_precision_loss, reason = "test totals are small")]
    let value = pulses as f64 * M3_PER_PULSE;
    Reading {
        seq: Seq(seq),
        channel: VOLUME,
        time: UtcMillis(time),
        raw: i64::try_from(pulses % 65_536).unwrap(),
        total_pulses: Some(pulses),
        value,
        quality: Quality::Good,
    }
}

/// Level readings with seqs `first..=last`, one a minute from `T0 + (seq - 1) min`, value = seq.
pub fn levels(first: u64, last: u64) -> Vec<Reading> {
    (first..=last)
        .map(|s| {
            let i = i64::try_from(s).unwrap();
            #[allow(clippy::cast_precision_loss, reason = "small test values")]
            let v = s as f64;
            level(s, T0 + (i - 1) * 60_000, v)
        })
        .collect()
}

/// An API over a SQLite store with one user (and token) per role and some data for point `W-1`.
pub struct ApiFixture {
    pub db: TestDb,
    pub app: axum::Router,
    pub tokens: Vec<(caudal_collector::auth::Role, String)>,
}

impl ApiFixture {
    pub fn token(&self, role: caudal_collector::auth::Role) -> &str {
        &self
            .tokens
            .iter()
            .find(|(r, _)| *r == role)
            .expect("role")
            .1
    }
}

pub async fn api_fixture() -> ApiFixture {
    use caudal_collector::api::{AppState, Limits, app};
    use caudal_collector::auth::{Role, new_token};
    let db = sqlite().await;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = role.as_str();
        db.store.add_user(name, role, UtcMillis(T0)).await.unwrap();
        let (token, hash) = new_token();
        db.store
            .add_token(name, &hash, UtcMillis(T0))
            .await
            .unwrap();
        tokens.push((role, token));
    }
    let mut batch = levels(1, 90);
    batch.push(counter(91, T0, 0));
    batch.push(counter(92, T0 + 2 * HOUR, 80));
    db.store
        .write_batch("gw-01", caudal_protocol::Epoch(1), &channels("W-1"), &batch)
        .await
        .unwrap();
    let app = app(AppState {
        store: db.store.clone(),
        limits: Limits::default(),
        ingest: std::sync::Arc::default(),
    });
    ApiFixture { db, app, tokens }
}

/// Send one request; return the status and the body (JSON when it parses, else a string).
pub async fn call(
    app: &axum::Router,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, serde_json::Value) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = match body {
        Some(b) => req
            .header("content-type", "application/json")
            .body(axum::body::Body::from(b.to_owned())),
        None => req.body(axum::body::Body::empty()),
    }
    .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
        serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
    });
    (status, value)
}
