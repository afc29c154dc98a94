//! How requests are signed: V1 ([`Auth`]), V2 ([`AuthV2`]), V4 ([`AuthV4`]), STS
//! ([`StsAuth`]), from a [`CredentialsProvider`] ([`ProviderAuth`], [`ProviderAuthV2`],
//! [`ProviderAuthV4`]), or not at all
//! ([`AnonymousAuth`], which must be asked for explicitly).
//!
//! Every type converts into [`AuthConfig`], which is what `Bucket` and `Service` take.
//!
//! ```
//! use osskit::auth::{Auth, AuthConfig, AuthV2, AuthV4, StsAuth, AnonymousAuth};
//! use osskit_proto::sign::SigningVersion;
//! let v1: AuthConfig = Auth::new("ak", "sk").into();
//! assert_eq!(v1.version(), Some(SigningVersion::V1));
//! let v2: AuthConfig = AuthV2::new("ak", "sk").into();
//! assert_eq!(v2.version(), Some(SigningVersion::V2));
//! let v4: AuthConfig = AuthV4::new("ak", "sk").into();
//! assert_eq!(v4.version(), Some(SigningVersion::V4));
//! let sts: AuthConfig = StsAuth::new("ak", "sk", "token").v4().into();
//! assert_eq!(sts.version(), Some(SigningVersion::V4));
//! let anon: AuthConfig = AnonymousAuth.into();
//! assert_eq!(anon.version(), None);
//! ```

use std::sync::Arc;

use osskit_proto::sign::SigningVersion;

use crate::credentials::{CredentialsCache, CredentialsProvider, StaticCredentialsProvider};

/// The signing setup of a client: a signature version with a credentials provider, or
/// anonymous access.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// Sign every request with credentials from the provider.
    Signed {
        /// V1, V2 or V4.
        version: SigningVersion,
        /// Asked for credentials before every request attempt (put a
        /// [`CredentialsCache`] around a provider that fetches them remotely).
        provider: Arc<dyn CredentialsProvider>,
    },
    /// Send requests unsigned.
    Anonymous,
}

impl AuthConfig {
    /// The signature version, `None` for anonymous access.
    pub fn version(&self) -> Option<SigningVersion> {
        match self {
            AuthConfig::Signed { version, .. } => Some(*version),
            AuthConfig::Anonymous => None,
        }
    }
}

/// Signature V1 with long-term keys (oss2's `Auth`).
#[derive(Debug, Clone)]
pub struct Auth {
    provider: StaticCredentialsProvider,
}

impl Auth {
    /// Keys are trimmed, as oss2 does.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Auth {
            provider: StaticCredentialsProvider::new(access_key_id, access_key_secret),
        }
    }
}

impl From<Auth> for AuthConfig {
    fn from(a: Auth) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V1,
            provider: Arc::new(a.provider),
        }
    }
}

/// Signature V2 with long-term keys (oss2's `AuthV2`): HMAC-SHA256 over every query
/// parameter, `Range` and `If-Modified-Since` signed when sent.
#[derive(Debug, Clone)]
pub struct AuthV2 {
    provider: StaticCredentialsProvider,
}

impl AuthV2 {
    /// Keys are trimmed, as oss2 does.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        AuthV2 {
            provider: StaticCredentialsProvider::new(access_key_id, access_key_secret),
        }
    }
}

impl From<AuthV2> for AuthConfig {
    fn from(a: AuthV2) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V2,
            provider: Arc::new(a.provider),
        }
    }
}

/// Signature V4 with long-term keys (oss2's `AuthV4`). The region comes from the `Bucket` or
/// `Service` (`.region(..)`), else from a public endpoint host such as
/// `oss-cn-hangzhou.aliyuncs.com`.
#[derive(Debug, Clone)]
pub struct AuthV4 {
    provider: StaticCredentialsProvider,
}

impl AuthV4 {
    /// Keys are trimmed, as oss2 does.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        AuthV4 {
            provider: StaticCredentialsProvider::new(access_key_id, access_key_secret),
        }
    }
}

impl From<AuthV4> for AuthConfig {
    fn from(a: AuthV4) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V4,
            provider: Arc::new(a.provider),
        }
    }
}

