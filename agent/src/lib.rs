//! `caudal-agent`: Modbus acquisition, pulse-to-m³ processing and a durable outbox.
//!
//! Data path (DESIGN.md): `acquire` (Modbus TCP/RTU polling, poll groups,
//! timeouts, backoff) → `decode` (registers to raw values) → `process`
//! (counters, flow, range and consistency rules; sans-IO) → `outbox`
//! (SQLite, group commit, gap-free seq). `pipeline` wires them together
//! under one shutdown tree; `metrics` serves Prometheus text; `cli` is the
//! command line.

pub mod acquire;
pub mod cli;
pub mod decode;
pub mod metrics;
pub mod outbox;
pub mod pipeline;
pub mod process;
pub mod spec;
pub mod sync;
pub mod telemetry;
