//! Environment variables: the [`Environment`] providers read them from, and
//! [`EnvironmentCredentialsProvider`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::{Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// OSS's access key id variable (the Go SDK v2's and ossutil's).
pub const ENV_ACCESS_KEY_ID: &str = "OSS_ACCESS_KEY_ID";
/// OSS's access key secret variable.
pub const ENV_ACCESS_KEY_SECRET: &str = "OSS_ACCESS_KEY_SECRET";
/// OSS's STS token variable.
pub const ENV_SESSION_TOKEN: &str = "OSS_SESSION_TOKEN";
/// Alibaba Cloud's access key id variable (the credentials SDKs').
pub const ENV_ALIBABA_CLOUD_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Alibaba Cloud's access key secret variable.
pub const ENV_ALIBABA_CLOUD_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Alibaba Cloud's STS token variable.
pub const ENV_ALIBABA_CLOUD_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// Where providers read environment variables and the home directory from: the process
/// (the default), or a fixed set (tests, or configuration that must not depend on the
/// process environment).
///
/// ```
/// use osskit::credentials::Environment;
/// let env = Environment::from_vars([("ALIBABA_CLOUD_PROFILE", " dev "), ("EMPTY", "")])
///     .with_home_dir("/home/alice");
/// assert_eq!(env.var("ALIBABA_CLOUD_PROFILE").as_deref(), Some("dev")); // trimmed
/// assert_eq!(env.var("EMPTY"), None); // blank counts as unset
/// assert_eq!(env.var("PATH"), None); // only the given variables
/// assert_eq!(env.home_dir().unwrap(), std::path::Path::new("/home/alice"));
/// ```
#[derive(Clone, Default)]
pub struct Environment {
    vars: Option<Arc<HashMap<String, String>>>,
    home: Option<PathBuf>,
}

impl std::fmt::Debug for Environment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environment")
            .field(
                "vars",
                &match &self.vars {
                    None => "process".to_string(),
                    Some(v) => format!("{} fixed", v.len()),
                },
            )
            .field("home", &self.home)
            .finish()
    }
}

impl Environment {
    /// The process environment, read at each lookup.
    pub fn process() -> Environment {
        Environment::default()
    }

