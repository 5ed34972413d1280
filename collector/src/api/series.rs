//! `/api/v1/points/{code}/series/{variable}`: time series at raw, hourly or
//! daily resolution, paginated with an opaque cursor; and its CSV export.

use std::fmt::Write as _;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use caudal_protocol::{UtcMillis, Variable};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::{Authorized, ReadData};
use super::error::{ApiError, ApiPath, ApiQuery, ErrorBody, quote};
use super::{AppState, rfc3339};
use caudal_collector_domain::series::{
    AggRow, Cursor, RawRow, Resolution, SeriesQuery, SeriesRows,
};
use caudal_collector_store::codec;

/// Default page size.
const DEFAULT_LIMIT: u32 = 1000;
/// Default range when `from` is absent: 7 days before `to`.
const DEFAULT_SPAN_MS: i64 = 7 * 86_400_000;

/// Range, resolution and page of a series.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SeriesParams {
    /// `raw` (default), `hour` or `day`.
    pub resolution: Option<String>,
    /// Inclusive start, RFC 3339 (default: 7 days before `to`).
    pub from: Option<String>,
    /// Exclusive end, RFC 3339 (default: now).
    pub to: Option<String>,
    /// Rows per page, 1 to the configured maximum (default 1000).
    pub limit: Option<u32>,
    /// `next` of the previous page.
    pub cursor: Option<String>,
}

/// A stored reading.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadingDto {
    /// RFC 3339.
    pub time: String,
    /// Engineering value; null for NaN.
    pub value: Option<f64>,
    /// Raw register value.
    pub raw: i64,
    /// `good`, `suspect:<reason>` or `bad:<reason>`.
    pub quality: String,
}

/// An hourly or daily bucket (UTC).
#[derive(Debug, Serialize, ToSchema)]
pub struct BucketDto {
    /// Bucket start, RFC 3339.
    pub start: String,
    /// Readings aggregated (good and suspect quality).
    pub count: i64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
    /// Mean value.
    pub mean: f64,
    /// Value with the latest time.
    pub last: f64,
    /// Counters only: volume added in the bucket.
    pub increase: Option<f64>,
}

/// One page of a series: `readings` at raw resolution, `buckets` otherwise.
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesDto {
    /// Point code.
    pub point: String,
    /// Variable.
    pub variable: &'static str,
    /// `raw`, `hour` or `day`.
    pub resolution: &'static str,
    /// Raw readings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readings: Option<Vec<ReadingDto>>,
    /// Aggregates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub buckets: Option<Vec<BucketDto>>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next: Option<String>,
}

fn reading_dto(r: RawRow) -> ReadingDto {
    ReadingDto {
        time: rfc3339(r.time),
        value: r.value,
        raw: r.raw,
        quality: codec::quality_to_text(r.quality).into_owned(),
    }
}

fn bucket_dto(b: AggRow) -> BucketDto {
    BucketDto {
        start: rfc3339(b.bucket),
        count: b.count,
        min: b.min,
        max: b.max,
        mean: b.mean,
        last: b.last,
        increase: b.increase,
    }
}

fn parse_time(field: &str, s: &str) -> Result<UtcMillis, ApiError> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| UtcMillis(t.timestamp_millis()))
        .map_err(|e| {
            ApiError::bad_field(
                field,
                format!(
                    "{} is not an RFC 3339 time ({e}), e.g. 2024-03-01T00:00:00Z",
                    quote(s)
                ),
            )
        })
}

/// Check the path and parameters (pure; every refusal names its field).
fn build_query(
    code: String,
    variable: &str,
    p: SeriesParams,
    max_limit: u32,
    now: UtcMillis,
) -> Result<SeriesQuery, ApiError> {
    let variable = Variable::parse(variable).ok_or_else(|| {
        let names: Vec<&str> = Variable::ALL.iter().map(|v| v.as_str()).collect();
        ApiError::bad_field(
            "variable",
            format!(
                "unknown variable {}; expected one of {}",
                quote(variable),
                names.join(", ")
            ),
        )
    })?;
    let resolution = match p.resolution.as_deref() {
        None => Resolution::Raw,
        Some(r) => match Resolution::parse(r) {
            Some(r) => r,
            None => {
                return Err(ApiError::bad_field(
                    "resolution",
                    format!("unknown resolution {}; expected raw, hour or day", quote(r)),
                ));
            }
        },
    };
    let to = match &p.to {
        Some(t) => parse_time("to", t)?,
        None => now,
    };
    let from = match &p.from {
        Some(f) => parse_time("from", f)?,
        None => UtcMillis(to.0.saturating_sub(DEFAULT_SPAN_MS)),
    };
    if from >= to {
        return Err(ApiError::bad_field("from", "`from` must be before `to`"));
    }
    let limit = p.limit.unwrap_or(std::cmp::min(DEFAULT_LIMIT, max_limit));
    if limit == 0 || limit > max_limit {
        return Err(ApiError::bad_field(
            "limit",
            format!("limit must be between 1 and {max_limit}"),
        ));
    }
    let after =
        match &p.cursor {
            None => None,
            Some(c) => Some(Cursor::decode(c).ok_or_else(|| {
                ApiError::bad_field("cursor", "not a cursor returned by this API")
            })?),
        };
    Ok(SeriesQuery {
        point: code,
        variable,
        resolution,
        from,
        to,
        after,
        limit,
    })
}

