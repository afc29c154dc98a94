//! Progress shared by the parts of one transfer: every byte is reported once, whatever the
//! order the parts finish in and however often a part is tried again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::progress::ProgressFn;

/// The running total of a transfer and the caller's callback.
#[derive(Clone)]
pub(crate) struct SharedProgress {
    done: Arc<AtomicU64>,
    total: Option<u64>,
    callback: Option<ProgressFn>,
}

impl SharedProgress {
    pub fn new(callback: Option<ProgressFn>, total: Option<u64>) -> SharedProgress {
        SharedProgress {
            done: Arc::new(AtomicU64::new(0)),
            total,
            callback,
        }
    }

    /// Adds `n` bytes and reports the new total.
    pub fn add(&self, n: u64) {
        let now = self.done.fetch_add(n, Ordering::AcqRel) + n;
        if let Some(cb) = &self.callback {
            cb(now, self.total);
        }
    }

    /// Bytes reported so far.
    #[cfg(test)]
    pub fn done(&self) -> u64 {
        self.done.load(Ordering::Acquire)
    }

    /// A tracker for one part: it turns the part's own "bytes so far" counts (which start
    /// again from 0 when the part is retried) into increments of the shared total, so that
    /// bytes sent twice are counted once.
    pub fn part(&self) -> PartProgress {
        PartProgress {
            shared: self.clone(),
            high: Arc::new(AtomicU64::new(0)),
        }
    }
}

/// See [`SharedProgress::part`].
#[derive(Clone)]
pub(crate) struct PartProgress {
    shared: SharedProgress,
    high: Arc<AtomicU64>,
}

impl PartProgress {
    /// The part has reached `so_far` bytes in its current attempt.
    pub fn reached(&self, so_far: u64) {
        let before = self.high.fetch_max(so_far, Ordering::AcqRel);
        if so_far > before {
            self.shared.add(so_far - before);
        }
    }

    /// As a callback for an operation's `.progress()`.
    pub fn callback(&self) -> impl Fn(u64, Option<u64>) + Send + Sync + 'static {
        let me = self.clone();
        move |so_far, _| me.reached(so_far)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn retried_bytes_count_once() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        let p = SharedProgress::new(
            Some(crate::progress::callback(move |a, b| {
                s.lock().unwrap().push((a, b))
            })),
            Some(30),
        );
        p.add(5);
        let a = p.part();
        let b = p.part();
        a.reached(5);
        b.reached(10);
        a.reached(3); // a retry starts again
        a.reached(10);
        b.reached(10);
        assert_eq!(p.done(), 25);
        assert_eq!(
            *seen.lock().unwrap(),
            vec![
                (5, Some(30)),
                (10, Some(30)),
                (20, Some(30)),
                (25, Some(30))
            ]
        );
    }
}
