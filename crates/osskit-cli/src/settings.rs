//! Resolving a command's settings: each from the command line, else the environment, else
//! the profile of the configuration file (with what it inherits), else the default.
//!
//! | setting | option | environment | profile key |
//! |---|---|---|---|
//! | configuration file | `--config-file` | `OSSUTIL_CONFIG_FILE` | — (default `~/.ossutilconfig`) |
//! | profile | `--profile` | `OSSUTIL_PROFILE` | — (default `default`) |
//! | endpoint | `--endpoint` | `OSS_ENDPOINT` | `endpoint` |
//! | region | `--region` | `OSS_REGION` | `region` |
//! | access key | `--access-key-id`, `--access-key-secret` | `OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET` | `access-key-id`, `access-key-secret` |
//! | STS token | `--sts-token` | `OSS_SESSION_TOKEN` | `sts-token` |
//! | role | — | `OSS_ROLE_ARN`, `OSS_ROLE_SESSION_NAME` | `role-arn`, `role-session-name` |
//! | credential mode | `--mode` | — | `mode` |
//! | signature version | `--sign-version` | — | `sign-version` (default v4) |

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::args::{GlobalArgs, OutputFormat};
use crate::config::{self, canonical, normalize, ConfigFile};
use crate::error::CliError;

/// Environment variables read (unless `--ignore-env-var`), with the key they set.
pub const ENV_KEYS: &[(&str, &str)] = &[
    ("OSS_ACCESS_KEY_ID", "access-key-id"),
    ("OSS_ACCESS_KEY_SECRET", "access-key-secret"),
    ("OSS_SESSION_TOKEN", "sts-token"),
    ("OSS_ROLE_ARN", "role-arn"),
    ("OSS_ROLE_SESSION_NAME", "role-session-name"),
    ("OSS_REGION", "region"),
    ("OSS_ENDPOINT", "endpoint"),
];

/// The configuration file variable.
pub const ENV_CONFIG_FILE: &str = "OSSUTIL_CONFIG_FILE";
/// The profile variable.
pub const ENV_PROFILE: &str = "OSSUTIL_PROFILE";

