//! Helpers shared by the collector's behaviour tests: an API over a store of
//! its own with one user per role, readings builders, and one request helper.
//! The per-test database is `caudal_collector_store::testing::TestDb`.
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test binary uses a different subset"
)]

use caudal_collector_domain::Role;
use caudal_collector_store::Store;
use caudal_collector_store::testing::TestDb;
use caudal_protocol::{ChannelDesc, ChannelId, Coding, Quality, Reading, Seq, UtcMillis, Variable};

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
            let v = s as f64;
            level(s, T0 + (i - 1) * 60_000, v)
        })
        .collect()
}

/// An API over a SQLite store with one user (and token) per role and some data for point `W-1`.
pub struct ApiFixture {
    pub db: TestDb,
    pub store: Store,
    pub app: axum::Router,
    pub tokens: Vec<(Role, String)>,
}

impl ApiFixture {
    pub fn token(&self, role: Role) -> &str {
        &self
            .tokens
            .iter()
            .find(|(r, _)| *r == role)
            .expect("role")
            .1
    }
}

pub async fn api_fixture() -> ApiFixture {
    use caudal_collector::api::{AppState, app};
    use caudal_collector::auth::new_token;
    let db = TestDb::sqlite();
    let store = db.open().await;
    let mut tokens = Vec::new();
    for &role in Role::ALL {
        let name = role.as_str();
        store.add_user(name, role, UtcMillis(T0)).await.unwrap();
        let (token, hash) = new_token();
        store.add_token(name, &hash, UtcMillis(T0)).await.unwrap();
        tokens.push((role, token));
    }
    let mut batch = levels(1, 90);
    batch.push(counter(91, T0, 0));
    batch.push(counter(92, T0 + 2 * HOUR, 80));
    store
        .write_batch("gw-01", caudal_protocol::Epoch(1), &channels("W-1"), &batch)
        .await
        .unwrap();
    let app = app(AppState::new(store.clone()));
    ApiFixture {
        db,
        store,
        app,
        tokens,
    }
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
