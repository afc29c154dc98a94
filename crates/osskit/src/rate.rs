//! A shared bandwidth limit: every byte sent or received by the clients of a
//! [`Session`](crate::Session) built with
//! [`SessionBuilder::bandwidth_limit`](crate::SessionBuilder::bandwidth_limit) waits for its
//! turn, so that all their transfers together stay at the configured rate on average.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;
use tokio::time::Instant;

/// Bytes that may go at once after an idle moment: a quarter of a second's worth.
const BURST_SECS: f64 = 0.25;

/// A rate of bytes per second shared by every transfer that holds it: each chunk is
/// delayed until the time the bytes before it need at that rate (a virtual clock that
/// never lags the real one by more than a short burst).
#[derive(Debug)]
pub(crate) struct RateLimiter {
    bytes_per_sec: u64,
    /// When the next byte may go.
    next: Mutex<Option<Instant>>,
}

impl RateLimiter {
    /// A limit of `bytes_per_sec` (at least 1).
    pub(crate) fn new(bytes_per_sec: u64) -> Arc<RateLimiter> {
        Arc::new(RateLimiter {
            bytes_per_sec: bytes_per_sec.max(1),
            next: Mutex::new(None),
        })
    }

    /// The configured rate.
    pub(crate) fn bytes_per_sec(&self) -> u64 {
        self.bytes_per_sec
    }

    /// How long the caller must wait before sending `len` bytes (the bytes are counted as
    /// sent from then on).
    fn reserve(&self, len: usize) -> Duration {
        let now = Instant::now();
        let cost = Duration::from_secs_f64(len as f64 / self.bytes_per_sec as f64);
        let burst = Duration::from_secs_f64(BURST_SECS);
        let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
        // An idle limiter does not save up more than a short burst.
        let start = match *next {
            Some(t) if t + burst > now => t,
            _ => now.checked_sub(burst).unwrap_or(now),
        };
        let at = start + cost;
        *next = Some(at);
        at.saturating_duration_since(now)
    }

    /// Waits until `len` more bytes may go.
    pub(crate) async fn acquire(&self, len: usize) {
        let wait = self.reserve(len);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// `stream` with each chunk held back by `limiter`.
pub(crate) fn throttle<E: Send + 'static>(
    stream: BoxStream<'static, std::result::Result<Bytes, E>>,
    limiter: Arc<RateLimiter>,
) -> BoxStream<'static, std::result::Result<Bytes, E>> {
    stream
        .then(move |item| {
            let limiter = limiter.clone();
            async move {
                if let Ok(chunk) = &item {
                    limiter.acquire(chunk.len()).await;
                }
                item
            }
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_follow_the_rate() {
        let limiter = RateLimiter::new(1000);
        let start = std::time::Instant::now();
        // The first quarter second's worth goes at once, the rest at the rate.
        let waits: Vec<Duration> = (0..10).map(|_| limiter.reserve(250)).collect();
        let spent = start.elapsed();
        for (i, w) in waits.iter().enumerate() {
            let due = Duration::from_millis(250 * i as u64);
            assert!(*w <= due, "{i}: {w:?}");
            assert!(*w + spent >= due, "{i}: {w:?} (calls took {spent:?})");
        }
    }

    #[tokio::test]
    async fn streams_are_throttled() {
        let limiter = RateLimiter::new(100_000);
        let chunks: Vec<std::io::Result<Bytes>> =
            (0..5).map(|_| Ok(Bytes::from(vec![0u8; 20_000]))).collect();
        let start = Instant::now();
        let out: Vec<_> = throttle(futures_util::stream::iter(chunks).boxed(), limiter)
            .collect()
            .await;
        assert_eq!(out.len(), 5);
        // 100 KB at 100 KB/s, less the initial burst of 25 KB.
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(740), "{elapsed:?}");
    }
}
