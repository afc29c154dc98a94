//! The clock of the server's time-based data rules: lifecycle actions (expiration,
//! transitions, aborting uploads), retention periods and the 24-hour lapse of an unlocked
//! retention policy, and the time of bucket statistics.
//!
//! It is the system clock plus an offset that can be set at start (`--clock-offset`) and
//! moved forward while the server runs ([`Clock::advance`]), so that tests and
//! demonstrations see thirty days pass in an instant. Request signatures, the modification
//! times of what requests write and HTTP dates keep the system clock; the delete markers
//! lifecycle expirations write in versioned buckets are dated on this clock.
//!
//! ```
//! use osskit_server::clock::Clock;
//! use std::time::Duration;
//!
//! let clock = Clock::system();
//! let before = clock.now_secs();
//! let shared = clock.clone();
//! shared.advance(Duration::from_secs(86_400));
//! assert!(clock.now_secs() >= before + 86_400);
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shared clock: the system time plus an offset. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The system clock moved forward by `offset`.
    pub fn with_offset(offset: Duration) -> Clock {
        let clock = Clock::default();
        clock.advance(offset);
        clock
    }

    /// Moves the clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let ms = millis(by);
        let _ = self
            .offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |o| {
                Some(o.saturating_add(ms))
            });
    }

    /// How far ahead of the system clock this clock is.
    pub fn offset(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.offset_ms.load(Ordering::SeqCst)).unwrap_or(0))
    }

    /// Now, Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        system_ms().saturating_add(self.offset_ms.load(Ordering::SeqCst))
    }

    /// Now, Unix seconds.
    pub fn now_secs(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

/// Parses a duration written as a number with a unit: `90s`, `15m`, `12h`, `30d` (a bare
/// number is seconds).
///
/// ```
/// use osskit_server::clock::parse_duration;
/// use std::time::Duration;
/// assert_eq!(parse_duration("30d").unwrap(), Duration::from_secs(30 * 86_400));
/// assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
/// assert!(parse_duration("soon").is_err());
/// ```
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("expected a duration such as 90s, 15m, 12h or 30d, got {s:?}"))?;
    let ms = match unit {
        "ms" => 1,
        "" | "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => {
            return Err(format!(
                "unknown unit {unit:?} in {s:?}: use ms, s, m, h or d"
            ))
        }
    };
    n.checked_mul(ms)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("the duration {s:?} is too long"))
}
