//! Pacing of one sender's requests: at most one per interval, no bursts.
//!
//! The DGA asks senders to avoid bursts and "anomalous traffic" (Res. 2170
//! §6.1 and §7 as read by S1, \[I\]); S1 waits 1 s between POSTs and S2 2 s.
//! The default here is S1's 1 request per second. This is a token bucket of
//! capacity one: time spent idle never accumulates into a burst, so any
//! window of length `w` holds at most `⌈w / interval⌉` requests.
//!
//! Every request counts, receipts and SMA authentications included: the
//! limit is per sender (per regulator), not per slot.

use crate::UtcMillis;

/// A pacing state. Keep one per sender; it is pure state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    interval_ms: i64,
    last: Option<UtcMillis>,
}

/// The default interval: one second (S1).
pub const DEFAULT_INTERVAL_MS: std::num::NonZeroU32 = match std::num::NonZeroU32::new(1000) {
    Some(n) => n,
    None => std::num::NonZeroU32::MIN,
};

impl Default for RateLimit {
    /// One request per second.
    fn default() -> RateLimit {
        RateLimit::new(DEFAULT_INTERVAL_MS)
    }
}

impl RateLimit {
    /// At most one request per `interval_ms`.
    #[must_use]
    pub fn new(interval_ms: std::num::NonZeroU32) -> RateLimit {
        RateLimit {
            interval_ms: i64::from(interval_ms.get()),
            last: None,
        }
    }

    /// The interval, ms.
    #[must_use]
    pub fn interval_ms(&self) -> i64 {
        self.interval_ms
    }

    /// The earliest instant at or after `now` when a request may start.
    #[must_use]
    pub fn next_allowed(&self, now: UtcMillis) -> UtcMillis {
        match self.last {
            Some(last) => std::cmp::max(now, UtcMillis(last.0.saturating_add(self.interval_ms))),
            None => now,
        }
    }

    /// Take the permit for a request starting at `now`, or say when one can
    /// be had. A clock that steps back cannot shorten the interval: the next
    /// permit is always at least one interval after the previous one.
    ///
    /// # Errors
    /// The instant to wait for.
    pub fn acquire(&mut self, now: UtcMillis) -> Result<(), UtcMillis> {
        let next = self.next_allowed(now);
        if next > now {
            return Err(next);
        }
        self.last = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_per_second_by_default() {
        let mut r = RateLimit::default();
        assert_eq!(r.interval_ms(), 1000);
        assert_eq!(r.acquire(UtcMillis(10_000)), Ok(()));
        assert_eq!(r.acquire(UtcMillis(10_999)), Err(UtcMillis(11_000)));
        assert_eq!(r.acquire(UtcMillis(11_000)), Ok(()));
        // A long idle spell does not bank permits.
        assert_eq!(r.acquire(UtcMillis(60_000)), Ok(()));
        assert_eq!(r.acquire(UtcMillis(60_001)), Err(UtcMillis(61_000)));
    }

    #[test]
    fn a_clock_stepping_back_does_not_shorten_the_interval() {
        let mut r = RateLimit::default();
        r.acquire(UtcMillis(50_000)).unwrap();
        assert_eq!(r.acquire(UtcMillis(40_000)), Err(UtcMillis(51_000)));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever times a sender tries at (in order), the permits it gets
        /// are at least one interval apart, so no window of `w` ms holds
        /// more than ⌈w / interval⌉ of them, and every permit is granted at
        /// the instant `next_allowed` promised.
        #[test]
        fn the_filer_never_exceeds_its_rate(
            interval in 1u32..5_000,
            steps in proptest::collection::vec(0i64..3_000, 1..300),
            window in 1i64..20_000,
        ) {
            let mut r = RateLimit::new(std::num::NonZeroU32::new(interval).unwrap());
            let mut now = 1_000_000i64;
            let mut granted = Vec::new();
            for step in steps {
                now += step;
                let promised = r.next_allowed(UtcMillis(now));
                match r.acquire(UtcMillis(now)) {
                    Ok(()) => {
                        prop_assert_eq!(promised, UtcMillis(now));
                        granted.push(now);
                    }
                    Err(at) => {
                        prop_assert_eq!(at, promised);
                        prop_assert!(at.0 > now);
                        // A well-behaved sender waits and takes it then.
                        now = at.0;
                        prop_assert_eq!(r.acquire(at), Ok(()));
                        granted.push(now);
                    }
                }
            }
            let interval = i64::from(interval);
            for pair in granted.windows(2) {
                prop_assert!(pair[1] - pair[0] >= interval);
            }
            let max_in_window = (window + interval - 1) / interval;
            for (i, start) in granted.iter().enumerate() {
                let n = granted[i..].iter().take_while(|t| **t < start + window).count();
                prop_assert!(i64::try_from(n).unwrap() <= max_in_window);
            }
        }
    }
}
