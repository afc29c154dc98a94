//! Profile files: the Alibaba Cloud CLI's `config.json` ([`CliProfileProvider`]) and the
//! shared credentials file ([`IniProfileProvider`]).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::ecs::EcsRamRoleProvider;
use super::environment::Environment;
use super::http::HttpOptions;
use super::process::ProcessCredentialsProvider;
use super::sts::{AssumeRoleProvider, OidcRoleProvider};
use super::uri::{CredentialsUriProvider, ENV_CREDENTIALS_URI};
use super::{CredentialsFuture, CredentialsProvider, StaticCredentialsProvider};
use crate::error::{Error, Result};

/// Profile name variable.
pub(crate) const ENV_PROFILE: &str = "ALIBABA_CLOUD_PROFILE";
/// `config.json` path variable.
pub(crate) const ENV_CONFIG_FILE: &str = "ALIBABA_CLOUD_CONFIG_FILE";
/// Leaves the CLI profile out.
pub(crate) const ENV_CLI_PROFILE_DISABLED: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
/// Shared credentials file path variable.
pub(crate) const ENV_CREDENTIALS_FILE: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/// What the profile providers pass to the providers they build.
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub env: Environment,
    /// STS endpoint when a profile names none.
    pub sts_endpoint: Option<String>,
    /// Instance metadata service URL.
    pub imds_endpoint: Option<String>,
    pub http: Option<HttpOptions>,
}

impl Settings {
    pub(crate) fn ecs(&self, role_name: Option<&str>) -> Result<EcsRamRoleProvider> {
        let mut b = EcsRamRoleProvider::builder().environment(self.env.clone());
        if let Some(role) = role_name.filter(|r| !r.is_empty()) {
            b = b.role_name(role);
        }
        if let Some(url) = &self.imds_endpoint {
            b = b.endpoint(url.clone());
        }
        b.build()
    }

    fn http(&self) -> HttpOptions {
        self.http.clone().unwrap_or_default()
    }
}

/// The value of a string field of a JSON profile, if not blank.
fn text<'a>(profile: &'a Value, name: &str) -> Option<&'a str> {
    profile
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The Alibaba Cloud CLI's profiles (`aliyun configure`), the third step of the default
/// chain. The file is `ALIBABA_CLOUD_CONFIG_FILE`, else `~/.aliyun/config.json`, else
/// `~/.alibabacloud/config.json`; the profile is the one given, else
/// `ALIBABA_CLOUD_PROFILE`, else the file's `current`. It is read on first use; the
/// provider the profile describes is kept.
///
/// ```json
/// {"current": "default",
///  "profiles": [
///    {"name": "default", "mode": "AK", "access_key_id": "…", "access_key_secret": "…"},
///    {"name": "sts", "mode": "StsToken", "access_key_id": "…", "access_key_secret": "…", "sts_token": "…"},
///    {"name": "role", "mode": "RamRoleArn", "access_key_id": "…", "access_key_secret": "…",
///     "ram_role_arn": "acs:ram::123:role/r", "ram_session_name": "s", "expired_seconds": 3600,
///     "sts_region": "cn-hangzhou"},
///    {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "r"},
///    {"name": "rrsa", "mode": "OIDC", "ram_role_arn": "…", "oidc_provider_arn": "…",
///     "oidc_token_file": "/var/run/secrets/…"},
///    {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "default",
///     "ram_role_arn": "…"},
///    {"name": "uri", "mode": "CredentialsURI", "credentials_uri": "http://…"},
///    {"name": "process", "mode": "External", "process_command": "vault-cli oss-keys"}
///  ]}
/// ```
///
/// Every mode above is supported, and `RamRoleArnWithRoleName` (the instance's role, then
/// `AssumeRole`); `sts_endpoint`, `policy`, `external_id` and `enable_vpc` are read where
/// they apply. `CloudSSO`, `OAuth`, `BearerToken` and `Anonymous` are refused with an error
/// naming the mode.
///
/// ```
/// use osskit::credentials::CliProfileProvider;
/// let provider = CliProfileProvider::new().profile("role");
/// ```
#[derive(Debug)]
pub struct CliProfileProvider {
    file: Option<PathBuf>,
    profile: Option<String>,
    settings: Settings,
    inner: tokio::sync::OnceCell<(String, Arc<dyn CredentialsProvider>)>,
}

