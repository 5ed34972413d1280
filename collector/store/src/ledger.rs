//! The SQL of the idempotency ledger of one `(agent, epoch)`. The format and
//! the pure plan (which seqs of a batch are fresh, how the ranges change) are
//! in [`caudal_collector_domain::series::ledger`]; these steps read the
//! ledger near a batch under the `(agent, epoch)` write lock and write the
//! plan back, inside the batch transaction (`$tx` is its identifier).
//!
//! Invariant: a reading is inserted only when the ledger, read under that
//! lock, says its seq is not stored, and the ledger is updated in the same
//! transaction.

use caudal_protocol::Seq;

use crate::StoreError;

/// A seq as stored. Seqs above `i64::MAX` are refused before any write
/// ([`crate::StoreError::SeqOutOfRange`]), so this never saturates in practice.
pub(crate) fn seq_to_db(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

/// A stored seq read back.
///
/// # Errors
/// [`StoreError::Corrupt`] for a negative value.
pub(crate) fn seq_from_db(table: &'static str, s: i64) -> Result<Seq, StoreError> {
    u64::try_from(s)
        .map(Seq)
        .map_err(|_| StoreError::corrupt(table, "seq", s))
}

/// Read the ledger around a batch: `(contiguous, nearby ranges)`. `$lock` is
/// appended to the `agent_epochs` select (`" FOR UPDATE"` on PostgreSQL).
macro_rules! load_ledger {
    ($tx:ident, $agent:expr, $epoch:expr, $seqs:expr, $lock:literal) => {{
        let (c,): (i64,) = sqlx::query_as(concat!(
            "SELECT contiguous_seq FROM agent_epochs WHERE agent = $1 AND epoch = $2",
            $lock
        ))
        .bind($agent)
        .bind($epoch)
        .fetch_one(&mut *$tx)
        .await?;
        let nearby: Vec<caudal_collector_domain::series::ledger::SeqRange> =
            match caudal_collector_domain::series::ledger::window($seqs) {
            Some((lo, hi)) => {
                let rows: Vec<(i64, i64)> = sqlx::query_as(
                    "SELECT first_seq, last_seq FROM seq_ranges \
                     WHERE agent = $1 AND epoch = $2 AND last_seq >= $3 AND first_seq <= $4 ORDER BY first_seq",
                )
                .bind($agent)
                .bind($epoch)
                .bind($crate::ledger::seq_to_db(lo))
                .bind($crate::ledger::seq_to_db(hi))
                .fetch_all(&mut *$tx)
                .await?;
                let mut nearby = Vec::with_capacity(rows.len());
                for (f, l) in rows {
                    nearby.push(caudal_collector_domain::series::ledger::SeqRange {
                        first: $crate::ledger::seq_from_db("seq_ranges", f)?.0,
                        last: $crate::ledger::seq_from_db("seq_ranges", l)?.0,
                    });
                }
                nearby
            }
            None => Vec::new(),
        };
        ($crate::ledger::seq_from_db("agent_epochs", c)?.0, nearby)
    }};
}

/// Write the ledger plan and the epoch's counters.
macro_rules! store_ledger {
    ($tx:ident, $agent:expr, $epoch:expr, $plan:expr, $now:expr) => {{
        for first in &$plan.delete {
            sqlx::query("DELETE FROM seq_ranges WHERE agent = $1 AND epoch = $2 AND first_seq = $3")
                .bind($agent)
                .bind($epoch)
                .bind($crate::ledger::seq_to_db(*first))
                .execute(&mut *$tx)
                .await?;
        }
        for r in &$plan.insert {
            sqlx::query("INSERT INTO seq_ranges (agent, epoch, first_seq, last_seq) VALUES ($1, $2, $3, $4)")
                .bind($agent)
                .bind($epoch)
                .bind($crate::ledger::seq_to_db(r.first))
                .bind($crate::ledger::seq_to_db(r.last))
                .execute(&mut *$tx)
                .await?;
        }
        sqlx::query(
            "UPDATE agent_epochs SET contiguous_seq = $3, readings = readings + $4, last_write_ms = $5 \
             WHERE agent = $1 AND epoch = $2",
        )
        .bind($agent)
        .bind($epoch)
        .bind($crate::ledger::seq_to_db($plan.contiguous))
        .bind(i64::try_from($plan.fresh.len()).unwrap_or(i64::MAX))
        .bind($now)
        .execute(&mut *$tx)
        .await?;
    }};
}
