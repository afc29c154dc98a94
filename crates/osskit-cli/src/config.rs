//! The configuration file, in ossutil 2.0's INI format (`~/.ossutilconfig` by default):
//!
//! ```ini
//! # Comments start with # or ; (also after a value, following a space).
//! [default]
//! access-key-id = LTAI...          # also accessKeyID, access_key_id, accesskeyid
//! access-key-secret = "..."
//! region = cn-hangzhou
//!
//! [profile dev]
//! source-profile = default         # inherit everything not set here
//! region = cn-shanghai
//! buckets = dev-buckets
//!
//! [buckets dev-buckets]
//! logs-bucket =
//!   region = cn-beijing
//!   endpoint = https://oss-cn-beijing-internal.aliyuncs.com
//! ```
//!
//! Section names and keys are case-insensitive; in keys `-` and `_` are ignored. `[default]`
//! is `[profile default]`; `[name]` is accepted for `[profile name]`. Keys before any section
//! belong to the default profile (so the earlier `key = value` files of this tool still
//! read). ossutil 1.0's `[Credentials]`, `[Bucket-Endpoint]` and `[Bucket-Cname]` sections
//! are read too.
//!
//! The file is edited line by line (`oss config set`): comments, order and other sections
//! stay as they are, and it is written owner-only (mode 0600), through a temporary file
//! renamed over it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Keys a profile may hold: the canonical (kebab-case) name and other names it is known by
/// (already normalised: lower case, no `-` or `_`).
pub const KEYS: &[(&str, &[&str])] = &[
    ("access-key-id", &[]),
    ("access-key-secret", &[]),
    ("sts-token", &["securitytoken", "sessiontoken"]),
    ("region", &[]),
    ("endpoint", &[]),
    ("sign-version", &["signatureversion"]),
    ("mode", &[]),
    ("role-arn", &["ramrolearn"]),
    ("role-session-name", &["ramsessionname"]),
    ("external-id", &[]),
    ("role-duration", &["durationseconds", "expiredseconds"]),
    ("ecs-role-name", &["ramrolename"]),
    ("credential-process", &[]),
    ("credential-process-timeout", &[]),
    ("credential-uri", &["credentialsuri"]),
    ("oidc-provider-arn", &[]),
    ("oidc-token-file-path", &["oidctokenfile"]),
    ("sts-endpoint", &[]),
    ("sts-region", &[]),
    ("imds-endpoint", &[]),
    ("cli-profile", &[]),
    ("credentials-file", &[]),
    ("credentials-profile", &[]),
    ("source-profile", &[]),
    ("addressing-style", &[]),
    ("output-format", &[]),
    ("connect-timeout", &[]),
    ("read-timeout", &[]),
    ("retry-times", &[]),
    ("proxy", &[]),
    ("buckets", &[]),
    // ossutil's, read and not used.
    ("language", &[]),
    ("loglevel", &[]),
    ("log-file", &[]),
    ("output-query", &[]),
    ("skip-verify-cert", &[]),
    ("cloudbox-id", &[]),
    ("account-id", &[]),
    ("bind-address", &[]),
    ("cname", &[]),
];

/// Keys of a `[buckets …]` entry.
pub const BUCKET_KEYS: &[&str] = &["region", "endpoint", "addressing-style"];

/// `accessKeyID`, `access_key_id`, `Access-Key-Id` → `accesskeyid`.
pub fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The canonical name of a key, if it is one a profile may hold.
pub fn canonical(key: &str) -> Option<&'static str> {
    let n = normalize(key);
    KEYS.iter()
        .find(|(name, aliases)| normalize(name) == n || aliases.contains(&n.as_str()))
        .map(|(name, _)| *name)
}

/// What a section is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SectionKind {
    /// `[default]`, `[profile NAME]`, `[NAME]`, ossutil 1.0's `[Credentials]`, or the keys
    /// before the first section: a profile.
    Profile(String),
    /// `[buckets NAME]`: per-bucket settings.
    Buckets(String),
    /// ossutil 1.0's `[Bucket-Endpoint]`: `bucket = endpoint`.
    BucketEndpoint,
    /// ossutil 1.0's `[Bucket-Cname]`: `bucket = domain`.
    BucketCname,
}

