#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub mod access;
pub mod agents;
pub mod alarms;
pub mod anomaly;
pub mod assets;
pub mod compliance;
pub mod ids;
pub mod import;
pub mod jobs;
pub mod maintenance;
pub mod notify;
pub mod operating;
pub mod points;
pub mod reliability;
pub mod series;
pub mod vocab;
pub mod zone;

pub use caudal_protocol::UtcMillis;
pub use ids::{AlarmId, AssetId, PlanId, PointId, SiteId, UserId, WorkOrderId};
pub use vocab::{AssetKind, DownCause, Lang, MeterKind, Role, Severity};
pub use zone::Zone;

/// Milliseconds in one second.
pub const SECOND_MS: i64 = 1_000;
/// Milliseconds in one minute.
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
/// Milliseconds in one day of 24 hours.
pub const DAY_MS: i64 = 24 * HOUR_MS;
