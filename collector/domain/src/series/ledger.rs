//! The idempotency ledger of one `(agent, epoch)`: which seqs are stored.
//!
//! # Format
//!
//! `agent_epochs.contiguous_seq = c` says every seq `1..=c` is stored.
//! `seq_ranges` holds the other stored seqs as inclusive ranges that are
//! disjoint, not adjacent to each other and all start above `c + 1` (a range
//! starting at `c + 1` is folded into `c` at once).
//!
//! Invariant: a reading is inserted into `readings` only when the ledger,
//! read under the `(agent, epoch)` write lock, says its seq is not stored, and
//! the ledger is updated in the same transaction. This is what makes
//! `(agent, epoch, seq)` unique, on both backends: PostgreSQL cannot put a
//! unique index on `(agent, epoch, seq)` of a table partitioned by time, and the
//! ledger also yields the highest contiguous seq without scanning readings.
//!
//! [`plan`] is the pure part: given the ledger near a batch and the batch's
//! seqs, it decides which readings are fresh and how the ledger changes.

/// An inclusive range of stored seqs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SeqRange {
    /// First seq.
    pub first: u64,
    /// Last seq.
    pub last: u64,
}

/// What a batch does to the ledger.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    /// Indices (into the batch) of readings to insert, first occurrence of each new seq.
    pub fresh: Vec<usize>,
    /// Ranges to delete (by `first`).
    pub delete: Vec<u64>,
    /// Ranges to insert.
    pub insert: Vec<SeqRange>,
    /// The new highest contiguous seq.
    pub contiguous: u64,
}

impl Plan {
    /// True when the ledger changes.
    pub fn changes(&self, old_contiguous: u64) -> bool {
        !self.fresh.is_empty() || !self.delete.is_empty() || self.contiguous != old_contiguous
    }
}

/// The ledger window a batch needs: ranges overlapping `[lo, hi]` (seqs of the batch ± 1).
pub fn window(seqs: &[u64]) -> Option<(u64, u64)> {
    let lo = seqs.iter().copied().min()?;
    let hi = seqs.iter().copied().max()?;
    Some((lo.saturating_sub(1), hi.saturating_add(1)))
}

/// Decide which seqs of a batch are new and the ledger after storing them.
///
/// `nearby` must hold every stored range overlapping [`window`] of `seqs`.
pub fn plan(contiguous: u64, nearby: &[SeqRange], seqs: &[u64]) -> Plan {
    let stored = |s: u64| s <= contiguous || nearby.iter().any(|r| r.first <= s && s <= r.last);
    let mut seen = std::collections::HashSet::with_capacity(seqs.len());
    let mut fresh = Vec::new();
    let mut fresh_seqs = Vec::new();
    for (i, &s) in seqs.iter().enumerate() {
        if s != 0 && !stored(s) && seen.insert(s) {
            fresh.push(i);
            fresh_seqs.push(s);
        }
    }
    fresh_seqs.sort_unstable();
    let mut all: Vec<SeqRange> = nearby.to_vec();
    all.extend(fresh_seqs.iter().map(|&s| SeqRange { first: s, last: s }));
    all.sort_unstable();
    let mut merged: Vec<SeqRange> = Vec::new();
    for r in all {
        match merged.last_mut() {
            Some(m) if r.first <= m.last.saturating_add(1) => {
                m.last = std::cmp::max(m.last, r.last)
            }
            _ => merged.push(r),
        }
    }
    let mut contiguous = contiguous;
    if let Some(first) = merged.first()
        && first.first <= contiguous.saturating_add(1)
    {
        contiguous = std::cmp::max(contiguous, first.last);
        merged.remove(0);
    }
    let delete = nearby
        .iter()
        .filter(|r| !merged.contains(r))
        .map(|r| r.first)
        .collect();
    let insert = merged.into_iter().filter(|r| !nearby.contains(r)).collect();
    Plan {
        fresh,
        delete,
        insert,
        contiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(first: u64, last: u64) -> SeqRange {
        SeqRange { first, last }
    }

    fn check(contiguous: u64, nearby: &[SeqRange], seqs: &[u64], expected: Plan) {
        assert_eq!(
            plan(contiguous, nearby, seqs),
            expected,
            "c={contiguous} nearby={nearby:?} seqs={seqs:?}"
        );
    }

    #[test]
    fn plans() {
        // In order from the start.
        check(
            0,
            &[],
            &[1, 2, 3],
            Plan {
                fresh: vec![0, 1, 2],
                delete: vec![],
                insert: vec![],
                contiguous: 3,
            },
        );
        // Full replay.
        check(
            3,
            &[],
            &[1, 2, 3],
            Plan {
                fresh: vec![],
                delete: vec![],
                insert: vec![],
                contiguous: 3,
            },
        );
        // Overlap.
        check(
            3,
            &[],
            &[2, 3, 4, 5],
            Plan {
                fresh: vec![2, 3],
                delete: vec![],
                insert: vec![],
                contiguous: 5,
            },
        );
        // Gap: stored as a range.
        check(
            3,
            &[],
            &[7, 8],
            Plan {
                fresh: vec![0, 1],
                delete: vec![],
                insert: vec![r(7, 8)],
                contiguous: 3,
            },
        );
        // Gap filled: range folds into contiguous.
        check(
            3,
            &[r(7, 8)],
            &[4, 5, 6],
            Plan {
                fresh: vec![0, 1, 2],
                delete: vec![7],
                insert: vec![],
                contiguous: 8,
            },
        );
        // Partial fill joins the range.
        check(
            3,
            &[r(7, 8)],
            &[5, 6],
            Plan {
                fresh: vec![0, 1],
                delete: vec![7],
                insert: vec![r(5, 8)],
                contiguous: 3,
            },
        );
        // Bridge two ranges.
        check(
            0,
            &[r(2, 3), r(5, 6)],
            &[4],
            Plan {
                fresh: vec![0],
                delete: vec![2, 5],
                insert: vec![r(2, 6)],
                contiguous: 0,
            },
        );
        // Duplicate seq inside one batch and seq 0 are ignored.
        check(
            0,
            &[],
            &[0, 1, 1, 2],
            Plan {
                fresh: vec![1, 3],
                delete: vec![],
                insert: vec![],
                contiguous: 2,
            },
        );
        // Replay of a range is a no-op.
        check(
            3,
            &[r(7, 8)],
            &[7, 8],
            Plan {
                fresh: vec![],
                delete: vec![],
                insert: vec![],
                contiguous: 3,
            },
        );
        // Unordered batch.
        check(
            0,
            &[],
            &[3, 1, 2],
            Plan {
                fresh: vec![0, 1, 2],
                delete: vec![],
                insert: vec![],
                contiguous: 3,
            },
        );
    }

    #[test]
    fn window_pads_by_one() {
        assert_eq!(window(&[]), None);
        assert_eq!(window(&[5, 3, 9]), Some((2, 10)));
    }
}