/// Temporary credentials with an STS security token (V1 unless [`StsAuth::v4`]).
#[derive(Debug, Clone)]
pub struct StsAuth {
    provider: StaticCredentialsProvider,
    version: SigningVersion,
}

impl StsAuth {
    /// STS keys and token, signed with V1.
    pub fn new(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        StsAuth {
            provider: StaticCredentialsProvider::with_token(
                access_key_id,
                access_key_secret,
                security_token,
            ),
            version: SigningVersion::V1,
        }
    }

    /// Sign with V4 instead.
    pub fn v4(mut self) -> Self {
        self.version = SigningVersion::V4;
        self
    }

    /// Sign with V2 instead.
    pub fn v2(mut self) -> Self {
        self.version = SigningVersion::V2;
        self
    }
}

impl From<StsAuth> for AuthConfig {
    fn from(a: StsAuth) -> Self {
        AuthConfig::Signed {
            version: a.version,
            provider: Arc::new(a.provider),
        }
    }
}

/// No signature: only public-read (or public-read-write) resources are reachable.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnonymousAuth;

impl From<AnonymousAuth> for AuthConfig {
    fn from(_: AnonymousAuth) -> Self {
        AuthConfig::Anonymous
    }
}

/// Signature V1 with credentials from a provider, behind a
/// [`CredentialsCache`]: expiring credentials are
/// kept and refreshed before they expire, others are asked for before each request.
///
/// ```
/// use osskit::ProviderAuth;
/// use osskit::credentials::DefaultCredentialsChain;
/// let auth = ProviderAuth::new(DefaultCredentialsChain::new());
/// ```
#[derive(Debug, Clone)]
pub struct ProviderAuth {
    provider: Arc<dyn CredentialsProvider>,
}

impl ProviderAuth {
    /// Signs with credentials from `provider`, behind a cache of its own.
    pub fn new(provider: impl CredentialsProvider) -> Self {
        ProviderAuth {
            provider: Arc::new(CredentialsCache::new(provider)),
        }
    }

    /// Signs with credentials from `provider` as it is: no cache is added (for a
    /// [`CredentialsCache`] built with other settings, or shared with other clients).
    pub fn uncached(provider: Arc<dyn CredentialsProvider>) -> Self {
        ProviderAuth { provider }
    }
}

impl From<ProviderAuth> for AuthConfig {
    fn from(a: ProviderAuth) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V1,
            provider: a.provider,
        }
    }
}

/// Signature V2 with credentials from a provider, behind a
/// [`CredentialsCache`] (see [`ProviderAuth`]).
#[derive(Debug, Clone)]
pub struct ProviderAuthV2 {
    provider: Arc<dyn CredentialsProvider>,
}

impl ProviderAuthV2 {
    /// Signs with credentials from `provider`, behind a cache of its own.
    pub fn new(provider: impl CredentialsProvider) -> Self {
        ProviderAuthV2 {
            provider: Arc::new(CredentialsCache::new(provider)),
        }
    }

    /// Signs with credentials from `provider` as it is: no cache is added.
    pub fn uncached(provider: Arc<dyn CredentialsProvider>) -> Self {
        ProviderAuthV2 { provider }
    }
}

impl From<ProviderAuthV2> for AuthConfig {
    fn from(a: ProviderAuthV2) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V2,
            provider: a.provider,
        }
    }
}

/// Signature V4 with credentials from a provider, behind a
/// [`CredentialsCache`] (see [`ProviderAuth`]).
#[derive(Debug, Clone)]
pub struct ProviderAuthV4 {
    provider: Arc<dyn CredentialsProvider>,
}

impl ProviderAuthV4 {
    /// Signs with credentials from `provider`, behind a cache of its own.
    pub fn new(provider: impl CredentialsProvider) -> Self {
        ProviderAuthV4 {
            provider: Arc::new(CredentialsCache::new(provider)),
        }
    }

    /// Signs with credentials from `provider` as it is: no cache is added.
    pub fn uncached(provider: Arc<dyn CredentialsProvider>) -> Self {
        ProviderAuthV4 { provider }
    }
}

impl From<ProviderAuthV4> for AuthConfig {
    fn from(a: ProviderAuthV4) -> Self {
        AuthConfig::Signed {
            version: SigningVersion::V4,
            provider: a.provider,
        }
    }
}
