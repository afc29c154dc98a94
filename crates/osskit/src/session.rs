//! [`Session`]: the HTTP connection pools shared by clients, and how they connect: timeouts,
//! proxies, TLS roots, or an HTTP client of one's own.
//!
//! Proxies: by default the variables `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` (and their
//! lower-case forms) and `NO_PROXY` are honoured, as curl does. [`SessionBuilder::proxy`]
//! sets one explicitly (with `user:password@` in its URL or
//! [`SessionBuilder::proxy_auth`] for Basic authentication), and then the variables are not
//! read; [`SessionBuilder::env_proxy`]`(false)` ignores them. HTTPS goes through a proxy
//! with `CONNECT`.
//!
//! ```
//! use osskit::Session;
//! let session = Session::builder()
//!     .proxy("http://proxy.internal:3128")
//!     .proxy_auth("user", "secret")
//!     .no_proxy("localhost,127.0.0.1,.internal")
//!     .build()
//!     .unwrap();
//! ```
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
use crate::rate::RateLimiter;

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
    /// The shared bandwidth limit, if any.
    limiter: Option<Arc<RateLimiter>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("settings", &self.inner.settings)
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

    /// The bandwidth limit in bytes per second, if one was set with
    /// [`SessionBuilder::bandwidth_limit`].
    pub fn bandwidth_limit(&self) -> Option<u64> {
        self.inner.limiter.as_ref().map(|l| l.bytes_per_sec())
    }

    /// The shared limiter of [`SessionBuilder::bandwidth_limit`].
    pub(crate) fn limiter(&self) -> Option<&Arc<RateLimiter>> {
        self.inner.limiter.as_ref()
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
            .get_or_try(|| {
                Ok(Arc::new(Driver::new(
                    self.inner.settings.make_http_client()?,
                )?))
            })
            .cloned()
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}

/// A change to the HTTP client builder, applied to every client a session makes.
type Customize = Arc<dyn Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync>;

/// An explicit proxy.
#[derive(Clone)]
struct ProxySettings {
    url: String,
    auth: Option<(String, String)>,
    no_proxy: Option<String>,
}

/// Settings of a [`Session`].
#[derive(Clone)]
pub struct SessionBuilder {
    pool_max_idle_per_host: usize,
    connect_timeout: Duration,
    read_timeout: Duration,
    proxy: Option<ProxySettings>,
    env_proxy: bool,
    root_certificates: Vec<Vec<u8>>,
    built_in_roots: bool,
    customize: Option<Customize>,
    client: Option<reqwest::Client>,
    bandwidth_limit: Option<u64>,
}

impl std::fmt::Debug for SessionBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionBuilder")
            .field("pool_max_idle_per_host", &self.pool_max_idle_per_host)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("proxy", &self.proxy.as_ref().map(|p| redact_url(&p.url)))
            .field("env_proxy", &self.env_proxy)
            .field("root_certificates", &self.root_certificates.len())
            .field("built_in_roots", &self.built_in_roots)
            .field("customized", &self.customize.is_some())
            .field("own_client", &self.client.is_some())
            .field("bandwidth_limit", &self.bandwidth_limit)
            .finish()
    }
}

/// A URL without the password of its user info.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user = &url[scheme + 3..at];
            let user = user.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

impl Default for SessionBuilder {
    fn default() -> Self {
        SessionBuilder {
            pool_max_idle_per_host: DEFAULT_POOL_SIZE,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            proxy: None,
            env_proxy: true,
            root_certificates: Vec::new(),
            built_in_roots: true,
            customize: None,
            client: None,
            bandwidth_limit: None,
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

    /// Sends everything through the proxy at `url` (`http://host:port`, or
    /// `http://user:password@host:port` with Basic authentication; `https://` and
    /// `socks5://` URLs are not supported). The proxy variables are then not read.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        let previous = self.proxy.take();
        self.proxy = Some(ProxySettings {
            url,
            auth: previous.as_ref().and_then(|p| p.auth.clone()),
            no_proxy: previous.and_then(|p| p.no_proxy),
        });
        self
    }

    /// Basic authentication with the explicit [`proxy`](Self::proxy)
    /// (`Proxy-Authorization`).
    pub fn proxy_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        if let Some(p) = self.proxy.as_mut() {
            p.auth = Some((user.into(), password.into()));
        } else {
            self.proxy = Some(ProxySettings {
                url: String::new(),
                auth: Some((user.into(), password.into())),
                no_proxy: None,
            });
        }
        self
    }

