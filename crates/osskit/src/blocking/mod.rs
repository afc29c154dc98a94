//! The blocking facade: the same clients and operations, sent with a blocking `.send()`.
//!
//! A blocking call runs on a small runtime that the calling thread drives itself: the
//! request, its connection and the socket are polled on that thread, with no hand-off to
//! another thread, and no thread runs between calls. Each thread has its own runtime and
//! connections per [`Session`](crate::Session), made on its first call (see [`Blocking`]):
//! threads sharing a client never wait for each other, and blocking clients that share a
//! session share, on each thread, that thread's connections. **Build a client once and
//! share it** (clones are cheap and share the session) rather than building one per call.
//! A [`GetObjectReader`] keeps the runtime and connection of the thread that opened it, so
//! it can be read after its client is dropped, and from another thread.
//! Calling the blocking API from a thread running async code panics with a message saying
//! so: use the async [`crate::Bucket`] there, or `tokio::task::spawn_blocking`.
//!
//! ```no_run
//! use std::io::Read;
//! use osskit::{Auth, blocking::Bucket};
//! let bucket = Bucket::new(Auth::new("ak", "sk"), "http://127.0.0.1:9000", "examplebucket")?;
//! bucket.put_object("hello.txt", "hello").send()?;
//! let mut text = String::new();
//! bucket.get_object("hello.txt").send()?.read_to_string(&mut text)?;
//! assert_eq!(text, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod driver;
mod reader;

pub use crate::mode::Blocking;
pub use crate::paginate::BlockingIter;
pub use reader::GetObjectReader;

/// A bucket client in blocking mode.
pub type Bucket = crate::bucket::BucketClient<Blocking>;

/// A client-side encrypting bucket client in blocking mode.
pub type CryptoBucket = crate::crypto::CryptoBucket<Blocking>;

/// A service client in blocking mode.
pub type Service = crate::service::ServiceClient<Blocking>;

#[cfg(test)]
mod tests;