/// Where a setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line option.
    Flag(&'static str),
    /// An environment variable.
    Env(&'static str),
    /// A line of the configuration file.
    File {
        /// The file.
        origin: String,
        /// The line.
        line: usize,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(name) => write!(f, "{name}"),
            Source::Env(name) => write!(f, "{name}"),
            Source::File { origin, line } => write!(f, "{origin}:{line}"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sourced {
    /// The value (trimmed, never blank).
    pub value: String,
    /// Its origin.
    pub source: Source,
}

/// Signing version of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignVersion {
    /// OSS signature V1 (HMAC-SHA1): only on request.
    V1,
    /// OSS signature V4 (HMAC-SHA256, with a region): the default.
    V4,
}

/// How buckets are addressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Addressing {
    /// `bucket.endpoint` (path style for IP and `localhost` endpoints).
    #[default]
    Virtual,
    /// `endpoint/bucket`.
    Path,
    /// The endpoint is the bucket's own domain.
    Cname,
}

fn parse_addressing(s: &Sourced) -> Result<Addressing, CliError> {
    match s.value.to_ascii_lowercase().as_str() {
        "virtual" => Ok(Addressing::Virtual),
        "path" => Ok(Addressing::Path),
        "cname" => Ok(Addressing::Cname),
        other => Err(CliError::usage(format!(
            "addressing-style {other:?} (from {}) must be virtual, path or cname",
            s.source
        ))),
    }
}

/// Where credentials come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialMode {
    /// Long-term access key.
    Ak,
    /// Temporary access key with its STS token.
    StsToken,
    /// STS `AssumeRole` with an access key.
    RamRoleArn,
    /// The ECS instance's RAM role, from the instance metadata service.
    EcsRamRole,
    /// STS `AssumeRoleWithOIDC` with a token file (RRSA).
    OidcRoleArn,
    /// A command printing credentials as JSON.
    Process,
    /// A URL serving credentials as JSON.
    CredentialsUri,
    /// `OSS_*`/`ALIBABA_CLOUD_*` variables, read by the SDK.
    Environment,
    /// A profile of the Alibaba Cloud CLI (`~/.aliyun/config.json`).
    CliProfile,
    /// A section of the shared credentials file (`~/.alibabacloud/credentials`).
    CredentialsFile,
    /// The SDK's default chain (environment, OIDC, CLI profile, credentials file, ECS
    /// role, credentials URI).
    DefaultChain,
    /// No signature.
    Anonymous,
}

impl CredentialMode {
    /// Parses a mode name (case, `-` and `_` ignored; ossutil's and the Alibaba Cloud CLI's
    /// names).
    pub fn parse(name: &str) -> Option<CredentialMode> {
        Some(match normalize(name).as_str() {
            "ak" | "accesskey" => CredentialMode::Ak,
            "ststoken" | "sts" => CredentialMode::StsToken,
            "ramrolearn" | "rolearn" => CredentialMode::RamRoleArn,
            "ecsramrole" | "ecsrole" | "ecs" => CredentialMode::EcsRamRole,
            "oidcrolearn" | "oidc" => CredentialMode::OidcRoleArn,
            "process" | "external" | "credentialprocess" => CredentialMode::Process,
            "credentialsuri" | "credentialuri" | "uri" => CredentialMode::CredentialsUri,
            "environment" | "env" => CredentialMode::Environment,
            "cliprofile" | "aliyuncli" => CredentialMode::CliProfile,
            "credentialsfile" | "sharedcredentials" => CredentialMode::CredentialsFile,
            "defaultchain" | "default" | "chain" => CredentialMode::DefaultChain,
            "anonymous" => CredentialMode::Anonymous,
            _ => return None,
        })
    }

    /// The name `oss config` writes.
    pub fn name(self) -> &'static str {
        match self {
            CredentialMode::Ak => "AK",
            CredentialMode::StsToken => "StsToken",
            CredentialMode::RamRoleArn => "RamRoleArn",
            CredentialMode::EcsRamRole => "EcsRamRole",
            CredentialMode::OidcRoleArn => "OidcRoleArn",
            CredentialMode::Process => "Process",
            CredentialMode::CredentialsUri => "CredentialsUri",
            CredentialMode::Environment => "Environment",
            CredentialMode::CliProfile => "CliProfile",
            CredentialMode::CredentialsFile => "CredentialsFile",
            CredentialMode::DefaultChain => "DefaultChain",
            CredentialMode::Anonymous => "Anonymous",
        }
    }

    /// The keys the mode needs, then those it may use.
    pub fn keys(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            CredentialMode::Ak => (&["access-key-id", "access-key-secret"], &[]),
            CredentialMode::StsToken => (&["access-key-id", "access-key-secret", "sts-token"], &[]),
            CredentialMode::RamRoleArn => (
                &["access-key-id", "access-key-secret", "role-arn"],
                &[
                    "sts-token",
                    "role-session-name",
                    "external-id",
                    "role-duration",
                    "sts-endpoint",
                    "sts-region",
                ],
            ),
            CredentialMode::EcsRamRole => (&[], &["ecs-role-name", "imds-endpoint"]),
            CredentialMode::OidcRoleArn => (
                &["role-arn", "oidc-provider-arn", "oidc-token-file-path"],
                &[
                    "role-session-name",
                    "role-duration",
                    "sts-endpoint",
                    "sts-region",
                ],
            ),
            CredentialMode::Process => (&["credential-process"], &["credential-process-timeout"]),
            CredentialMode::CredentialsUri => (&["credential-uri"], &[]),
            CredentialMode::CliProfile => (&[], &["cli-profile"]),
            CredentialMode::CredentialsFile => (&[], &["credentials-file", "credentials-profile"]),
            CredentialMode::Environment
            | CredentialMode::DefaultChain
            | CredentialMode::Anonymous => (&[], &[]),
        }
    }
}

