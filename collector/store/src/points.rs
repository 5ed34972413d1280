//! Catchment points and sites: list, read, create, update. A reading for an
//! unknown code creates its point (see [`crate::batch`]); these are the
//! operator's edits.

use caudal_collector_domain::points::{Point, PointKind, PointPatch, PointStatus, check_code};
use caudal_protocol::UtcMillis;

use crate::{Store, StoreError};

/// `INSERT` a site by code if new and yield its id.
macro_rules! ensure_site {
    ($tx:expr, $code:expr) => {{
        sqlx::query("INSERT INTO sites (code, name) VALUES ($1, $1) ON CONFLICT (code) DO NOTHING")
            .bind($code)
            .execute($tx)
            .await?;
        let (id,): (i64,) = sqlx::query_as("SELECT id FROM sites WHERE code = $1")
            .bind($code)
            .fetch_one($tx)
            .await?;
        id
    }};
}

type PointRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<f64>,
    Option<f64>,
    Option<String>,
    String,
    i64,
    i64,
);

const POINT_SELECT: &str = "SELECT p.code, p.name, p.kind, s.code, p.latitude, p.longitude, p.dga_code, p.status, \
     p.created_ms, p.updated_ms FROM points p LEFT JOIN sites s ON s.id = p.site_id";

fn point_from_row(r: PointRow) -> Result<Point, StoreError> {
    let kind = match r.2.as_deref() {
        None => None,
        Some(k) => {
            Some(PointKind::parse(k).ok_or_else(|| StoreError::corrupt("points", "kind", k))?)
        }
    };
    let status =
        PointStatus::parse(&r.7).ok_or_else(|| StoreError::corrupt("points", "status", &r.7))?;
    Ok(Point {
        code: r.0,
        name: r.1,
        kind,
        site: r.3,
        latitude: r.4,
        longitude: r.5,
        dga_code: r.6,
        status,
        created: UtcMillis(r.8),
        updated: UtcMillis(r.9),
    })
}

impl Store {
    /// Every point, by code.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn list_points(&self) -> Result<Vec<Point>, StoreError> {
        let sql = format!("{POINT_SELECT} ORDER BY p.code");
        let rows: Vec<PointRow> =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await)?;
        rows.into_iter()
            .map(point_from_row)
            .collect::<Result<_, _>>()
            .inspect_err(|e| self.stats().note(e))
    }

    /// One point.
    ///
    /// # Errors
    /// [`StoreError::PointNotFound`] or [`StoreError::Db`].
    pub async fn get_point(&self, code: &str) -> Result<Point, StoreError> {
        let sql = format!("{POINT_SELECT} WHERE p.code = $1");
        let row: Option<PointRow> = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(pool).await)?;
        row.map(point_from_row)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))?
            .inspect_err(|e| self.stats().note(e))
    }

    /// Create a point (status `active` unless the patch says otherwise).
    ///
    /// # Errors
    /// [`StoreError::Invalid`], [`StoreError::PointExists`] or [`StoreError::Db`].
    pub async fn create_point(
        &self,
        code: &str,
        patch: &PointPatch,
        now: UtcMillis,
    ) -> Result<Point, StoreError> {
        check_code("code", code)?;
        patch.validate()?;
        on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let site = match &patch.site {
                Some(site) => Some(ensure_site!(&mut *tx, site)),
                None => None,
            };
            let created: Option<(i64,)> = sqlx::query_as(
                "INSERT INTO points (code, name, kind, site_id, latitude, longitude, dga_code, status, created_ms, updated_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (code) DO NOTHING RETURNING id",
            )
            .bind(code)
            .bind(patch.name.as_deref().unwrap_or(code))
            .bind(patch.kind.map(PointKind::as_str))
            .bind(site)
            .bind(patch.latitude)
            .bind(patch.longitude)
            .bind(patch.dga_code.as_deref())
            .bind(patch.status.unwrap_or(PointStatus::Active).as_str())
            .bind(now.0)
            .fetch_optional(&mut *tx).await?;
            if created.is_none() {
                return Err(StoreError::PointExists(code.to_owned()));
            }
            tx.commit().await?;
        });
        self.get_point_fresh(code).await
    }

    /// Change the fields a patch sets.
    ///
    /// # Errors
    /// [`StoreError::Invalid`], [`StoreError::PointNotFound`] or [`StoreError::Db`].
    pub async fn update_point(
        &self,
        code: &str,
        patch: &PointPatch,
        now: UtcMillis,
    ) -> Result<Point, StoreError> {
        patch.validate()?;
        on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let site = match &patch.site {
                Some(site) => Some(ensure_site!(&mut *tx, site)),
                None => None,
            };
            let done = sqlx::query(
                "UPDATE points SET name = COALESCE($2, name), kind = COALESCE($3, kind), site_id = COALESCE($4, site_id), \
                 latitude = COALESCE($5, latitude), longitude = COALESCE($6, longitude), dga_code = COALESCE($7, dga_code), \
                 status = COALESCE($8, status), updated_ms = $9 WHERE code = $1",
            )
            .bind(code)
            .bind(patch.name.as_deref())
            .bind(patch.kind.map(PointKind::as_str))
            .bind(site)
            .bind(patch.latitude)
            .bind(patch.longitude)
            .bind(patch.dga_code.as_deref())
            .bind(patch.status.map(PointStatus::as_str))
            .bind(now.0)
            .execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::PointNotFound(code.to_owned()));
            }
            tx.commit().await?;
        });
        self.get_point_fresh(code).await
    }

    /// Read a point through the writer (SQLite readers may lag a commit by nothing, but be explicit).
    async fn get_point_fresh(&self, code: &str) -> Result<Point, StoreError> {
        let sql = format!("{POINT_SELECT} WHERE p.code = $1");
        let row: Option<PointRow> = on_writer!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(code).fetch_optional(pool).await)?;
        row.map(point_from_row)
            .ok_or_else(|| StoreError::PointNotFound(code.to_owned()))?
            .inspect_err(|e| self.stats().note(e))
    }
}
