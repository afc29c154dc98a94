//! When and how long to wait before trying a request again.
//!
//! A request is tried again only when its error [is retryable](crate::Error::is_retryable)
//! (transport errors, 5xx, 429, `RequestTimeout`) and its body can be sent again (bytes or a
//! file; a stream or reader body is sent once). A request that is not idempotent
//! (`AppendObject`, `CompleteMultipartUpload`) is tried again only when it provably never
//! reached the server: the connection could not be made. A client's
//! [`operation_timeout`](crate::bucket::BucketBuilder::operation_timeout) bounds the
//! attempts and the waits together. Waits use full-jitter exponential backoff:
//! before attempt `n + 1` the SDK sleeps a uniformly random time in
//! `[0, min(max_delay, base_delay · 2^(n-1))]`.
//!
//! ```
//! use std::time::Duration;
//! use osskit::RetryPolicy;
//! let p = RetryPolicy::default();
//! assert_eq!(p.max_attempts, 3);
//! assert_eq!(p.base_delay, Duration::from_millis(200));
//! assert!(p.backoff(1, &mut rand::thread_rng()) <= Duration::from_millis(200));
//! assert_eq!(RetryPolicy::none().max_attempts, 1);
//! ```

use std::time::Duration;

use rand::Rng;

/// Retry settings of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Total number of attempts, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Cap of the first wait.
    pub base_delay: Duration,
    /// Cap of every wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
        }
    }
}

impl RetryPolicy {
    /// Send every request once.
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// A policy with `max_attempts` attempts and the default delays.
    pub fn with_max_attempts(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..RetryPolicy::default()
        }
    }

    /// The same policy with `base_delay` as the cap of the first wait.
    pub fn base_delay(mut self, base_delay: Duration) -> Self {
        self.base_delay = base_delay;
        self
    }

    /// The same policy with `max_delay` as the cap of every wait.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.max_delay = max_delay;
        self
    }

    /// The upper bound of the wait after failed attempt `attempt` (1-based):
    /// `min(max_delay, base_delay · 2^(attempt-1))`.
    pub fn backoff_cap(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(31);
        let factor = 1u32 << shift;
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// The wait after failed attempt `attempt` (1-based): uniform in `[0, backoff_cap]`,
    /// drawn from `rng` (full jitter).
    pub fn backoff<R: Rng + ?Sized>(&self, attempt: u32, rng: &mut R) -> Duration {
        let cap = self.backoff_cap(attempt);
        let nanos = u64::try_from(cap.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rng.gen_range(0..=nanos))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::mock::StepRng;
    use rand::SeedableRng;

    #[test]
    fn caps_grow_exponentially_and_saturate() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_cap(1), Duration::from_millis(200));
        assert_eq!(p.backoff_cap(2), Duration::from_millis(400));
        assert_eq!(p.backoff_cap(3), Duration::from_millis(800));
        assert_eq!(p.backoff_cap(8), Duration::from_millis(20_000));
        assert_eq!(p.backoff_cap(40), Duration::from_secs(20));
        assert_eq!(p.backoff_cap(u32::MAX), Duration::from_secs(20));
    }

    #[test]
    fn jitter_stays_within_bounds() {
        let p = RetryPolicy::default();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for attempt in 1..12 {
            let cap = p.backoff_cap(attempt);
            let mut seen_low = false;
            for _ in 0..200 {
                let d = p.backoff(attempt, &mut rng);
                assert!(d <= cap, "{d:?} > {cap:?}");
                seen_low |= d < cap / 2;
            }
            assert!(
                seen_low,
                "full jitter should reach the lower half of [0, {cap:?}]"
            );
        }
    }

    #[test]
    fn zero_draw_gives_no_wait() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(2, &mut StepRng::new(0, 0)), Duration::ZERO);
    }

    #[test]
    fn none_and_with_max_attempts() {
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::with_max_attempts(0).max_attempts, 1);
        assert_eq!(RetryPolicy::with_max_attempts(5).max_attempts, 5);
    }
}