fn section_kind(header: &str) -> SectionKind {
    let words: Vec<&str> = header.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    match lower.as_slice() {
        [w] if w == "default" || w == "credentials" => SectionKind::Profile("default".into()),
        [w] if w == "bucket-endpoint" => SectionKind::BucketEndpoint,
        [w] if w == "bucket-cname" => SectionKind::BucketCname,
        [p, name] if p == "profile" => SectionKind::Profile(name.clone()),
        [b, name] if b == "buckets" => SectionKind::Buckets(name.clone()),
        _ => SectionKind::Profile(lower.join(" ")),
    }
}

/// A value where it was read: file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    /// The value, unquoted, without its comment.
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// One line of the file.
#[derive(Debug, Clone)]
enum Line {
    /// Blank lines, comments, anything kept as it is.
    Other(String),
    /// `[...]`.
    Section(SectionKind, String),
    /// `key = value` (or an indented line of a bucket entry).
    Key {
        /// Normalised key.
        key: String,
        value: String,
        indented: bool,
        raw: String,
    },
}

/// A parsed configuration file, editable line by line.
#[derive(Debug, Clone, Default)]
pub struct ConfigFile {
    /// Where it was read from (for messages).
    pub origin: String,
    lines: Vec<Line>,
}

/// Splits `value  # comment` and unquotes the value.
fn clean_value(raw: &str) -> String {
    let v = raw.trim();
    for q in ['"', '\''] {
        if let Some(rest) = v.strip_prefix(q) {
            if let Some(end) = rest.find(q) {
                let after = rest[end + 1..].trim();
                if after.is_empty() || after.starts_with('#') || after.starts_with(';') {
                    return rest[..end].to_string();
                }
            }
        }
    }
    // An inline comment starts at `#` or `;` after whitespace.
    let bytes = v.as_bytes();
    for i in 1..bytes.len() {
        if (bytes[i] == b'#' || bytes[i] == b';') && bytes[i - 1].is_ascii_whitespace() {
            return v[..i].trim_end().to_string();
        }
    }
    if v.starts_with('#') || v.starts_with(';') {
        return String::new();
    }
    v.to_string()
}