impl Default for CliProfileProvider {
    fn default() -> Self {
        CliProfileProvider::new()
    }
}

impl CliProfileProvider {
    /// The profile the environment and the file choose.
    pub fn new() -> Self {
        CliProfileProvider {
            file: None,
            profile: None,
            settings: Settings::default(),
            inner: tokio::sync::OnceCell::new(),
        }
    }

    /// Reads this file.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Uses this profile.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Where variables and the home directory are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.settings.env = env;
        self
    }

    /// STS endpoint for profiles that name none (default `sts.aliyuncs.com` or the
    /// profile's `sts_region`).
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.settings.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The instance metadata service for `EcsRamRole` profiles.
    pub fn imds_endpoint(mut self, url: impl Into<String>) -> Self {
        self.settings.imds_endpoint = Some(url.into());
        self
    }

    /// HTTP settings of the STS and URI providers it builds.
    pub fn http(mut self, options: HttpOptions) -> Self {
        self.settings.http = Some(options);
        self
    }

    pub(crate) fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The file to read.
    fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.file {
            return Ok(p.clone());
        }
        if let Some(p) = self.settings.env.var(ENV_CONFIG_FILE) {
            return Ok(PathBuf::from(p));
        }
        let home = self.settings.env.home_dir().ok_or_else(|| {
            Error::credentials("CLI profile: no home directory (HOME is not set)")
        })?;
        let candidates = [
            home.join(".aliyun").join("config.json"),
            home.join(".alibabacloud").join("config.json"),
        ];
        for c in &candidates {
            if c.is_file() {
                return Ok(c.clone());
            }
        }
        Err(Error::credentials(format!(
            "CLI profile: neither {} nor {} exists",
            candidates[0].display(),
            candidates[1].display()
        )))
    }

    async fn load(&self) -> Result<(String, Arc<dyn CredentialsProvider>)> {
        if self.settings.env.flag(ENV_CLI_PROFILE_DISABLED) {
            return Err(Error::credentials(format!(
                "CLI profile: disabled by {ENV_CLI_PROFILE_DISABLED}"
            )));
        }
        let path = self.path()?;
        let content = tokio::fs::read_to_string(&path).await.map_err(|e| {
            Error::credentials(format!("CLI profile: cannot read {}: {e}", path.display()))
        })?;
        let doc: Value = serde_json::from_str(&content).map_err(|e| {
            Error::credentials(format!(
                "CLI profile: {} is not valid JSON: {e}",
                path.display()
            ))
        })?;
        let name = self
            .profile
            .clone()
            .or_else(|| self.settings.env.var(ENV_PROFILE))
            .or_else(|| text_owned(&doc, "current"))
            .ok_or_else(|| {
                Error::credentials(format!(
                    "CLI profile: {} names no current profile and {ENV_PROFILE} is not set",
                    path.display()
                ))
            })?;
        let profiles: HashMap<&str, &Value> = doc
            .get("profiles")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|p| Some((text(p, "name")?, p)))
                    .collect()
            })
            .unwrap_or_default();
        let mut seen = HashSet::new();
        let provider = self.build(&profiles, &name, &path, &mut seen)?;
        let profile = profiles.get(name.as_str()).copied();
        let mode = profile.and_then(|p| text(p, "mode")).unwrap_or("?");
        Ok((
            format!("CLI profile {name:?} ({mode}) in {}", path.display()),
            provider,
        ))
    }

    /// The provider of profile `name`.
    fn build(
        &self,
        profiles: &HashMap<&str, &Value>,
        name: &str,
        path: &Path,
        seen: &mut HashSet<String>,
    ) -> Result<Arc<dyn CredentialsProvider>> {
        let where_ = format!("CLI profile {name:?} in {}", path.display());
        if !seen.insert(name.to_string()) {
            return Err(Error::credentials(format!(
                "{where_}: its source_profile chain loops"
            )));
        }
        let p = *profiles
            .get(name)
            .ok_or_else(|| Error::credentials(format!("{where_}: no such profile")))?;
        let need = |field: &str| {
            text(p, field)
                .ok_or_else(|| Error::credentials(format!("{where_}: the profile has no {field}")))
        };
        let mode = need("mode")?;
        let s = &self.settings;
        let ak = || -> Result<StaticCredentialsProvider> {
            Ok(StaticCredentialsProvider::new(
                need("access_key_id")?,
                need("access_key_secret")?,
            ))
        };
        let assume =
            |source: Arc<dyn CredentialsProvider>| -> Result<Arc<dyn CredentialsProvider>> {
                let mut b = AssumeRoleProvider::builder(source, need("ram_role_arn")?)
                    .environment(s.env.clone())
                    .http(s.http());
                if let Some(n) = text(p, "ram_session_name") {
                    b = b.role_session_name(n);
                }
                if let Some(secs) = p
                    .get("expired_seconds")
                    .and_then(Value::as_u64)
                    .filter(|d| *d > 0)
                {
                    b = b.duration(Duration::from_secs(secs));
                }
                if let Some(policy) = text(p, "policy") {
                    b = b.policy(policy);
                }
                if let Some(id) = text(p, "external_id") {
                    b = b.external_id(id);
                }
                if let Some(region) = text(p, "sts_region") {
                    b = b.sts_region(region);
                }
                if let Some(vpc) = p.get("enable_vpc").and_then(Value::as_bool) {
                    b = b.vpc_endpoint(vpc);
                }
                if let Some(e) = text(p, "sts_endpoint")
                    .map(str::to_string)
                    .or_else(|| s.sts_endpoint.clone())
                {
                    b = b.sts_endpoint(e);
                }
                Ok(Arc::new(b.build()?))
            };
        let provider: Arc<dyn CredentialsProvider> = match mode.to_ascii_lowercase().as_str() {
            "ak" => Arc::new(ak()?),
            "ststoken" => Arc::new(StaticCredentialsProvider::with_token(
                need("access_key_id")?,
                need("access_key_secret")?,
                need("sts_token")?,
            )),
            "ramrolearn" => assume(Arc::new(ak()?))?,
            "ecsramrole" => Arc::new(s.ecs(text(p, "ram_role_name"))?),
            "ramrolearnwithrolename" => assume(Arc::new(s.ecs(text(p, "ram_role_name"))?))?,
            "chainableramrolearn" => {
                let source = self.build(profiles, need("source_profile")?, path, seen)?;
                assume(source)?
            }
            "oidc" => {
                let mut b = OidcRoleProvider::builder(
                    need("ram_role_arn")?,
                    need("oidc_provider_arn")?,
                    need("oidc_token_file")?,
                )
                .environment(s.env.clone())
                .http(s.http());
                if let Some(n) = text(p, "role_session_name").or_else(|| text(p, "ram_session_name")) {
                    b = b.role_session_name(n);
                }
                if let Some(secs) = p.get("expired_seconds").and_then(Value::as_u64).filter(|d| *d > 0) {
                    b = b.duration(Duration::from_secs(secs));
                }
                if let Some(policy) = text(p, "policy") {
                    b = b.policy(policy);
                }
                if let Some(region) = text(p, "sts_region") {
                    b = b.sts_region(region);
                }
                if let Some(vpc) = p.get("enable_vpc").and_then(Value::as_bool) {
                    b = b.vpc_endpoint(vpc);
                }
                if let Some(e) = text(p, "sts_endpoint").map(str::to_string).or_else(|| s.sts_endpoint.clone()) {
                    b = b.sts_endpoint(e);
                }
                Arc::new(b.build()?)
            }
            "credentialsuri" => {
                let uri = text(p, "credentials_uri")
                    .map(str::to_string)
                    .or_else(|| s.env.var(ENV_CREDENTIALS_URI))
                    .ok_or_else(|| {
                        Error::credentials(format!(
                            "{where_}: the profile has no credentials_uri and {ENV_CREDENTIALS_URI} is not set"
                        ))
                    })?;
                Arc::new(CredentialsUriProvider::with_http(uri, s.http())?)
            }
            "external" => Arc::new(ProcessCredentialsProvider::new(need("process_command")?)?),
            _ => {
                return Err(Error::credentials(format!(
                    "{where_}: the mode {mode:?} is not supported (supported: AK, StsToken, RamRoleArn, EcsRamRole, RamRoleArnWithRoleName, ChainableRamRoleArn, OIDC, CredentialsURI, External)"
                )))
            }
        };
        Ok(provider)
    }

    async fn fetch(&self) -> Result<super::Credentials> {
        let (what, provider) = self.inner.get_or_try_init(|| self.load()).await?;
        provider.credentials().await.map_err(|e| prefixed(what, e))
    }
}

