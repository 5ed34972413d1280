//! `/api/v1/points`: list, get, create, update; latest values.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{Authorized, CreatePoints, EditPoints, ReadData};
use super::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody, quote};
use super::{AppState, rfc3339};
use caudal_collector_domain::points::{Point, PointKind, PointPatch, PointStatus};
use caudal_collector_domain::series::LatestValue;
use caudal_collector_store::codec;

/// A catchment point.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointDto {
    /// Unique code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// `well`, `river`, `lake`, `reservoir`, `spring` or `drain`; absent until known.
    pub kind: Option<&'static str>,
    /// Site code.
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// `unregistered`, `active` or `inactive`.
    pub status: &'static str,
    /// RFC 3339.
    pub created: String,
    /// RFC 3339.
    pub updated: String,
}

impl From<Point> for PointDto {
    fn from(p: Point) -> PointDto {
        PointDto {
            code: p.code,
            name: p.name,
            kind: p.kind.map(PointKind::as_str),
            site: p.site,
            latitude: p.latitude,
            longitude: p.longitude,
            dga_code: p.dga_code,
            status: p.status.as_str(),
            created: rfc3339(p.created),
            updated: rfc3339(p.updated),
        }
    }
}

/// Fields of a point to set; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointUpdate {
    /// Display name.
    pub name: Option<String>,
    /// `well`, `river`, `lake`, `reservoir`, `spring` or `drain`.
    pub kind: Option<String>,
    /// Site code (created when new).
    pub site: Option<String>,
    /// WGS84 latitude, degrees.
    pub latitude: Option<f64>,
    /// WGS84 longitude, degrees.
    pub longitude: Option<f64>,
    /// DGA "código de obra".
    pub dga_code: Option<String>,
    /// `unregistered`, `active` or `inactive`.
    pub status: Option<String>,
}

/// A new point.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointCreate {
    /// Unique code: 1 to 64 characters of `A-Z a-z 0-9 _ - .`.
    pub code: String,
    /// The other fields.
    #[serde(flatten)]
    pub fields: PointUpdate,
}

impl PointUpdate {
    fn into_patch(self) -> Result<PointPatch, ApiError> {
        let kind = match self.kind.as_deref() {
            None => None,
            Some(k) => Some(PointKind::parse(k).ok_or_else(|| {
                ApiError::bad_field(
                    "kind",
                    format!(
                        "unknown kind {}; expected well, river, lake, reservoir, spring or drain",
                        quote(k)
                    ),
                )
            })?),
        };
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => Some(PointStatus::parse(s).ok_or_else(|| {
                ApiError::bad_field(
                    "status",
                    format!(
                        "unknown status {}; expected unregistered, active or inactive",
                        quote(s)
                    ),
                )
            })?),
        };
        Ok(PointPatch {
            name: self.name,
            kind,
            site: self.site,
            latitude: self.latitude,
            longitude: self.longitude,
            dga_code: self.dga_code,
            status,
        })
    }
}

/// Every point, by code.
#[utoipa::path(get, path = "/points", tag = "points",
    security(("token" = ["read_data"])),
    responses((status = 200, body = [PointDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_points(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
) -> Result<Json<Vec<PointDto>>, ApiError> {
    Ok(Json(
        s.store
            .list_points()
            .await?
            .into_iter()
            .map(PointDto::from)
            .collect(),
    ))
}

/// Create a point.
#[utoipa::path(post, path = "/points", tag = "points", request_body = PointCreate,
    security(("token" = ["create_points"])),
    responses((status = 201, body = PointDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn create_point(
    _auth: Authorized<CreatePoints>,
    State(s): State<AppState>,
    ApiJson(body): ApiJson<PointCreate>,
) -> Result<(StatusCode, Json<PointDto>), ApiError> {
    let patch = body.fields.into_patch()?;
    let p = s
        .store
        .create_point(&body.code, &patch, s.clock.now())
        .await?;
    Ok((StatusCode::CREATED, Json(p.into())))
}

/// One point.
#[utoipa::path(get, path = "/points/{code}", tag = "points", params(("code" = String, Path, description = "Point code")),
    security(("token" = ["read_data"])),
    responses((status = 200, body = PointDto), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_point(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<PointDto>, ApiError> {
    Ok(Json(s.store.get_point(&code).await?.into()))
}

/// Change a point (e.g. complete one that a reading created as `unregistered`).
#[utoipa::path(patch, path = "/points/{code}", tag = "points", request_body = PointUpdate,
    params(("code" = String, Path, description = "Point code")),
    security(("token" = ["edit_points"])),
    responses((status = 200, body = PointDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_point(
    _auth: Authorized<EditPoints>,
    State(s): State<AppState>,
    ApiPath(code): ApiPath<String>,
    ApiJson(body): ApiJson<PointUpdate>,
) -> Result<Json<PointDto>, ApiError> {
    let patch = body.into_patch()?;
    Ok(Json(
        s.store
            .update_point(&code, &patch, s.clock.now())
            .await?
            .into(),
    ))
}

/// The latest reading of one series.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestDto {
    /// Point code.
    pub point: String,
    /// Variable (`flow`, `total`, `level`, …).
    pub variable: &'static str,
    /// RFC 3339.
    pub time: String,
    /// Engineering value; null for NaN.
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// `good`, `suspect:<reason>` or `bad:<reason>`.
    pub quality: String,
}

impl From<LatestValue> for LatestDto {
    fn from(l: LatestValue) -> LatestDto {
        LatestDto {
            point: l.point,
            variable: l.variable.as_str(),
            time: rfc3339(l.time),
            value: l.value,
            raw: l.raw,
            quality: codec::quality_to_text(l.quality).into_owned(),
        }
    }
}

/// Latest values of one point.
#[utoipa::path(get, path = "/points/{code}/latest", tag = "points", params(("code" = String, Path, description = "Point code")),
    security(("token" = ["read_data"])),
    responses((status = 200, body = [LatestDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn point_latest(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<LatestDto>>, ApiError> {
    s.store.get_point(&code).await?;
    Ok(Json(
        s.store
            .latest(&[code])
            .await?
            .into_iter()
            .map(LatestDto::from)
            .collect(),
    ))
}

/// Which points.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LatestParams {
    /// Comma-separated point codes (at most 10000); all points when absent.
    pub points: Option<String>,
}

/// Latest values per point.
#[utoipa::path(get, path = "/latest", tag = "points", params(LatestParams),
    security(("token" = ["read_data"])),
    responses((status = 200, body = [LatestDto]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn latest(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
    ApiQuery(q): ApiQuery<LatestParams>,
) -> Result<Json<Vec<LatestDto>>, ApiError> {
    let codes: Vec<String> = q
        .points
        .as_deref()
        .map(|p| {
            p.split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if codes.len() > 10_000 {
        return Err(ApiError::bad_field(
            "points",
            "at most 10000 point codes per request",
        ));
    }
    Ok(Json(
        s.store
            .latest(&codes)
            .await?
            .into_iter()
            .map(LatestDto::from)
            .collect(),
    ))
}
