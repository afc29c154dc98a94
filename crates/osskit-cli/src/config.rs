//! Connection settings: flags, then environment variables, then the configuration file.
//!
//! The file holds `key = value` lines (`#` starts a comment, values may be quoted, `[section]`
//! lines are ignored), so a small TOML file works too:
//!
//! ```toml
//! endpoint = "https://oss-cn-hangzhou.aliyuncs.com"
//! access_key_id = "LTAI..."
//! access_key_secret = "..."
//! region = "cn-hangzhou"
//! signature_version = 4
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::args::ConnectionArgs;
use crate::error::CliError;

/// Keys the configuration file may hold.
const FILE_KEYS: [&str; 6] = [
    "endpoint",
    "access_key_id",
    "access_key_secret",
    "sts_token",
    "region",
    "signature_version",
];

/// Signing version of requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVersion {
    /// OSS signature V1 (HMAC-SHA1).
    V1,
    /// OSS signature V4 (HMAC-SHA256, needs a region).
    V4,
}

/// The resolved settings of a client command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Endpoint as given (`[scheme://]host[:port]`).
    pub endpoint: String,
    /// Access key id.
    pub access_key_id: String,
    /// Access key secret.
    pub access_key_secret: String,
    /// STS security token, for temporary credentials.
    pub sts_token: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Signing version.
    pub signature_version: SignatureVersion,
}

/// The parsed configuration file: key → value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigFile {
    values: BTreeMap<String, String>,
}

impl ConfigFile {
    /// Parses the text of a configuration file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ConfigFile, CliError> {
        let mut values = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('[') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(CliError::usage(format!(
                    "{origin}:{}: expected `key = value`, found {line:?}",
                    i + 1
                )));
            };
            let key = key.trim().to_ascii_lowercase().replace('-', "_");
            let key = match key.as_str() {
                "security_token" | "session_token" => "sts_token".to_string(),
                _ => key,
            };
            if !FILE_KEYS.contains(&key.as_str()) {
                return Err(CliError::usage(format!(
                    "{origin}:{}: unknown key {key:?} (known: {})",
                    i + 1,
                    FILE_KEYS.join(", ")
                )));
            }
            values.insert(key, unquote(value.trim()).to_string());
        }
        Ok(ConfigFile { values })
    }

    /// Reads `path`. A missing file is an error only when `required` (given with
    /// `--config`); otherwise it reads as empty.
    pub fn load(path: &Path, required: bool) -> Result<ConfigFile, CliError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ConfigFile::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                Ok(ConfigFile::default())
            }
            Err(e) => Err(CliError::usage(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))),
        }
    }

    /// The value of `key`, if set and not blank.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }
}

/// Strips one pair of matching surrounding quotes.
fn unquote(v: &str) -> &str {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            return &v[1..v.len() - 1];
        }
    }
    v
}

/// `~/.oss/config.toml` (from `HOME`, or `USERPROFILE` on Windows).
pub fn default_config_path() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join(".oss").join("config.toml"))
}

