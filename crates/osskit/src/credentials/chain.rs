//! Chains of providers: [`CredentialsChain`] (any order) and [`DefaultCredentialsChain`]
//! (the official SDKs' order).

use std::sync::{Arc, Mutex};

use super::ecs::ENV_ECS_METADATA_DISABLED;
use super::environment::{Environment, EnvironmentCredentialsProvider};
use super::http::HttpOptions;
use super::profile::{CliProfileProvider, IniProfileProvider, Settings, ENV_CLI_PROFILE_DISABLED};
use super::sts::OidcRoleProvider;
use super::uri::{CredentialsUriProvider, ENV_CREDENTIALS_URI};
use super::{Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// Providers tried in order: the first that gives credentials is remembered and asked
/// alone from then on (as the official SDKs do). When none gives any, the error lists each
/// provider with why it gave none.
///
/// ```
/// use osskit::credentials::{CredentialsChain, CredentialsProvider, Environment,
///     EnvironmentCredentialsProvider, StaticCredentialsProvider};
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let empty = Environment::from_vars(Vec::<(String, String)>::new());
/// let chain = CredentialsChain::new()
///     .with("environment", EnvironmentCredentialsProvider::with_environment(empty))
///     .with("fallback keys", StaticCredentialsProvider::new("ak", "sk"));
/// assert_eq!(chain.credentials().await.unwrap().access_key_id, "ak");
/// # }
/// ```
#[derive(Debug, Default)]
pub struct CredentialsChain {
    providers: Vec<(String, Arc<dyn CredentialsProvider>)>,
    skipped: Vec<(String, String)>,
    chosen: Mutex<Option<usize>>,
}

impl CredentialsChain {
    /// An empty chain.
    pub fn new() -> Self {
        CredentialsChain::default()
    }

    /// Adds `provider`, named `name` in errors, after the others.
    pub fn with(mut self, name: impl Into<String>, provider: impl CredentialsProvider) -> Self {
        self.providers.push((name.into(), Arc::new(provider)));
        self
    }

    /// Notes a provider that was not added, and why (listed in the error).
    fn skip(mut self, name: impl Into<String>, why: impl Into<String>) -> Self {
        self.skipped.push((name.into(), why.into()));
        self
    }

    /// The names of the providers, in order.
    pub fn names(&self) -> Vec<&str> {
        self.providers.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The name of the provider that gave credentials, once one has.
    pub fn chosen(&self) -> Option<&str> {
        let i = (*self.chosen.lock().unwrap_or_else(|e| e.into_inner()))?;
        self.providers.get(i).map(|(n, _)| n.as_str())
    }

    async fn fetch(&self) -> Result<Credentials> {
        let chosen = *self.chosen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = chosen {
            if let Some((name, provider)) = self.providers.get(i) {
                return provider.credentials().await.map_err(|e| match e {
                    Error::Credentials { message } => {
                        Error::credentials(format!("{name}: {}", unlabelled(name, &message)))
                    }
                    other => other,
                });
            }
        }
        let mut tried = Vec::new();
        for (i, (name, provider)) in self.providers.iter().enumerate() {
            match provider.credentials().await {
                Ok(c) => {
                    tracing::debug!(target: "osskit", provider = %name, "credentials found");
                    *self.chosen.lock().unwrap_or_else(|e| e.into_inner()) = Some(i);
                    return Ok(c);
                }
                Err(e) => {
                    let message = match &e {
                        Error::Credentials { message } => message.clone(),
                        other => other.to_string(),
                    };
                    tried.push(format!("{name}: {}", unlabelled(name, &message)));
                }
            }
        }
        for (name, why) in &self.skipped {
            tried.push(format!("{name}: {why}"));
        }
        Err(Error::credentials(format!(
            "no provider of the chain gave credentials; tried: {}",
            tried.join("; ")
        )))
    }
}

/// `message` without a leading `name: ` (providers name themselves in their errors).
fn unlabelled<'a>(name: &str, message: &'a str) -> &'a str {
    message
        .strip_prefix(name)
        .and_then(|m| m.strip_prefix(": "))
        .unwrap_or(message)
}

