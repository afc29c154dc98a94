//! STS: [`AssumeRoleProvider`] (`AssumeRole` with other credentials) and
//! [`OidcRoleProvider`] (`AssumeRoleWithOIDC`, as RRSA on ACK provides).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use serde_json::Value;

use super::environment::Environment;
use super::http::{Answer, Http, HttpOptions};
use super::{parse_expiration, Credentials, CredentialsFuture, CredentialsProvider};
use crate::error::{Error, Result};

/// STS's API version.
const STS_VERSION: &str = "2015-04-01";
/// Default lifetime asked for (one hour).
const DEFAULT_DURATION: Duration = Duration::from_secs(3600);

/// Role ARN variable (RRSA, and a default of `AssumeRole` in the official SDKs).
pub(crate) const ENV_ROLE_ARN: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// OIDC provider ARN variable (RRSA).
pub(crate) const ENV_OIDC_PROVIDER_ARN: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// OIDC token file variable (RRSA).
pub(crate) const ENV_OIDC_TOKEN_FILE: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// Role session name variable.
pub(crate) const ENV_ROLE_SESSION_NAME: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";
/// STS region variable (`sts.<region>.aliyuncs.com`).
pub(crate) const ENV_STS_REGION: &str = "ALIBABA_CLOUD_STS_REGION";
/// Use the VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
pub(crate) const ENV_VPC_ENDPOINT_ENABLED: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";

/// Where STS is reached: an explicit endpoint, else `sts[-vpc].<region>.aliyuncs.com`, else
/// `sts.aliyuncs.com`; HTTPS unless a scheme is given.
#[derive(Debug, Clone, Default)]
pub(crate) struct StsEndpoint {
    pub explicit: Option<String>,
    pub region: Option<String>,
    pub vpc: Option<bool>,
}

impl StsEndpoint {
    pub fn url(&self, env: &Environment) -> String {
        if let Some(e) = self
            .explicit
            .as_deref()
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let e = e.trim_end_matches('/');
            return if e.contains("://") {
                e.to_string()
            } else {
                format!("https://{e}")
            };
        }
        let vpc = self
            .vpc
            .unwrap_or_else(|| env.flag(ENV_VPC_ENDPOINT_ENABLED));
        let prefix = if vpc { "sts-vpc" } else { "sts" };
        match self.region.clone().or_else(|| env.var(ENV_STS_REGION)) {
            Some(region) => format!("https://{prefix}.{region}.aliyuncs.com"),
            None => "https://sts.aliyuncs.com".to_string(),
        }
    }
}

/// `osskit-<microseconds>`, the session name when none is given.
fn default_session_name() -> String {
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("osskit-{micros}")
}

fn pairs(items: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    items
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
        .collect()
}

/// Sends an STS action (`query` in the URL, `form` in the body) and reads the credentials
/// of the answer.
async fn call_sts(
    http: &Http,
    endpoint: &str,
    action: &str,
    query: &[(String, String)],
    form: &[(String, String)],
) -> Result<Credentials> {
    let url = format!("{endpoint}/?{}", osskit_proto::encoding::form_query(query));
    let what = format!("STS {action} at {endpoint}");
    let request = http
        .client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-encoding", "identity")
        .body(osskit_proto::encoding::form_query(form));
    let answer = http.send(request, &what).await?;
    parse_sts_answer(&answer, &what)
}

/// The `Credentials` of an STS answer, or its error document as an error.
fn parse_sts_answer(answer: &Answer, what: &str) -> Result<Credentials> {
    let doc: Option<Value> = serde_json::from_slice(&answer.body).ok();
    if answer.status != 200 {
        let detail = match &doc {
            Some(d) if d.get("Code").is_some() => format!(
                "{}: {} (HTTP {}, request id {})",
                d["Code"].as_str().unwrap_or_default(),
                d["Message"].as_str().unwrap_or_default(),
                answer.status,
                d["RequestId"].as_str().unwrap_or("-")
            ),
            _ => format!("HTTP {}: {}", answer.status, answer.text()),
        };
        return Err(Error::credentials(format!("{what} failed: {detail}")));
    }
    let doc = doc.ok_or_else(|| {
        Error::credentials(format!("{what}: the answer is not JSON: {}", answer.text()))
    })?;
    credentials_from_json(&doc["Credentials"], what)
}