    /// Only these variables.
    pub fn from_vars<K: Into<String>, V: Into<String>>(
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Environment {
        Environment {
            vars: Some(Arc::new(
                vars.into_iter()
                    .map(|(k, v)| (k.into(), v.into()))
                    .collect(),
            )),
            home: None,
        }
    }

    /// The home directory to use (instead of `HOME`, or `USERPROFILE` on Windows).
    pub fn with_home_dir(mut self, home: impl Into<PathBuf>) -> Environment {
        self.home = Some(home.into());
        self
    }

    /// The trimmed value of `name`; `None` when unset, blank or not UTF-8.
    pub fn var(&self, name: &str) -> Option<String> {
        let value = match &self.vars {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// Whether `name` is set to `true` (any case) or `1`.
    pub fn flag(&self, name: &str) -> bool {
        self.var(name)
            .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
    }

    /// The home directory: the one given, else `HOME`, else `USERPROFILE`.
    pub fn home_dir(&self) -> Option<PathBuf> {
        self.home
            .clone()
            .or_else(|| self.var("HOME").map(PathBuf::from))
            .or_else(|| self.var("USERPROFILE").map(PathBuf::from))
    }
}

/// Credentials from environment variables, read on every call: `OSS_ACCESS_KEY_ID`,
/// `OSS_ACCESS_KEY_SECRET` and optionally `OSS_SESSION_TOKEN` (the OSS SDKs' names) when
/// `OSS_ACCESS_KEY_ID` is set, else `ALIBABA_CLOUD_ACCESS_KEY_ID`,
/// `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and optionally `ALIBABA_CLOUD_SECURITY_TOKEN` (the
/// credentials SDKs' names).
///
/// ```
/// use osskit::credentials::{CredentialsProvider, Environment, EnvironmentCredentialsProvider};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let env = Environment::from_vars([
///     ("ALIBABA_CLOUD_ACCESS_KEY_ID", "id"),
///     ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret"),
/// ]);
/// let c = EnvironmentCredentialsProvider::with_environment(env).credentials().await.unwrap();
/// assert_eq!(c.access_key_id, "id");
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct EnvironmentCredentialsProvider {
    env: Environment,
}

impl EnvironmentCredentialsProvider {
    /// The provider over the process environment.
    pub fn new() -> Self {
        EnvironmentCredentialsProvider::default()
    }

    /// The provider over `env`.
    pub fn with_environment(env: Environment) -> Self {
        EnvironmentCredentialsProvider { env }
    }

    /// The credentials the variables hold now.
    pub fn read(&self) -> Result<Credentials> {
        let sets = [
            (ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SESSION_TOKEN),
            (
                ENV_ALIBABA_CLOUD_ACCESS_KEY_ID,
                ENV_ALIBABA_CLOUD_ACCESS_KEY_SECRET,
                ENV_ALIBABA_CLOUD_SECURITY_TOKEN,
            ),
        ];
        for (id_var, secret_var, token_var) in sets {
            let Some(id) = self.env.var(id_var) else {
                continue;
            };
            let secret = self.env.var(secret_var).ok_or_else(|| {
                Error::credentials(format!(
                    "the environment variable {id_var} is set but {secret_var} is not"
                ))
            })?;
            return Ok(match self.env.var(token_var) {
                Some(token) => Credentials::with_token(id, secret, token),
                None => Credentials::new(id, secret),
            });
        }
        Err(Error::credentials(format!(
            "neither {ENV_ACCESS_KEY_ID} nor {ENV_ALIBABA_CLOUD_ACCESS_KEY_ID} is set"
        )))
    }
}

impl CredentialsProvider for EnvironmentCredentialsProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        let result = self.read();
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Credentials> {
        EnvironmentCredentialsProvider::with_environment(Environment::from_vars(
            vars.iter().copied(),
        ))
        .read()
    }

    #[test]
    fn oss_variables_first() {
        let c = read(&[
            (ENV_ACCESS_KEY_ID, " id "),
            (ENV_ACCESS_KEY_SECRET, "secret"),
            (ENV_SESSION_TOKEN, "tok"),
            (ENV_ALIBABA_CLOUD_ACCESS_KEY_ID, "other"),
            (ENV_ALIBABA_CLOUD_ACCESS_KEY_SECRET, "other"),
        ])
        .unwrap();
        assert_eq!(c.access_key_id, "id");
        assert_eq!(c.access_key_secret, "secret");
        assert_eq!(c.security_token.as_deref(), Some("tok"));
    }

    #[test]
    fn alibaba_cloud_variables() {
        let c = read(&[
            (ENV_ALIBABA_CLOUD_ACCESS_KEY_ID, "id"),
            (ENV_ALIBABA_CLOUD_ACCESS_KEY_SECRET, "secret"),
            (ENV_ALIBABA_CLOUD_SECURITY_TOKEN, "tok"),
        ])
        .unwrap();
        assert_eq!(
            (c.access_key_id.as_str(), c.security_token.as_deref()),
            ("id", Some("tok"))
        );
    }

    #[test]
    fn missing_names_the_variable() {
        let e = read(&[(ENV_ACCESS_KEY_ID, "id")]).unwrap_err();
        assert!(matches!(e, Error::Credentials { .. }));
        assert!(e.to_string().contains("OSS_ACCESS_KEY_SECRET"), "{e}");
        let e = read(&[]).unwrap_err();
        assert!(e.to_string().contains("OSS_ACCESS_KEY_ID"), "{e}");
        assert!(e.to_string().contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{e}");
    }

    #[test]
    fn flags_and_home() {
        let env = Environment::from_vars([("A", "TRUE"), ("B", "1"), ("C", "no"), ("HOME", "/h")]);
        assert!(env.flag("A") && env.flag("B") && !env.flag("C") && !env.flag("D"));
        assert_eq!(env.home_dir(), Some(PathBuf::from("/h")));
    }
}