/// Settings of one bucket from a `[buckets …]` section or ossutil 1.0's bucket sections.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BucketSettings {
    /// Endpoint of the bucket.
    pub endpoint: Option<String>,
    /// Region of the bucket.
    pub region: Option<String>,
    /// Addressing of the bucket.
    pub addressing: Option<Addressing>,
}

/// The resolved settings of a client command.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Endpoint as given (`[scheme://]host[:port]`).
    pub endpoint: String,
    /// Region (needed by V4).
    pub region: Option<String>,
    /// Signing version.
    pub sign_version: SignVersion,
    /// Where credentials come from.
    pub mode: CredentialMode,
    /// Credential settings (canonical key → value).
    pub credentials: BTreeMap<&'static str, Sourced>,
    /// How buckets are addressed.
    pub addressing: Addressing,
    /// Connect timeout.
    pub connect_timeout: Option<Duration>,
    /// Read timeout.
    pub read_timeout: Option<Duration>,
    /// Attempts of a retryable request.
    pub retry_times: Option<u32>,
    /// Explicit HTTP proxy.
    pub proxy: Option<String>,
    /// Per-bucket settings.
    pub buckets: BTreeMap<String, BucketSettings>,
    /// Output format from the profile.
    pub output_format: Option<OutputFormat>,
    /// Warnings for the user (V1 signing, a readable file, unknown keys, …).
    pub warnings: Vec<String>,
}

impl Settings {
    /// A credential setting.
    pub fn credential(&self, key: &str) -> Option<&str> {
        self.credentials.get(key).map(|s| s.value.as_str())
    }
}

/// The configuration file in use and the profile chosen.
#[derive(Debug, Clone, Default)]
pub struct ConfigContext {
    /// The file's path (where `oss config` writes).
    pub path: Option<PathBuf>,
    /// The file, when it exists.
    pub file: Option<ConfigFile>,
    /// The earlier `~/.oss/config.toml` is in use (V1 stays its default).
    pub legacy: bool,
    /// The profile (lower case).
    pub profile: String,
    /// The profile was named (`--profile` or `OSSUTIL_PROFILE`).
    pub profile_named: bool,
    /// Warnings about the file.
    pub warnings: Vec<String>,
}

/// Finds the configuration file and the profile. `for_writing` accepts a file that does
/// not exist yet (for `oss config`).
pub fn load_context(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
    for_writing: bool,
) -> Result<ConfigContext, CliError> {
    let nonblank = |v: String| (!v.trim().is_empty()).then(|| v.trim().to_string());
    let explicit = global
        .config_file
        .clone()
        .or_else(|| env(ENV_CONFIG_FILE).and_then(nonblank).map(PathBuf::from));
    let (profile, profile_named) = match global
        .profile
        .clone()
        .or_else(|| env(ENV_PROFILE).and_then(nonblank))
    {
        Some(p) => (p.trim().to_ascii_lowercase(), true),
        None => ("default".to_string(), false),
    };
    let mut ctx = ConfigContext {
        profile,
        profile_named,
        ..ConfigContext::default()
    };
    if let Some(path) = explicit {
        ctx.file = ConfigFile::load(&path)?;
        if ctx.file.is_none() && !for_writing {
            return Err(CliError::usage(format!(
                "the configuration file {} does not exist",
                path.display()
            )));
        }
        ctx.path = Some(path);
    } else if let Some(path) = config::default_config_path() {
        ctx.file = ConfigFile::load(&path)?;
        if ctx.file.is_none() && !for_writing {
            if let Some(old) = config::legacy_config_path() {
                if let Some(file) = ConfigFile::load(&old)? {
                    ctx.warnings.push(format!(
                        "reading the earlier configuration file {}; `oss config migrate` \
                         copies it into {} (the format ossutil 2.0 reads)",
                        old.display(),
                        path.display()
                    ));
                    ctx.file = Some(file);
                    ctx.legacy = true;
                    ctx.path = Some(old);
                    return finish_context(ctx, for_writing);
                }
            }
        }
        ctx.path = Some(path);
    }
    finish_context(ctx, for_writing)
}

