//! CORS rules (`PutBucketCors`, `GetBucketCors`) and how a request is matched against them.
//!
//! ```
//! use osskit_proto::xml::{self, cors::{CorsConfiguration, CorsRule}, Document};
//! let cors = CorsConfiguration::new(vec![
//!     CorsRule::new(["https://app.example.com"], ["GET", "PUT"]).allowed_headers(["*"]).max_age_seconds(600),
//! ]);
//! let doc = cors.to_document().unwrap();
//! assert!(doc.contains("<AllowedOrigin>https://app.example.com</AllowedOrigin>"));
//! let back = CorsConfiguration::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back, cors);
//! let rule = back.matching("https://app.example.com", "PUT", &["content-type"]).unwrap();
//! assert_eq!(rule.max_age_seconds, Some(600));
//! assert!(back.matching("https://evil.example", "GET", &[]).is_none());
//! ```

use serde::{Deserialize, Serialize};

/// Most rules a bucket can have.
pub const MAX_RULES: usize = 10;

/// The methods a rule may allow.
pub const METHODS: &[&str] = &["GET", "PUT", "DELETE", "POST", "HEAD"];

/// `<CORSConfiguration>`: the rules, tried in order, and whether responses carry
/// `Vary: Origin`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CORSConfiguration")]
#[non_exhaustive]
pub struct CorsConfiguration {
    /// The rules.
    #[serde(rename = "CORSRule", default)]
    pub rules: Vec<CorsRule>,
    /// Whether responses carry `Vary: Origin` (OSS answers `false` when it was not set).
    #[serde(
        rename = "ResponseVary",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub response_vary: Option<bool>,
}

/// `<CORSRule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CorsRule {
    /// Origins allowed; each may hold one `*` wildcard.
    #[serde(rename = "AllowedOrigin", default)]
    pub allowed_origins: Vec<String>,
    /// Methods allowed (`GET`, `PUT`, `DELETE`, `POST`, `HEAD`).
    #[serde(rename = "AllowedMethod", default)]
    pub allowed_methods: Vec<String>,
    /// Headers a preflight may ask for; each may hold one `*` wildcard.
    #[serde(rename = "AllowedHeader", default)]
    pub allowed_headers: Vec<String>,
    /// Response headers scripts may read.
    #[serde(rename = "ExposeHeader", default)]
    pub expose_headers: Vec<String>,
    /// How long a browser may cache a preflight answer, in seconds.
    #[serde(
        rename = "MaxAgeSeconds",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub max_age_seconds: Option<u64>,
}

crate::xml_document!(CorsConfiguration => "CORSConfiguration");

impl CorsConfiguration {
    /// A configuration of `rules` (`ResponseVary` not set).
    pub fn new(rules: Vec<CorsRule>) -> Self {
        CorsConfiguration {
            rules,
            response_vary: None,
        }
    }

    /// Sets `ResponseVary`.
    pub fn response_vary(mut self, yes: bool) -> Self {
        self.response_vary = Some(yes);
        self
    }

    /// The first rule allowing `origin` to use `method` with every header of `headers`.
    pub fn matching(&self, origin: &str, method: &str, headers: &[&str]) -> Option<&CorsRule> {
        self.rules
            .iter()
            .find(|r| r.allows(origin, method, headers))
    }
}

impl CorsRule {
    /// A rule allowing `origins` to use `methods`.
    pub fn new<O, M>(origins: O, methods: M) -> Self
    where
        O: IntoIterator,
        O::Item: Into<String>,
        M: IntoIterator,
        M::Item: Into<String>,
    {
        CorsRule {
            allowed_origins: origins.into_iter().map(Into::into).collect(),
            allowed_methods: methods.into_iter().map(Into::into).collect(),
            ..CorsRule::default()
        }
    }