/// `{"AccessKeyId", "AccessKeySecret", "SecurityToken", "Expiration"}` → credentials; the
/// token and the expiry are required when `temporary`.
pub(crate) fn credentials_from_json(doc: &Value, what: &str) -> Result<Credentials> {
    let field = |name: &str| {
        doc.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let missing = |name: &str| Error::credentials(format!("{what}: the answer has no {name}"));
    let id = field("AccessKeyId").ok_or_else(|| missing("AccessKeyId"))?;
    let secret = field("AccessKeySecret").ok_or_else(|| missing("AccessKeySecret"))?;
    let token = field("SecurityToken").ok_or_else(|| missing("SecurityToken"))?;
    let expiration = field("Expiration").ok_or_else(|| missing("Expiration"))?;
    Ok(Credentials::with_token(id, secret, token).expires_at(parse_expiration(expiration, what)?))
}

/// Temporary credentials of a RAM role, from STS `AssumeRole` signed with other
/// credentials (the `RamRoleArn` and `ChainableRamRoleArn` profiles of the official tools).
///
/// Each call asks STS; put it behind a [`CredentialsCache`](super::CredentialsCache) (as
/// [`ProviderAuth`](crate::ProviderAuth) does) to reuse the credentials until shortly
/// before they expire.
///
/// ```
/// use std::time::Duration;
/// use osskit::credentials::{AssumeRoleProvider, StaticCredentialsProvider};
/// let provider = AssumeRoleProvider::builder(
///     StaticCredentialsProvider::new("LTAI-id", "secret"),
///     "acs:ram::1234567890123456:role/oss-reader",
/// )
/// .role_session_name("backup-job")
/// .duration(Duration::from_secs(3600))
/// .sts_region("cn-hangzhou") // https://sts.cn-hangzhou.aliyuncs.com
/// .build()
/// .unwrap();
/// let auth = osskit::ProviderAuthV4::new(provider);
/// ```
#[derive(Debug)]
pub struct AssumeRoleProvider {
    source: Arc<dyn CredentialsProvider>,
    role_arn: String,
    session_name: String,
    duration: Duration,
    policy: Option<String>,
    external_id: Option<String>,
    endpoint: String,
    http: Http,
}

/// Settings of an [`AssumeRoleProvider`].
#[derive(Debug)]
pub struct AssumeRoleProviderBuilder {
    source: Arc<dyn CredentialsProvider>,
    role_arn: String,
    session_name: Option<String>,
    duration: Duration,
    policy: Option<String>,
    external_id: Option<String>,
    endpoint: StsEndpoint,
    http: HttpOptions,
    env: Environment,
}

impl AssumeRoleProvider {
    /// Assumes `role_arn` (`acs:ram::<account id>:role/<name>`) with the credentials of
    /// `source`.
    pub fn builder(
        source: impl CredentialsProvider,
        role_arn: impl Into<String>,
    ) -> AssumeRoleProviderBuilder {
        AssumeRoleProviderBuilder {
            source: Arc::new(source),
            role_arn: role_arn.into().trim().to_string(),
            session_name: None,
            duration: DEFAULT_DURATION,
            policy: None,
            external_id: None,
            endpoint: StsEndpoint::default(),
            http: HttpOptions::new(),
            env: Environment::process(),
        }
    }

    async fn fetch(&self) -> Result<Credentials> {
        let source = self.source.credentials().await.map_err(|e| {
            Error::credentials(format!(
                "the credentials to assume {} with are unavailable: {}",
                self.role_arn,
                e.to_string()
                    .trim_start_matches("credentials unavailable: ")
            ))
        })?;
        let duration = self.duration.as_secs().to_string();
        let action = pairs(&[
            ("RoleArn", Some(&self.role_arn)),
            ("RoleSessionName", Some(&self.session_name)),
            ("DurationSeconds", Some(&duration)),
            ("Policy", self.policy.as_deref()),
            ("ExternalId", self.external_id.as_deref()),
        ]);
        let nonce = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let signed = osskit_proto::rpc::sign_params(
            "POST",
            "AssumeRole",
            &action,
            &osskit_proto::rpc::RpcContext {
                access_key_id: &source.access_key_id,
                access_key_secret: &source.access_key_secret,
                security_token: source.security_token.as_deref(),
                version: STS_VERSION,
                time: crate::transport::now_unix(),
                nonce: &nonce,
            },
        );
        // The common parameters and the signature in the query, the action's in the form,
        // as the official SDKs send them.
        let (form, query): (Vec<_>, Vec<_>) = signed
            .into_iter()
            .partition(|(k, _)| action.iter().any(|(a, _)| a == k));
        call_sts(&self.http, &self.endpoint, "AssumeRole", &query, &form).await
    }
}

impl AssumeRoleProviderBuilder {
    /// The session name (2 to 64 of `A-Za-z0-9.@-_`; default `osskit-<microseconds>`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// The credentials' lifetime (default one hour; STS accepts 15 minutes up to the role's
    /// maximum session duration).
    pub fn duration(mut self, d: Duration) -> Self {
        self.duration = d;
        self
    }

    /// A session policy (JSON) narrowing what the credentials may do.
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The external id the role's trust policy requires.
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// STS's endpoint: a host (HTTPS) or a URL (`http://127.0.0.1:9000` for a local
    /// server). Default: `sts.<region>.aliyuncs.com` with [`sts_region`](Self::sts_region)
    /// or `ALIBABA_CLOUD_STS_REGION`, else `sts.aliyuncs.com`.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint.explicit = Some(endpoint.into());
        self
    }

    /// The region of STS's endpoint.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.endpoint.region = Some(region.into());
        self
    }

    /// Use STS's VPC endpoint `sts-vpc.<region>.aliyuncs.com` (default:
    /// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`).
    pub fn vpc_endpoint(mut self, yes: bool) -> Self {
        self.endpoint.vpc = Some(yes);
        self
    }

    /// HTTP timeouts or client.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Where the defaults (`ALIBABA_CLOUD_STS_REGION`, …) are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The provider; fails on an empty role ARN or session name.
    pub fn build(self) -> Result<AssumeRoleProvider> {
        if self.role_arn.is_empty() {
            return Err(Error::client("AssumeRole needs a role ARN"));
        }
        let session_name = self
            .session_name
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| self.env.var(ENV_ROLE_SESSION_NAME))
            .unwrap_or_else(default_session_name);
        Ok(AssumeRoleProvider {
            source: self.source,
            role_arn: self.role_arn,
            session_name,
            duration: self.duration,
            policy: self.policy,
            external_id: self.external_id,
            endpoint: self.endpoint.url(&self.env),
            http: Http::new(&self.http, true)?,
        })
    }
}