impl CredentialsProvider for CredentialsChain {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// The default chain of the official Alibaba Cloud credentials SDKs (credentials-go,
/// credentials-python), in their order:
///
/// 1. **environment**: `OSS_ACCESS_KEY_ID`/`OSS_ACCESS_KEY_SECRET`/`OSS_SESSION_TOKEN`, else
///    `ALIBABA_CLOUD_ACCESS_KEY_ID`/`ALIBABA_CLOUD_ACCESS_KEY_SECRET`/`ALIBABA_CLOUD_SECURITY_TOKEN`
///    ([`EnvironmentCredentialsProvider`]);
/// 2. **OIDC role** (RRSA), when `ALIBABA_CLOUD_ROLE_ARN`, `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`
///    and `ALIBABA_CLOUD_OIDC_TOKEN_FILE` are all set ([`OidcRoleProvider`]);
/// 3. **CLI profile**: `~/.aliyun/config.json` (or `~/.alibabacloud/config.json`,
///    `ALIBABA_CLOUD_CONFIG_FILE`), profile `ALIBABA_CLOUD_PROFILE` or `current`, unless
///    `ALIBABA_CLOUD_CLI_PROFILE_DISABLED=true` ([`CliProfileProvider`]);
/// 4. **credentials file**: `~/.alibabacloud/credentials` (or `ALIBABA_CLOUD_CREDENTIALS_FILE`),
///    section `ALIBABA_CLOUD_PROFILE` or `default` ([`IniProfileProvider`]);
/// 5. **ECS RAM role** from the instance metadata service, unless
///    `ALIBABA_CLOUD_ECS_METADATA_DISABLED=true` (role `ALIBABA_CLOUD_ECS_METADATA` or
///    asked; [`EcsRamRoleProvider`](super::EcsRamRoleProvider));
/// 6. **credentials URI**, when `ALIBABA_CLOUD_CREDENTIALS_URI` is set
///    ([`CredentialsUriProvider`]).
///
/// The first step that gives credentials is used from then on. The OSS variables in step 1
/// are this SDK's addition (the OSS SDKs' names); the rest is the official order. When
/// every step fails, the error lists each with its reason, for example:
///
/// ```text
/// credentials unavailable: no provider of the chain gave credentials; tried:
/// environment: neither OSS_ACCESS_KEY_ID nor ALIBABA_CLOUD_ACCESS_KEY_ID is set;
/// CLI profile: neither /home/u/.aliyun/config.json nor /home/u/.alibabacloud/config.json exists;
/// credentials file: neither /home/u/.alibabacloud/credentials nor … exists;
/// ECS RAM role: getting an instance metadata token from http://100.100.100.200 failed: …;
/// OIDC role: not configured (ALIBABA_CLOUD_ROLE_ARN, … not set);
/// credentials URI: not configured (ALIBABA_CLOUD_CREDENTIALS_URI not set)
/// ```
///
/// ```no_run
/// use osskit::{Bucket, ProviderAuthV4};
/// use osskit::credentials::DefaultCredentialsChain;
/// let auth = ProviderAuthV4::new(DefaultCredentialsChain::new());
/// let bucket = Bucket::new(auth, "https://oss-cn-hangzhou.aliyuncs.com", "examplebucket").unwrap();
/// ```
#[derive(Debug)]
pub struct DefaultCredentialsChain {
    chain: CredentialsChain,
}

/// Settings of a [`DefaultCredentialsChain`].
#[derive(Debug, Default)]
pub struct DefaultCredentialsChainBuilder {
    settings: Settings,
}

impl Default for DefaultCredentialsChain {
    fn default() -> Self {
        DefaultCredentialsChain::new()
    }
}

impl DefaultCredentialsChain {
    /// The chain over the process environment and the real endpoints.
    pub fn new() -> Self {
        DefaultCredentialsChain::builder().build()
    }