fn text_owned(doc: &Value, name: &str) -> Option<String> {
    text(doc, name).map(str::to_string)
}

/// A credentials error of the provider `what` built, saying so.
fn prefixed(what: &str, e: Error) -> Error {
    match e {
        Error::Credentials { message } => Error::credentials(format!("{what}: {message}")),
        other => other,
    }
}

impl CredentialsProvider for CliProfileProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// The shared credentials file of the official SDKs (INI), the fourth step of the default
/// chain: `ALIBABA_CLOUD_CREDENTIALS_FILE`, else `~/.alibabacloud/credentials`, else
/// `~/.alibabacloud/credentials.ini`; the section is the one given, else
/// `ALIBABA_CLOUD_PROFILE`, else `default`.
///
/// ```ini
/// [default]
/// type = access_key            # long-term keys
/// access_key_id = foo
/// access_key_secret = bar
///
/// [project1]
/// type = ecs_ram_role          # the instance's RAM role
/// role_name = EcsRamRoleTest
///
/// [project2]
/// type = ram_role_arn          # AssumeRole with keys
/// access_key_id = foo
/// access_key_secret = bar
/// role_arn = acs:ram::123:role/r
/// role_session_name = session
///
/// [project3]
/// type = oidc_role_arn         # AssumeRoleWithOIDC
/// oidc_provider_arn = acs:ram::123:oidc-provider/p
/// oidc_token_file_path = /var/run/secrets/token
/// role_arn = acs:ram::123:role/r
/// role_session_name = session
/// ```
///
/// Also `type = sts` (`access_key_id`, `access_key_secret`, `security_token`). Comments
/// start with `#` or `;` (after whitespace inside a line).
#[derive(Debug)]
pub struct IniProfileProvider {
    file: Option<PathBuf>,
    profile: Option<String>,
    settings: Settings,
    inner: tokio::sync::OnceCell<(String, Arc<dyn CredentialsProvider>)>,
}

