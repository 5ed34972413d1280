//! Agents: the facts of each session's hello, the resume point of an
//! `(agent, epoch)`, and every agent's sync state.

use caudal_collector_domain::agents::{AgentState, SessionFacts};
use caudal_protocol::{Epoch, Seq, UtcMillis};

use crate::codec::{epoch_from_db, epoch_to_db};
use crate::ledger::seq_from_db;
use crate::{Store, StoreError};

impl Store {
    /// Record a session hello: the agent's facts and current epoch. Returns the
    /// resume point: the highest contiguous seq stored for `(agent_id, epoch)`, 0 if none.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn upsert_agent_session(
        &self,
        agent_id: &str,
        epoch: Epoch,
        facts: &SessionFacts,
    ) -> Result<Seq, StoreError> {
        let e = epoch_to_db(epoch);
        let digest = hex::encode(facts.config_digest);
        let now = facts.seen_at.0;
        let contiguous: i64 = on_writer!(self, pool => {
            let mut tx = pool.begin().await?;
            let (key,): (i64,) = sqlx::query_as(
                "INSERT INTO agents (agent_id, epoch, software, config_digest, clock_skew_ms, first_seen_ms, last_seen_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) \
                 ON CONFLICT (agent_id) DO UPDATE SET epoch = excluded.epoch, software = excluded.software, \
                 config_digest = excluded.config_digest, clock_skew_ms = excluded.clock_skew_ms, last_seen_ms = excluded.last_seen_ms \
                 RETURNING id",
            )
            .bind(agent_id).bind(e).bind(&facts.software).bind(&digest).bind(facts.clock_skew_ms).bind(now)
            .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO agent_epochs (agent, epoch, first_seen_ms) VALUES ($1, $2, $3) ON CONFLICT (agent, epoch) DO NOTHING")
                .bind(key).bind(e).bind(now).execute(&mut *tx).await?;
            let (c,): (i64,) = sqlx::query_as("SELECT contiguous_seq FROM agent_epochs WHERE agent = $1 AND epoch = $2")
                .bind(key).bind(e).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            c
        });
        crate::ledger::seq_from_db("agent_epochs", contiguous)
    }

    /// The highest contiguous seq stored for `(agent_id, epoch)`, 0 if none.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn resume_point(&self, agent_id: &str, epoch: Epoch) -> Result<Seq, StoreError> {
        let row: Option<(i64,)> = on_writer!(self, pool => sqlx::query_as(
            "SELECT e.contiguous_seq FROM agent_epochs e JOIN agents a ON a.id = e.agent WHERE a.agent_id = $1 AND e.epoch = $2",
        ).bind(agent_id).bind(epoch_to_db(epoch)).fetch_optional(pool).await)?;
        crate::ledger::seq_from_db("agent_epochs", row.map_or(0, |r| r.0))
    }

    /// Every agent with its sync state, by identity.
    ///
    /// # Errors
    /// [`StoreError::Db`].
    pub async fn agents(&self) -> Result<Vec<AgentState>, StoreError> {
        type Row = (
            String,
            Option<i64>,
            Option<i64>,
            Option<i64>,
            i64,
            Option<i64>,
            i64,
            Option<i64>,
            Option<String>,
        );
        let rows: Vec<Row> = on_pool!(self, pool => sqlx::query_as(
            "SELECT a.agent_id, a.epoch, e.contiguous_seq, \
             (SELECT MAX(r.last_seq) FROM seq_ranges r WHERE r.agent = a.id AND r.epoch = a.epoch), \
             (SELECT COUNT(*) FROM seq_ranges r WHERE r.agent = a.id AND r.epoch = a.epoch), \
             e.readings, a.last_seen_ms, a.clock_skew_ms, a.software \
             FROM agents a LEFT JOIN agent_epochs e ON e.agent = a.id AND e.epoch = a.epoch ORDER BY a.agent_id",
        ).fetch_all(pool).await)?;
        rows.into_iter()
            .map(
                |(
                    agent_id,
                    epoch,
                    contiguous,
                    highest,
                    pending,
                    readings,
                    last_seen,
                    skew,
                    software,
                )| {
                    let contiguous = contiguous.unwrap_or(0);
                    let highest = std::cmp::max(contiguous, highest.unwrap_or(0));
                    Ok(AgentState {
                        agent_id,
                        epoch: epoch.map(epoch_from_db),
                        contiguous_seq: seq_from_db("agent_epochs", contiguous)?,
                        highest_seq: seq_from_db("seq_ranges", highest)?,
                        pending_ranges: pending,
                        readings: readings.unwrap_or(0),
                        last_seen: UtcMillis(last_seen),
                        clock_skew_ms: skew,
                        software,
                    })
                },
            )
            .collect::<Result<_, _>>()
            .inspect_err(|e| self.stats().note(e))
    }
}