impl ConfigFile {
    /// Parses the text of a configuration file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<ConfigFile, CliError> {
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let raw = raw.trim_end_matches('\r');
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
                lines.push(Line::Other(raw.to_string()));
                continue;
            }
            if let Some(rest) = line.strip_prefix('[') {
                let Some(end) = rest.find(']') else {
                    return Err(CliError::usage(format!(
                        "{origin}:{}: the section header {line:?} has no closing ]",
                        i + 1
                    )));
                };
                let header = rest[..end].trim();
                let after = rest[end + 1..].trim();
                if header.is_empty()
                    || !(after.is_empty() || after.starts_with('#') || after.starts_with(';'))
                {
                    return Err(CliError::usage(format!(
                        "{origin}:{}: expected `[section]`, found {line:?}",
                        i + 1
                    )));
                }
                lines.push(Line::Section(section_kind(header), raw.to_string()));
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(CliError::usage(format!(
                    "{origin}:{}: expected `key = value`, found {line:?}",
                    i + 1
                )));
            };
            let key = key.trim();
            if key.is_empty() {
                return Err(CliError::usage(format!(
                    "{origin}:{}: a value without a key: {line:?}",
                    i + 1
                )));
            }
            lines.push(Line::Key {
                key: normalize(key),
                value: clean_value(value),
                indented: raw.starts_with(char::is_whitespace),
                raw: raw.to_string(),
            });
        }
        Ok(ConfigFile {
            origin: origin.to_string(),
            lines,
        })
    }

    /// Reads `path`; `None` when it does not exist.
    pub fn load(path: &Path) -> Result<Option<ConfigFile>, CliError> {
        match std::fs::read_to_string(path) {
            Ok(text) => ConfigFile::parse(&text, &path.display().to_string()).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CliError::usage(format!(
                "cannot read the configuration file {}: {e}",
                path.display()
            ))),
        }
    }

    /// The sections in order, each with its lines' indices (a leading pseudo-section of
    /// the default profile holds the keys before the first header).
    fn sections(&self) -> Vec<(SectionKind, Vec<usize>)> {
        let mut out = vec![(SectionKind::Profile("default".into()), Vec::new())];
        for (i, line) in self.lines.iter().enumerate() {
            match line {
                Line::Section(kind, _) => out.push((kind.clone(), Vec::new())),
                Line::Key { .. } => {
                    if let Some(last) = out.last_mut() {
                        last.1.push(i);
                    }
                }
                Line::Other(_) => {}
            }
        }
        out
    }

    /// The profile names, in the order they appear (`default` first when present).
    pub fn profiles(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (n, (kind, lines)) in self.sections().into_iter().enumerate() {
            if let SectionKind::Profile(name) = kind {
                // Section 0 holds the keys before any header: a profile only if it has some.
                if (n > 0 || !lines.is_empty()) && !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// Whether the profile has a section (or, for `default`, keys before any section).
    pub fn has_profile(&self, name: &str) -> bool {
        self.profiles().iter().any(|n| n == name)
    }

    /// The keys of one profile as written (not inherited): normalised key → value. Later
    /// sections of the same name override earlier ones.
    pub fn profile(&self, name: &str) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        for (kind, lines) in self.sections() {
            if kind != SectionKind::Profile(name.to_string()) {
                continue;
            }
            for i in lines {
                if let Line::Key { key, value, .. } = &self.lines[i] {
                    out.insert(
                        key.clone(),
                        Value {
                            value: value.clone(),
                            line: i + 1,
                        },
                    );
                }
            }
        }
        out
    }

    /// A profile with what it inherits through `source-profile`: the chain's keys, nearer
    /// profiles first. Fails on an unknown source profile or a cycle.
    pub fn resolved_profile(&self, name: &str) -> Result<BTreeMap<String, Value>, CliError> {
        let mut chain = vec![name.to_string()];
        let mut out = self.profile(name);
        let source_key = normalize("source-profile");
        let mut next = out.get(&source_key).map(|v| v.value.clone());
        while let Some(source) = next.filter(|s| !s.is_empty()) {
            let source = source.to_ascii_lowercase();
            if chain.contains(&source) {
                chain.push(source);
                return Err(CliError::usage(format!(
                    "{}: the profiles inherit from each other in a cycle: {}",
                    self.origin,
                    chain.join(" -> ")
                )));
            }
            if !self.has_profile(&source) {
                return Err(CliError::usage(format!(
                    "{}: profile [{}] has source-profile = {source}, which is not in the file",
                    self.origin,
                    chain.last().map(String::as_str).unwrap_or(name)
                )));
            }
            let parent = self.profile(&source);
            next = parent.get(&source_key).map(|v| v.value.clone());
            for (k, v) in parent {
                if k != source_key {
                    out.entry(k).or_insert(v);
                }
            }
            chain.push(source);
        }
        Ok(out)
    }

    /// Per-bucket settings of a `[buckets NAME]` section: bucket → (normalised key →
    /// value). Entries are `bucket =` followed by indented `key = value` lines.
    pub fn buckets_section(&self, name: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        for (kind, lines) in self.sections() {
            if kind != SectionKind::Buckets(name.to_ascii_lowercase()) {
                continue;
            }
            let mut current: Option<String> = None;
            for i in lines {
                if let Line::Key {
                    key,
                    value,
                    indented,
                    raw,
                } = &self.lines[i]
                {
                    if *indented {
                        if let Some(bucket) = &current {
                            out.entry(bucket.clone())
                                .or_default()
                                .insert(key.clone(), value.clone());
                        }
                    } else {
                        // The bucket name as written (bucket names are lower case anyway).
                        let bucket = raw.split('=').next().unwrap_or_default().trim().to_string();
                        out.entry(bucket.clone()).or_default();
                        current = Some(bucket);
                    }
                }
            }
        }
        out
    }

    /// ossutil 1.0's `[Bucket-Endpoint]` / `[Bucket-Cname]` entries: bucket → value.
    pub fn legacy_bucket_map(&self, cname: bool) -> BTreeMap<String, String> {
        let want = if cname {
            SectionKind::BucketCname
        } else {
            SectionKind::BucketEndpoint
        };
        let mut out = BTreeMap::new();
        for (kind, lines) in self.sections() {
            if kind != want {
                continue;
            }
            for i in lines {
                if let Line::Key { value, raw, .. } = &self.lines[i] {
                    let bucket = raw.split('=').next().unwrap_or_default().trim();
                    out.insert(bucket.to_string(), value.clone());
                }
            }
        }
        out
    }

    /// Sets `key` (canonical name) of `profile` to `value`, replacing the profile's line
    /// for it or adding one at the end of its section (a new section at the end of the
    /// file when the profile has none). An empty value removes the key.
    pub fn set(&mut self, profile: &str, key: &str, value: &str) {
        let norm = normalize(key);
        let sections = self.sections();
        let mut found_section = false;
        let mut last_line_of_section: Option<usize> = None;
        let mut header_index: Option<usize> = None;
        let headers: Vec<usize> = self
            .lines
            .iter()
            .enumerate()
            .filter(|(_, l)| matches!(l, Line::Section(..)))
            .map(|(i, _)| i)
            .collect();
        for (n, (kind, lines)) in sections.iter().enumerate() {
            if *kind != SectionKind::Profile(profile.to_string()) {
                continue;
            }
            // Section 0 is the keys before any header.
            let declared = n > 0 || !lines.is_empty();
            if !declared {
                continue;
            }
            found_section = true;
            header_index = n.checked_sub(1).and_then(|h| headers.get(h).copied());
            for &i in lines {
                last_line_of_section = Some(i);
                if let Line::Key { key: k, .. } = &self.lines[i] {
                    if *k == norm {
                        if value.is_empty() {
                            self.lines.remove(i);
                        } else {
                            self.lines[i] = Line::Key {
                                key: norm.clone(),
                                value: value.to_string(),
                                indented: false,
                                raw: format!("{key} = {}", quote(value)),
                            };
                        }
                        return;
                    }
                }
            }
        }
        if value.is_empty() {
            return;
        }
        let new_line = Line::Key {
            key: norm,
            value: value.to_string(),
            indented: false,
            raw: format!("{key} = {}", quote(value)),
        };
        if found_section {
            let at = last_line_of_section
                .or(header_index)
                .map(|i| i + 1)
                .unwrap_or(0);
            self.lines.insert(at, new_line);
        } else {
            if self
                .lines
                .last()
                .is_some_and(|l| !matches!(l, Line::Other(s) if s.trim().is_empty()))
            {
                self.lines.push(Line::Other(String::new()));
            }
            let header = if profile == "default" {
                "[default]".to_string()
            } else {
                format!("[profile {profile}]")
            };
            self.lines.push(Line::Section(
                SectionKind::Profile(profile.to_string()),
                header,
            ));
            self.lines.push(new_line);
        }
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Other(s) | Line::Section(_, s) => out.push_str(s),
                Line::Key { raw, .. } => out.push_str(raw),
            }
            out.push('\n');
        }
        out
    }

    /// Writes the file owner-only (0600 on Unix): a temporary file beside it, synced, then
    /// renamed over it. The directory is created (0700) when missing.
    pub fn save(&self, path: &Path) -> Result<(), CliError> {
        write_private(path, self.render().as_bytes())
    }
}

