//! The blocking facade: the same clients and operations, sent with a blocking `.send()`.
//!
//! Each blocking client owns a small runtime that the calling thread drives itself during a
//! call: the request, its connection and the socket are polled on that thread, with no
//! hand-off to another thread, and no thread runs between calls. Several threads may share
//! a client; while one of them drives the connections, the others wait for their answers.
//! **Build a client once and share it** (clones are cheap and share the runtime and the
//! connection pool) rather than building one per call. A [`GetObjectReader`] keeps the
//! runtime alive, so it can still be read after its client is dropped.
//! Calling the blocking API from inside an async runtime panics with a message saying so:
//! use the async [`crate::Bucket`] there, or `tokio::task::spawn_blocking`.
//!
//! ```no_run
//! use std::io::Read;
//! use oss::{Auth, blocking::Bucket};
//! let bucket = Bucket::new(Auth::new("ak", "sk"), "http://127.0.0.1:9000", "examplebucket")?;
//! bucket.put_object("hello.txt", "hello").send()?;
//! let mut text = String::new();
//! bucket.get_object("hello.txt").send()?.read_to_string(&mut text)?;
//! assert_eq!(text, "hello");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod reader;

pub use crate::mode::Blocking;
pub use crate::paginate::BlockingIter;
pub use reader::GetObjectReader;

/// A bucket client in blocking mode.
pub type Bucket = crate::bucket::BucketClient<Blocking>;

/// A service client in blocking mode.
pub type Service = crate::service::ServiceClient<Blocking>;

#[cfg(test)]
mod tests;
