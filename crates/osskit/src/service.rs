//! [`ServiceClient`]: account-level operations ([`crate::Service`] in async mode,
//! [`crate::blocking::Service`] in blocking mode).

use std::sync::Arc;
use std::time::Duration;

use crate::auth::AuthConfig;
use crate::bucket::config_setters;
use crate::config::{ClientConfig, ConfigOptions};
use crate::error::Result;
use crate::mode::Mode;
use crate::retry::RetryPolicy;

/// A client for account-level operations (ListBuckets). Use it through [`crate::Service`]
/// or [`crate::blocking::Service`].
///
/// ```
/// use osskit::{Auth, Service};
/// let service = Service::new(Auth::new("ak", "sk"), "https://oss-cn-hangzhou.aliyuncs.com").unwrap();
/// assert_eq!(service.endpoint(), "https://oss-cn-hangzhou.aliyuncs.com");
/// ```
#[derive(Clone)]
pub struct ServiceClient<M: Mode> {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) mode: M,
}

impl<M: Mode> std::fmt::Debug for ServiceClient<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("endpoint", &self.config.endpoint.to_string())
            .finish()
    }
}

impl<M: Mode> ServiceClient<M> {
    /// A client with default settings.
    pub fn new(auth: impl Into<AuthConfig>, endpoint: &str) -> Result<Self> {
        Self::builder(auth, endpoint).build()
    }

    /// A builder for the other settings.
    pub fn builder(auth: impl Into<AuthConfig>, endpoint: &str) -> ServiceBuilder<M> {
        ServiceBuilder {
            auth: auth.into(),
            endpoint: endpoint.to_string(),
            options: ConfigOptions::default(),
            _mode: std::marker::PhantomData,
        }
    }

    /// The endpoint, `scheme://host[:port]`.
    pub fn endpoint(&self) -> String {
        self.config.endpoint.to_string()
    }
}

/// Settings of a service client; see [`ServiceClient::builder`].
pub struct ServiceBuilder<M: Mode> {
    auth: AuthConfig,
    endpoint: String,
    options: ConfigOptions,
    _mode: std::marker::PhantomData<M>,
}

impl<M: Mode> ServiceBuilder<M> {
    config_setters!();

    /// Validates the settings and creates the client.
    pub fn build(self) -> Result<ServiceClient<M>> {
        let config = self.options.build(self.auth, &self.endpoint)?;
        let mode = crate::mode::start(&config.session)?;
        Ok(ServiceClient {
            config: Arc::new(config),
            mode,
        })
    }
}