impl CredentialsProvider for AssumeRoleProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Temporary credentials of a RAM role from STS `AssumeRoleWithOIDC`, proving the identity
/// with an OIDC token read from a file at each call (RRSA on Container Service for
/// Kubernetes mounts and rotates it). The call is not signed: the token is the proof.
///
/// ```
/// use osskit::credentials::{Environment, OidcRoleProvider};
/// let env = Environment::from_vars([
///     ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890123456:role/app"),
///     ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/ack"),
///     ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", "/var/run/secrets/tokens/oidc-token"),
/// ]);
/// let provider = OidcRoleProvider::from_environment(&env).unwrap().build().unwrap();
/// ```
#[derive(Debug)]
pub struct OidcRoleProvider {
    role_arn: String,
    provider_arn: String,
    token_file: PathBuf,
    session_name: String,
    duration: Duration,
    policy: Option<String>,
    endpoint: String,
    http: Http,
}

/// Settings of an [`OidcRoleProvider`].
#[derive(Debug)]
pub struct OidcRoleProviderBuilder {
    role_arn: String,
    provider_arn: String,
    token_file: PathBuf,
    session_name: Option<String>,
    duration: Duration,
    policy: Option<String>,
    endpoint: StsEndpoint,
    http: HttpOptions,
    env: Environment,
}

