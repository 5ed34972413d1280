//! The HTTP API: axum routes under `/api/v1`, plus `/healthz` and `/metrics`.
//!
//! Every route is registered through utoipa-axum, so the OpenAPI document at
//! `/api/v1/openapi.json` is generated from the same list the router serves.
//! A route's required permission is its `security` scope in that document and
//! the `Authorized<G>` extractor of its handler; the role-matrix test walks the
//! document and checks the two agree.

pub mod agents;
pub mod auth;
pub mod error;
pub mod points;
pub mod series;
pub mod system;

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use caudal_protocol::UtcMillis;
use tokio::net::TcpListener;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use caudal_collector_store::Store;

use crate::app::SharedClock;
use crate::telemetry::{HttpStats, UNMATCHED_ROUTE};

/// API limits taken from the config.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest page.
    pub max_page_rows: u32,
    /// Largest CSV export.
    pub max_export_rows: u32,
    /// Per-request deadline.
    pub request_timeout: Duration,
    /// Largest body.
    pub max_body_bytes: usize,
}

impl From<&caudal_config::collector::Api> for Limits {
    fn from(c: &caudal_config::collector::Api) -> Limits {
        Limits {
            max_page_rows: c.max_page_rows.get(),
            max_export_rows: c.max_export_rows.get(),
            request_timeout: Duration::from_millis(c.request_timeout_ms.get()),
            max_body_bytes: c.max_body_bytes.get(),
        }
    }
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::from(&caudal_config::collector::Api::default())
    }
}

/// What handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The store.
    pub store: Store,
    /// Limits.
    pub limits: Limits,
    /// QUIC ingest counters, rendered on `/metrics` after the store's.
    pub ingest: std::sync::Arc<crate::ingest::IngestMetrics>,
    /// HTTP counters.
    pub http: std::sync::Arc<HttpStats>,
    /// Where handlers read the time.
    pub clock: SharedClock,
}

impl AppState {
    /// State over `store` with default limits, fresh counters and the system clock.
    #[must_use]
    pub fn new(store: Store) -> AppState {
        AppState {
            store,
            limits: Limits::default(),
            ingest: std::sync::Arc::default(),
            http: std::sync::Arc::default(),
            clock: std::sync::Arc::new(crate::app::SystemClock),
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Caudal collector API", description = "Points, latest values, series, agents. Send `Authorization: Bearer <token>`."),
    modifiers(&BearerToken),
    tags((name = "points"), (name = "series"), (name = "agents"), (name = "system"))
)]
struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// Every route, documented.
fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(points::list_points, points::create_point))
        .routes(routes!(points::get_point, points::update_point))
        .routes(routes!(points::point_latest))
        .routes(routes!(points::latest))
        .routes(routes!(series::series))
        .routes(routes!(series::series_csv))
        .routes(routes!(agents::list_agents))
        .routes(routes!(system::openapi_json));
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", v1)
        .routes(routes!(system::healthz))
        .routes(routes!(system::metrics))
}

/// The OpenAPI document of [`app`].
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    router().into_openapi()
}

fn openapi_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| openapi().to_json().unwrap_or_else(|_| "{}".to_owned()))
}

/// Count every response by status class and time it by method and route
/// template (`/api/v1/points/{code}`, never the raw path).
async fn count_status(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or(UNMATCHED_ROUTE, axum::extract::MatchedPath::as_str)
        .to_owned();
    let resp = next.run(req).await;
    state.http.response(
        &method,
        &route,
        resp.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    resp
}

async fn fallback() -> error::ApiError {
    error::ApiError::not_found("no such route")
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    let (router, _doc) = router().split_for_parts();
    router
        .fallback(fallback)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            count_status,
        ))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(
            state.limits.max_body_bytes,
        ))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            state.limits.request_timeout,
        ))
        .with_state(state)
}

/// Serve [`app`] on `listener` until `shutdown` resolves, then finish the
/// requests in flight (each bounded by the request timeout).
///
/// # Errors
/// An I/O error of the listener.
pub async fn run(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "HTTP API listening");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// RFC 3339 with milliseconds, UTC.
pub(crate) fn rfc3339(t: UtcMillis) -> String {
    chrono::DateTime::from_timestamp_millis(t.0).map_or_else(
        || t.0.to_string(),
        |d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    )
}