/// Checks the file's permissions and (unless it is being written) that the profile named
/// exists.
fn finish_context(mut ctx: ConfigContext, for_writing: bool) -> Result<ConfigContext, CliError> {
    if let (Some(path), Some(_)) = (&ctx.path, &ctx.file) {
        if config::readable_by_others(path) {
            ctx.warnings.push(format!(
                "{} can be read by other users; `chmod 600 {}` keeps its keys to you",
                path.display(),
                path.display()
            ));
        }
    }
    if ctx.profile_named && ctx.profile != "default" && !for_writing {
        let known = ctx
            .file
            .as_ref()
            .map(|f| f.has_profile(&ctx.profile))
            .unwrap_or(false);
        if !known {
            let (file, profiles) = match (&ctx.file, &ctx.path) {
                (Some(f), _) => (f.origin.clone(), f.profiles().join(", ")),
                (None, Some(p)) => (format!("{} (missing)", p.display()), String::new()),
                (None, None) => ("no configuration file".to_string(), String::new()),
            };
            return Err(CliError::usage(format!(
                "profile {:?} is not in {file}{}",
                ctx.profile,
                if profiles.is_empty() {
                    String::new()
                } else {
                    format!(" (profiles: {profiles})")
                }
            )));
        }
    }
    Ok(ctx)
}

