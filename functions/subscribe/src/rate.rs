//! Client-side rate limit for CloudWatch Logs control-plane calls (default 5 requests/s, the
//! order of the per-account TPS quotas of DescribeSubscriptionFilters and PutSubscriptionFilter):
//! a backfill over thousands of groups must not throttle every other tool in the account.
//!
//! Requests are spaced evenly: each `acquire` reserves the next free slot `1/rate` after the
//! previous one and sleeps until it.

use std::time::Duration;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// Evenly spaced request slots.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limiter for `per_second` requests per second (at least 1).
    pub fn per_second(per_second: u32) -> Self {
        RateLimiter {
            interval: Duration::from_secs(1) / per_second.max(1),
            next_slot: Mutex::new(None),
        }
    }

    /// The spacing between two requests.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Waits for this request's slot.
    pub async fn acquire(&self) {
        let slot = {
            let mut next = self.next_slot.lock().await;
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn five_per_second_spaces_requests_200ms_apart() {
        let limiter = RateLimiter::per_second(5);
        let start = Instant::now();
        for _ in 0..6 {
            limiter.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_is_not_banked_as_a_burst() {
        let limiter = RateLimiter::per_second(10);
        limiter.acquire().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = Instant::now();
        limiter.acquire().await;
        limiter.acquire().await;
        assert_eq!(start.elapsed(), Duration::from_millis(100));
    }

    #[test]
    fn zero_rate_is_treated_as_one_per_second() {
        assert_eq!(
            RateLimiter::per_second(0).interval(),
            Duration::from_secs(1)
        );
    }
}
