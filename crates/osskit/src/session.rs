//! [`Session`]: the HTTP connection pools shared by clients.
//!
//! ```
//! use std::time::Duration;
//! use osskit::Session;
//! let session = Session::builder()
//!     .pool_max_idle_per_host(20)
//!     .connect_timeout(Duration::from_secs(5))
//!     .read_timeout(Duration::from_secs(30))
//!     .build()
//!     .unwrap();
//! let same_pool = session.clone(); // cheap: both use one pool
//! assert_eq!(same_pool.read_timeout(), Duration::from_secs(30));
//! ```

use std::sync::Arc;
use std::time::Duration;

use thread_local::ThreadLocal;

use crate::blocking::driver::{self, Driver};
use crate::error::{Error, Result};

/// Default connect timeout (oss2's `connect_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default idle timeout of each read.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of idle connections kept per host (oss2's `connection_pool_size`).
pub const DEFAULT_POOL_SIZE: usize = 10;

/// HTTP connection pools with one set of settings. Cloning is cheap and shares the pools;
/// many `Bucket`s and `Service`s can use one session.
///
/// A session keeps its async connections apart from its blocking ones, because a
/// connection only makes progress while the runtime it was opened on is driven:
///
/// * Async clients ([`crate::Bucket`], [`crate::Service`]) share one pool, whose
///   connections live on the runtimes of the tasks that opened them.
/// * Blocking clients ([`crate::blocking::Bucket`], [`crate::blocking::Service`]) share,
///   on each thread that calls them, one pool of that thread: a blocking call runs on a
///   small runtime the calling thread drives itself (see [`crate::blocking::Blocking`]),
///   with the connections of the session made on that thread. Two threads never share a
///   blocking connection, and a blocking connection is never used by an async client nor
///   the reverse. A thread's runtime and pool are made on its first blocking call (the
///   thread that builds a blocking client gets them then) and kept until the session is
///   dropped. A new thread takes over those of a thread that has exited, connections
///   included, so a session never has more of them than threads alive at once.
///
/// A blocking [`crate::blocking::GetObjectReader`] keeps the pool and runtime of its thread
/// alive until it is dropped, so its body can be read after the session is gone, and from
/// any thread.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    /// The pool of async clients.
    client: reqwest::Client,
    /// One driver (runtime + pool) per thread that made blocking calls.
    drivers: ThreadLocal<Arc<Driver>>,
    settings: SessionBuilder,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field(
                "pool_max_idle_per_host",
                &self.inner.settings.pool_max_idle_per_host,
            )
            .field("connect_timeout", &self.inner.settings.connect_timeout)
            .field("read_timeout", &self.inner.settings.read_timeout)
            .finish()
    }
}

impl Session {
    /// A session with the default settings.
    ///
    /// # Panics
    /// Only if the TLS backend cannot be initialised, which [`Session::builder`] reports as an
    /// error instead.
    pub fn new() -> Session {
        match Session::builder().build() {
            Ok(s) => s,
            Err(e) => panic!("cannot create the default HTTP session: {e}"),
        }
    }

    /// A builder for custom pool and timeout settings.
    pub fn builder() -> SessionBuilder {
        SessionBuilder::default()
    }

    /// The idle timeout of each read.
    pub fn read_timeout(&self) -> Duration {
        self.inner.settings.read_timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.settings.connect_timeout
    }

    /// A request sent through the pool that suits the calling context: inside a blocking
    /// call (the call itself or a task it spawned), the pool of the driver this thread is
    /// running; anywhere else, the async pool.
    pub(crate) fn request(&self, method: http::Method, url: &str) -> reqwest::RequestBuilder {
        match driver::with_running_client(|c| c.request(method.clone(), url)) {
            Some(builder) => builder,
            None => self.inner.client.request(method, url),
        }
    }

    /// The driver of the calling thread, made on its first use.
    pub(crate) fn driver(&self) -> Result<Arc<Driver>> {
        self.inner
            .drivers
            .get_or_try(|| Ok(Arc::new(Driver::new(self.inner.settings.http_client()?)?)))
            .cloned()
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

/// Settings of a [`Session`].
#[derive(Debug, Clone)]
pub struct SessionBuilder {
    pool_max_idle_per_host: usize,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl Default for SessionBuilder {
    fn default() -> Self {
        SessionBuilder {
            pool_max_idle_per_host: DEFAULT_POOL_SIZE,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
        }
    }
}

impl SessionBuilder {
    /// Idle connections kept per host (default 10).
    pub fn pool_max_idle_per_host(mut self, n: usize) -> Self {
        self.pool_max_idle_per_host = n;
        self
    }

    /// Time allowed to open a connection (default 60 s).
    pub fn connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// Time allowed between two reads of a response, headers or body (default 60 s).
    pub fn read_timeout(mut self, d: Duration) -> Self {
        self.read_timeout = d;
        self
    }

    /// Creates the session.
    pub fn build(self) -> Result<Session> {
        Ok(Session {
            inner: Arc::new(SessionInner {
                client: self.http_client()?,
                drivers: ThreadLocal::new(),
                settings: self,
            }),
        })
    }

    /// A new HTTP client (with its own pool) with these settings.
    fn http_client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::client(format!("cannot create the HTTP client: {e}")))
    }
}