    /// Sets the headers a preflight may ask for.
    pub fn allowed_headers<H: IntoIterator>(mut self, headers: H) -> Self
    where
        H::Item: Into<String>,
    {
        self.allowed_headers = headers.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the response headers scripts may read.
    pub fn expose_headers<H: IntoIterator>(mut self, headers: H) -> Self
    where
        H::Item: Into<String>,
    {
        self.expose_headers = headers.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `MaxAgeSeconds`.
    pub fn max_age_seconds(mut self, seconds: u64) -> Self {
        self.max_age_seconds = Some(seconds);
        self
    }

    /// Whether the rule allows `origin` to use `method` with every header of `headers`
    /// (header names compared ignoring case).
    pub fn allows(&self, origin: &str, method: &str, headers: &[&str]) -> bool {
        self.allowed_origins
            .iter()
            .any(|o| wildcard_match(o, origin, false))
            && self.allowed_methods.iter().any(|m| m == method)
            && headers.iter().all(|h| {
                self.allowed_headers
                    .iter()
                    .any(|a| wildcard_match(a, h, true))
            })
    }
}

/// Whether `value` matches `pattern`, where one `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, value: &str, ignore_case: bool) -> bool {
    let (p, v) = if ignore_case {
        (pattern.to_ascii_lowercase(), value.to_ascii_lowercase())
    } else {
        (pattern.to_string(), value.to_string())
    };
    match p.split_once('*') {
        None => p == v,
        Some((head, tail)) => {
            v.len() >= head.len() + tail.len() && v.starts_with(head) && v.ends_with(tail)
        }
    }
}

/// Checks a configuration as OSS does; the error says what is wrong.
pub fn validate(config: &CorsConfiguration) -> Result<(), String> {
    if config.rules.is_empty() {
        return Err("The CORS configuration must contain at least one CORSRule.".into());
    }
    if config.rules.len() > MAX_RULES {
        return Err(format!(
            "The CORS configuration has {} rules; at most {MAX_RULES} are allowed.",
            config.rules.len()
        ));
    }
    for rule in &config.rules {
        if rule.allowed_origins.is_empty() {
            return Err("Each CORSRule must contain at least one AllowedOrigin.".into());
        }
        if rule.allowed_methods.is_empty() {
            return Err("Each CORSRule must contain at least one AllowedMethod.".into());
        }
        for m in &rule.allowed_methods {
            if !METHODS.contains(&m.as_str()) {
                return Err(format!(
                    "Found unsupported HTTP method in CORS config. Unsupported method is {m}"
                ));
            }
        }
        for o in &rule.allowed_origins {
            if o.matches('*').count() > 1 {
                return Err(format!(
                    "AllowedOrigin \"{o}\" can not have more than one wildcard."
                ));
            }
        }
        for h in &rule.allowed_headers {
            if h.matches('*').count() > 1 {
                return Err(format!(
                    "AllowedHeader \"{h}\" can not have more than one wildcard."
                ));
            }
        }
        for h in &rule.expose_headers {
            if h.contains('*') {
                return Err(format!("ExposeHeader \"{h}\" can not contain a wildcard."));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn wildcards_match_one_run() {
        assert!(wildcard_match("*", "https://a.example", false));
        assert!(wildcard_match(
            "https://*.example.com",
            "https://a.b.example.com",
            false
        ));
        assert!(!wildcard_match(
            "https://*.example.com",
            "https://example.com",
            false
        ));
        assert!(wildcard_match("x-oss-*", "X-OSS-Meta-A", true));
        assert!(!wildcard_match("x-oss-*", "X-OSS-Meta-A", false));
        assert!(wildcard_match("a", "a", false));
    }

    #[test]
    fn oss2_documents_parse_and_the_root_is_checked() {
        let doc = b"<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>\
            <AllowedMethod>HEAD</AllowedMethod><AllowedMethod>GET</AllowedMethod>\
            <AllowedHeader>*</AllowedHeader><MaxAgeSeconds>1000</MaxAgeSeconds></CORSRule>\
            <ResponseVary>true</ResponseVary></CORSConfiguration>";
        let c = CorsConfiguration::from_document(doc).unwrap();
        assert_eq!(c.rules[0].allowed_methods, ["HEAD", "GET"]);
        assert_eq!(c.response_vary, Some(true));
        assert!(validate(&c).is_ok());
        let err = CorsConfiguration::from_document(b"<Other/>").unwrap_err();
        assert!(err.0.contains("expected <CORSConfiguration>"), "{err}");
    }

    #[test]
    fn validation_names_the_problem() {
        let ok = CorsRule::new(["*"], ["GET"]);
        assert!(validate(&CorsConfiguration::new(vec![]))
            .unwrap_err()
            .contains("at least one"));
        let bad = CorsConfiguration::new(vec![CorsRule::new(["*"], ["PATCH"])]);
        assert!(validate(&bad).unwrap_err().contains("PATCH"));
        let many = CorsConfiguration::new(vec![ok.clone(); 11]);
        assert!(validate(&many).unwrap_err().contains("at most 10"));
        let two = CorsConfiguration::new(vec![CorsRule::new(["*.*"], ["GET"])]);
        assert!(validate(&two).unwrap_err().contains("wildcard"));
    }
}