/// Resolves the settings from the flags, the environment (`env` looks a variable up) and
/// the configuration file (`--config`, else the default path if it exists).
pub fn resolve(
    flags: &ConnectionArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, CliError> {
    let file = match &flags.config {
        Some(path) => ConfigFile::load(path, true)?,
        None => match default_config_path() {
            Some(path) => ConfigFile::load(&path, false)?,
            None => ConfigFile::default(),
        },
    };
    resolve_with(flags, env, &file)
}

/// [`resolve`] with an already loaded file.
pub fn resolve_with(
    flags: &ConnectionArgs,
    env: &dyn Fn(&str) -> Option<String>,
    file: &ConfigFile,
) -> Result<Settings, CliError> {
    let pick = |flag: &Option<String>, var: Option<&str>, key: &str| -> Option<String> {
        let nonblank = |v: &String| !v.trim().is_empty();
        flag.clone()
            .filter(nonblank)
            .or_else(|| var.and_then(env).filter(nonblank))
            .or_else(|| file.get(key).map(str::to_string))
            .map(|v| v.trim().to_string())
    };
    let endpoint = pick(&flags.endpoint, Some("OSS_ENDPOINT"), "endpoint").ok_or_else(|| {
        CliError::usage(
            "no endpoint: pass --endpoint, set OSS_ENDPOINT, or put `endpoint = ...` in the \
             configuration file",
        )
    })?;
    let id = pick(
        &flags.access_key_id,
        Some("OSS_ACCESS_KEY_ID"),
        "access_key_id",
    );
    let secret = pick(
        &flags.access_key_secret,
        Some("OSS_ACCESS_KEY_SECRET"),
        "access_key_secret",
    );
    let (access_key_id, access_key_secret) = match (id, secret) {
        (Some(id), Some(secret)) => (id, secret),
        (id, _) => {
            let missing = if id.is_none() {
                "access key id (--access-key-id, OSS_ACCESS_KEY_ID or `access_key_id`)"
            } else {
                "access key secret (--access-key-secret, OSS_ACCESS_KEY_SECRET or \
                 `access_key_secret`)"
            };
            return Err(CliError::usage(format!(
                "missing credentials: no {missing}"
            )));
        }
    };
    let sts_token = pick(&flags.sts_token, Some("OSS_SESSION_TOKEN"), "sts_token");
    let region = pick(&flags.region, Some("OSS_REGION"), "region");
    let signature_version =
        match pick(&flags.signature_version, None, "signature_version").as_deref() {
            None | Some("1") | Some("v1") | Some("V1") => SignatureVersion::V1,
            Some("4") | Some("v4") | Some("V4") => SignatureVersion::V4,
            Some(other) => {
                return Err(CliError::usage(format!(
                    "signature_version must be 1 or 4, not {other:?}"
                )))
            }
        };
    if signature_version == SignatureVersion::V4 && region.is_none() {
        return Err(CliError::usage(
            "signature version 4 needs a region: pass --region or set OSS_REGION",
        ));
    }
    Ok(Settings {
        endpoint,
        access_key_id,
        access_key_secret,
        sts_token,
        region,
        signature_version,
    })
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

    fn file(text: &str) -> ConfigFile {
        ConfigFile::parse(text, "test.toml").unwrap()
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let f = file(
            "# comment\n[default]\nendpoint = \"http://file:1\"\naccess_key_id = file-id\n\
             access_key_secret = 'file-secret'\nregion = file-region\n",
        );
        let env = env_of(&[
            ("OSS_ENDPOINT", "http://env:2"),
            ("OSS_ACCESS_KEY_ID", "env-id"),
        ]);
        let flags = ConnectionArgs {
            endpoint: Some("http://flag:3".into()),
            ..Default::default()
        };
        let s = resolve_with(&flags, &env, &f).unwrap();
        assert_eq!(s.endpoint, "http://flag:3");
        assert_eq!(s.access_key_id, "env-id");
        assert_eq!(s.access_key_secret, "file-secret");
        assert_eq!(s.region.as_deref(), Some("file-region"));
        assert_eq!(s.sts_token, None);
        assert_eq!(s.signature_version, SignatureVersion::V1);
    }

    #[test]
    fn blank_values_fall_through() {
        let f = file("access_key_secret = s\nsecurity-token = tok\n");
        let env = env_of(&[("OSS_ENDPOINT", "  "), ("OSS_ACCESS_KEY_ID", "id")]);
        let flags = ConnectionArgs {
            endpoint: Some("http://x".into()),
            ..Default::default()
        };
        let s = resolve_with(&flags, &env, &f).unwrap();
        assert_eq!(s.sts_token.as_deref(), Some("tok"));
        let err = resolve_with(&ConnectionArgs::default(), &env, &f).unwrap_err();
        assert!(err.to_string().contains("no endpoint"), "{err}");
    }

    #[test]
    fn missing_credentials_are_named() {
        let env = env_of(&[("OSS_ENDPOINT", "http://x")]);
        let err =
            resolve_with(&ConnectionArgs::default(), &env, &ConfigFile::default()).unwrap_err();
        assert!(err.to_string().contains("no access key id"), "{err}");
        let env = env_of(&[("OSS_ENDPOINT", "http://x"), ("OSS_ACCESS_KEY_ID", "id")]);
        let err =
            resolve_with(&ConnectionArgs::default(), &env, &ConfigFile::default()).unwrap_err();
        assert!(err.to_string().contains("no access key secret"), "{err}");
    }

    #[test]
    fn v4_needs_a_region() {
        let env = env_of(&[
            ("OSS_ENDPOINT", "http://x"),
            ("OSS_ACCESS_KEY_ID", "id"),
            ("OSS_ACCESS_KEY_SECRET", "s"),
        ]);
        let flags = ConnectionArgs {
            signature_version: Some("4".into()),
            ..Default::default()
        };
        let err = resolve_with(&flags, &env, &ConfigFile::default()).unwrap_err();
        assert!(err.to_string().contains("needs a region"), "{err}");
        let s = resolve_with(&flags, &env, &file("region = cn-shanghai")).unwrap();
        assert_eq!(s.signature_version, SignatureVersion::V4);
        let s = resolve_with(
            &ConnectionArgs::default(),
            &env,
            &file("region = r\nsignature_version = 4"),
        )
        .unwrap();
        assert_eq!(s.signature_version, SignatureVersion::V4);
    }

    #[test]
    fn file_errors_name_the_line() {
        let err = ConfigFile::parse("endpoint = x\nbogus line\n", "cfg").unwrap_err();
        assert!(err.to_string().contains("cfg:2"), "{err}");
        let err = ConfigFile::parse("endpont = x\n", "cfg").unwrap_err();
        assert!(err.to_string().contains("unknown key \"endpont\""), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert_eq!(
            ConfigFile::load(&missing, false).unwrap(),
            ConfigFile::default()
        );
        let err = ConfigFile::load(&missing, true).unwrap_err();
        assert!(err.to_string().contains("none.toml"), "{err}");
    }
}
