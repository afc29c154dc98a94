//! Where credentials come from.
//!
//! A [`CredentialsProvider`] is asked for [`Credentials`] before each request is signed
//! (each attempt, so a retry after a refresh uses the new keys). Providers are async and
//! their credentials may carry an expiry; [`CredentialsCache`] (which
//! [`ProviderAuth`](crate::ProviderAuth) puts around every provider) keeps expiring
//! credentials and refreshes them before they expire, one refresh at a time.
//!
//! The providers of the Alibaba Cloud ecosystem:
//!
//! | provider | source |
//! |---|---|
//! | [`StaticCredentialsProvider`] | fixed keys (and STS token) |
//! | [`EnvironmentCredentialsProvider`] | `OSS_ACCESS_KEY_ID`/`OSS_ACCESS_KEY_SECRET`/`OSS_SESSION_TOKEN`, else `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET`/`ALIBABA_CLOUD_SECURITY_TOKEN` |
//! | [`AssumeRoleProvider`] | STS `AssumeRole` with other credentials (RAM role ARN) |
//! | [`OidcRoleProvider`] | STS `AssumeRoleWithOIDC` (RRSA: `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`) |
//! | [`EcsRamRoleProvider`] | the ECS instance metadata service (IMDSv2 token, then v1 unless disabled) |
//! | [`CredentialsUriProvider`] | a URL answering `{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}` (`ALIBABA_CLOUD_CREDENTIALS_URI`) |
//! | [`ProcessCredentialsProvider`] | a command printing credentials as JSON |
//! | [`CliProfileProvider`] | the Alibaba Cloud CLI's `config.json` profiles: `AK`, `StsToken`, `RamRoleArn`, `EcsRamRole`, `OIDC`, `ChainableRamRoleArn`, `CredentialsURI`, `External` |
//! | [`IniProfileProvider`] | the shared `~/.alibabacloud/credentials` file |
//! | [`DefaultCredentialsChain`] | all of the above in the official SDKs' order |
//!
//! ```
//! use osskit::credentials::{CredentialsProvider, StaticCredentialsProvider};
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let p = StaticCredentialsProvider::new("ak", "sk");
//! let c = p.credentials().await.unwrap();
//! assert_eq!(c.access_key_id, "ak");
//! assert!(c.security_token.is_none());
//! assert!(c.expiration.is_none());
//! # }
//! ```
//!
//! A provider of one's own implements [`CredentialsProvider::credentials`], returning a
//! boxed future:
//!
//! ```
//! use std::time::{Duration, SystemTime};
//! use osskit::credentials::{Credentials, CredentialsFuture, CredentialsProvider};
//!
//! #[derive(Debug)]
//! struct Vault;
//!
//! impl CredentialsProvider for Vault {
//!     fn credentials(&self) -> CredentialsFuture<'_> {
//!         Box::pin(async move {
//!             // ... ask the vault ...
//!             Ok(Credentials::with_token("STS.id", "secret", "token")
//!                 .expires_at(SystemTime::now() + Duration::from_secs(3600)))
//!         })
//!     }
//! }
//! let auth = osskit::ProviderAuthV4::new(Vault); // cached, refreshed before expiry
//! ```

mod cache;
mod chain;
mod ecs;
mod environment;
pub(crate) mod http;
mod process;
mod profile;
mod sts;
mod uri;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::SystemTime;

pub use cache::{CredentialsCache, CredentialsCacheBuilder};
pub use chain::{CredentialsChain, DefaultCredentialsChain, DefaultCredentialsChainBuilder};
pub use ecs::{EcsRamRoleProvider, EcsRamRoleProviderBuilder};
pub use environment::{
    Environment, EnvironmentCredentialsProvider, ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET,
    ENV_ALIBABA_CLOUD_ACCESS_KEY_ID, ENV_ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    ENV_ALIBABA_CLOUD_SECURITY_TOKEN, ENV_SESSION_TOKEN,
};
pub use http::HttpOptions;
pub use process::ProcessCredentialsProvider;
pub use profile::{CliProfileProvider, IniProfileProvider};
pub use sts::{
    AssumeRoleProvider, AssumeRoleProviderBuilder, OidcRoleProvider, OidcRoleProviderBuilder,
};
pub use uri::CredentialsUriProvider;

use crate::error::Result;

/// The future a [`CredentialsProvider`] returns.
pub type CredentialsFuture<'a> = Pin<Box<dyn Future<Output = Result<Credentials>> + Send + 'a>>;

/// A source of credentials, asked before each request attempt is signed.
///
/// Failures are [`Error::Credentials`](crate::Error::Credentials) with a message saying what
/// was tried.
pub trait CredentialsProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The credentials to sign the next request with.
    fn credentials(&self) -> CredentialsFuture<'_>;
}

impl<P: CredentialsProvider + ?Sized> CredentialsProvider for Arc<P> {
    fn credentials(&self) -> CredentialsFuture<'_> {
        (**self).credentials()
    }
}

