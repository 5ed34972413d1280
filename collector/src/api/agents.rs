//! `/api/v1/agents`: agents and their sync state.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::{Authorized, ReadAgents};
use super::error::{ApiError, ErrorBody};
use super::{AppState, rfc3339};
use caudal_collector_domain::agents::AgentState;

/// An agent and its sync state.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentDto {
    /// Identity (certificate subject).
    pub agent_id: String,
    /// Epoch of its latest session, as a decimal string (u64).
    pub epoch: Option<String>,
    /// Highest contiguous seq stored for that epoch (what the agent resumes after).
    pub contiguous_seq: u64,
    /// Highest seq stored for that epoch.
    pub highest_seq: u64,
    /// Stored ranges beyond the contiguous prefix (gaps not yet filled).
    pub pending_ranges: i64,
    /// Readings stored for that epoch.
    pub readings: i64,
    /// RFC 3339 time of the last hello or batch.
    pub last_seen: String,
    /// Agent clock minus collector clock at the last hello, in ms.
    pub clock_skew_ms: Option<i64>,
    /// Software at the last hello.
    pub software: Option<String>,
}

impl From<AgentState> for AgentDto {
    fn from(a: AgentState) -> AgentDto {
        AgentDto {
            agent_id: a.agent_id,
            epoch: a.epoch.map(|e| e.0.to_string()),
            contiguous_seq: a.contiguous_seq.0,
            highest_seq: a.highest_seq.0,
            pending_ranges: a.pending_ranges,
            readings: a.readings,
            last_seen: rfc3339(a.last_seen),
            clock_skew_ms: a.clock_skew_ms,
            software: a.software,
        }
    }
}

/// Every agent with its sync state.
#[utoipa::path(get, path = "/agents", tag = "agents",
    security(("token" = ["read_agents"])),
    responses((status = 200, body = [AgentDto]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_agents(
    _auth: Authorized<ReadAgents>,
    State(s): State<AppState>,
) -> Result<Json<Vec<AgentDto>>, ApiError> {
    Ok(Json(
        s.store
            .agents()
            .await?
            .into_iter()
            .map(AgentDto::from)
            .collect(),
    ))
}