impl Default for IniProfileProvider {
    fn default() -> Self {
        IniProfileProvider::new()
    }
}

impl IniProfileProvider {
    /// The section the environment chooses.
    pub fn new() -> Self {
        IniProfileProvider {
            file: None,
            profile: None,
            settings: Settings::default(),
            inner: tokio::sync::OnceCell::new(),
        }
    }

    /// Reads this file.
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.file = Some(path.into());
        self
    }

    /// Uses this section.
    pub fn profile(mut self, name: impl Into<String>) -> Self {
        self.profile = Some(name.into());
        self
    }

    /// Where variables and the home directory are read (default: the process).
    pub fn environment(mut self, env: Environment) -> Self {
        self.settings.env = env;
        self
    }

    /// STS endpoint of `ram_role_arn` and `oidc_role_arn` sections.
    pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.settings.sts_endpoint = Some(endpoint.into());
        self
    }

    /// The instance metadata service for `ecs_ram_role` sections.
    pub fn imds_endpoint(mut self, url: impl Into<String>) -> Self {
        self.settings.imds_endpoint = Some(url.into());
        self
    }

    pub(crate) fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    fn path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.file {
            return Ok(p.clone());
        }
        if let Some(p) = self.settings.env.var(ENV_CREDENTIALS_FILE) {
            return Ok(PathBuf::from(p));
        }
        let home = self.settings.env.home_dir().ok_or_else(|| {
            Error::credentials("credentials file: no home directory (HOME is not set)")
        })?;
        let dir = home.join(".alibabacloud");
        let candidates = [dir.join("credentials"), dir.join("credentials.ini")];
        for c in &candidates {
            if c.is_file() {
                return Ok(c.clone());
            }
        }
        Err(Error::credentials(format!(
            "credentials file: neither {} nor {} exists",
            candidates[0].display(),
            candidates[1].display()
        )))
    }

    async fn load(&self) -> Result<(String, Arc<dyn CredentialsProvider>)> {
        let path = self.path()?;
        let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
            Error::credentials(format!(
                "credentials file: cannot read {}: {e}",
                path.display()
            ))
        })?;
        let sections = parse_ini(&text);
        let name = self
            .profile
            .clone()
            .or_else(|| self.settings.env.var(ENV_PROFILE))
            .unwrap_or_else(|| "default".to_string());
        let where_ = format!("section [{name}] of {}", path.display());
        let section = sections
            .get(&name)
            .ok_or_else(|| Error::credentials(format!("credentials file: no {where_}")))?;
        let need = |key: &str| {
            section
                .get(key)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::credentials(format!("{where_}: no {key}")))
        };
        let get = |key: &str| {
            section
                .get(key)
                .map(String::as_str)
                .filter(|v| !v.is_empty())
        };
        let s = &self.settings;
        let kind = need("type")?;
        let provider: Arc<dyn CredentialsProvider> = match kind {
            "access_key" => Arc::new(StaticCredentialsProvider::new(
                need("access_key_id")?,
                need("access_key_secret")?,
            )),
            "sts" => Arc::new(StaticCredentialsProvider::with_token(
                need("access_key_id")?,
                need("access_key_secret")?,
                need("security_token")?,
            )),
            "ecs_ram_role" => Arc::new(s.ecs(get("role_name"))?),
            "ram_role_arn" => {
                let source =
                    StaticCredentialsProvider::new(need("access_key_id")?, need("access_key_secret")?);
                let mut b = AssumeRoleProvider::builder(source, need("role_arn")?)
                    .environment(s.env.clone())
                    .http(s.http());
                if let Some(n) = get("role_session_name") {
                    b = b.role_session_name(n);
                }
                if let Some(p) = get("policy") {
                    b = b.policy(p);
                }
                if let Some(e) = &s.sts_endpoint {
                    b = b.sts_endpoint(e.clone());
                }
                Arc::new(b.build()?)
            }
            "oidc_role_arn" => {
                let mut b = OidcRoleProvider::builder(
                    need("role_arn")?,
                    need("oidc_provider_arn")?,
                    need("oidc_token_file_path")?,
                )
                .environment(s.env.clone())
                .http(s.http());
                if let Some(n) = get("role_session_name") {
                    b = b.role_session_name(n);
                }
                if let Some(p) = get("policy") {
                    b = b.policy(p);
                }
                if let Some(e) = &s.sts_endpoint {
                    b = b.sts_endpoint(e.clone());
                }
                Arc::new(b.build()?)
            }
            other => {
                return Err(Error::credentials(format!(
                    "{where_}: the type {other:?} is not supported (supported: access_key, sts, ecs_ram_role, ram_role_arn, oidc_role_arn)"
                )))
            }
        };
        Ok((format!("credentials file {where_} ({kind})"), provider))
    }

    async fn fetch(&self) -> Result<super::Credentials> {
        let (what, provider) = self.inner.get_or_try_init(|| self.load()).await?;
        provider.credentials().await.map_err(|e| prefixed(what, e))
    }
}

impl CredentialsProvider for IniProfileProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(self.fetch())
    }
}

/// Sections → keys → values. Keys are lower case; comments (`#`, `;`) start a line or
/// follow whitespace.
pub(crate) fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for raw in text.lines() {
        let mut line = raw;
        let bytes = raw.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if (b == b'#' || b == b';') && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
                line = &raw[..i];
                break;
            }
        }
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim().to_string();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_comments() {
        let ini = parse_ini(
            "# top\n[default]\ntype = access_key                  # Authentication method\naccess_key_id = foo\nAccess_Key_Secret=b#r\n; c\n[p2]\ntype=ecs_ram_role\n",
        );
        assert_eq!(ini["default"]["type"], "access_key");
        assert_eq!(ini["default"]["access_key_id"], "foo");
        assert_eq!(ini["default"]["access_key_secret"], "b#r");
        assert_eq!(ini["p2"]["type"], "ecs_ram_role");
    }
}
