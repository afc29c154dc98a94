//! [`Session`]: the HTTP connection pool shared by clients.
//!
//! ```
//! use std::time::Duration;
//! use oss::Session;
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

use crate::error::{Error, Result};

/// Default connect timeout (oss2's `connect_timeout`).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// Default idle timeout of each read.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// Default number of idle connections kept per host (oss2's `connection_pool_size`).
pub const DEFAULT_POOL_SIZE: usize = 10;

/// An HTTP connection pool. Cloning is cheap and shares the pool; many `Bucket`s and
/// `Service`s can use one session.
#[derive(Clone)]
pub struct Session {
    inner: Arc<SessionInner>,
}

struct SessionInner {
    client: reqwest::Client,
    connect_timeout: Duration,
    read_timeout: Duration,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("read_timeout", &self.inner.read_timeout)
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
        self.inner.read_timeout
    }

    /// The connect timeout.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    pub(crate) fn client(&self) -> &reqwest::Client {
        &self.inner.client
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
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::client(format!("cannot create the HTTP client: {e}")))?;
        Ok(Session {
            inner: Arc::new(SessionInner {
                client,
                connect_timeout: self.connect_timeout,
                read_timeout: self.read_timeout,
            }),
        })
    }
}
