//! [`OssBuilder`]: configuration from code, from `OSS_*` environment variables or from
//! string keys ([`OssConfigKey`]), in the manner of `object_store`'s `AmazonS3Builder`.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use osskit::credentials::{CredentialsCache, CredentialsProvider, DefaultCredentialsChain};
use osskit::proto::sign::SigningVersion;
use osskit::{AnonymousAuth, AuthConfig, Bucket, RetryPolicy, Session};

use crate::error::generic;
use crate::store::{OssStore, StoreOptions};

/// Objects at least this large are copied part by part (UploadPartCopy): OSS's CopyObject
/// copies at most 1 GiB.
pub const DEFAULT_COPY_MULTIPART_THRESHOLD: u64 = 1024 * 1024 * 1024;
/// Size of the parts of a multipart copy.
pub const DEFAULT_COPY_PART_SIZE: u64 = 64 * 1024 * 1024;
/// The smallest part OSS accepts (every part but the last).
const MIN_PART_SIZE: u64 = 100 * 1024;

/// A configuration key of [`OssBuilder`], parsed from its name (case-insensitive).
///
/// Each key has the name of its environment variable in lower case (`oss_bucket`) and
/// shorter aliases (`bucket`, `bucket_name`):
///
/// | key | names | value |
/// |---|---|---|
/// | `AccessKeyId` | `oss_access_key_id`, `access_key_id` | the AccessKey id |
/// | `AccessKeySecret` | `oss_access_key_secret`, `access_key_secret`, `secret_access_key` | its secret |
/// | `SessionToken` | `oss_session_token`, `session_token`, `security_token`, `token` | the STS token of temporary credentials |
/// | `Endpoint` | `oss_endpoint`, `endpoint` | `[http[s]://]host[:port]`; default `https://oss-<region>.aliyuncs.com` |
/// | `Region` | `oss_region`, `region` | e.g. `cn-hangzhou` (signature V4 needs it) |
/// | `Bucket` | `oss_bucket`, `bucket`, `bucket_name` | the bucket name |
/// | `SignatureVersion` | `oss_signature_version`, `signature_version` | `v4` (default) or `v1` |
/// | `PathStyle` | `oss_path_style`, `path_style` | `true` for `host/bucket/key` URLs (automatic for IP and `localhost` endpoints) |
/// | `Cname` | `oss_is_cname`, `is_cname`, `cname` | `true` when the endpoint is a custom domain bound to the bucket |
/// | `SkipSignature` | `oss_skip_signature`, `skip_signature` | `true` for anonymous (unsigned) requests |
/// | `DisableTagging` | `oss_disable_tagging`, `disable_tagging` | `true` to send no `x-oss-tagging` |
/// | `EnableCrc` | `oss_enable_crc`, `enable_crc` | `false` to skip the CRC-64 checks |
///
/// ```
/// use osskit_object_store::OssConfigKey;
/// let key: OssConfigKey = "OSS_BUCKET".parse().unwrap();
/// assert_eq!(key, OssConfigKey::Bucket);
/// assert_eq!(key.as_ref(), "oss_bucket");
/// assert!("oss_nonsense".parse::<OssConfigKey>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OssConfigKey {
    /// The AccessKey id.
    AccessKeyId,
    /// The AccessKey secret.
    AccessKeySecret,
    /// The security token of STS credentials.
    SessionToken,
    /// The endpoint.
    Endpoint,
    /// The region.
    Region,
    /// The bucket name.
    Bucket,
    /// `v1` or `v4`.
    SignatureVersion,
    /// Path-style URLs.
    PathStyle,
    /// The endpoint is a custom domain (CNAME) of the bucket.
    Cname,
    /// Unsigned requests.
    SkipSignature,
    /// No `x-oss-tagging` header.
    DisableTagging,
    /// CRC-64 checks.
    EnableCrc,
}

