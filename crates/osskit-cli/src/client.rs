//! SDK clients built from the resolved [`Settings`]: the signing setup of the credential
//! mode, one HTTP session (timeouts, proxy, bandwidth limit) and per-bucket overrides.

use std::sync::Arc;
use std::time::Duration;

use osskit::credentials::{
    AssumeRoleProvider, CliProfileProvider, CredentialsCache, CredentialsProvider,
    CredentialsUriProvider, DefaultCredentialsChain, EcsRamRoleProvider,
    EnvironmentCredentialsProvider, IniProfileProvider, OidcRoleProvider,
    ProcessCredentialsProvider, StaticCredentialsProvider,
};
use osskit::proto::sign::SigningVersion;
use osskit::retry::RetryPolicy;
use osskit::{AuthConfig, Bucket, Service, Session};

use crate::error::CliError;
use crate::settings::{Addressing, CredentialMode, Settings, SignVersion};

/// Makes clients for any bucket of one account; they share one connection pool.
#[derive(Debug, Clone)]
pub struct Clients {
    settings: Settings,
    auth: AuthConfig,
    session: Session,
}

/// The signing setup of the settings' credential mode.
pub fn auth_config(settings: &Settings) -> Result<AuthConfig, CliError> {
    let version = match settings.sign_version {
        SignVersion::V1 => SigningVersion::V1,
        SignVersion::V4 => SigningVersion::V4,
    };
    let get = |key: &str| settings.credential(key).map(str::to_string);
    let need = |key: &str| {
        get(key).ok_or_else(|| CliError::usage(format!("missing credentials: no {key}")))
    };
    let sdk = |what: &str, e: osskit::Error| CliError::oss(format!("cannot use {what}"), e);
    let duration = settings
        .credentials
        .get("role-duration")
        .map(|s| {
            s.value
                .parse::<u64>()
                .map(Duration::from_secs)
                .map_err(|_| {
                    CliError::usage(format!(
                        "role-duration {:?} (from {}) is not a number of seconds",
                        s.value, s.source
                    ))
                })
        })
        .transpose()?;
    let provider: Arc<dyn CredentialsProvider> = match settings.mode {
        CredentialMode::Anonymous => return Ok(AuthConfig::Anonymous),
        CredentialMode::Ak => Arc::new(StaticCredentialsProvider::new(
            need("access-key-id")?,
            need("access-key-secret")?,
        )),
        CredentialMode::StsToken => Arc::new(StaticCredentialsProvider::with_token(
            need("access-key-id")?,
            need("access-key-secret")?,
            need("sts-token")?,
        )),
        CredentialMode::RamRoleArn => {
            let source = match get("sts-token") {
                Some(token) => StaticCredentialsProvider::with_token(
                    need("access-key-id")?,
                    need("access-key-secret")?,
                    token,
                ),
                None => StaticCredentialsProvider::new(
                    need("access-key-id")?,
                    need("access-key-secret")?,
                ),
            };
            let mut b = AssumeRoleProvider::builder(source, need("role-arn")?);
            if let Some(n) = get("role-session-name") {
                b = b.role_session_name(n);
            }
            if let Some(id) = get("external-id") {
                b = b.external_id(id);
            }
            if let Some(e) = get("sts-endpoint") {
                b = b.sts_endpoint(e);
            }
            if let Some(r) = get("sts-region") {
                b = b.sts_region(r);
            }
            if let Some(d) = duration {
                b = b.duration(d);
            }
            cached(b.build().map_err(|e| sdk("the RAM role", e))?)
        }
        CredentialMode::EcsRamRole => {
            let mut b = EcsRamRoleProvider::builder();
            if let Some(r) = get("ecs-role-name") {
                b = b.role_name(r);
            }
            if let Some(e) = get("imds-endpoint") {
                b = b.endpoint(e);
            }
            cached(b.build().map_err(|e| sdk("the instance's RAM role", e))?)
        }
        CredentialMode::OidcRoleArn => {
            let mut b = OidcRoleProvider::builder(
                need("role-arn")?,
                need("oidc-provider-arn")?,
                need("oidc-token-file-path")?,
            );
            if let Some(n) = get("role-session-name") {
                b = b.role_session_name(n);
            }
            if let Some(e) = get("sts-endpoint") {
                b = b.sts_endpoint(e);
            }
            if let Some(r) = get("sts-region") {
                b = b.sts_region(r);
            }
            if let Some(d) = duration {
                b = b.duration(d);
            }
            cached(b.build().map_err(|e| sdk("the OIDC role", e))?)
        }
        CredentialMode::Process => {
            let mut p = ProcessCredentialsProvider::new(&need("credential-process")?)
                .map_err(|e| sdk("credential-process", e))?;
            if let Some(t) = settings.credentials.get("credential-process-timeout") {
                let secs: u64 = t.value.parse().map_err(|_| {
                    CliError::usage(format!(
                        "credential-process-timeout {:?} (from {}) is not a number of seconds",
                        t.value, t.source
                    ))
                })?;
                p = p.timeout(Duration::from_secs(secs.clamp(1, 600)));
            }
            cached(p)
        }
        CredentialMode::CredentialsUri => cached(
            CredentialsUriProvider::new(need("credential-uri")?)
                .map_err(|e| sdk("credential-uri", e))?,
        ),
        CredentialMode::Environment => Arc::new(EnvironmentCredentialsProvider::new()),
        CredentialMode::CliProfile => {
            let mut p = CliProfileProvider::new();
            if let Some(n) = get("cli-profile") {
                p = p.profile(n);
            }
            cached(p)
        }
        CredentialMode::CredentialsFile => {
            let mut p = IniProfileProvider::new();
            if let Some(f) = get("credentials-file") {
                p = p.file(f);
            }
            if let Some(n) = get("credentials-profile") {
                p = p.profile(n);
            }
            cached(p)
        }
        CredentialMode::DefaultChain => cached(DefaultCredentialsChain::new()),
    };
    Ok(AuthConfig::Signed { version, provider })
}