/// The settings of a client command from the options, the environment and the profile.
pub fn resolve(
    global: &GlobalArgs,
    env: &dyn Fn(&str) -> Option<String>,
    ctx: &ConfigContext,
) -> Result<Settings, CliError> {
    let mut warnings = ctx.warnings.clone();
    let mut values: BTreeMap<&'static str, Sourced> = BTreeMap::new();
    let mut bucket_section: Option<String> = None;
    if let Some(file) = &ctx.file {
        for (key, v) in file.resolved_profile(&ctx.profile)? {
            let Some(name) = canonical(&key) else {
                warnings.push(format!(
                    "{}:{}: unknown key {key:?} in profile [{}] is ignored",
                    file.origin, v.line, ctx.profile
                ));
                continue;
            };
            if name == "buckets" {
                bucket_section = Some(v.value.clone());
            }
            if v.value.trim().is_empty() {
                continue;
            }
            values.insert(
                name,
                Sourced {
                    value: v.value.trim().to_string(),
                    source: Source::File {
                        origin: file.origin.clone(),
                        line: v.line,
                    },
                },
            );
        }
    }
    if !global.ignore_env_var {
        for (var, key) in ENV_KEYS {
            if let Some(v) = env(var).filter(|v| !v.trim().is_empty()) {
                values.insert(
                    key,
                    Sourced {
                        value: v.trim().to_string(),
                        source: Source::Env(var),
                    },
                );
            }
        }
    }
    let flags: [(&'static str, &'static str, &Option<String>); 8] = [
        ("access-key-id", "--access-key-id", &global.access_key_id),
        (
            "access-key-secret",
            "--access-key-secret",
            &global.access_key_secret,
        ),
        ("sts-token", "--sts-token", &global.sts_token),
        ("region", "--region", &global.region),
        ("endpoint", "--endpoint", &global.endpoint),
        ("mode", "--mode", &global.mode),
        ("sign-version", "--sign-version", &global.sign_version),
        (
            "addressing-style",
            "--addressing-style",
            &global.addressing_style,
        ),
    ];
    for (key, flag, value) in flags {
        if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
            values.insert(
                key,
                Sourced {
                    value: v.trim().to_string(),
                    source: Source::Flag(flag),
                },
            );
        }
    }
    if let Some(p) = &global.proxy {
        values.insert(
            "proxy",
            Sourced {
                value: p.clone(),
                source: Source::Flag("--proxy"),
            },
        );
    }

    let sign_version = match values.get("sign-version") {
        None if ctx.legacy => SignVersion::V1,
        None => SignVersion::V4,
        Some(s) => match s.value.to_ascii_lowercase().as_str() {
            "1" | "v1" => SignVersion::V1,
            "4" | "v4" => SignVersion::V4,
            other => {
                return Err(CliError::usage(format!(
                    "sign-version {other:?} (from {}) must be v4 or v1",
                    s.source
                )))
            }
        },
    };

    let endpoint_given = values.get("endpoint").map(|s| s.value.clone());
    let region = values
        .get("region")
        .map(|s| s.value.clone())
        .or_else(|| endpoint_given.as_deref().and_then(region_of_endpoint));
    let endpoint = match (endpoint_given, &region) {
        (Some(e), _) => e,
        (None, Some(r)) => format!("https://oss-{r}.aliyuncs.com"),
        (None, None) => {
            return Err(CliError::usage(
                "no endpoint: pass --endpoint or --region, set OSS_ENDPOINT or OSS_REGION, or \
                 put `region = …` in the profile (`oss config`)",
            ))
        }
    };
    if sign_version == SignVersion::V4 && region.is_none() {
        return Err(CliError::usage(format!(
            "signature version 4 needs a region and {endpoint} does not name one: pass \
             --region, set OSS_REGION or put `region = …` in the profile (or ask for \
             --sign-version v1)"
        )));
    }
    if sign_version == SignVersion::V1 {
        warnings.push(
            "signing with V1, which OSS no longer offers to new accounts and buckets; V4 (the \
             default, with a region) is the one to use"
                .to_string(),
        );
    }

    let mode = match values.get("mode") {
        Some(s) => CredentialMode::parse(&s.value).ok_or_else(|| {
            CliError::usage(format!(
                "unknown credential mode {:?} (from {}); known: AK, StsToken, RamRoleArn, \
                 EcsRamRole, OidcRoleArn, Process, CredentialsUri, Environment, CliProfile, \
                 CredentialsFile, DefaultChain, Anonymous",
                s.value, s.source
            ))
        })?,
        None => infer_mode(&values)?,
    };
    let (required, optional) = mode.keys();
    let mut credentials = BTreeMap::new();
    for key in required {
        match values.get(key) {
            Some(v) => {
                credentials.insert(*key, v.clone());
            }
            None => {
                return Err(CliError::usage(format!(
                    "missing credentials: the {} mode needs {}",
                    mode.name(),
                    where_to_set(key)
                )))
            }
        }
    }
    for key in optional {
        if let Some(v) = values.get(key) {
            credentials.insert(*key, v.clone());
        }
    }

    let addressing = values
        .get("addressing-style")
        .map(parse_addressing)
        .transpose()?
        .unwrap_or_default();
    let seconds = |key: &str| -> Result<Option<Duration>, CliError> {
        values
            .get(key)
            .map(|s| {
                s.value
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| {
                        CliError::usage(format!(
                            "{key} {:?} (from {}) is not a number of seconds",
                            s.value, s.source
                        ))
                    })
            })
            .transpose()
    };
    let mut connect_timeout = seconds("connect-timeout")?;
    let mut read_timeout = seconds("read-timeout")?;
    if let Some(s) = global.connect_timeout {
        connect_timeout = Some(Duration::from_secs(s));
    }
    if let Some(s) = global.read_timeout {
        read_timeout = Some(Duration::from_secs(s));
    }
    let retry_times = match global.retry_times {
        Some(n) => Some(n),
        None => values
            .get("retry-times")
            .map(|s| {
                s.value.parse::<u32>().map_err(|_| {
                    CliError::usage(format!(
                        "retry-times {:?} (from {}) is not a number",
                        s.value, s.source
                    ))
                })
            })
            .transpose()?,
    };
    let output_format = values
        .get("output-format")
        .map(|s| match s.value.to_ascii_lowercase().as_str() {
            "json" => Ok(OutputFormat::Json),
            "yaml" => Ok(OutputFormat::Yaml),
            "xml" => Ok(OutputFormat::Xml),
            "text" | "raw" => Ok(OutputFormat::Text),
            other => Err(CliError::usage(format!(
                "output-format {other:?} (from {}) must be text, json, yaml or xml",
                s.source
            ))),
        })
        .transpose()?;

    let mut buckets = BTreeMap::new();
    if let Some(file) = &ctx.file {
        for (bucket, endpoint) in file.legacy_bucket_map(false) {
            buckets.insert(
                bucket,
                BucketSettings {
                    endpoint: Some(endpoint),
                    ..BucketSettings::default()
                },
            );
        }
        for (bucket, domain) in file.legacy_bucket_map(true) {
            buckets.insert(
                bucket,
                BucketSettings {
                    endpoint: Some(domain),
                    addressing: Some(Addressing::Cname),
                    ..BucketSettings::default()
                },
            );
        }
        if let Some(section) = bucket_section {
            let entries = file.buckets_section(&section);
            if entries.is_empty() {
                warnings.push(format!(
                    "{}: buckets = {section} names no [buckets {section}] section",
                    file.origin
                ));
            }
            for (bucket, keys) in entries {
                let mut b = BucketSettings::default();
                for (k, v) in keys {
                    let sourced = Sourced {
                        value: v.clone(),
                        source: Source::File {
                            origin: file.origin.clone(),
                            line: 0,
                        },
                    };
                    match k.as_str() {
                        "region" => b.region = Some(v),
                        "endpoint" => b.endpoint = Some(v),
                        "addressingstyle" => b.addressing = Some(parse_addressing(&sourced)?),
                        other => warnings.push(format!(
                            "{}: unknown key {other:?} of bucket {bucket} is ignored (known: {})",
                            file.origin,
                            config::BUCKET_KEYS.join(", ")
                        )),
                    }
                }
                if b.region.is_none() {
                    b.region = b.endpoint.as_deref().and_then(region_of_endpoint);
                }
                buckets.insert(bucket, b);
            }
        }
    }

    Ok(Settings {
        endpoint,
        region,
        sign_version,
        mode,
        credentials,
        addressing,
        connect_timeout,
        read_timeout,
        retry_times,
        proxy: values.get("proxy").map(|s| s.value.clone()),
        buckets,
        output_format,
        warnings,
    })
}

