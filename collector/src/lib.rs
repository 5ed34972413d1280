//! `caudal-collector`: the edges and the wiring of the collector. It receives
//! readings from agents over QUIC, stores them through
//! `caudal-collector-store` (SQLite or PostgreSQL), and serves them over an
//! HTTP API; the rules live in `caudal-collector-domain`.
//!
//! Code map:
//! - [`cli`]: the command line, one file per command group.
//! - [`app`]: the store and every task under one shutdown token and task
//!   tracker, with the clock injected.
//! - [`api`]: axum routes under `/api/v1`, one file per resource, DTOs,
//!   OpenAPI document, error bodies.
//! - [`auth`]: API token generation.
//! - [`telemetry`]: every metric defined once; the `/metrics` writer.
//! - [`ingest`]: QUIC ingest of agent sessions; it calls
//!   [`caudal_collector_store::Store::write_batch`].
//! - [`pki`]: the CA, agent enrollment and revocation, the mTLS verifier.

pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod ingest;
pub mod notify;
pub mod pki;
pub mod telemetry;
