//! The one retry toolkit of the workspace: exponential backoff with full jitter (delay drawn
//! uniformly from `[0, min(cap, base·2^n)]`), bounded by the time left before the caller's
//! deadline and by an attempt budget. OpenSearch delivery, CloudWatch metric requests and the
//! subscriber's CloudWatch Logs calls all retry with it, each with its own [`BackoffPolicy`].
//! Deterministic under a seed, so tests can assert exact delays.

use std::time::Duration;

/// Default first backoff ceiling.
pub const DEFAULT_BASE: Duration = Duration::from_millis(50);
/// Default largest backoff ceiling.
pub const DEFAULT_CAP: Duration = Duration::from_secs(5);
/// Default attempts per item before it is dead-lettered (the first send included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;
/// Default time an attempt needs at least: no retry is started with less left.
pub const DEFAULT_MIN_ATTEMPT_TIME: Duration = Duration::from_millis(100);

/// Backoff parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackoffPolicy {
    /// Ceiling of the first retry's delay.
    pub base: Duration,
    /// Largest ceiling.
    pub cap: Duration,
    /// Attempts per item (first send included) before giving up.
    pub max_attempts: u32,
    /// Least time an attempt needs; a retry that cannot start with this much left is not made.
    pub min_attempt_time: Duration,
}

impl Default for BackoffPolicy {
    fn default() -> Self {
        BackoffPolicy {
            base: DEFAULT_BASE,
            cap: DEFAULT_CAP,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            min_attempt_time: DEFAULT_MIN_ATTEMPT_TIME,
        }
    }
}

/// Why no further retry is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRetry {
    /// The attempt budget is spent.
    Budget,
    /// Not enough time is left before the deadline.
    Deadline,
}

/// A backoff sequence (splitmix64 random numbers).
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    state: u64,
}

impl Backoff {
    /// A sequence with a fixed seed (tests, reproducible runs).
    pub fn with_seed(policy: BackoffPolicy, seed: u64) -> Self {
        Backoff {
            policy,
            state: seed,
        }
    }

    /// A sequence seeded from the process's random hash keys.
    pub fn from_entropy(policy: BackoffPolicy) -> Self {
        use std::hash::{BuildHasher, Hasher};
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        Backoff::with_seed(policy, seed)
    }

    /// The policy.
    pub fn policy(&self) -> &BackoffPolicy {
        &self.policy
    }

    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The delay ceiling before retry number `retry` (1 for the first retry): `base·2^(retry-1)`,
    /// at most `cap`.
    pub fn ceiling(&self, retry: u32) -> Duration {
        let shift = retry.saturating_sub(1).min(30);
        self.policy
            .base
            .saturating_mul(1u32 << shift)
            .min(self.policy.cap)
    }

    /// A delay uniform in `[0, ceiling(retry)]`, with no budget or deadline applied (a pause
    /// between rounds that are not attempts of one call).
    pub fn jitter(&mut self, retry: u32) -> Duration {
        let nanos = u64::try_from(self.ceiling(retry).as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(self.next_u64() % nanos.saturating_add(1))
    }

    /// The delay before the next attempt of an item that has failed `attempts` times, when
    /// `remaining` is left before the deadline: uniform in `[0, min(ceiling, remaining −
    /// min_attempt_time)]`, or why no retry is made.
    pub fn delay(&mut self, attempts: u32, remaining: Duration) -> Result<Duration, NoRetry> {
        if attempts >= self.policy.max_attempts {
            return Err(NoRetry::Budget);
        }
        let Some(room) = remaining.checked_sub(self.policy.min_attempt_time) else {
            return Err(NoRetry::Deadline);
        };
        let ceiling = self.ceiling(attempts).min(room);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Ok(Duration::ZERO);
        }
        Ok(Duration::from_nanos(self.next_u64() % (nanos + 1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOTS: Duration = Duration::from_secs(3600);

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let b = Backoff::with_seed(BackoffPolicy::default(), 1);
        let ms: Vec<u128> = (1..=9).map(|n| b.ceiling(n).as_millis()).collect();
        assert_eq!(ms, [50, 100, 200, 400, 800, 1600, 3200, 5000, 5000]);
        assert_eq!(b.ceiling(1000), DEFAULT_CAP);
    }

    #[test]
    fn delays_are_jittered_within_the_ceiling() {
        let mut b = Backoff::with_seed(BackoffPolicy::default(), 7);
        let delays: Vec<Duration> = (0..200).map(|_| b.delay(3, LOTS).unwrap()).collect();
        assert!(delays.iter().all(|d| *d <= Duration::from_millis(200)));
        let distinct: std::collections::BTreeSet<_> = delays.iter().collect();
        assert!(distinct.len() > 150, "full jitter spreads delays");
        assert!(delays.iter().any(|d| *d < Duration::from_millis(50)));
        assert!(delays.iter().any(|d| *d > Duration::from_millis(150)));
    }

    #[test]
    fn same_seed_same_delays() {
        let mut a = Backoff::with_seed(BackoffPolicy::default(), 42);
        let mut b = Backoff::with_seed(BackoffPolicy::default(), 42);
        for n in 1..8 {
            assert_eq!(a.delay(n, LOTS), b.delay(n, LOTS));
        }
        let mut c = Backoff::with_seed(BackoffPolicy::default(), 43);
        let mut a = Backoff::with_seed(BackoffPolicy::default(), 42);
        assert_ne!(
            (1..8).map(|n| a.delay(n, LOTS)).collect::<Vec<_>>(),
            (1..8).map(|n| c.delay(n, LOTS)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_pause_is_jittered_within_the_ceiling_without_budget_or_deadline() {
        let mut b = Backoff::with_seed(
            BackoffPolicy {
                max_attempts: 1,
                ..BackoffPolicy::default()
            },
            3,
        );
        let pauses: Vec<Duration> = (0..100).map(|_| b.jitter(3)).collect();
        assert!(pauses.iter().all(|d| *d <= Duration::from_millis(200)));
        assert!(pauses.iter().any(|d| *d > Duration::from_millis(100)));
    }

    #[test]
    fn budget_is_enforced() {
        let mut b = Backoff::with_seed(
            BackoffPolicy {
                max_attempts: 3,
                ..BackoffPolicy::default()
            },
            1,
        );
        assert!(b.delay(2, LOTS).is_ok());
        assert_eq!(b.delay(3, LOTS), Err(NoRetry::Budget));
    }

    #[test]
    fn deadline_bounds_the_delay_and_stops_retries() {
        let mut b = Backoff::with_seed(BackoffPolicy::default(), 9);
        for _ in 0..100 {
            let d = b.delay(8, Duration::from_millis(130)).unwrap();
            assert!(d <= Duration::from_millis(30));
        }
        assert_eq!(
            b.delay(1, Duration::from_millis(99)),
            Err(NoRetry::Deadline)
        );
        assert_eq!(b.delay(1, Duration::from_millis(100)), Ok(Duration::ZERO));
    }
}
