//! The settings shared by `Bucket` and `Service`, resolved once when a client is built.

use std::sync::atomic::AtomicI64;
use std::sync::Arc;
use std::time::Duration;

use osskit_proto::endpoint::{Addressing, Endpoint};
use osskit_proto::sign::SigningVersion;

use crate::auth::AuthConfig;
use crate::error::{Error, Result};
use crate::retry::RetryPolicy;
use crate::session::Session;

/// Everything a request needs besides its own parts.
#[derive(Debug, Clone)]
pub(crate) struct ClientConfig {
    pub endpoint: Endpoint,
    pub auth: AuthConfig,
    pub session: Session,
    /// Region used by V4 signatures.
    pub region: Option<String>,
    pub is_cname: bool,
    pub path_style: bool,
    pub read_timeout: Duration,
    pub user_agent: String,
    pub enable_crc: bool,
    pub retry: RetryPolicy,
    /// Total time of one operation (attempts and waits), if bounded.
    pub operation_timeout: Option<Duration>,
    /// Seconds the server's clock is ahead of ours, learned from `RequestTimeTooSkewed`.
    pub clock_offset: Arc<AtomicI64>,
}

/// Options collected by the `Bucket` and `Service` builders.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConfigOptions {
    pub is_cname: bool,
    pub path_style: bool,
    pub session: Option<Session>,
    pub connect_timeout: Option<Duration>,
    pub read_timeout: Option<Duration>,
    pub app_name: Option<String>,
    pub enable_crc: Option<bool>,
    pub region: Option<String>,
    pub retry: Option<RetryPolicy>,
    pub operation_timeout: Option<Duration>,
}

/// `oss-rust-sdk/<version> (<os>; <arch>)[/app]`.
pub(crate) fn user_agent(app_name: Option<&str>) -> String {
    let mut ua = format!(
        "oss-rust-sdk/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if let Some(app) = app_name.map(str::trim).filter(|a| !a.is_empty()) {
        ua.push('/');
        ua.push_str(app);
    }
    ua
}

impl ConfigOptions {
    /// Validates and resolves the options.
    pub fn build(self, auth: AuthConfig, endpoint: &str) -> Result<ClientConfig> {
        let endpoint = Endpoint::parse(endpoint).map_err(|e| Error::client(e.to_string()))?;
        let region = match self
            .region
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
        {
            Some(r) => Some(r),
            None => osskit_proto::endpoint::region_from_host(&endpoint.host),
        };
        if auth.version() == Some(SigningVersion::V4) && region.is_none() {
            return Err(Error::client(format!(
                "signature version 4 needs a region: set it with .region(\"cn-hangzhou\") (it cannot be derived from the endpoint {endpoint})"
            )));
        }
        let session = match self.session {
            Some(s) => s,
            None => {
                let mut b = Session::builder();
                if let Some(d) = self.connect_timeout {
                    b = b.connect_timeout(d);
                }
                if let Some(d) = self.read_timeout {
                    b = b.read_timeout(d);
                }
                b.build()?
            }
        };
        let read_timeout = self.read_timeout.unwrap_or_else(|| session.read_timeout());
        if let Some(app) = &self.app_name {
            if app.chars().any(|c| c.is_control()) {
                return Err(Error::client(format!(
                    "the app name {app:?} contains control characters"
                )));
            }
        }
        Ok(ClientConfig {
            endpoint,
            auth,
            session,
            region,
            is_cname: self.is_cname,
            path_style: self.path_style,
            read_timeout,
            user_agent: user_agent(self.app_name.as_deref()),
            enable_crc: self.enable_crc.unwrap_or(true),
            retry: self.retry.unwrap_or_default(),
            operation_timeout: self.operation_timeout,
            clock_offset: Arc::new(AtomicI64::new(0)),
        })
    }
}

impl ClientConfig {
    /// How the bucket appears in URLs.
    pub fn addressing(&self, bucket: &str) -> Addressing {
        self.endpoint
            .addressing(self.is_cname, self.path_style, bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_format() {
        let ua = user_agent(None);
        assert!(
            ua.starts_with(&format!("oss-rust-sdk/{} (", env!("CARGO_PKG_VERSION"))),
            "{ua}"
        );
        assert!(
            ua.ends_with(&format!(
                "{}; {})",
                std::env::consts::OS,
                std::env::consts::ARCH
            )),
            "{ua}"
        );
        assert_eq!(user_agent(Some("myapp")), format!("{ua}/myapp"));
        assert_eq!(user_agent(Some("  ")), ua);
    }
}
