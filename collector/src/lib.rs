//! `caudal-collector`: receives readings from agents, stores them (SQLite or
//! PostgreSQL), keeps aggregates and serves them over an HTTP API.
//!
//! Code map:
//! - [`store`]: the storage interface and its two backends; idempotent batch
//!   writes, aggregates, reads. Invariant: a seq is acknowledged only after the
//!   transaction that stored it committed.
//! - [`api`]: axum routes under `/api/v1`, OpenAPI document, error bodies.
//! - [`auth`]: roles, permissions and API tokens (pure).
//! - [`telemetry`]: metric names and counters.
//! - [`ingest`]: QUIC ingest of agent sessions; it calls [`store::Store::write_batch`].
//! - [`pki`]: the CA, agent enrollment and revocation, the mTLS verifier.

pub mod api;
pub mod auth;
pub mod ingest;
pub mod notify;
pub mod pki;
pub mod store;
pub mod telemetry;