impl OidcRoleProvider {
    /// Assumes `role_arn` with the token in `token_file`, issued by the identity provider
    /// `provider_arn` (`acs:ram::<account id>:oidc-provider/<name>`).
    pub fn builder(
        role_arn: impl Into<String>,
        provider_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> OidcRoleProviderBuilder {
        OidcRoleProviderBuilder {
            role_arn: role_arn.into().trim().to_string(),
            provider_arn: provider_arn.into().trim().to_string(),
            token_file: token_file.into(),
            session_name: None,
            duration: DEFAULT_DURATION,
            policy: None,
            endpoint: StsEndpoint::default(),
            http: HttpOptions::new(),
            env: Environment::process(),
        }
    }

    /// From the process environment: `ALIBABA_CLOUD_ROLE_ARN`,
    /// `ALIBABA_CLOUD_OIDC_PROVIDER_ARN`, `ALIBABA_CLOUD_OIDC_TOKEN_FILE`, and optionally
    /// `ALIBABA_CLOUD_ROLE_SESSION_NAME`, `ALIBABA_CLOUD_STS_REGION`,
    /// `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED`. Fails naming the variables that are missing.
    pub fn from_env() -> Result<OidcRoleProviderBuilder> {
        Self::from_environment(&Environment::process())
    }

    /// As [`from_env`](Self::from_env), from `env`.
    pub fn from_environment(env: &Environment) -> Result<OidcRoleProviderBuilder> {
        let names = [ENV_ROLE_ARN, ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE];
        let values: Vec<Option<String>> = names.iter().map(|n| env.var(n)).collect();
        let missing: Vec<&str> = names
            .iter()
            .zip(&values)
            .filter(|(_, v)| v.is_none())
            .map(|(n, _)| *n)
            .collect();
        match (&values[0], &values[1], &values[2]) {
            (Some(role), Some(provider), Some(file)) => {
                Ok(
                    OidcRoleProvider::builder(role.as_str(), provider.as_str(), file.as_str())
                        .environment(env.clone()),
                )
            }
            _ => Err(Error::credentials(format!(
                "OIDC role: {} not set",
                missing.join(", ")
            ))),
        }
    }

    async fn fetch(&self) -> Result<Credentials> {
        let token = tokio::fs::read_to_string(&self.token_file)
            .await
            .map_err(|e| {
                Error::credentials(format!(
                    "cannot read the OIDC token file {}: {e}",
                    self.token_file.display()
                ))
            })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(Error::credentials(format!(
                "the OIDC token file {} is empty",
                self.token_file.display()
            )));
        }
        let timestamp = osskit_proto::date::unixtime_to_rfc3339(crate::transport::now_unix());
        let query = pairs(&[
            ("Action", Some("AssumeRoleWithOIDC")),
            ("Version", Some(STS_VERSION)),
            ("Format", Some("JSON")),
            ("Timestamp", Some(&timestamp)),
        ]);
        let duration = self.duration.as_secs().to_string();
        let form = pairs(&[
            ("RoleArn", Some(&self.role_arn)),
            ("OIDCProviderArn", Some(&self.provider_arn)),
            ("OIDCToken", Some(token)),
            ("RoleSessionName", Some(&self.session_name)),
            ("DurationSeconds", Some(&duration)),
            ("Policy", self.policy.as_deref()),
        ]);
        call_sts(
            &self.http,
            &self.endpoint,
            "AssumeRoleWithOIDC",
            &query,
            &form,
        )
        .await
    }
}

impl OidcRoleProviderBuilder {
    /// The session name (default `ALIBABA_CLOUD_ROLE_SESSION_NAME`, else
    /// `osskit-<microseconds>`).
    pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// The credentials' lifetime (default one hour).
    pub fn duration(mut self, d: Duration) -> Self {
        self.duration = d;
        self
    }

    /// A session policy (JSON).
    pub fn policy(mut self, policy: impl Into<String>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// STS's endpoint (see [`AssumeRoleProviderBuilder::sts_endpoint`]).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint.explicit = Some(endpoint.into());
        self
    }

    /// The region of STS's endpoint.
    pub fn sts_region(mut self, region: impl Into<String>) -> Self {
        self.endpoint.region = Some(region.into());
        self
    }