impl OssConfigKey {
    const ALL: [OssConfigKey; 12] = [
        OssConfigKey::AccessKeyId,
        OssConfigKey::AccessKeySecret,
        OssConfigKey::SessionToken,
        OssConfigKey::Endpoint,
        OssConfigKey::Region,
        OssConfigKey::Bucket,
        OssConfigKey::SignatureVersion,
        OssConfigKey::PathStyle,
        OssConfigKey::Cname,
        OssConfigKey::SkipSignature,
        OssConfigKey::DisableTagging,
        OssConfigKey::EnableCrc,
    ];

    /// The names that parse to this key, the canonical (`oss_…`) one first.
    fn names(self) -> &'static [&'static str] {
        match self {
            OssConfigKey::AccessKeyId => &["oss_access_key_id", "access_key_id"],
            OssConfigKey::AccessKeySecret => &[
                "oss_access_key_secret",
                "access_key_secret",
                "secret_access_key",
            ],
            OssConfigKey::SessionToken => &[
                "oss_session_token",
                "session_token",
                "security_token",
                "token",
            ],
            OssConfigKey::Endpoint => &["oss_endpoint", "endpoint"],
            OssConfigKey::Region => &["oss_region", "region"],
            OssConfigKey::Bucket => &["oss_bucket", "bucket", "bucket_name"],
            OssConfigKey::SignatureVersion => &["oss_signature_version", "signature_version"],
            OssConfigKey::PathStyle => &["oss_path_style", "path_style"],
            OssConfigKey::Cname => &["oss_is_cname", "is_cname", "cname"],
            OssConfigKey::SkipSignature => &["oss_skip_signature", "skip_signature"],
            OssConfigKey::DisableTagging => &["oss_disable_tagging", "disable_tagging"],
            OssConfigKey::EnableCrc => &["oss_enable_crc", "enable_crc"],
        }
    }
}

impl AsRef<str> for OssConfigKey {
    fn as_ref(&self) -> &str {
        self.names()[0]
    }
}

impl std::fmt::Display for OssConfigKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_ref())
    }
}

impl FromStr for OssConfigKey {
    type Err = object_store::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        OssConfigKey::ALL
            .into_iter()
            .find(|k| k.names().contains(&lower.as_str()))
            .ok_or_else(|| object_store::Error::UnknownConfigurationKey {
                store: crate::error::STORE,
                key: s.to_string(),
            })
    }
}

/// Builds an [`OssStore`].
///
/// ```
/// use osskit_object_store::OssBuilder;
/// let store = OssBuilder::new()
///     .with_bucket("examplebucket")
///     .with_region("cn-hangzhou")
///     .with_access_key_id("LTAI…")
///     .with_access_key_secret("secret")
///     .build()
///     .unwrap();
/// assert_eq!(store.to_string(), "OssStore(examplebucket)");
/// assert_eq!(store.bucket().endpoint(), "https://oss-cn-hangzhou.aliyuncs.com");
/// ```
#[derive(Default, Clone)]
pub struct OssBuilder {
    values: Vec<(OssConfigKey, String)>,
    url: Option<String>,
    credentials: Option<Arc<dyn CredentialsProvider>>,
    session: Option<Session>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    retry: Option<RetryPolicy>,
    copy_threshold: Option<u64>,
    copy_part_size: Option<u64>,
}

