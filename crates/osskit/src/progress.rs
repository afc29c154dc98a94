//! Progress callbacks: `Fn(consumed, total)` called as bytes are really sent or received.
//!
//! `consumed` is the number of bytes sent (uploads) or received (downloads) so far; `total`
//! is the body length when known (uploads of bytes and files, downloads with a
//! `Content-Length`), `None` otherwise.
//!
//! ```
//! use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
//! let seen = Arc::new(AtomicU64::new(0));
//! let s = seen.clone();
//! let cb = osskit::progress::callback(move |consumed, _total| s.store(consumed, Ordering::Relaxed));
//! cb(10, Some(10));
//! assert_eq!(seen.load(Ordering::Relaxed), 10);
//! ```

use std::sync::Arc;

/// A shareable progress callback.
pub type ProgressFn = Arc<dyn Fn(u64, Option<u64>) + Send + Sync + 'static>;

/// Wraps a closure as a [`ProgressFn`].
pub fn callback(f: impl Fn(u64, Option<u64>) + Send + Sync + 'static) -> ProgressFn {
    Arc::new(f)
}