/// A value as written: quoted when it has spaces, quotes or comment characters.
fn quote(value: &str) -> String {
    let needs = value.starts_with(char::is_whitespace)
        || value.ends_with(char::is_whitespace)
        || value.contains(['#', ';', '"', '\''])
        || value.is_empty();
    if needs && !value.contains('"') {
        format!("\"{value}\"")
    } else if needs && !value.contains('\'') {
        format!("'{value}'")
    } else {
        value.to_string()
    }
}

/// Writes `data` to `path` readable by its owner only, atomically.
pub fn write_private(path: &Path, data: &[u8]) -> Result<(), CliError> {
    use std::io::Write;
    let fail = |e: std::io::Error| CliError::io(format!("cannot write {}", path.display()), e);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    if !dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(&dir).map_err(fail)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".into());
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let result = (|| {
        let mut f = opts.open(&tmp)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        f.write_all(data)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(fail)
}

/// Whether others than the owner may read the file (Unix permissions).
pub fn readable_by_others(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The home directory (`HOME`, or `USERPROFILE` on Windows).
pub fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
}

/// `~/.ossutilconfig`.
pub fn default_config_path() -> Option<PathBuf> {
    home_dir().map(|h| h.join(".ossutilconfig"))
}

/// The earlier configuration file of this tool, `~/.oss/config.toml`.
pub fn legacy_config_path() -> Option<PathBuf> {
    home_dir().map(|h| h.join(".oss").join("config.toml"))
}

/// `~/.oss`: checkpoints and the records of interrupted copies.
pub fn state_dir() -> Option<PathBuf> {
    home_dir().map(|h| h.join(".oss"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# top comment
[default]
accessKeyID = LTAI-default      # inline comment
access_key_secret = \"quoted # not a comment\"   ; another comment
region = cn-hangzhou
signature_version = 4        # 1 or 4

[profile dev]
source-profile = default
Region = cn-shanghai

[profile child]
source_profile = dev
endpoint = http://127.0.0.1:9000

[buckets mine]
logs =
  region = cn-beijing
  endpoint = https://oss-cn-beijing.aliyuncs.com
other =
  addressing-style = path

[profile loop-a]
source-profile = loop-b
[profile loop-b]
source-profile = loop-a
";

    fn sample() -> ConfigFile {
        ConfigFile::parse(SAMPLE, "sample").unwrap()
    }

    fn get(map: &BTreeMap<String, Value>, key: &str) -> Option<String> {
        map.get(&normalize(key)).map(|v| v.value.clone())
    }

    #[test]
    fn keys_values_and_comments() {
        let f = sample();
        let d = f.profile("default");
        assert_eq!(get(&d, "access-key-id").as_deref(), Some("LTAI-default"));
        assert_eq!(
            get(&d, "access-key-secret").as_deref(),
            Some("quoted # not a comment")
        );
        assert_eq!(get(&d, "signature_version").as_deref(), Some("4"));
        assert_eq!(d[&normalize("region")].line, 5);
        assert_eq!(canonical("accessKeyID"), Some("access-key-id"));
        assert_eq!(canonical("security_token"), Some("sts-token"));
        assert_eq!(canonical("signature_version"), Some("sign-version"));
        assert_eq!(canonical("bogus"), None);
        assert_eq!(clean_value("a b # c"), "a b");
        assert_eq!(clean_value("a#b"), "a#b");
        assert_eq!(clean_value("'x' # y"), "x");
    }

    #[test]
    fn profiles_are_separate_and_inherit() {
        let f = sample();
        assert_eq!(
            f.profiles(),
            ["default", "dev", "child", "loop-a", "loop-b"]
        );
        let dev = f.resolved_profile("dev").unwrap();
        assert_eq!(get(&dev, "region").as_deref(), Some("cn-shanghai"));
        assert_eq!(get(&dev, "access-key-id").as_deref(), Some("LTAI-default"));
        let child = f.resolved_profile("child").unwrap();
        assert_eq!(get(&child, "region").as_deref(), Some("cn-shanghai"));
        assert_eq!(
            get(&child, "endpoint").as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(
            get(&child, "access-key-id").as_deref(),
            Some("LTAI-default")
        );
        // The default profile does not see the others' keys.
        assert_eq!(get(&f.profile("default"), "endpoint"), None);
        let err = f.resolved_profile("loop-a").unwrap_err();
        assert!(err.to_string().contains("cycle"), "{err}");
        let f = ConfigFile::parse("[profile x]\nsource-profile = nope\n", "f").unwrap();
        let err = f.resolved_profile("x").unwrap_err();
        assert!(err.to_string().contains("nope"), "{err}");
    }

    #[test]
    fn bucket_sections() {
        let f = sample();
        let b = f.buckets_section("mine");
        assert_eq!(b["logs"][&normalize("region")], "cn-beijing");
        assert_eq!(b["logs"]["endpoint"], "https://oss-cn-beijing.aliyuncs.com");
        assert_eq!(b["other"][&normalize("addressing-style")], "path");
        let legacy = ConfigFile::parse(
            "[Credentials]\nendpoint = e\naccessKeyID = a\n[Bucket-Endpoint]\nb1 = oss-cn-beijing.aliyuncs.com\n",
            "f",
        )
        .unwrap();
        assert_eq!(
            get(&legacy.profile("default"), "access-key-id").as_deref(),
            Some("a")
        );
        assert_eq!(
            legacy.legacy_bucket_map(false)["b1"],
            "oss-cn-beijing.aliyuncs.com"
        );
    }

    #[test]
    fn keys_before_any_section_are_the_default_profile() {
        let f = ConfigFile::parse("endpoint = \"http://x\"\naccess_key_id = id\n", "old").unwrap();
        assert_eq!(f.profiles(), ["default"]);
        assert_eq!(
            get(&f.profile("default"), "endpoint").as_deref(),
            Some("http://x")
        );
    }

    #[test]
    fn malformed_lines_name_the_line() {
        let err = ConfigFile::parse("[default]\nbogus line\n", "cfg").unwrap_err();
        assert!(err.to_string().contains("cfg:2"), "{err}");
        let err = ConfigFile::parse("[default\n", "cfg").unwrap_err();
        assert!(err.to_string().contains("cfg:1"), "{err}");
        let err = ConfigFile::parse(" = x\n", "cfg").unwrap_err();
        assert!(err.to_string().contains("without a key"), "{err}");
    }

    #[test]
    fn edits_keep_the_rest() {
        let mut f = sample();
        f.set("dev", "region", "cn-beijing");
        f.set("dev", "endpoint", "https://e # x");
        f.set("default", "sts-token", "");
        f.set("default", "access-key-id", "");
        f.set("new", "region", "us-west-1");
        let text = f.render();
        assert!(text.contains("# top comment"), "{text}");
        assert!(
            text.contains("[buckets mine]\nlogs =\n  region = cn-beijing"),
            "{text}"
        );
        let g = ConfigFile::parse(&text, "edited").unwrap();
        assert_eq!(
            get(&g.profile("dev"), "region").as_deref(),
            Some("cn-beijing")
        );
        assert_eq!(
            get(&g.profile("dev"), "endpoint").as_deref(),
            Some("https://e # x")
        );
        assert_eq!(get(&g.profile("default"), "access-key-id"), None);
        assert_eq!(
            get(&g.profile("new"), "region").as_deref(),
            Some("us-west-1")
        );
        assert!(
            text.ends_with("[profile new]\nregion = us-west-1\n"),
            "{text}"
        );
        // A profile without a section gets one; an empty file too.
        let mut e = ConfigFile::default();
        e.set("default", "region", "r");
        assert_eq!(e.render(), "[default]\nregion = r\n");
    }

    #[cfg(unix)]
    #[test]
    fn files_are_written_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("config");
        let mut f = ConfigFile::default();
        f.set("default", "access-key-secret", "s3cr3t");
        f.save(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
        assert!(!readable_by_others(&path));
        // Rewriting a file others could read makes it private.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(readable_by_others(&path));
        f.save(&path).unwrap();
        assert!(!readable_by_others(&path));
        assert_eq!(
            ConfigFile::load(&path).unwrap().unwrap().render(),
            f.render()
        );
        assert!(ConfigFile::load(&dir.path().join("none"))
            .unwrap()
            .is_none());
    }
}