    /// A builder to read another environment or reach other endpoints.
    pub fn builder() -> DefaultCredentialsChainBuilder {
        DefaultCredentialsChainBuilder::default()
    }

    /// The steps of the chain that are configured, in order.
    pub fn names(&self) -> Vec<&str> {
        self.chain.names()
    }

    /// The step that gave credentials, once one has.
    pub fn chosen(&self) -> Option<&str> {
        self.chain.chosen()
    }
}

impl DefaultCredentialsChainBuilder {
    /// Where variables and the home directory are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.settings.env = env;
        self
    }

    /// STS endpoint of the OIDC step and of the profiles that name none (default
    /// `sts.aliyuncs.com`, or per `ALIBABA_CLOUD_STS_REGION`).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.settings.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The instance metadata service (default `http://100.100.100.200`).
    pub fn imds_endpoint(mut self, url: impl Into<String>) -> Self {
        self.settings.imds_endpoint = Some(url.into());
        self
    }

    /// HTTP settings of the STS and URI steps.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.settings.http = Some(options);
        self
    }

    /// The chain. Steps that cannot be set up (a malformed variable) are listed with their
    /// reason in the chain's error.
    pub fn build(self) -> DefaultCredentialsChain {
        let s = self.settings;
        let env = &s.env;
        let mut chain = CredentialsChain::new().with(
            "environment",
            EnvironmentCredentialsProvider::with_environment(env.clone()),
        );
        let mut oidc_skipped = None;
        match OidcRoleProvider::from_environment(env) {
            Ok(mut b) => {
                if let Some(e) = &s.sts_endpoint {
                    b = b.sts_endpoint(e.clone());
                }
                if let Some(h) = &s.http {
                    b = b.http(h.clone());
                }
                match b.build() {
                    Ok(p) => chain = chain.with("OIDC role", p),
                    Err(e) => oidc_skipped = Some(e.to_string()),
                }
            }
            Err(e) => {
                oidc_skipped = Some(format!(
                    "not configured ({})",
                    e.to_string()
                        .trim_start_matches("credentials unavailable: OIDC role: ")
                ))
            }
        }
        if env.flag(ENV_CLI_PROFILE_DISABLED) {
            chain = chain.skip(
                "CLI profile",
                format!("disabled by {ENV_CLI_PROFILE_DISABLED}"),
            );
        } else {
            chain = chain.with(
                "CLI profile",
                CliProfileProvider::new().with_settings(s.clone()),
            );
        }
        chain = chain.with(
            "credentials file",
            IniProfileProvider::new().with_settings(s.clone()),
        );
        if env.flag(ENV_ECS_METADATA_DISABLED) {
            chain = chain.skip(
                "ECS RAM role",
                format!("disabled by {ENV_ECS_METADATA_DISABLED}"),
            );
        } else {
            match s.ecs(None) {
                Ok(p) => chain = chain.with("ECS RAM role", p),
                Err(e) => chain = chain.skip("ECS RAM role", e.to_string()),
            }
        }
        if let Some(why) = oidc_skipped {
            chain = chain.skip("OIDC role", why);
        }
        match env.var(ENV_CREDENTIALS_URI) {
            Some(uri) => {
                match CredentialsUriProvider::with_http(uri, s.http.clone().unwrap_or_default()) {
                    Ok(p) => chain = chain.with("credentials URI", p),
                    Err(e) => chain = chain.skip("credentials URI", e.to_string()),
                }
            }
            None => {
                chain = chain.skip(
                    "credentials URI",
                    format!("not configured ({ENV_CREDENTIALS_URI} not set)"),
                )
            }
        }
        DefaultCredentialsChain { chain }
    }
}

impl CredentialsProvider for DefaultCredentialsChain {
    fn credentials(&self) -> CredentialsFuture<'_> {
        self.chain.credentials()
    }
}