/// One page of a series.
#[utoipa::path(get, path = "/points/{code}/series/{variable}", tag = "series",
    params(("code" = String, Path, description = "Point code"), ("variable" = String, Path, description = "Variable, e.g. `level`"), SeriesParams),
    security(("token" = ["read_data"])),
    responses((status = 200, body = SeriesDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn series(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
    ApiPath((code, variable)): ApiPath<(String, String)>,
    ApiQuery(p): ApiQuery<SeriesParams>,
) -> Result<Json<SeriesDto>, ApiError> {
    let q = build_query(code, &variable, p, s.limits.max_page_rows, s.clock.now())?;
    let page = s.store.series(&q).await?;
    let (readings, buckets) = match page.rows {
        SeriesRows::Raw(rows) => (Some(rows.into_iter().map(reading_dto).collect()), None),
        SeriesRows::Agg(rows) => (None, Some(rows.into_iter().map(bucket_dto).collect())),
    };
    Ok(Json(SeriesDto {
        point: q.point,
        variable: q.variable.as_str(),
        resolution: q.resolution.as_str(),
        readings,
        buckets,
        next: page.next.map(Cursor::encode),
    }))
}

/// The whole range of a series as CSV (`limit` and `cursor` are not used).
#[utoipa::path(get, path = "/points/{code}/series/{variable}/csv", tag = "series",
    params(("code" = String, Path, description = "Point code"), ("variable" = String, Path, description = "Variable, e.g. `level`"), SeriesParams),
    security(("token" = ["read_data"])),
    responses((status = 200, description = "CSV with a header row", content_type = "text/csv"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn series_csv(
    _auth: Authorized<ReadData>,
    State(s): State<AppState>,
    ApiPath((code, variable)): ApiPath<(String, String)>,
    ApiQuery(p): ApiQuery<SeriesParams>,
) -> Result<impl IntoResponse, ApiError> {
    if p.cursor.is_some() || p.limit.is_some() {
        return Err(ApiError::bad_field(
            "limit",
            "the CSV export covers the whole range: leave out `limit` and `cursor`",
        ));
    }
    let mut q = build_query(code, &variable, p, s.limits.max_page_rows, s.clock.now())?;
    q.limit = s.limits.max_page_rows;
    let mut out = String::new();
    let mut rows_out: u64 = 0;
    match q.resolution {
        Resolution::Raw => out.push_str("time,value,raw,quality\n"),
        _ => out.push_str("start,count,min,max,mean,last,increase\n"),
    }
    loop {
        let page = s.store.series(&q).await?;
        match page.rows {
            SeriesRows::Raw(rows) => {
                for r in rows {
                    let value = r.value.map(|v| v.to_string()).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{},{value},{},{}",
                        rfc3339(r.time),
                        r.raw,
                        codec::quality_to_text(r.quality)
                    );
                    rows_out += 1;
                }
            }
            SeriesRows::Agg(rows) => {
                for b in rows {
                    let inc = b.increase.map(|v| v.to_string()).unwrap_or_default();
                    let _ = writeln!(
                        out,
                        "{},{},{},{},{},{},{inc}",
                        rfc3339(b.bucket),
                        b.count,
                        b.min,
                        b.max,
                        b.mean,
                        b.last
                    );
                    rows_out += 1;
                }
            }
        }
        if rows_out > u64::from(s.limits.max_export_rows) {
            return Err(ApiError::bad_field(
                "from",
                format!(
                    "the export would exceed {} rows: narrow the range",
                    s.limits.max_export_rows
                ),
            ));
        }
        match page.next {
            Some(c) => q.after = Some(c),
            None => break,
        }
    }
    let filename = format!(
        "attachment; filename=\"{}_{}.csv\"",
        q.point,
        q.variable.as_str()
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(
        resolution: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        limit: Option<u32>,
    ) -> SeriesParams {
        SeriesParams {
            resolution: resolution.map(str::to_owned),
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            limit,
            cursor: None,
        }
    }

    fn e_body(e: &ApiError) -> String {
        format!("{e:?}")
    }

    #[test]
    fn parameters_are_checked_and_named() {
        let now = UtcMillis(1_709_251_200_000);
        let q = build_query(
            "W".into(),
            "level",
            params(None, None, None, None),
            10_000,
            now,
        )
        .unwrap();
        assert_eq!(
            (q.resolution, q.to, q.from, q.limit),
            (
                Resolution::Raw,
                now,
                UtcMillis(now.0 - DEFAULT_SPAN_MS),
                1000
            )
        );
        let cases = [
            (params(None, None, None, Some(10_001)), "limit"),
            (params(None, None, None, Some(0)), "limit"),
            (params(Some("minute"), None, None, None), "resolution"),
            (params(None, Some("yesterday"), None, None), "from"),
            (
                params(
                    None,
                    Some("2024-03-02T00:00:00Z"),
                    Some("2024-03-01T00:00:00Z"),
                    None,
                ),
                "from",
            ),
        ];
        for (p, field) in cases {
            let dbg = e_body(&build_query("W".into(), "level", p, 10_000, now).unwrap_err());
            assert!(dbg.contains(&format!("field: Some(\"{field}\")")), "{dbg}");
        }
        let dbg = e_body(
            &build_query(
                "W".into(),
                "depth",
                params(None, None, None, None),
                10_000,
                now,
            )
            .unwrap_err(),
        );
        assert!(dbg.contains("unknown variable `depth`"), "{dbg}");
    }
}