    /// Hosts the explicit [`proxy`](Self::proxy) is not used for, in `NO_PROXY` syntax:
    /// comma-separated host names (`.example.com` or `example.com` also match
    /// subdomains), IP addresses, CIDR blocks, or `*`.
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        if let Some(p) = self.proxy.as_mut() {
            p.no_proxy = Some(hosts.into());
        } else {
            self.proxy = Some(ProxySettings {
                url: String::new(),
                auth: None,
                no_proxy: Some(hosts.into()),
            });
        }
        self
    }

    /// Whether `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` are honoured when no
    /// explicit proxy is set (default true).
    pub fn env_proxy(mut self, yes: bool) -> Self {
        self.env_proxy = yes;
        self
    }

    /// Also trusts the root certificate(s) in `pem` (one or more PEM `CERTIFICATE` blocks,
    /// or one DER certificate), for an OSS-compatible endpoint with a private CA. Checked
    /// by [`build`](Self::build).
    pub fn add_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Whether the roots of the crate's TLS features (`rustls-webpki-roots`,
    /// `rustls-native-roots`) are trusted (default true); false trusts only the
    /// certificates given to [`add_root_certificate`](Self::add_root_certificate).
    pub fn built_in_roots(mut self, yes: bool) -> Self {
        self.built_in_roots = yes;
        self
    }

    /// Changes every HTTP client the session makes (its async pool and each thread's
    /// blocking pool) after the session's own settings are applied: local address, DNS
    /// overrides, HTTP/1 or HTTP/2 options, …
    ///
    /// ```
    /// use osskit::Session;
    /// let session = Session::builder()
    ///     .customize_http(|b| b.tcp_keepalive(std::time::Duration::from_secs(30)))
    ///     .build()
    ///     .unwrap();
    /// ```
    pub fn customize_http(
        mut self,
        f: impl Fn(reqwest::ClientBuilder) -> reqwest::ClientBuilder + Send + Sync + 'static,
    ) -> Self {
        self.customize = Some(Arc::new(f));
        self
    }

    /// Sends the requests of async clients through `client`, as it is configured (its
    /// proxy, certificates, timeouts and pool; the session's connect and read timeouts still
    /// bound each request). Blocking clients, which need a pool per thread, use clients made
    /// from the session's settings and [`customize_http`](Self::customize_http).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Limits the bytes sent and received by every client of the session, all transfers
    /// together, to `bytes_per_sec` on average (request and response bodies; a short
    /// burst may go at once after an idle moment). `0` removes the limit.
    ///
    /// ```
    /// use osskit::Session;
    /// let session = Session::builder().bandwidth_limit(10 << 20).build().unwrap();
    /// assert_eq!(session.bandwidth_limit(), Some(10 << 20));
    /// ```
    pub fn bandwidth_limit(mut self, bytes_per_sec: u64) -> Self {
        self.bandwidth_limit = (bytes_per_sec > 0).then_some(bytes_per_sec);
        self
    }

    /// Creates the session; fails on a malformed proxy URL or certificate.
    pub fn build(self) -> Result<Session> {
        let client = match &self.client {
            Some(c) => c.clone(),
            None => self.make_http_client()?,
        };
        let limiter = self.bandwidth_limit.map(RateLimiter::new);
        Ok(Session {
            inner: Arc::new(SessionInner {
                client,
                drivers: ThreadLocal::new(),
                settings: self,
                limiter,
            }),
        })
    }

    /// A new HTTP client (with its own pool) with these settings.
    pub(crate) fn make_http_client(&self) -> Result<reqwest::Client> {
        let mut b = reqwest::Client::builder()
            .pool_max_idle_per_host(self.pool_max_idle_per_host)
            .connect_timeout(self.connect_timeout)
            .read_timeout(self.read_timeout)
            .redirect(reqwest::redirect::Policy::none());
        match &self.proxy {
            Some(p) if !p.url.is_empty() => {
                let mut proxy = reqwest::Proxy::all(p.url.as_str()).map_err(|e| {
                    Error::client(format!(
                        "the proxy URL {:?} is invalid: {e}",
                        redact_url(&p.url)
                    ))
                })?;
                if let Some((user, password)) = &p.auth {
                    proxy = proxy.basic_auth(user, password);
                }
                if let Some(hosts) = &p.no_proxy {
                    proxy = proxy.no_proxy(reqwest::NoProxy::from_string(hosts));
                }
                b = b.proxy(proxy);
            }
            Some(_) => {
                return Err(Error::client(
                    "proxy_auth() or no_proxy() was given without proxy(url)",
                ))
            }
            None if !self.env_proxy => b = b.no_proxy(),
            None => {}
        }
        for (i, cert) in self.root_certificates.iter().enumerate() {
            let parsed = if cert.trim_ascii_start().starts_with(b"-----BEGIN") {
                reqwest::Certificate::from_pem_bundle(cert)
            } else {
                reqwest::Certificate::from_der(cert).map(|c| vec![c])
            };
            let certs = parsed.map_err(|e| {
                Error::client(format!(
                    "root certificate {} is neither PEM nor DER: {e}",
                    i + 1
                ))
            })?;
            if certs.is_empty() {
                return Err(Error::client(format!(
                    "root certificate {} holds no CERTIFICATE block",
                    i + 1
                )));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if !self.built_in_roots {
            b = b.tls_built_in_root_certs(false);
        }
        if let Some(customize) = &self.customize {
            b = customize(b);
        }
        b.build()
            .map_err(|e| Error::client(format!("cannot create the HTTP client: {e}")))
    }
}
