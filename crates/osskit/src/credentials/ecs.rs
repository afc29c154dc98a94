//! [`EcsRamRoleProvider`]: the RAM role of an ECS instance, from its metadata service.

use std::time::Duration;

use serde_json::Value;

use super::environment::Environment;
use super::http::{Http, HttpOptions};
use super::{parse_expiration, Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// The instance metadata service of ECS.
pub const DEFAULT_METADATA_ENDPOINT: &str = "http://100.100.100.200";
/// Role name variable.
pub(crate) const ENV_ECS_METADATA: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// Refuse the token-less (IMDSv1) fallback.
pub(crate) const ENV_IMDSV1_DISABLED: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";
/// Leave the instance metadata service out of the default chain.
pub(crate) const ENV_ECS_METADATA_DISABLED: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";

const CREDENTIALS_PATH: &str = "/latest/meta-data/ram/security-credentials/";
const TOKEN_PATH: &str = "/latest/api/token";
const TOKEN_TTL_HEADER: &str = "x-aliyun-ecs-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aliyun-ecs-metadata-token";
/// Lifetime asked for the session token (6 hours, the maximum).
const TOKEN_TTL_SECS: u32 = 21_600;

/// Temporary credentials of the RAM role attached to the ECS instance (or ACK node), from
/// the instance metadata service at `http://100.100.100.200`:
///
/// 1. `PUT /latest/api/token` for a session token (IMDSv2), sent with the next calls; if
///    the service gives none, the calls go without (IMDSv1) unless that is disabled
///    ([`disable_imds_v1`](EcsRamRoleProviderBuilder::disable_imds_v1) or
///    `ALIBABA_CLOUD_IMDSV1_DISABLED=true`);
/// 2. the role name, unless given (`ALIBABA_CLOUD_ECS_METADATA`);
/// 3. `GET /latest/meta-data/ram/security-credentials/<role>`.
///
/// The service is reached without proxy, with 1 s connect and read timeouts by default (as
/// the official SDKs do).
///
/// ```
/// use osskit::credentials::EcsRamRoleProvider;
/// let provider = EcsRamRoleProvider::builder()
///     .role_name("OssAccessRole")
///     .disable_imds_v1(true)
///     .build()
///     .unwrap();
/// ```
#[derive(Debug)]
pub struct EcsRamRoleProvider {
    endpoint: String,
    role_name: Option<String>,
    disable_imds_v1: bool,
    http: Http,
}

/// Settings of an [`EcsRamRoleProvider`].
#[derive(Debug)]
pub struct EcsRamRoleProviderBuilder {
    endpoint: String,
    role_name: Option<String>,
    disable_imds_v1: Option<bool>,
    http: HttpOptions,
    env: Environment,
}

impl EcsRamRoleProvider {
    /// A builder with the defaults.
    pub fn builder() -> EcsRamRoleProviderBuilder {
        EcsRamRoleProviderBuilder {
            endpoint: DEFAULT_METADATA_ENDPOINT.to_string(),
            role_name: None,
            disable_imds_v1: None,
            http: HttpOptions::new()
                .connect_timeout(Duration::from_secs(1))
                .read_timeout(Duration::from_secs(1)),
            env: Environment::process(),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.endpoint)
    }

    /// The session token, `None` when the service gives none and IMDSv1 is allowed.
    async fn token(&self) -> Result<Option<String>> {
        let request = self
            .http
            .client()
            .put(self.url(TOKEN_PATH))
            .header(TOKEN_TTL_HEADER, TOKEN_TTL_SECS.to_string());
        let what = format!("getting an instance metadata token from {}", self.endpoint);
        match self.http.send(request, &what).await {
            Ok(answer) if answer.status == 200 => {
                let token = answer.body_text();
                Ok((!token.is_empty()).then_some(token))
            }
            // Nothing listens there: the next calls would fail the same way.
            Err(e) if e.connect => Err(e.into()),
            Ok(answer) if self.disable_imds_v1 => Err(Error::credentials(format!(
                "{what} failed (HTTP {}: {}) and IMDSv1 is disabled",
                answer.status,
                answer.text()
            ))),
            Err(e) if self.disable_imds_v1 => Err(Error::credentials(format!(
                "{} and IMDSv1 is disabled",
                e.message
            ))),
            _ => Ok(None),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>, what: &str) -> Result<String> {
        let mut request = self.http.client().get(self.url(path));
        if let Some(token) = token {
            request = request.header(TOKEN_HEADER, token);
        }
        let answer = self.http.send(request, what).await?;
        if answer.status != 200 {
            return Err(Error::credentials(format!(
                "{what} failed: HTTP {}: {}",
                answer.status,
                answer.text()
            )));
        }
        Ok(answer.body_text())
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = self.token().await?;
        let role = match &self.role_name {
            Some(role) => role.clone(),
            None => {
                let what = format!("getting the instance's RAM role from {}", self.endpoint);
                let role = self.get(CREDENTIALS_PATH, token.as_deref(), &what).await?;
                let role = role.lines().next().unwrap_or_default().trim().to_string();
                if role.is_empty() {
                    return Err(Error::credentials(format!(
                        "{what}: the instance has no RAM role"
                    )));
                }
                role
            }
        };
        let what = format!(
            "getting the credentials of the RAM role {role} from {}",
            self.endpoint
        );
        let path = format!(
            "{CREDENTIALS_PATH}{}",
            osskit_proto::encoding::quote(&role, "")
        );
        let text = self.get(&path, token.as_deref(), &what).await?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|_| Error::credentials(format!("{what}: the answer is not JSON: {text}")))?;
        if let Some(code) = doc.get("Code").and_then(Value::as_str) {
            if code != "Success" {
                return Err(Error::credentials(format!(
                    "{what}: the service answered Code {code:?}"
                )));
            }
        }
        let field = |name: &str| {
            doc.get(name)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::credentials(format!("{what}: the answer has no {name}")))
        };
        Ok(Credentials::with_token(
            field("AccessKeyId")?,
            field("AccessKeySecret")?,
            field("SecurityToken")?,
        )
        .expires_at(parse_expiration(field("Expiration")?, &what)?))
    }
}

impl EcsRamRoleProviderBuilder {
    /// The role name (default `ALIBABA_CLOUD_ECS_METADATA`, else asked from the service:
    /// naming it saves a request).
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }

    /// Refuse to fall back to IMDSv1 (no session token) (default:
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED`).
    pub fn disable_imds_v1(mut self, yes: bool) -> Self {
        self.disable_imds_v1 = Some(yes);
        self
    }

    /// The metadata service's URL (default `http://100.100.100.200`).
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = url.into().trim().trim_end_matches('/').to_string();
        self
    }

    /// HTTP timeouts (default 1 s each) or client.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Where the defaults are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The provider.
    pub fn build(self) -> Result<EcsRamRoleProvider> {
        Ok(EcsRamRoleProvider {
            role_name: self
                .role_name
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .or_else(|| self.env.var(ENV_ECS_METADATA)),
            disable_imds_v1: self
                .disable_imds_v1
                .unwrap_or_else(|| self.env.flag(ENV_IMDSV1_DISABLED)),
            http: Http::new(&self.http, false)?,
            endpoint: self.endpoint,
        })
    }
}

impl CredentialsProvider for EcsRamRoleProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}