impl<P: CredentialsProvider + ?Sized> CredentialsProvider for Box<P> {
    fn credentials(&self) -> CredentialsFuture<'_> {
        (**self).credentials()
    }
}

/// An access key pair, with the security token and expiry of temporary (STS) credentials.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use osskit::Credentials;
/// let c = Credentials::with_token(" STS.id ", "s3cr3t-value", "token")
///     .expires_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000));
/// assert_eq!(c.access_key_id, "STS.id"); // trimmed
/// assert!(c.is_expired_at(SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000)));
/// assert!(!format!("{c:?}").contains("s3cr3t")); // secrets stay out of logs
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Credentials {
    /// AccessKeyId.
    pub access_key_id: String,
    /// AccessKeySecret.
    pub access_key_secret: String,
    /// STS security token, for temporary credentials.
    pub security_token: Option<String>,
    /// When temporary credentials stop being accepted; `None` for long-term keys.
    pub expiration: Option<SystemTime>,
}

impl Credentials {
    /// Long-term keys (both trimmed, as oss2 does).
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into().trim().to_string(),
            access_key_secret: access_key_secret.into().trim().to_string(),
            security_token: None,
            expiration: None,
        }
    }

    /// Temporary (STS) keys with their security token.
    pub fn with_token(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        let mut c = Credentials::new(access_key_id, access_key_secret);
        c.security_token = Some(security_token.into().trim().to_string());
        c
    }

    /// The same credentials, expiring at `expiration`.
    pub fn expires_at(mut self, expiration: SystemTime) -> Self {
        self.expiration = Some(expiration);
        self
    }

    /// Whether they have expired at `now` (never for credentials without expiry).
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expiration.is_some_and(|e| now >= e)
    }

    /// What the signing code of the protocol crate takes.
    pub(crate) fn for_signing(&self) -> osskit_proto::sign::Credentials {
        match &self.security_token {
            Some(token) => osskit_proto::sign::Credentials::with_token(
                self.access_key_id.as_str(),
                self.access_key_secret.as_str(),
                token.as_str(),
            ),
            None => osskit_proto::sign::Credentials::new(
                self.access_key_id.as_str(),
                self.access_key_secret.as_str(),
            ),
        }
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"***")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

impl From<osskit_proto::sign::Credentials> for Credentials {
    fn from(c: osskit_proto::sign::Credentials) -> Self {
        Credentials {
            access_key_id: c.access_key_id,
            access_key_secret: c.access_key_secret,
            security_token: c.security_token,
            expiration: None,
        }
    }
}

/// Fixed credentials.
#[derive(Debug, Clone)]
pub struct StaticCredentialsProvider {
    credentials: Credentials,
}

impl StaticCredentialsProvider {
    /// Long-term keys.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        StaticCredentialsProvider {
            credentials: Credentials::new(access_key_id, access_key_secret),
        }
    }

    /// Temporary (STS) keys with their security token.
    pub fn with_token(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        StaticCredentialsProvider {
            credentials: Credentials::with_token(access_key_id, access_key_secret, security_token),
        }
    }
}

impl From<Credentials> for StaticCredentialsProvider {
    fn from(credentials: Credentials) -> Self {
        StaticCredentialsProvider { credentials }
    }
}

impl CredentialsProvider for StaticCredentialsProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        let c = self.credentials.clone();
        Box::pin(async move { Ok(c) })
    }
}

/// Seconds since the Unix epoch as a [`SystemTime`].
pub(crate) fn unix_to_system_time(unix: i64) -> SystemTime {
    if unix >= 0 {
        SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(unix as u64)
    } else {
        SystemTime::UNIX_EPOCH - std::time::Duration::from_secs(unix.unsigned_abs())
    }
}

/// Parses an `Expiration` (`2015-04-09T11:52:19Z`) into a [`SystemTime`].
pub(crate) fn parse_expiration(text: &str, what: &str) -> Result<SystemTime> {
    osskit_proto::date::rfc3339_to_unixtime(text.trim())
        .map(unix_to_system_time)
        .map_err(|_| {
            crate::Error::credentials(format!(
                "{what}: the expiration {text:?} is not an RFC 3339 time"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn static_with_token() {
        let c = StaticCredentialsProvider::with_token("a", "b", "t")
            .credentials()
            .await
            .unwrap();
        assert_eq!(c.security_token.as_deref(), Some("t"));
        let shared: Arc<dyn CredentialsProvider> =
            Arc::new(StaticCredentialsProvider::new("a", "b"));
        assert_eq!(shared.credentials().await.unwrap().access_key_id, "a");
    }

    #[test]
    fn expirations() {
        assert_eq!(
            parse_expiration("2015-04-09T11:52:19Z", "x").unwrap(),
            unix_to_system_time(1_428_580_339)
        );
        let e = parse_expiration("tomorrow", "STS at x").unwrap_err();
        assert!(e.to_string().contains("STS at x"), "{e}");
        assert!(e.to_string().contains("tomorrow"), "{e}");
    }
}
