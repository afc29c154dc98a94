//! Where credentials come from: a [`CredentialsProvider`] is asked for keys on every request,
//! so rotating credentials (STS) only need a provider that returns fresh ones.
//!
//! ```
//! use osskit::credentials::{CredentialsProvider, StaticCredentialsProvider};
//! let p = StaticCredentialsProvider::new("ak", "sk");
//! let c = p.credentials().unwrap();
//! assert_eq!(c.access_key_id, "ak");
//! assert!(c.security_token.is_none());
//! ```

use crate::error::{Error, Result};

pub use osskit_proto::sign::Credentials;

/// A source of credentials, asked once per request (and per retry attempt).
pub trait CredentialsProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The credentials to sign the next request with.
    fn credentials(&self) -> Result<Credentials, Error>;
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
    fn credentials(&self) -> Result<Credentials, Error> {
        Ok(self.credentials.clone())
    }
}

/// Reads `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` and (optionally) `OSS_SESSION_TOKEN`
/// from the environment on every request.
#[derive(Debug, Clone, Copy, Default)]
pub struct EnvironmentCredentialsProvider;

/// Name of the access key id variable.
pub const ENV_ACCESS_KEY_ID: &str = "OSS_ACCESS_KEY_ID";
/// Name of the access key secret variable.
pub const ENV_ACCESS_KEY_SECRET: &str = "OSS_ACCESS_KEY_SECRET";
/// Name of the STS token variable.
pub const ENV_SESSION_TOKEN: &str = "OSS_SESSION_TOKEN";

impl EnvironmentCredentialsProvider {
    /// The provider.
    pub fn new() -> Self {
        EnvironmentCredentialsProvider
    }

    /// The credentials found by `lookup` (a stand-in for the environment, for tests).
    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Credentials, Error> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let id = get(ENV_ACCESS_KEY_ID).ok_or_else(|| {
            Error::credentials(format!(
                "the environment variable {ENV_ACCESS_KEY_ID} is not set"
            ))
        })?;
        let secret = get(ENV_ACCESS_KEY_SECRET).ok_or_else(|| {
            Error::credentials(format!(
                "the environment variable {ENV_ACCESS_KEY_SECRET} is not set"
            ))
        })?;
        Ok(match get(ENV_SESSION_TOKEN) {
            Some(token) => Credentials::with_token(id, secret, token),
            None => Credentials::new(id, secret),
        })
    }
}

impl CredentialsProvider for EnvironmentCredentialsProvider {
    fn credentials(&self) -> Result<Credentials, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn environment_reads_all_three() {
        let c = EnvironmentCredentialsProvider::from_lookup(lookup(&[
            (ENV_ACCESS_KEY_ID, " id "),
            (ENV_ACCESS_KEY_SECRET, "secret"),
            (ENV_SESSION_TOKEN, "tok"),
        ]))
        .unwrap();
        assert_eq!(c.access_key_id, "id");
        assert_eq!(c.access_key_secret, "secret");
        assert_eq!(c.security_token.as_deref(), Some("tok"));
    }

    #[test]
    fn environment_missing_names_the_variable() {
        let e = EnvironmentCredentialsProvider::from_lookup(lookup(&[(ENV_ACCESS_KEY_ID, "id")]))
            .unwrap_err();
        assert!(matches!(e, Error::Credentials { .. }));
        assert!(e.to_string().contains("OSS_ACCESS_KEY_SECRET"), "{e}");
        let e = EnvironmentCredentialsProvider::from_lookup(lookup(&[])).unwrap_err();
        assert!(e.to_string().contains("OSS_ACCESS_KEY_ID"), "{e}");
    }

    #[test]
    fn static_with_token() {
        let c = StaticCredentialsProvider::with_token("a", "b", "t")
            .credentials()
            .unwrap();
        assert_eq!(c.security_token.as_deref(), Some("t"));
    }
}
