//! [`BucketClient`]: the client of one bucket ([`crate::Bucket`] in async mode,
//! [`crate::blocking::Bucket`] in blocking mode).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::AuthConfig;
use crate::config::{ClientConfig, ConfigOptions};
use crate::error::{Error, Result};
use crate::mode::Mode;
use crate::retry::RetryPolicy;
use crate::session::Session;

/// A client of one bucket. Use it through the aliases [`crate::Bucket`] (async) and
/// [`crate::blocking::Bucket`]. Cloning is cheap (the settings are shared); it is `Send +
/// Sync`, so one client can serve many tasks.
///
/// ```
/// use osskit::{Auth, Bucket};
/// let bucket = Bucket::new(Auth::new("ak", "sk"), "oss-cn-hangzhou.aliyuncs.com", "examplebucket").unwrap();
/// assert_eq!(bucket.name(), "examplebucket");
/// let err = Bucket::new(Auth::new("ak", "sk"), "oss-cn-hangzhou.aliyuncs.com", "Bad_Name").unwrap_err();
/// assert!(err.to_string().contains("the bucket name \"Bad_Name\" is invalid"));
/// ```
#[derive(Clone)]
pub struct BucketClient<M: Mode> {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) name: Arc<str>,
    pub(crate) mode: M,
}

impl<M: Mode> std::fmt::Debug for BucketClient<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("name", &self.name)
            .field("endpoint", &self.config.endpoint.to_string())
            .field("mode", &self.mode)
            .finish()
    }
}

/// Checks a bucket name before any request.
pub(crate) fn check_bucket_name(name: &str) -> Result<()> {
    if osskit_proto::names::is_valid_bucket_name(name) {
        Ok(())
    } else {
        Err(Error::client(format!(
            "the bucket name {name:?} is invalid: it must be 3-63 characters of a-z, 0-9 and '-', \
             starting with a letter or digit and not ending with '-'"
        )))
    }
}

impl<M: Mode> BucketClient<M> {
    /// A client with default settings. `endpoint` is `[http[s]://]host[:port]`; a host that
    /// is an IP address or `localhost` uses path-style URLs.
    pub fn new(auth: impl Into<AuthConfig>, endpoint: &str, bucket_name: &str) -> Result<Self> {
        Self::builder(auth, endpoint, bucket_name).build()
    }

    /// A builder for the other settings.
    pub fn builder(
        auth: impl Into<AuthConfig>,
        endpoint: &str,
        bucket_name: &str,
    ) -> BucketBuilder<M> {
        BucketBuilder {
            auth: auth.into(),
            endpoint: endpoint.to_string(),
            name: bucket_name.trim().to_string(),
            options: ConfigOptions::default(),
            _mode: std::marker::PhantomData,
        }
    }

    /// The bucket name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The endpoint, `scheme://host[:port]`.
    pub fn endpoint(&self) -> String {
        self.config.endpoint.to_string()
    }

    /// The region used by V4 signatures, if known.
    pub fn region(&self) -> Option<&str> {
        self.config.region.as_deref()
    }

    /// Whether CRC-64 checks are on.
    pub fn crc_enabled(&self) -> bool {
        self.config.enable_crc
    }
}

/// Settings of a bucket client; see [`BucketClient::builder`].
pub struct BucketBuilder<M: Mode> {
    auth: AuthConfig,
    endpoint: String,
    name: String,
    options: ConfigOptions,
    _mode: std::marker::PhantomData<M>,
}

macro_rules! config_setters {
    () => {
        /// The endpoint is the bucket's own domain (CNAME): URLs carry no bucket name.
        pub fn is_cname(mut self, yes: bool) -> Self {
            self.options.is_cname = yes;
            self
        }

        /// Use path-style URLs (`host/bucket/key`) even for a domain endpoint.
        pub fn path_style(mut self, yes: bool) -> Self {
            self.options.path_style = yes;
            self
        }

        /// Share the connection pools of a [`Session`](crate::Session) with other clients.
        /// Without one the client makes its own.
        pub fn session(mut self, session: $crate::session::Session) -> Self {
            self.options.session = Some(session);
            self
        }

        /// Connect timeout of the client's own session (a shared session keeps its own).
        pub fn connect_timeout(mut self, d: Duration) -> Self {
            self.options.connect_timeout = Some(d);
            self
        }

        /// Idle timeout of each read: waiting for the response and between body chunks.
        pub fn read_timeout(mut self, d: Duration) -> Self {
            self.options.read_timeout = Some(d);
            self
        }

        /// Appended to the User-Agent: `oss-rust-sdk/<version> (<os>; <arch>)/<app>`.
        pub fn app_name(mut self, app: &str) -> Self {
            self.options.app_name = Some(app.to_string());
            self
        }

        /// Region for V4 signatures (e.g. `cn-hangzhou`).
        pub fn region(mut self, region: &str) -> Self {
            self.options.region = Some(region.to_string());
            self
        }

        /// Retry policy (default: 3 attempts).
        pub fn retry(mut self, policy: RetryPolicy) -> Self {
            self.options.retry = Some(policy);
            self
        }

        /// The most one operation may take, its retries and the waits between them
        /// included, until the response head arrives (no limit by default; the connect and
        /// read timeouts still apply to each attempt). Each call can set its own with
        /// `.timeout(..)`. Running out is a timeout error
        /// ([`Error::is_timeout`](crate::Error::is_timeout)).
        pub fn operation_timeout(mut self, total: Duration) -> Self {
            self.options.operation_timeout = Some(total);
            self
        }
    };
}
pub(crate) use config_setters;

impl<M: Mode> BucketBuilder<M> {
    config_setters!();

    /// CRC-64 checks of uploads and downloads (default on).
    pub fn enable_crc(mut self, yes: bool) -> Self {
        self.options.enable_crc = Some(yes);
        self
    }

    /// Validates the settings and creates the client.
    pub fn build(self) -> Result<BucketClient<M>> {
        check_bucket_name(&self.name)?;
        let config = self.options.build(self.auth, &self.endpoint)?;
        let mode = crate::mode::start(&config.session)?;
        Ok(BucketClient {
            config: Arc::new(config),
            name: Arc::from(self.name),
            mode,
        })
    }
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn check<T: Send + Sync + Clone>() {}
    check::<BucketClient<crate::mode::Async>>();
    check::<BucketClient<crate::mode::Blocking>>();
    check::<Session>();
}