/// A provider behind a cache that refreshes expiring credentials before they expire.
fn cached(p: impl CredentialsProvider) -> Arc<dyn CredentialsProvider> {
    Arc::new(CredentialsCache::new(p))
}

impl Clients {
    /// Clients signing with `settings`; `bandwidth_limit` bounds every transfer together.
    pub fn new(settings: Settings, bandwidth_limit: Option<u64>) -> Result<Clients, CliError> {
        let auth = auth_config(&settings)?;
        let mut b = Session::builder();
        if let Some(t) = settings.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(t) = settings.read_timeout {
            b = b.read_timeout(t);
        }
        if let Some(p) = &settings.proxy {
            b = b.proxy(p.clone());
        }
        if let Some(limit) = bandwidth_limit {
            b = b.bandwidth_limit(limit);
        }
        // Many files move at once: keep enough idle connections for them.
        b = b.pool_max_idle_per_host(64);
        let session = b
            .build()
            .map_err(|e| CliError::oss("cannot set up HTTP", e))?;
        Ok(Clients {
            settings,
            auth,
            session,
        })
    }

    /// The resolved settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn retry(&self) -> Option<RetryPolicy> {
        self.settings
            .retry_times
            .map(|n| RetryPolicy::with_max_attempts(n.max(1)))
    }

    /// The account-level client.
    pub fn service(&self) -> Result<Service, CliError> {
        let mut b = Service::builder(self.auth.clone(), &self.settings.endpoint)
            .session(self.session.clone())
            .app_name("oss-cli");
        if let Some(region) = &self.settings.region {
            b = b.region(region);
        }
        if let Some(r) = self.retry() {
            b = b.retry(r);
        }
        if let Some(t) = self.settings.read_timeout {
            b = b.read_timeout(t);
        }
        b.build()
            .map_err(|e| CliError::oss(format!("bad endpoint {:?}", self.settings.endpoint), e))
    }

    /// A client of `bucket` (with the bucket's own endpoint, region and addressing when the
    /// profile gives them).
    pub fn bucket(&self, bucket: &str) -> Result<Bucket, CliError> {
        let own = self.settings.buckets.get(bucket);
        let endpoint = own
            .and_then(|b| b.endpoint.clone())
            .unwrap_or_else(|| self.settings.endpoint.clone());
        let region = own
            .and_then(|b| b.region.clone())
            .or_else(|| self.settings.region.clone());
        let addressing = own
            .and_then(|b| b.addressing)
            .unwrap_or(self.settings.addressing);
        let mut b = Bucket::builder(self.auth.clone(), &endpoint, bucket)
            .session(self.session.clone())
            .app_name("oss-cli");
        if let Some(region) = &region {
            b = b.region(region);
        }
        match addressing {
            Addressing::Virtual => {}
            Addressing::Path => b = b.path_style(true),
            Addressing::Cname => b = b.is_cname(true),
        }
        if let Some(r) = self.retry() {
            b = b.retry(r);
        }
        if let Some(t) = self.settings.read_timeout {
            b = b.read_timeout(t);
        }
        b.build()
            .map_err(|e| CliError::oss(format!("cannot use bucket {bucket:?}"), e))
    }
}