impl std::fmt::Debug for OssBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown: Vec<(OssConfigKey, &str)> = self
            .values
            .iter()
            .map(|(k, v)| {
                let secret = matches!(
                    k,
                    OssConfigKey::AccessKeySecret | OssConfigKey::SessionToken
                );
                (*k, if secret { "*****" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("OssBuilder")
            .field("values", &shown)
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .finish_non_exhaustive()
    }
}

impl OssBuilder {
    /// An empty configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// A configuration from the environment: every `OSS_*` variable that names an
    /// [`OssConfigKey`] (`OSS_ACCESS_KEY_ID`, `OSS_ACCESS_KEY_SECRET`, `OSS_SESSION_TOKEN`,
    /// `OSS_ENDPOINT`, `OSS_REGION`, `OSS_BUCKET`, `OSS_SIGNATURE_VERSION`, …); others are
    /// ignored. Later `with_*` calls override what was read. Without `OSS_ACCESS_KEY_ID`,
    /// credentials come from the SDK's default chain, which also reads
    /// `ALIBABA_CLOUD_ACCESS_KEY_ID`, profiles and instance roles.
    pub fn from_env() -> Self {
        Self::from_lookup(std::env::vars())
    }

    /// [`OssBuilder::from_env`] over the given variables.
    fn from_lookup(vars: impl IntoIterator<Item = (String, String)>) -> Self {
        let mut builder = Self::new();
        for (name, value) in vars {
            if !name.to_ascii_uppercase().starts_with("OSS_") {
                continue;
            }
            if let Ok(key) = name.parse::<OssConfigKey>() {
                builder = builder.with_config(key, value);
            }
        }
        builder
    }

    /// Sets `key` to `value` (the value is checked by [`OssBuilder::build`]).
    pub fn with_config(mut self, key: OssConfigKey, value: impl Into<String>) -> Self {
        self.values.retain(|(k, _)| *k != key);
        self.values.push((key, value.into()));
        self
    }

    /// The value set for `key`, if any.
    pub fn get_config_value(&self, key: &OssConfigKey) -> Option<String> {
        self.value(*key).map(str::to_string)
    }

    fn value(&self, key: OssConfigKey) -> Option<&str> {
        self.values
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The bucket (and for a virtual-hosted URL the endpoint and region) from a URL:
    /// `oss://<bucket>[/…]` or `https://<bucket>.oss-<region>[-internal].aliyuncs.com[/…]`.
    /// Settings given by other means win.
    ///
    /// ```
    /// use osskit_object_store::OssBuilder;
    /// let store = OssBuilder::new()
    ///     .with_url("https://examplebucket.oss-cn-shanghai-internal.aliyuncs.com/data/")
    ///     .with_skip_signature(true)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(store.bucket().name(), "examplebucket");
    /// assert_eq!(store.bucket().region(), Some("cn-shanghai"));
    /// assert_eq!(store.bucket().endpoint(), "https://oss-cn-shanghai-internal.aliyuncs.com");
    /// ```
    pub fn with_url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The bucket name.
    pub fn with_bucket(self, bucket: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::Bucket, bucket)
    }

    /// The endpoint, `[http[s]://]host[:port]` (`https` when no scheme is given). Without
    /// one, `https://oss-<region>.aliyuncs.com`.
    pub fn with_endpoint(self, endpoint: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::Endpoint, endpoint)
    }

    /// The region (`cn-hangzhou`), which signature V4 signs with. Without one, the SDK
    /// takes it from a public endpoint's host name.
    pub fn with_region(self, region: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::Region, region)
    }

    /// The AccessKey id.
    pub fn with_access_key_id(self, id: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::AccessKeyId, id)
    }

    /// The AccessKey secret.
    pub fn with_access_key_secret(self, secret: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::AccessKeySecret, secret)
    }

    /// The security token of temporary (STS) credentials.
    pub fn with_session_token(self, token: impl Into<String>) -> Self {
        self.with_config(OssConfigKey::SessionToken, token)
    }

    /// Credentials from a provider (an STS role, an instance role, a profile, a process…),
    /// behind a cache that refreshes expiring credentials before they expire. Used when no
    /// AccessKey id is set; without either, the SDK's `DefaultCredentialsChain` is used
    /// (environment, CLI profile, credentials file, ECS RAM role, OIDC, credentials URI).
    pub fn with_credentials(mut self, provider: Arc<dyn CredentialsProvider>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// Signature version 1 (`false`, the default, is version 4).
    pub fn with_signature_v1(self, yes: bool) -> Self {
        self.with_config(
            OssConfigKey::SignatureVersion,
            if yes { "v1" } else { "v4" },
        )
    }

    /// Path-style URLs (`endpoint/bucket/key`); automatic for IP and `localhost` endpoints.
    pub fn with_path_style(self, yes: bool) -> Self {
        self.with_config(OssConfigKey::PathStyle, yes.to_string())
    }

    /// The endpoint is a custom domain bound to the bucket (`endpoint/key`).
    pub fn with_cname(self, yes: bool) -> Self {
        self.with_config(OssConfigKey::Cname, yes.to_string())
    }

    /// Sends requests unsigned (public-read buckets and objects only).
    pub fn with_skip_signature(self, yes: bool) -> Self {
        self.with_config(OssConfigKey::SkipSignature, yes.to_string())
    }

    /// Sends no `x-oss-tagging` header, dropping the tags of `PutOptions`.
    pub fn with_disable_tagging(self, yes: bool) -> Self {
        self.with_config(OssConfigKey::DisableTagging, yes.to_string())
    }

    /// CRC-64 checks of uploads and whole-object downloads (on by default).
    pub fn with_crc(self, yes: bool) -> Self {
        self.with_config(OssConfigKey::EnableCrc, yes.to_string())
    }

    /// The SDK session (connection pool) to use, e.g. one shared with other clients.
    pub fn with_session(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// How long connecting may take.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long a response may go without sending a byte.
    pub fn with_read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = Some(timeout);
        self
    }

    /// The retry policy of the SDK.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// Objects at least this large are copied with a multipart upload of UploadPartCopy
    /// parts instead of one CopyObject (default and maximum 1 GiB, CopyObject's limit).
    pub fn with_copy_multipart_threshold(mut self, bytes: u64) -> Self {
        self.copy_threshold = Some(bytes);
        self
    }

    /// The part size of multipart copies (default 64 MiB, at least 100 KiB; grown to keep
    /// within 10,000 parts).
    pub fn with_copy_part_size(mut self, bytes: u64) -> Self {
        self.copy_part_size = Some(bytes);
        self
    }

    fn flag(&self, key: OssConfigKey) -> object_store::Result<Option<bool>> {
        let Some(v) = self.value(key) else {
            return Ok(None);
        };
        match v.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(Some(true)),
            "false" | "0" | "no" | "off" | "" => Ok(Some(false)),
            _ => Err(generic(format!(
                "invalid value {v:?} for {key}: expected true or false"
            ))),
        }
    }

    fn auth(&self, version: SigningVersion) -> object_store::Result<AuthConfig> {
        if self.flag(OssConfigKey::SkipSignature)? == Some(true) {
            return Ok(AnonymousAuth.into());
        }
        let id = self
            .value(OssConfigKey::AccessKeyId)
            .filter(|v| !v.trim().is_empty());
        let secret = self
            .value(OssConfigKey::AccessKeySecret)
            .filter(|v| !v.trim().is_empty());
        let token = self
            .value(OssConfigKey::SessionToken)
            .filter(|v| !v.trim().is_empty());
        let provider: Arc<dyn CredentialsProvider> = match (id, secret) {
            (Some(id), Some(secret)) => Arc::new(match token {
                Some(t) => osskit::StaticCredentialsProvider::with_token(id, secret, t),
                None => osskit::StaticCredentialsProvider::new(id, secret),
            }),
            (Some(_), None) => {
                return Err(generic(
                    "an AccessKey id is set but no secret: set OSS_ACCESS_KEY_SECRET or call \
                     with_access_key_secret",
                ))
            }
            (None, Some(_)) => {
                return Err(generic(
                    "an AccessKey secret is set but no id: set OSS_ACCESS_KEY_ID or call \
                     with_access_key_id",
                ))
            }
            // Providers that fetch credentials are asked through a cache, as the SDK's
            // ProviderAuth does: expiring credentials are refreshed before they expire.
            (None, None) => match &self.credentials {
                Some(p) => Arc::new(CredentialsCache::new(p.clone())),
                None => Arc::new(CredentialsCache::new(DefaultCredentialsChain::new())),
            },
        };
        Ok(AuthConfig::Signed { version, provider })
    }

    /// Checks the configuration and builds the store (no request is sent).
    pub fn build(self) -> object_store::Result<OssStore> {
        let from_url = self.url.as_deref().map(parse_url).transpose()?;
        let bucket_name = match (self.value(OssConfigKey::Bucket), &from_url) {
            (Some(b), _) if !b.trim().is_empty() => b.trim().to_string(),
            (_, Some(u)) => u.bucket.clone(),
            _ => return Err(generic(
                "no bucket: set OSS_BUCKET, or call with_bucket or with_url(\"oss://<bucket>\")",
            )),
        };
        let region = self
            .value(OssConfigKey::Region)
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .or_else(|| from_url.as_ref().and_then(|u| u.region.as_deref()));
        let url_endpoint = from_url.as_ref().and_then(|u| u.endpoint.clone());
        let endpoint = match (self.value(OssConfigKey::Endpoint), region) {
            (Some(e), _) if !e.trim().is_empty() => {
                let e = e.trim();
                if e.contains("://") {
                    e.to_string()
                } else {
                    format!("https://{e}")
                }
            }
            _ if url_endpoint.is_some() => url_endpoint.unwrap_or_default(),
            (_, Some(r)) => format!("https://oss-{r}.aliyuncs.com"),
            _ => {
                return Err(generic(
                    "no endpoint: set OSS_ENDPOINT or OSS_REGION, or call with_endpoint or \
                     with_region",
                ))
            }
        };
        let version = match self
            .value(OssConfigKey::SignatureVersion)
            .map(|v| v.trim().trim_start_matches(['v', 'V']).to_string())
        {
            None => SigningVersion::V4,
            Some(v) if v == "4" || v.is_empty() => SigningVersion::V4,
            Some(v) if v == "1" => SigningVersion::V1,
            Some(_) => {
                return Err(generic(format!(
                    "invalid value {:?} for oss_signature_version: expected v1 or v4",
                    self.value(OssConfigKey::SignatureVersion)
                        .unwrap_or_default()
                )))
            }
        };
        let auth = self.auth(version)?;
        let anonymous = matches!(auth, AuthConfig::Anonymous);
        let mut b = Bucket::builder(auth, &endpoint, &bucket_name);
        if let Some(r) = region {
            b = b.region(r);
        }
        if let Some(yes) = self.flag(OssConfigKey::PathStyle)? {
            b = b.path_style(yes);
        }
        if let Some(yes) = self.flag(OssConfigKey::Cname)? {
            b = b.is_cname(yes);
        }
        if let Some(yes) = self.flag(OssConfigKey::EnableCrc)? {
            b = b.enable_crc(yes);
        }
        if let Some(s) = self.session.clone() {
            b = b.session(s);
        }
        if let Some(d) = self.connect_timeout {
            b = b.connect_timeout(d);
        }
        if let Some(d) = self.read_timeout {
            b = b.read_timeout(d);
        }
        if let Some(p) = self.retry {
            b = b.retry(p);
        }
        let bucket = b.build().map_err(|e| generic(e.to_string()))?;
        if !anonymous && version == SigningVersion::V4 && bucket.region().is_none() {
            return Err(generic(format!(
                "signature version 4 needs a region and none can be read from the endpoint \
                 {endpoint:?}: set OSS_REGION or call with_region"
            )));
        }
        let options = StoreOptions {
            disable_tagging: self.flag(OssConfigKey::DisableTagging)?.unwrap_or(false),
            copy_threshold: self
                .copy_threshold
                .unwrap_or(DEFAULT_COPY_MULTIPART_THRESHOLD)
                .min(DEFAULT_COPY_MULTIPART_THRESHOLD),
            copy_part_size: self
                .copy_part_size
                .unwrap_or(DEFAULT_COPY_PART_SIZE)
                .max(MIN_PART_SIZE),
        };
        Ok(OssStore::with_options(bucket, options))
    }
}