/// The mode implied by the credential settings present.
fn infer_mode(values: &BTreeMap<&'static str, Sourced>) -> Result<CredentialMode, CliError> {
    let has = |k: &str| values.contains_key(k);
    let keys = has("access-key-id") && has("access-key-secret");
    Ok(if has("role-arn") && has("oidc-provider-arn") {
        CredentialMode::OidcRoleArn
    } else if keys && has("role-arn") {
        CredentialMode::RamRoleArn
    } else if keys && has("sts-token") {
        CredentialMode::StsToken
    } else if keys {
        CredentialMode::Ak
    } else if has("credential-process") {
        CredentialMode::Process
    } else if has("credential-uri") {
        CredentialMode::CredentialsUri
    } else if has("ecs-role-name") {
        CredentialMode::EcsRamRole
    } else {
        let missing = if has("access-key-id") {
            "access-key-secret"
        } else {
            "access-key-id"
        };
        return Err(CliError::usage(format!(
            "missing credentials: no {} (or set `mode` to another credential mode)",
            where_to_set(missing)
        )));
    })
}

/// `access key id (--access-key-id, OSS_ACCESS_KEY_ID or `access-key-id` in the profile)`.
fn where_to_set(key: &str) -> String {
    let flag = match key {
        "access-key-id" | "access-key-secret" | "sts-token" => format!("--{key}, "),
        _ => String::new(),
    };
    let env = ENV_KEYS
        .iter()
        .find(|(_, k)| *k == key)
        .map(|(v, _)| format!("{v} or "))
        .unwrap_or_default();
    format!(
        "{} ({flag}{env}`{key}` in the profile)",
        key.replace('-', " ")
    )
}

