//! QUIC ingest (next issue): the quinn server, handshake (`Hello` ->
//! [`crate::store::Store::upsert_agent_session`] -> `Welcome`), batches
//! ([`crate::store::Store::write_batch`] -> `Ack`), per-agent session metrics
//! and backpressure. Intentionally empty for now.
