//! `caudal-collector` configuration: listeners, storage, TLS material, retention.
//!
//! See `config/examples/collector.toml` for a commented example. Every field
//! has a default, so an empty file (or no file) runs an embedded collector.

use std::net::SocketAddr;
use std::num::{NonZeroU32, NonZeroU64, NonZeroUsize};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{Invalid, Validate};

/// The whole collector file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectorConfig {
    /// Where to listen.
    #[serde(default)]
    pub listen: Listen,
    /// Where to store.
    #[serde(default)]
    pub storage: Storage,
    /// TLS material for the QUIC listener.
    #[serde(default)]
    pub tls: Tls,
    /// How long to keep data.
    #[serde(default)]
    pub retention: Retention,
    /// Ingest limits.
    #[serde(default)]
    pub ingest: Ingest,
    /// HTTP API limits.
    #[serde(default)]
    pub api: Api,
}

/// Listen addresses.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listen {
    /// UDP address of the QUIC listener for agents.
    #[serde(default = "default_quic")]
    pub quic: SocketAddr,
    /// TCP address of the HTTP API and dashboard.
    #[serde(default = "default_http")]
    pub http: SocketAddr,
}

impl Default for Listen {
    fn default() -> Self {
        Listen {
            quic: default_quic(),
            http: default_http(),
        }
    }
}

fn default_quic() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 4433))
}
fn default_http() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

/// Storage backend: SQLite in `data_dir` unless `database_url` names PostgreSQL.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storage {
    /// Directory of the embedded SQLite database (`collector.sqlite`), the CA and certificates.
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    /// `postgres://user@host/db` to store in PostgreSQL instead of SQLite.
    #[serde(default)]
    pub database_url: Option<Spanned<String>>,
    /// Connections in the database pool.
    #[serde(default = "default_pool")]
    pub max_connections: NonZeroU32,
}

impl Default for Storage {
    fn default() -> Self {
        Storage {
            data_dir: default_data_dir(),
            database_url: None,
            max_connections: default_pool(),
        }
    }
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("caudal-data")
}
fn default_pool() -> NonZeroU32 {
    NonZeroU32::new(8).unwrap_or(NonZeroU32::MIN)
}

/// TLS material; relative paths are under `storage.data_dir`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// CA certificate that signs agent and server certificates.
    #[serde(default = "default_ca_cert")]
    pub ca_cert: PathBuf,
    /// CA private key (needed by `enroll`).
    #[serde(default = "default_ca_key")]
    pub ca_key: PathBuf,
    /// Server certificate.
    #[serde(default = "default_server_cert")]
    pub server_cert: PathBuf,
    /// Server private key.
    #[serde(default = "default_server_key")]
    pub server_key: PathBuf,
}

impl Default for Tls {
    fn default() -> Self {
        Tls {
            ca_cert: default_ca_cert(),
            ca_key: default_ca_key(),
            server_cert: default_server_cert(),
            server_key: default_server_key(),
        }
    }
}

fn default_ca_cert() -> PathBuf {
    PathBuf::from("pki/ca.pem")
}
fn default_ca_key() -> PathBuf {
    PathBuf::from("pki/ca.key")
}
fn default_server_cert() -> PathBuf {
    PathBuf::from("pki/server.pem")
}
fn default_server_key() -> PathBuf {
    PathBuf::from("pki/server.key")
}

/// Retention of stored data.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// Days of raw readings kept; aggregates are kept forever. Absent: keep everything.
    #[serde(default)]
    pub raw_days: Option<NonZeroU32>,
}

/// Ingest limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ingest {
    /// Agent sessions served at once.
    #[serde(default = "default_max_sessions")]
    pub max_sessions: NonZeroUsize,
    /// Batches an agent may have unacknowledged.
    #[serde(default = "default_inflight")]
    pub max_inflight_batches: NonZeroU32,
    /// Largest batch accepted, in readings.
    #[serde(default = "default_batch")]
    pub max_batch_readings: NonZeroU32,
}

impl Default for Ingest {
    fn default() -> Self {
        Ingest {
            max_sessions: default_max_sessions(),
            max_inflight_batches: default_inflight(),
            max_batch_readings: default_batch(),
        }
    }
}

fn default_max_sessions() -> NonZeroUsize {
    NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN)
}
fn default_inflight() -> NonZeroU32 {
    NonZeroU32::new(8).unwrap_or(NonZeroU32::MIN)
}
fn default_batch() -> NonZeroU32 {
    NonZeroU32::new(caudal_protocol::MAX_BATCH_READINGS).unwrap_or(NonZeroU32::MIN)
}

/// HTTP API limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// Largest page of a series a client may ask for, in rows.
    #[serde(default = "default_max_page_rows")]
    pub max_page_rows: NonZeroU32,
    /// Largest CSV export, in rows; longer ranges must be split.
    #[serde(default = "default_max_export_rows")]
    pub max_export_rows: NonZeroU32,
    /// A request that takes longer is answered with 408.
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: NonZeroU64,
    /// Largest request body accepted.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: NonZeroUsize,
}

impl Default for Api {
    fn default() -> Self {
        Api {
            max_page_rows: default_max_page_rows(),
            max_export_rows: default_max_export_rows(),
            request_timeout_ms: default_request_timeout_ms(),
            max_body_bytes: default_max_body_bytes(),
        }
    }
}

fn default_max_page_rows() -> NonZeroU32 {
    NonZeroU32::new(10_000).unwrap_or(NonZeroU32::MIN)
}
fn default_max_export_rows() -> NonZeroU32 {
    NonZeroU32::new(1_000_000).unwrap_or(NonZeroU32::MIN)
}
fn default_request_timeout_ms() -> NonZeroU64 {
    NonZeroU64::new(30_000).unwrap_or(NonZeroU64::MIN)
}
fn default_max_body_bytes() -> NonZeroUsize {
    NonZeroUsize::new(1 << 20).unwrap_or(NonZeroUsize::MIN)
}

impl Validate for CollectorConfig {
    fn validate(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if let Some(url) = &self.storage.database_url {
            let u = url.get_ref();
            if !(u.starts_with("postgres://")
                || u.starts_with("postgresql://")
                || u.starts_with("sqlite:"))
            {
                out.push(Invalid::new(
                    url.span(),
                    "storage.database_url",
                    format!(
                        "`{u}` is not a database URL: use postgres://user@host/db or sqlite:PATH"
                    ),
                ));
            }
        }
        if self.ingest.max_batch_readings.get() > caudal_protocol::MAX_BATCH_READINGS {
            out.push(Invalid {
                span: None,
                path: "ingest.max_batch_readings".into(),
                message: format!(
                    "at most {} readings per batch",
                    caudal_protocol::MAX_BATCH_READINGS
                ),
            });
        }
        out
    }
}