/// The region of an `oss-<region>[-internal].aliyuncs.com` endpoint.
pub fn region_of_endpoint(endpoint: &str) -> Option<String> {
    let rest = endpoint
        .split_once("://")
        .map(|(_, r)| r)
        .unwrap_or(endpoint);
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host);
    osskit::proto::endpoint::region_from_host(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn ctx(text: &str, profile: &str) -> ConfigContext {
        ConfigContext {
            path: None,
            file: Some(ConfigFile::parse(text, "cfg").unwrap()),
            legacy: false,
            profile: profile.into(),
            profile_named: profile != "default",
            warnings: Vec::new(),
        }
    }

    #[test]
    fn flags_beat_environment_beat_profile() {
        let c = ctx(
            "[default]\nendpoint = http://file:1\naccess-key-id = file-id\n\
             accessKeySecret = 'file-secret'\nregion = file-region\n",
            "default",
        );
        let env = env_of(&[
            ("OSS_ENDPOINT", "http://env:2"),
            ("OSS_ACCESS_KEY_ID", "env-id"),
        ]);
        let flags = GlobalArgs {
            endpoint: Some("http://flag:3".into()),
            ..Default::default()
        };
        let s = resolve(&flags, &env, &c).unwrap();
        assert_eq!(s.endpoint, "http://flag:3");
        assert_eq!(s.credential("access-key-id"), Some("env-id"));
        assert_eq!(s.credential("access-key-secret"), Some("file-secret"));
        assert_eq!(s.region.as_deref(), Some("file-region"));
        assert_eq!(s.mode, CredentialMode::Ak);
        assert_eq!(s.sign_version, SignVersion::V4);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        // --ignore-env-var leaves the variables out.
        let flags = GlobalArgs {
            ignore_env_var: true,
            ..Default::default()
        };
        let s = resolve(&flags, &env, &c).unwrap();
        assert_eq!(s.credential("access-key-id"), Some("file-id"));
        assert_eq!(s.endpoint, "http://file:1");
    }

    #[test]
    fn v4_region_comes_from_the_endpoint_and_v1_warns() {
        let env = env_of(&[
            (
                "OSS_ENDPOINT",
                "https://oss-cn-shanghai-internal.aliyuncs.com",
            ),
            ("OSS_ACCESS_KEY_ID", "id"),
            ("OSS_ACCESS_KEY_SECRET", "s"),
        ]);
        let s = resolve(&GlobalArgs::default(), &env, &ConfigContext::default()).unwrap();
        assert_eq!(s.region.as_deref(), Some("cn-shanghai"));
        assert_eq!(s.sign_version, SignVersion::V4);
        // A region alone gives the public endpoint.
        let env = env_of(&[
            ("OSS_REGION", "us-west-1"),
            ("OSS_ACCESS_KEY_ID", "id"),
            ("OSS_ACCESS_KEY_SECRET", "s"),
        ]);
        let s = resolve(&GlobalArgs::default(), &env, &ConfigContext::default()).unwrap();
        assert_eq!(s.endpoint, "https://oss-us-west-1.aliyuncs.com");
        // A local endpoint names no region: V4 asks for one, V1 warns.
        let env = env_of(&[
            ("OSS_ENDPOINT", "http://127.0.0.1:9000"),
            ("OSS_ACCESS_KEY_ID", "id"),
            ("OSS_ACCESS_KEY_SECRET", "s"),
        ]);
        let err = resolve(&GlobalArgs::default(), &env, &ConfigContext::default()).unwrap_err();
        assert!(err.to_string().contains("needs a region"), "{err}");
        let v1 = GlobalArgs {
            sign_version: Some("v1".into()),
            ..Default::default()
        };
        let s = resolve(&v1, &env, &ConfigContext::default()).unwrap();
        assert_eq!(s.sign_version, SignVersion::V1);
        assert!(
            s.warnings.iter().any(|w| w.contains("V1")),
            "{:?}",
            s.warnings
        );
        let bad = GlobalArgs {
            sign_version: Some("2".into()),
            ..Default::default()
        };
        let err = resolve(&bad, &env, &ConfigContext::default()).unwrap_err();
        assert!(err.to_string().contains("--sign-version"), "{err}");
        let err = resolve(
            &GlobalArgs::default(),
            &env_of(&[]),
            &ConfigContext::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no endpoint"), "{err}");
    }

    #[test]
    fn the_legacy_file_keeps_v1() {
        let mut c = ctx(
            "endpoint = http://127.0.0.1:1\naccess_key_id = a\naccess_key_secret = b\n",
            "default",
        );
        c.legacy = true;
        let s = resolve(&GlobalArgs::default(), &env_of(&[]), &c).unwrap();
        assert_eq!(s.sign_version, SignVersion::V1);
        let c = ctx(
            "endpoint = http://127.0.0.1:1\naccess_key_id = a\naccess_key_secret = b\n\
             region = cn-hangzhou\nsignature_version = 4        # 1 or 4\n",
            "default",
        );
        let s = resolve(&GlobalArgs::default(), &env_of(&[]), &c).unwrap();
        assert_eq!(s.sign_version, SignVersion::V4);
    }

    #[test]
    fn modes_are_inferred_or_named_and_checked() {
        let base = "[default]\nregion = r\n";
        let mode_of = |extra: &str| {
            resolve(
                &GlobalArgs::default(),
                &env_of(&[]),
                &ctx(&format!("{base}{extra}"), "default"),
            )
        };
        assert_eq!(
            mode_of("access-key-id = a\naccess-key-secret = b\nsts-token = t\n")
                .unwrap()
                .mode,
            CredentialMode::StsToken
        );
        let s = mode_of("access-key-id = a\naccess-key-secret = b\nrole-arn = acs:ram::1:role/r\n")
            .unwrap();
        assert_eq!(s.mode, CredentialMode::RamRoleArn);
        assert_eq!(s.credential("role-arn"), Some("acs:ram::1:role/r"));
        assert_eq!(
            mode_of("mode = EcsRamRole\necs-role-name = r\n")
                .unwrap()
                .mode,
            CredentialMode::EcsRamRole
        );
        assert_eq!(
            mode_of("credential_process = /bin/creds\n").unwrap().mode,
            CredentialMode::Process
        );
        assert_eq!(
            mode_of("mode = anonymous\n").unwrap().mode,
            CredentialMode::Anonymous
        );
        let err = mode_of("mode = OidcRoleArn\nrole-arn = x\n").unwrap_err();
        assert!(err.to_string().contains("oidc provider arn"), "{err}");
        let err = mode_of("mode = nonsense\n").unwrap_err();
        assert!(err.to_string().contains("unknown credential mode"), "{err}");
        let err = mode_of("access-key-id = a\n").unwrap_err();
        assert!(
            err.to_string().contains("missing credentials")
                && err.to_string().contains("OSS_ACCESS_KEY_SECRET"),
            "{err}"
        );
    }

    #[test]
    fn bucket_sections_and_unknown_keys() {
        let c = ctx(
            "[default]\nregion = cn-hangzhou\naccess-key-id = a\naccess-key-secret = b\n\
             buckets = mine\ncolour = blue\n[buckets mine]\nlogs =\n  endpoint = \
             https://oss-cn-beijing.aliyuncs.com\n  addressing-style = path\n",
            "default",
        );
        let s = resolve(&GlobalArgs::default(), &env_of(&[]), &c).unwrap();
        let logs = &s.buckets["logs"];
        assert_eq!(logs.region.as_deref(), Some("cn-beijing"));
        assert_eq!(logs.addressing, Some(Addressing::Path));
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains("\"colour\"") && w.contains("cfg:6")),
            "{:?}",
            s.warnings
        );
    }

    #[test]
    fn named_profiles_must_exist() {
        let c = ConfigContext {
            file: Some(ConfigFile::parse("[default]\nregion = r\n[profile a]\n", "cfg").unwrap()),
            profile: "b".into(),
            profile_named: true,
            ..Default::default()
        };
        let err = finish_context(c, false).unwrap_err();
        assert!(
            err.to_string().contains("profile \"b\" is not in cfg"),
            "{err}"
        );
        assert!(err.to_string().contains("default, a"), "{err}");
    }
}