/// What a URL given to [`OssBuilder::with_url`] names.
#[derive(Debug, PartialEq, Eq)]
struct UrlParts {
    bucket: String,
    endpoint: Option<String>,
    region: Option<String>,
}

/// `oss://bucket[/…]` or `http[s]://bucket.oss-<region>[-internal].aliyuncs.com[/…]`.
fn parse_url(url: &str) -> object_store::Result<UrlParts> {
    let bad = |why: &str| {
        generic(format!(
            "the URL {url:?} {why}: expected oss://<bucket> or \
             https://<bucket>.oss-<region>.aliyuncs.com"
        ))
    };
    let (scheme, rest) = url
        .trim()
        .split_once("://")
        .ok_or_else(|| bad("has no scheme"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    match scheme.to_ascii_lowercase().as_str() {
        "oss" if !host.is_empty() => Ok(UrlParts {
            bucket: host.to_string(),
            endpoint: None,
            region: None,
        }),
        "oss" => Err(bad("names no bucket")),
        s @ ("http" | "https") => {
            let (bucket, endpoint_host) = host
                .split_once('.')
                .ok_or_else(|| bad("has no bucket in its host name"))?;
            let region = endpoint_host
                .strip_suffix(".aliyuncs.com")
                .and_then(|h| h.strip_prefix("oss-"))
                .map(|r| r.strip_suffix("-internal").unwrap_or(r))
                .filter(|r| !r.is_empty() && !r.contains('.'))
                .ok_or_else(|| bad("is no virtual-hosted OSS address"))?;
            Ok(UrlParts {
                bucket: bucket.to_string(),
                endpoint: Some(format!("{s}://{endpoint_host}")),
                region: Some(region.to_string()),
            })
        }
        _ => Err(bad("has another scheme")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_key_parses_from_each_of_its_names() {
        for key in OssConfigKey::ALL {
            for name in key.names() {
                assert_eq!(name.parse::<OssConfigKey>().unwrap(), key);
                assert_eq!(name.to_uppercase().parse::<OssConfigKey>().unwrap(), key);
            }
            assert!(key.as_ref().starts_with("oss_"));
        }
        let err = "oss_secret".parse::<OssConfigKey>().unwrap_err();
        assert!(matches!(
            err,
            object_store::Error::UnknownConfigurationKey { .. }
        ));
    }

    #[test]
    fn from_env_reads_the_oss_variables_only() {
        let b = OssBuilder::from_lookup(vars(&[
            ("OSS_ACCESS_KEY_ID", "id"),
            ("OSS_ACCESS_KEY_SECRET", "secret"),
            ("OSS_SESSION_TOKEN", "token"),
            ("OSS_ENDPOINT", "http://127.0.0.1:9000"),
            ("OSS_REGION", "cn-beijing"),
            ("OSS_BUCKET", "bucket-1"),
            ("OSS_UNRELATED", "x"),
            ("BUCKET", "not-read"),
        ]));
        assert_eq!(
            b.get_config_value(&OssConfigKey::Bucket).as_deref(),
            Some("bucket-1")
        );
        assert_eq!(
            b.get_config_value(&OssConfigKey::SessionToken).as_deref(),
            Some("token")
        );
        let store = b.build().unwrap();
        assert_eq!(store.bucket().name(), "bucket-1");
        assert_eq!(store.bucket().region(), Some("cn-beijing"));
        assert_eq!(store.bucket().endpoint(), "http://127.0.0.1:9000");
        // A later setting wins.
        let store = OssBuilder::from_lookup(vars(&[
            ("OSS_BUCKET", "bucket-1"),
            ("OSS_REGION", "cn-beijing"),
        ]))
        .with_bucket("bucket-2")
        .with_skip_signature(true)
        .build()
        .unwrap();
        assert_eq!(store.bucket().name(), "bucket-2");
        assert_eq!(
            store.bucket().endpoint(),
            "https://oss-cn-beijing.aliyuncs.com"
        );
    }

    #[test]
    fn bucket_from_url() {
        let store = OssBuilder::new()
            .with_url("oss://from-url/some/prefix")
            .with_region("cn-hangzhou")
            .with_skip_signature(true)
            .build()
            .unwrap();
        assert_eq!(store.bucket().name(), "from-url");
        let err = OssBuilder::new()
            .with_url("s3://x")
            .with_region("cn-hangzhou")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("oss://"), "{err}");
        // Explicit settings win over the URL.
        let store = OssBuilder::new()
            .with_url("https://url-bucket.oss-cn-beijing.aliyuncs.com")
            .with_bucket("explicit-bucket")
            .with_endpoint("http://127.0.0.1:9000")
            .with_skip_signature(true)
            .build()
            .unwrap();
        assert_eq!(store.bucket().name(), "explicit-bucket");
        assert_eq!(store.bucket().endpoint(), "http://127.0.0.1:9000");
        assert_eq!(store.bucket().region(), Some("cn-beijing"));
    }

    #[test]
    fn urls_are_parsed() {
        assert_eq!(
            parse_url("oss://b1/x/y").unwrap(),
            UrlParts {
                bucket: "b1".into(),
                endpoint: None,
                region: None
            }
        );
        assert_eq!(
            parse_url("http://b2.oss-ap-southeast-1.aliyuncs.com/k").unwrap(),
            UrlParts {
                bucket: "b2".into(),
                endpoint: Some("http://oss-ap-southeast-1.aliyuncs.com".into()),
                region: Some("ap-southeast-1".into())
            }
        );
        for bad in [
            "oss://",
            "b1/x",
            "ftp://b1",
            "https://example.com/b1",
            "https://b1.s3.amazonaws.com",
            "https://oss-cn-hangzhou.aliyuncs.com",
        ] {
            assert!(parse_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn missing_or_bad_settings_are_named() {
        let base = || {
            OssBuilder::new()
                .with_bucket("bucket-1")
                .with_endpoint("127.0.0.1:9000")
        };
        let cases: Vec<(OssBuilder, &str)> = vec![
            (OssBuilder::new().with_region("cn-hangzhou"), "no bucket"),
            (
                OssBuilder::new()
                    .with_bucket("bucket-1")
                    .with_skip_signature(true),
                "no endpoint",
            ),
            (base().with_access_key_id("id"), "OSS_ACCESS_KEY_SECRET"),
            (base().with_access_key_secret("s"), "OSS_ACCESS_KEY_ID"),
            (
                base().with_access_key_id("id").with_access_key_secret("s"),
                "needs a region",
            ),
            (
                base()
                    .with_skip_signature(true)
                    .with_config(OssConfigKey::PathStyle, "maybe"),
                "oss_path_style",
            ),
            (
                base()
                    .with_skip_signature(true)
                    .with_config(OssConfigKey::SignatureVersion, "v3"),
                "oss_signature_version",
            ),
            (
                OssBuilder::new()
                    .with_bucket("Bad_Name")
                    .with_region("cn-hangzhou")
                    .with_skip_signature(true),
                "Bad_Name",
            ),
        ];
        for (builder, expected) in cases {
            let err = builder.build().unwrap_err();
            assert!(err.to_string().contains(expected), "{expected}: {err}");
        }
        // Without keys or a provider, the default chain is asked when a request is made.
        base()
            .with_region("cn-hangzhou")
            .build()
            .expect("the default credentials chain needs nothing at build time");
        // V1 needs no region; an endpoint without a scheme is https.
        let store = base()
            .with_access_key_id("id")
            .with_access_key_secret("s")
            .with_signature_v1(true)
            .build()
            .unwrap();
        assert_eq!(store.bucket().endpoint(), "https://127.0.0.1:9000");
    }

    #[test]
    fn debug_hides_secrets() {
        let b = OssBuilder::new()
            .with_access_key_id("visible-id")
            .with_access_key_secret("hidden-secret")
            .with_session_token("hidden-token");
        let shown = format!("{b:?}");
        assert!(shown.contains("visible-id"), "{shown}");
        assert!(!shown.contains("hidden"), "{shown}");
    }
}
