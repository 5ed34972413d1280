//! Test helpers shared by every crate's tests. A dev-dependency only: nothing
//! here ships in a program.
//!
//! - [`eventually`] / [`eventually_async`]: wait, bounded, for a condition,
//!   instead of sleeping "long enough". The failure names what was awaited
//!   and adds the caller's context (for example the logs of the program under
//!   test).

use std::future::Future;
use std::time::Duration;

/// How often a condition is re-checked.
pub const POLL: Duration = Duration::from_millis(25);

/// Wait until `cond()` holds, checking every [`POLL`], for at most `limit`.
///
/// # Panics
/// When `limit` passes first: the message names `what` and appends
/// `context()` (called only then).
pub async fn eventually<C: std::fmt::Display>(
    what: &str,
    limit: Duration,
    mut cond: impl FnMut() -> bool,
    context: impl FnOnce() -> C,
) {
    let end = tokio::time::Instant::now() + limit;
    while !cond() {
        if tokio::time::Instant::now() >= end {
            panic!(
                "timed out after {limit:?} waiting for: {what}\n{}",
                context()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Like [`eventually`], for a condition that must await (an HTTP call, a
/// query). Returns the value the condition produced.
///
/// # Panics
/// When `limit` passes first, as [`eventually`].
pub async fn eventually_async<T, C: std::fmt::Display, F: Future<Output = Option<T>>>(
    what: &str,
    limit: Duration,
    mut cond: impl FnMut() -> F,
    context: impl FnOnce() -> C,
) -> T {
    let end = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = cond().await {
            return v;
        }
        if tokio::time::Instant::now() >= end {
            panic!(
                "timed out after {limit:?} waiting for: {what}\n{}",
                context()
            );
        }
        tokio::time::sleep(POLL).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test(start_paused = true)]
    async fn returns_once_the_condition_holds() {
        let n = AtomicU32::new(0);
        eventually(
            "three checks",
            Duration::from_secs(1),
            || n.fetch_add(1, Ordering::Relaxed) >= 3,
            || "",
        )
        .await;
        assert_eq!(n.load(Ordering::Relaxed), 4);
        let v = eventually_async(
            "a value",
            Duration::from_secs(1),
            || async { Some(7) },
            || "",
        )
        .await;
        assert_eq!(v, 7);
    }

    #[tokio::test(start_paused = true)]
    #[should_panic(expected = "waiting for: never\nlogs: nothing")]
    async fn names_what_it_waited_for_and_the_context() {
        eventually(
            "never",
            Duration::from_secs(1),
            || false,
            || "logs: nothing",
        )
        .await;
    }
}
