//! `<HttpsConfiguration>`: the TLS versions (and cipher suites) a bucket accepts
//! (`PutBucketHttpsConfig`, `GetBucketHttpsConfig`).
//!
//! ```
//! use osskit_proto::xml::{https_config::{self, HttpsConfiguration}, Document};
//! let config = HttpsConfiguration::new(true, ["TLSv1.2", "TLSv1.3"]);
//! let doc = config.to_document().unwrap();
//! assert!(doc.contains("<TLS><Enable>true</Enable><TLSVersion>TLSv1.2</TLSVersion>"));
//! assert!(https_config::validate(&config).is_ok());
//! // Enabling TLS settings without naming a version is refused.
//! assert!(https_config::validate(&HttpsConfiguration::new(true, Vec::<String>::new())).is_err());
//! ```

use serde::{Deserialize, Serialize};

/// The TLS versions OSS knows.
pub const TLS_VERSIONS: &[&str] = &["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// `<HttpsConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "HttpsConfiguration")]
#[non_exhaustive]
pub struct HttpsConfiguration {
    /// The TLS versions.
    #[serde(rename = "TLS", default)]
    pub tls: Tls,
    /// The cipher suites.
    #[serde(
        rename = "CipherSuite",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub cipher_suite: Option<CipherSuite>,
}

/// `<TLS>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tls {
    /// Whether only the listed versions are accepted.
    #[serde(rename = "Enable", deserialize_with = "crate::xml::flex::bool")]
    pub enable: bool,
    /// The versions accepted (`TLSv1.0` … `TLSv1.3`).
    #[serde(rename = "TLSVersion", default)]
    pub tls_versions: Vec<String>,
}

/// `<CipherSuite>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CipherSuite {
    /// Whether the cipher-suite settings apply.
    #[serde(
        rename = "Enable",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub enable: Option<bool>,
    /// Whether only strong cipher suites are accepted.
    #[serde(
        rename = "StrongCipherSuite",
        default,
        deserialize_with = "crate::xml::flex::opt_bool",
        skip_serializing_if = "Option::is_none"
    )]
    pub strong_cipher_suite: Option<bool>,
    /// Cipher suites of TLS 1.2 and below.
    #[serde(rename = "CustomCipherSuite", default)]
    pub custom_cipher_suites: Vec<String>,
    /// Cipher suites of TLS 1.3.
    #[serde(rename = "TLS13CustomCipherSuite", default)]
    pub tls13_custom_cipher_suites: Vec<String>,
}

impl HttpsConfiguration {
    /// TLS settings on or off, with the accepted versions.
    pub fn new<V>(enable: bool, versions: V) -> Self
    where
        V: IntoIterator,
        V::Item: Into<String>,
    {
        HttpsConfiguration {
            tls: Tls {
                enable,
                tls_versions: versions.into_iter().map(Into::into).collect(),
            },
            cipher_suite: None,
        }
    }

    /// Sets the cipher-suite settings.
    pub fn cipher_suite(mut self, suite: CipherSuite) -> Self {
        self.cipher_suite = Some(suite);
        self
    }

    /// The configuration in OSS's stored form: each version once, in the order given.
    pub fn normalized(mut self) -> Self {
        let mut seen = Vec::new();
        self.tls.tls_versions.retain(|v| {
            let fresh = !seen.contains(v);
            if fresh {
                seen.push(v.clone());
            }
            fresh
        });
        self
    }
}

impl CipherSuite {
    /// Cipher-suite settings on or off, strong suites only or not.
    pub fn new(enable: bool, strong_cipher_suite: bool) -> Self {
        CipherSuite {
            enable: Some(enable),
            strong_cipher_suite: Some(strong_cipher_suite),
            ..CipherSuite::default()
        }
    }

    /// Sets the suites of TLS 1.2 and below.
    pub fn custom_cipher_suites<S: IntoIterator>(mut self, suites: S) -> Self
    where
        S::Item: Into<String>,
    {
        self.custom_cipher_suites = suites.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the suites of TLS 1.3.
    pub fn tls13_custom_cipher_suites<S: IntoIterator>(mut self, suites: S) -> Self
    where
        S::Item: Into<String>,
    {
        self.tls13_custom_cipher_suites = suites.into_iter().map(Into::into).collect();
        self
    }
}

crate::xml_document!(HttpsConfiguration => "HttpsConfiguration");

/// Checks a configuration as OSS does (OSS answers `MalformedXML` when it fails): enabled
/// TLS settings name at least one version, and every version is one OSS knows.
pub fn validate(config: &HttpsConfiguration) -> Result<(), String> {
    if config.tls.enable && config.tls.tls_versions.is_empty() {
        return Err("TLS is enabled but no TLSVersion is given.".into());
    }
    for v in &config.tls.tls_versions {
        if !TLS_VERSIONS.contains(&v.as_str()) {
            return Err(format!(
                "TLSVersion {v:?} is not one of {}.",
                TLS_VERSIONS.join(", ")
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_parse_and_duplicates_fold() {
        let doc = b"<HttpsConfiguration><TLS><Enable>true</Enable><TLSVersion>TLSv1.2</TLSVersion>\
            <TLSVersion>TLSv1.2</TLSVersion></TLS></HttpsConfiguration>";
        let c = HttpsConfiguration::from_document(doc).unwrap().normalized();
        assert_eq!(c.tls.tls_versions, ["TLSv1.2"]);
        let off = HttpsConfiguration::from_document(
            b"<HttpsConfiguration><TLS><Enable>false</Enable></TLS></HttpsConfiguration>",
        )
        .unwrap();
        assert!(!off.tls.enable && off.tls.tls_versions.is_empty());
        assert!(validate(&off).is_ok());
        let bad = HttpsConfiguration::new(true, ["aaa", "bbb"]);
        assert!(validate(&bad).unwrap_err().contains("aaa"));
    }

    #[test]
    fn cipher_suites_round_trip() {
        let c = HttpsConfiguration::new(true, ["TLSv1.3"]).cipher_suite(
            CipherSuite::new(true, false)
                .custom_cipher_suites(["ECDHE-ECDSA-AES128-SHA256"])
                .tls13_custom_cipher_suites(["TLS_AES_256_GCM_SHA384"]),
        );
        let doc = c.to_document().unwrap();
        assert!(
            doc.contains("<TLS13CustomCipherSuite>TLS_AES_256_GCM_SHA384</TLS13CustomCipherSuite>")
        );
        assert_eq!(
            HttpsConfiguration::from_document(doc.as_bytes()).unwrap(),
            c
        );
    }
}
