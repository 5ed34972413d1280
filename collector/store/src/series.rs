//! Reads of stored series: the latest value of each series, and pages of a
//! series at raw, hourly or daily resolution. A stored value that does not
//! parse fails the read ([`StoreError::Corrupt`], counted), never turns into
//! a default.

use caudal_collector_domain::series::{
    AggRow, Cursor, LatestValue, RawRow, SeriesPage, SeriesQuery, SeriesRows,
};
use caudal_protocol::UtcMillis;

use crate::{Store, StoreError, codec};

impl Store {
    /// Latest value of every series of the given points (all points when empty),
    /// ordered by point code and variable.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn latest(&self, points: &[String]) -> Result<Vec<LatestValue>, StoreError> {
        type Row = (String, i64, i64, Option<f64>, i64, String);
        const ALL: &str = "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM latest l \
                           JOIN points p ON p.id = l.point_id ORDER BY p.code, l.variable_id";
        let rows: Vec<Row> = match (self, points.is_empty()) {
            (_, true) => on_pool!(self, pool => sqlx::query_as(ALL).fetch_all(pool).await)?,
            (Store::Sqlite(s), false) => {
                let list = serde_json::to_string(points).map_err(|e| StoreError::Invalid {
                    field: "points",
                    message: e.to_string(),
                })?;
                sqlx::query_as(
                    "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM points p \
                     JOIN latest l ON l.point_id = p.id WHERE p.code IN (SELECT value FROM json_each($1)) \
                     ORDER BY p.code, l.variable_id",
                )
                .bind(list)
                .fetch_all(&s.readers)
                .await?
            }
            (Store::Postgres(p), false) => {
                sqlx::query_as(
                    "SELECT p.code, l.variable_id, l.time_ms, l.value, l.raw, l.quality FROM points p \
                     JOIN latest l ON l.point_id = p.id WHERE p.code = ANY($1) ORDER BY p.code, l.variable_id",
                )
                .bind(points)
                .fetch_all(&p.pool)
                .await?
            }
        };
        rows.into_iter()
            .map(|(point, var, time, value, raw, quality)| {
                Ok(LatestValue {
                    point,
                    variable: codec::variable_from_db("latest", var)?,
                    time: UtcMillis(time),
                    value,
                    raw,
                    quality: codec::quality_from_db("latest", &quality)?,
                })
            })
            .collect::<Result<_, _>>()
            .inspect_err(|e| self.stats().note(e))
    }

    async fn point_id(&self, code: &str) -> Result<i64, StoreError> {
        let row: Option<(i64,)> = on_pool!(self, pool => sqlx::query_as("SELECT id FROM points WHERE code = $1").bind(code).fetch_optional(pool).await)?;
        row.map(|r| r.0)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))
    }

    /// One page of a series.
    ///
    /// # Errors
    /// [`StoreError::PointNotFound`], [`StoreError::Invalid`] (empty range,
    /// cursor of the wrong resolution) or [`StoreError::Db`].
    pub async fn series(&self, q: &SeriesQuery) -> Result<SeriesPage, StoreError> {
        if q.from >= q.to {
            return Err(StoreError::Invalid {
                field: "to",
                message: "must be after `from`".to_owned(),
            });
        }
        let point = self.point_id(&q.point).await?;
        let var = codec::variable_id(q.variable);
        let limit = i64::from(std::cmp::max(q.limit, 1));
        match (q.resolution.period_ms(), q.after) {
            (None, after @ (None | Some(Cursor::Raw { .. }))) => {
                let (t, a, e, s) = match after {
                    Some(Cursor::Raw {
                        time,
                        agent,
                        epoch,
                        seq,
                    }) => (time, agent, epoch, seq),
                    _ => (q.from.0, -1, i64::MIN, -1),
                };
                type Row = (i64, i64, i64, i64, Option<f64>, i64, String);
                let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                    "SELECT time_ms, agent, epoch, seq, value, raw, quality FROM readings \
                     WHERE point_id = $1 AND variable_id = $2 AND time_ms >= $3 AND time_ms < $4 \
                     AND (time_ms, agent, epoch, seq) > ($5, $6, $7, $8) \
                     ORDER BY time_ms, agent, epoch, seq LIMIT $9",
                ).bind(point).bind(var).bind(q.from.0).bind(q.to.0).bind(t).bind(a).bind(e).bind(s).bind(limit + 1)
                .fetch_all(pool).await)?;
                let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
                let mut out = Vec::with_capacity(rows.len());
                let mut next = None;
                for (time, agent, epoch, seq, value, raw, quality) in rows
                    .into_iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                {
                    next = Some(Cursor::Raw {
                        time,
                        agent,
                        epoch,
                        seq,
                    });
                    out.push(RawRow {
                        time: UtcMillis(time),
                        value,
                        raw,
                        quality: match codec::quality_from_db("readings", &quality) {
                            Ok(q) => q,
                            Err(e) => {
                                self.stats().note(&e);
                                return Err(e);
                            }
                        },
                    });
                }
                Ok(SeriesPage {
                    rows: SeriesRows::Raw(out),
                    next: next.filter(|_| more),
                })
            }
            (Some(period), after @ (None | Some(Cursor::Bucket(_)))) => {
                let after = match after {
                    Some(Cursor::Bucket(b)) => b,
                    _ => i64::MIN,
                };
                type Row = (i64, i64, f64, f64, f64, f64, Option<f64>);
                let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
                    "SELECT bucket_ms, count, sum, min, max, last_value, increase FROM aggregates \
                     WHERE point_id = $1 AND variable_id = $2 AND period = $3 AND bucket_ms >= $4 AND bucket_ms < $5 \
                     AND bucket_ms > $6 ORDER BY bucket_ms LIMIT $7",
                ).bind(point).bind(var).bind(period).bind(q.from.0).bind(q.to.0).bind(after).bind(limit + 1)
                .fetch_all(pool).await)?;
                let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
                let mut out = Vec::with_capacity(rows.len());
                let mut next = None;
                for (bucket, count, sum, min, max, last, increase) in rows
                    .into_iter()
                    .take(usize::try_from(limit).unwrap_or(usize::MAX))
                {
                    next = Some(Cursor::Bucket(bucket));
                    #[allow(
                        clippy::cast_precision_loss,
                        reason = "a bucket holds far fewer than 2^53 readings"
                    )]
                    let mean = if count > 0 {
                        sum / count as f64
                    } else {
                        f64::NAN
                    };
                    out.push(AggRow {
                        bucket: UtcMillis(bucket),
                        count,
                        min,
                        max,
                        mean,
                        last,
                        increase,
                    });
                }
                Ok(SeriesPage {
                    rows: SeriesRows::Agg(out),
                    next: next.filter(|_| more),
                })
            }
            _ => Err(StoreError::Invalid {
                field: "cursor",
                message: "belongs to another resolution".to_owned(),
            }),
        }
    }
}