    /// Use STS's VPC endpoint.
    pub fn vpc_endpoint(mut self, yes: bool) -> Self {
        self.endpoint.vpc = Some(yes);
        self
    }

    /// HTTP timeouts or client.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.http = options;
        self
    }

    /// Where the defaults are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.env = env;
        self
    }

    /// The provider; fails on an empty ARN or token file path.
    pub fn build(self) -> Result<OidcRoleProvider> {
        if self.role_arn.is_empty() || self.provider_arn.is_empty() {
            return Err(Error::client(
                "AssumeRoleWithOIDC needs a role ARN and an OIDC provider ARN",
            ));
        }
        if self.token_file.as_os_str().is_empty() {
            return Err(Error::client("AssumeRoleWithOIDC needs an OIDC token file"));
        }
        let session_name = self
            .session_name
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .or_else(|| self.env.var(ENV_ROLE_SESSION_NAME))
            .unwrap_or_else(default_session_name);
        Ok(OidcRoleProvider {
            role_arn: self.role_arn,
            provider_arn: self.provider_arn,
            token_file: self.token_file,
            session_name,
            duration: self.duration,
            policy: self.policy,
            endpoint: self.endpoint.url(&self.env),
            http: Http::new(&self.http, true)?,
        })
    }
}

impl CredentialsProvider for OidcRoleProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let env = Environment::from_vars([("ALIBABA_CLOUD_STS_REGION", "cn-shanghai")]);
        let none = Environment::from_vars(Vec::<(String, String)>::new());
        let e = |explicit: Option<&str>, region: Option<&str>, vpc: Option<bool>| StsEndpoint {
            explicit: explicit.map(String::from),
            region: region.map(String::from),
            vpc,
        };
        assert_eq!(e(None, None, None).url(&none), "https://sts.aliyuncs.com");
        assert_eq!(
            e(None, None, None).url(&env),
            "https://sts.cn-shanghai.aliyuncs.com"
        );
        assert_eq!(
            e(None, Some("cn-beijing"), Some(true)).url(&env),
            "https://sts-vpc.cn-beijing.aliyuncs.com"
        );
        assert_eq!(
            e(Some("sts.example.com"), Some("x"), None).url(&env),
            "https://sts.example.com"
        );
        assert_eq!(
            e(Some("http://127.0.0.1:9000/"), None, None).url(&env),
            "http://127.0.0.1:9000"
        );
    }

    #[test]
    fn sts_answers() {
        let ok = Answer {
            status: 200,
            body: r#"{"RequestId":"r","Credentials":{"AccessKeyId":"STS.a","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2030-01-01T00:00:00Z"}}"#.into(),
        };
        let c = parse_sts_answer(&ok, "STS AssumeRole at x").unwrap();
        assert_eq!(c.security_token.as_deref(), Some("t"));
        assert!(c.expiration.is_some());
        let err = Answer {
            status: 400,
            body: r#"{"RequestId":"r1","Code":"InvalidParameter.RoleArn","Message":"bad"}"#.into(),
        };
        let e = parse_sts_answer(&err, "STS AssumeRole at x").unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("InvalidParameter.RoleArn") && text.contains("r1"),
            "{text}"
        );
        let html = Answer {
            status: 502,
            body: "<html>bad gateway</html>".into(),
        };
        assert!(parse_sts_answer(&html, "x")
            .unwrap_err()
            .to_string()
            .contains("HTTP 502"));
        let partial = Answer {
            status: 200,
            body: r#"{"Credentials":{"AccessKeyId":"a","AccessKeySecret":"s"}}"#.into(),
        };
        let e = parse_sts_answer(&partial, "x").unwrap_err();
        assert!(e.to_string().contains("SecurityToken"), "{e}");
    }

    #[test]
    fn oidc_from_environment_names_what_is_missing() {
        let env = Environment::from_vars([("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/r")]);
        let e = OidcRoleProvider::from_environment(&env).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("ALIBABA_CLOUD_OIDC_PROVIDER_ARN")
                && text.contains("ALIBABA_CLOUD_OIDC_TOKEN_FILE")
                && !text.contains("ALIBABA_CLOUD_ROLE_ARN"),
            "{text}"
        );
    }
}
