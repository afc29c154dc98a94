//! Static website hosting (`PutBucketWebsite`, `GetBucketWebsite`): the index and error
//! documents and the routing rules, with their validation and how a rule matches.
//!
//! ```
//! use osskit_proto::xml::website::{Condition, Redirect, RoutingRule, WebsiteConfiguration};
//! use osskit_proto::xml::Document;
//!
//! let site = WebsiteConfiguration::new("index.html", "error.html")
//!     .support_sub_dir(true)
//!     .rule(RoutingRule::new(
//!         1,
//!         Condition::default().key_prefix_equals("old/").http_error_code(404),
//!         Redirect::external().replace_key_prefix_with("new/").http_redirect_code(301),
//!     ));
//! let doc = site.to_document().unwrap();
//! assert!(doc.contains("<Suffix>index.html</Suffix>"));
//! assert_eq!(WebsiteConfiguration::from_document(doc.as_bytes()).unwrap(), site);
//! assert!(osskit_proto::xml::website::validate(&site).is_ok());
//! ```

use serde::{Deserialize, Serialize};

/// Most routing rules a bucket can have.
pub const MAX_RULES: usize = 20;
/// Most `IncludeHeader` conditions of a rule.
pub const MAX_INCLUDE_HEADERS: usize = 10;
/// Most entries of each `MirrorHeaders` list.
pub const MAX_MIRROR_HEADERS: usize = 10;

/// The redirect types.
pub const REDIRECT_TYPES: &[&str] = &["Mirror", "External", "Internal", "AliCDN"];

/// `<WebsiteConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "WebsiteConfiguration")]
#[non_exhaustive]
pub struct WebsiteConfiguration {
    /// The default page.
    #[serde(
        rename = "IndexDocument",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub index_document: Option<IndexDocument>,
    /// The page answered for missing objects.
    #[serde(
        rename = "ErrorDocument",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub error_document: Option<ErrorDocument>,
    /// Redirects and rewrites.
    #[serde(
        rename = "RoutingRules",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub routing_rules: Option<RoutingRules>,
}

/// `<IndexDocument>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IndexDocument {
    /// Name of the default page (`index.html`).
    #[serde(rename = "Suffix", default)]
    pub suffix: String,
    /// Whether `dir/` serves `dir/<suffix>` (true) or the root's `<suffix>` (false, default).
    #[serde(
        rename = "SupportSubDir",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub support_sub_dir: Option<bool>,
    /// With `SupportSubDir`, what a missing `dir` (no trailing `/`) does: 0 (default)
    /// redirects to `dir/` when `dir/<suffix>` exists, 1 answers 404, 2 serves
    /// `dir/<suffix>` directly.
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub index_type: Option<u8>,
}

/// `<ErrorDocument>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ErrorDocument {
    /// Key of the error page.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Status answered with it: 404 (default) or 200.
    #[serde(
        rename = "HttpStatus",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_status: Option<u16>,
}

/// `<RoutingRules>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoutingRules {
    /// The rules; the one with the lowest number that matches applies.
    #[serde(rename = "RoutingRule", default)]
    pub rules: Vec<RoutingRule>,
}

/// `<RoutingRule>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RoutingRule {
    /// Its number: rules are tried in increasing order.
    #[serde(rename = "RuleNumber", default)]
    pub rule_number: u32,
    /// When it applies.
    #[serde(rename = "Condition", default)]
    pub condition: Condition,
    /// What it does.
    #[serde(rename = "Redirect", default)]
    pub redirect: Redirect,
}

/// `<Condition>`: every part given must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Condition {
    /// The key starts with this.
    #[serde(
        rename = "KeyPrefixEquals",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_prefix_equals: Option<String>,
    /// The key ends with this.
    #[serde(
        rename = "KeySuffixEquals",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_suffix_equals: Option<String>,
    /// Serving the key failed with this status (404 for mirroring).
    #[serde(
        rename = "HttpErrorCodeReturnedEquals",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_error_code_returned_equals: Option<u16>,
    /// Request headers that must be present with these values.
    #[serde(rename = "IncludeHeader", default)]
    pub include_headers: Vec<IncludeHeader>,
}

/// `<IncludeHeader>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct IncludeHeader {
    /// Header name (case-insensitive).
    #[serde(rename = "Key", default)]
    pub key: String,
    /// The value equals this.
    #[serde(rename = "Equals", default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<String>,
    /// The value starts with this.
    #[serde(
        rename = "StartsWith",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub starts_with: Option<String>,
    /// The value ends with this.
    #[serde(rename = "EndsWith", default, skip_serializing_if = "Option::is_none")]
    pub ends_with: Option<String>,
}

/// `<Redirect>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Redirect {
    /// `Mirror`, `External`, `Internal` or `AliCDN`.
    #[serde(rename = "RedirectType", default)]
    pub redirect_type: String,
    /// Whether the request's query string is kept.
    #[serde(
        rename = "PassQueryString",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub pass_query_string: Option<bool>,
    /// The new key (`${key}` stands for the requested one).
    #[serde(
        rename = "ReplaceKeyWith",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_key_with: Option<String>,
    /// The new prefix, replacing `KeyPrefixEquals`.
    #[serde(
        rename = "ReplaceKeyPrefixWith",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub replace_key_prefix_with: Option<String>,
    /// Whether `ReplaceKeyPrefixWith` applies (OSS's switch; kept as given).
    #[serde(
        rename = "EnableReplacePrefix",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub enable_replace_prefix: Option<bool>,
    /// `http` or `https` (External, AliCDN).
    #[serde(rename = "Protocol", default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Host to redirect to (External, AliCDN).
    #[serde(rename = "HostName", default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<String>,
    /// 301, 302 (default) or 307 (External, AliCDN).
    #[serde(
        rename = "HttpRedirectCode",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub http_redirect_code: Option<u16>,
    /// Origin of mirroring (`http(s)://…/`).
    #[serde(rename = "MirrorURL", default, skip_serializing_if = "Option::is_none")]
    pub mirror_url: Option<String>,
    /// Whether SNI is passed to the origin.
    #[serde(
        rename = "MirrorSNI",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub mirror_sni: Option<bool>,
    /// Standby origin.
    #[serde(
        rename = "MirrorURLSlave",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mirror_url_slave: Option<String>,
    /// URL probed to choose between the origins.
    #[serde(
        rename = "MirrorURLProbe",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mirror_url_probe: Option<String>,
    /// Whether the query string goes to the origin (takes precedence over `PassQueryString`).
    #[serde(
        rename = "MirrorPassQueryString",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub mirror_pass_query_string: Option<bool>,
    /// Whether `/` characters are passed to the origin as sent.
    #[serde(
        rename = "MirrorPassOriginalSlashes",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub mirror_pass_original_slashes: Option<bool>,
    /// Whether 3xx answers of the origin are followed (default true).
    #[serde(
        rename = "MirrorFollowRedirect",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub mirror_follow_redirect: Option<bool>,
    /// Whether the origin's `Content-MD5` is checked.
    #[serde(
        rename = "MirrorCheckMd5",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub mirror_check_md5: Option<bool>,
    /// Headers passed to the origin.
    #[serde(
        rename = "MirrorHeaders",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub mirror_headers: Option<MirrorHeaders>,
}

/// `<MirrorHeaders>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MirrorHeaders {
    /// Pass every header (but OSS's own and a few reserved ones).
    #[serde(
        rename = "PassAll",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub pass_all: Option<bool>,
    /// Headers passed.
    #[serde(rename = "Pass", default)]
    pub pass: Vec<String>,
    /// Headers never passed.
    #[serde(rename = "Remove", default)]
    pub remove: Vec<String>,
    /// Headers set on the origin request.
    #[serde(rename = "Set", default)]
    pub set: Vec<MirrorHeaderSet>,
}

/// `<Set>` of `<MirrorHeaders>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MirrorHeaderSet {
    /// Header name.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Its value.
    #[serde(rename = "Value", default)]
    pub value: String,
}

crate::xml_document!(WebsiteConfiguration => "WebsiteConfiguration");

impl WebsiteConfiguration {
    /// A site with an index page and an error page (either may be empty: not set).
    pub fn new(index: impl Into<String>, error: impl Into<String>) -> Self {
        let (index, error) = (index.into(), error.into());
        WebsiteConfiguration {
            index_document: (!index.is_empty()).then(|| IndexDocument {
                suffix: index,
                ..IndexDocument::default()
            }),
            error_document: (!error.is_empty()).then_some(ErrorDocument {
                key: error,
                http_status: None,
            }),
            routing_rules: None,
        }
    }

    /// Sets `SupportSubDir` (needs an index page).
    pub fn support_sub_dir(mut self, yes: bool) -> Self {
        if let Some(i) = &mut self.index_document {
            i.support_sub_dir = Some(yes);
        }
        self
    }

    /// Sets the index `Type` (0, 1 or 2; needs an index page).
    pub fn index_type(mut self, t: u8) -> Self {
        if let Some(i) = &mut self.index_document {
            i.index_type = Some(t);
        }
        self
    }

    /// Sets the error page's status (needs an error page).
    pub fn error_status(mut self, status: u16) -> Self {
        if let Some(e) = &mut self.error_document {
            e.http_status = Some(status);
        }
        self
    }

    /// Adds a routing rule.
    pub fn rule(mut self, rule: RoutingRule) -> Self {
        self.routing_rules
            .get_or_insert_with(RoutingRules::default)
            .rules
            .push(rule);
        self
    }

    /// The index page's name, if set (oss2's `index_file`).
    pub fn index_file(&self) -> Option<&str> {
        self.index_document.as_ref().map(|i| i.suffix.as_str())
    }

    /// The error page's key, if set (oss2's `error_file`).
    pub fn error_file(&self) -> Option<&str> {
        self.error_document.as_ref().map(|e| e.key.as_str())
    }

    /// The routing rules, in document order.
    pub fn rules(&self) -> &[RoutingRule] {
        self.routing_rules
            .as_ref()
            .map(|r| r.rules.as_slice())
            .unwrap_or_default()
    }

    /// Rewrites the configuration in the form OSS answers it: for mirroring rules
    /// `PassQueryString` follows `MirrorPassQueryString` when that is given.
    pub fn normalize(&mut self) {
        if let Some(rules) = &mut self.routing_rules {
            for r in &mut rules.rules {
                let d = &mut r.redirect;
                if d.redirect_type == "Mirror" && d.mirror_pass_query_string.is_some() {
                    d.pass_query_string = d.mirror_pass_query_string;
                }
            }
        }
    }
}

impl RoutingRule {
    /// Rule number `n`: when `condition` holds, do `redirect`.
    pub fn new(n: u32, condition: Condition, redirect: Redirect) -> Self {
        RoutingRule {
            rule_number: n,
            condition,
            redirect,
        }
    }

    /// Whether the rule's key and header conditions hold for `key` and `headers` (lower-case
    /// names); the error-code condition is the caller's to check.
    pub fn matches(&self, key: &str, headers: &[(String, String)]) -> bool {
        let c = &self.condition;
        c.key_prefix_equals
            .as_deref()
            .is_none_or(|p| key.starts_with(p))
            && c.key_suffix_equals
                .as_deref()
                .is_none_or(|s| key.ends_with(s))
            && c.include_headers.iter().all(|h| {
                let name = h.key.to_ascii_lowercase();
                headers.iter().any(|(k, v)| {
                    *k == name
                        && h.equals.as_deref().is_none_or(|e| v == e)
                        && h.starts_with.as_deref().is_none_or(|s| v.starts_with(s))
                        && h.ends_with.as_deref().is_none_or(|s| v.ends_with(s))
                })
            })
    }

    /// The key a redirect of `key` goes to: `ReplaceKeyWith` (with `${key}` replaced),
    /// `ReplaceKeyPrefixWith` in place of `KeyPrefixEquals`, or `key` itself.
    pub fn target_key(&self, key: &str) -> String {
        let r = &self.redirect;
        if let Some(with) = &r.replace_key_with {
            return with.replace("${key}", key);
        }
        if let Some(with) = &r.replace_key_prefix_with {
            let prefix = self.condition.key_prefix_equals.as_deref().unwrap_or("");
            let rest = key.strip_prefix(prefix).unwrap_or(key);
            return format!("{with}{rest}");
        }
        key.to_string()
    }
}

impl Condition {
    /// Sets `KeyPrefixEquals`.
    pub fn key_prefix_equals(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix_equals = Some(prefix.into());
        self
    }

    /// Sets `KeySuffixEquals`.
    pub fn key_suffix_equals(mut self, suffix: impl Into<String>) -> Self {
        self.key_suffix_equals = Some(suffix.into());
        self
    }

    /// Sets `HttpErrorCodeReturnedEquals`.
    pub fn http_error_code(mut self, status: u16) -> Self {
        self.http_error_code_returned_equals = Some(status);
        self
    }

    /// Adds an `IncludeHeader` whose value must equal `equals`.
    pub fn include_header(mut self, key: impl Into<String>, equals: impl Into<String>) -> Self {
        self.include_headers.push(IncludeHeader {
            key: key.into(),
            equals: Some(equals.into()),
            ..IncludeHeader::default()
        });
        self
    }
}

impl Redirect {
    fn of(kind: &str) -> Self {
        Redirect {
            redirect_type: kind.to_string(),
            ..Redirect::default()
        }
    }

    /// An `External` redirect (a 3xx answer).
    pub fn external() -> Self {
        Redirect::of("External")
    }

    /// An `AliCDN` redirect.
    pub fn ali_cdn() -> Self {
        Redirect::of("AliCDN")
    }

    /// An `Internal` rewrite (another key is served).
    pub fn internal() -> Self {
        Redirect::of("Internal")
    }

    /// A `Mirror` rule fetching missing objects from `url` (`http(s)://…/`).
    pub fn mirror(url: impl Into<String>) -> Self {
        Redirect {
            mirror_url: Some(url.into()),
            ..Redirect::of("Mirror")
        }
    }

    /// Sets `PassQueryString`.
    pub fn pass_query_string(mut self, yes: bool) -> Self {
        self.pass_query_string = Some(yes);
        self
    }

    /// Sets `ReplaceKeyWith`.
    pub fn replace_key_with(mut self, key: impl Into<String>) -> Self {
        self.replace_key_with = Some(key.into());
        self
    }

    /// Sets `ReplaceKeyPrefixWith`.
    pub fn replace_key_prefix_with(mut self, prefix: impl Into<String>) -> Self {
        self.replace_key_prefix_with = Some(prefix.into());
        self
    }

    /// Sets `Protocol`.
    pub fn protocol(mut self, protocol: impl Into<String>) -> Self {
        self.protocol = Some(protocol.into());
        self
    }

    /// Sets `HostName`.
    pub fn host_name(mut self, host: impl Into<String>) -> Self {
        self.host_name = Some(host.into());
        self
    }

    /// Sets `HttpRedirectCode`.
    pub fn http_redirect_code(mut self, code: u16) -> Self {
        self.http_redirect_code = Some(code);
        self
    }

    /// Sets `MirrorPassQueryString`.
    pub fn mirror_pass_query_string(mut self, yes: bool) -> Self {
        self.mirror_pass_query_string = Some(yes);
        self
    }

    /// Sets `MirrorFollowRedirect`.
    pub fn mirror_follow_redirect(mut self, yes: bool) -> Self {
        self.mirror_follow_redirect = Some(yes);
        self
    }

    /// Sets `MirrorCheckMd5`.
    pub fn mirror_check_md5(mut self, yes: bool) -> Self {
        self.mirror_check_md5 = Some(yes);
        self
    }

    /// Sets `MirrorHeaders`.
    pub fn mirror_headers(mut self, headers: MirrorHeaders) -> Self {
        self.mirror_headers = Some(headers);
        self
    }
}

fn is_origin_url(url: &str) -> bool {
    (url.starts_with("http://") || url.starts_with("https://")) && url.ends_with('/')
}

/// Checks a configuration as OSS does; the error is the message and the element at fault.
pub fn validate(config: &WebsiteConfiguration) -> Result<(), (String, &'static str)> {
    let err = |msg: String, arg: &'static str| Err((msg, arg));
    if config.index_document.is_none()
        && config.error_document.is_none()
        && config.routing_rules.is_none()
    {
        return err(
            "The website configuration must contain IndexDocument, ErrorDocument or RoutingRules."
                .into(),
            "WebsiteConfiguration",
        );
    }
    if let Some(i) = &config.index_document {
        if i.suffix.is_empty() || i.suffix.starts_with('/') || i.suffix.contains("//") {
            return err(
                format!("The index document suffix \"{}\" is invalid.", i.suffix),
                "Suffix",
            );
        }
        if let Some(t) = i.index_type {
            if t > 2 {
                return err(format!("Type {t} is invalid: 0, 1 or 2."), "Type");
            }
        }
    }
    if let Some(e) = &config.error_document {
        if e.key.is_empty() || e.key.starts_with('/') {
            return err(
                format!("The error document key \"{}\" is invalid.", e.key),
                "Key",
            );
        }
        if let Some(s) = e.http_status {
            if s != 200 && s != 404 {
                return err("HttpStatus is Invalid".into(), "HttpStatus");
            }
        }
    }
    let rules = config.rules();
    if rules.len() > MAX_RULES {
        return err(
            format!(
                "The website configuration has {} routing rules; at most {MAX_RULES} are allowed.",
                rules.len()
            ),
            "RoutingRule",
        );
    }
    let mut numbers = std::collections::HashSet::new();
    for rule in rules {
        if rule.rule_number == 0 {
            return err(
                "RuleNumber must be a positive integer.".into(),
                "RuleNumber",
            );
        }
        if !numbers.insert(rule.rule_number) {
            return err(
                format!("RuleNumber {} is used twice.", rule.rule_number),
                "RuleNumber",
            );
        }
        let c = &rule.condition;
        if c.include_headers.len() > MAX_INCLUDE_HEADERS {
            return err(
                format!(
                    "A routing rule has more than {MAX_INCLUDE_HEADERS} IncludeHeader conditions."
                ),
                "IncludeHeader",
            );
        }
        if c.include_headers.iter().any(|h| h.key.trim().is_empty()) {
            return err("IncludeHeader needs a Key.".into(), "IncludeHeader");
        }
        if let Some(code) = c.http_error_code_returned_equals {
            if !(400..=599).contains(&code) {
                return err(
                    format!("HttpErrorCodeReturnedEquals {code} is not an error status."),
                    "HttpErrorCodeReturnedEquals",
                );
            }
        }
        let r = &rule.redirect;
        if !REDIRECT_TYPES.contains(&r.redirect_type.as_str()) {
            return err(
                format!(
                    "RedirectType \"{}\" is invalid: Mirror, External, Internal or AliCDN.",
                    r.redirect_type
                ),
                "RedirectType",
            );
        }
        if r.replace_key_with.is_some() && r.replace_key_prefix_with.is_some() {
            return err(
                "ReplaceKeyWith and ReplaceKeyPrefixWith cannot both be set.".into(),
                "ReplaceKeyWith",
            );
        }
        if let Some(p) = &r.protocol {
            if p != "http" && p != "https" {
                return err(
                    format!("Protocol \"{p}\" is invalid: http or https."),
                    "Protocol",
                );
            }
        }
        if let Some(code) = r.http_redirect_code {
            if ![301, 302, 307].contains(&code) {
                return err(
                    format!("HttpRedirectCode {code} is invalid: 301, 302 or 307."),
                    "HttpRedirectCode",
                );
            }
        }
        match r.redirect_type.as_str() {
            "Internal"
                if r.protocol.is_some()
                    || r.host_name.is_some()
                    || r.http_redirect_code.is_some() =>
            {
                return err(
                    "Protocol, HostName and HttpRedirectCode must be empty for Internal redirects."
                        .into(),
                    "RedirectType",
                );
            }
            "Mirror" => {
                if r.protocol.is_some()
                    || r.host_name.is_some()
                    || r.http_redirect_code.is_some()
                    || r.replace_key_with.is_some()
                    || r.replace_key_prefix_with.is_some()
                {
                    return err(
                        "Protocol, HostName, HttpRedirectCode, ReplaceKeyWith and ReplaceKeyPrefixWith must be empty for Mirror redirects."
                            .into(),
                        "RedirectType",
                    );
                }
                if c.http_error_code_returned_equals != Some(404) {
                    return err(
                        "Mirror redirects need HttpErrorCodeReturnedEquals 404.".into(),
                        "HttpErrorCodeReturnedEquals",
                    );
                }
                match &r.mirror_url {
                    Some(u) if is_origin_url(u) => {}
                    _ => {
                        return err(
                            "MirrorURL must start with http:// or https:// and end with /.".into(),
                            "MirrorURL",
                        )
                    }
                }
                if let Some(slave) = &r.mirror_url_slave {
                    if !is_origin_url(slave) {
                        return err(
                            "MirrorURLSlave must start with http:// or https:// and end with /."
                                .into(),
                            "MirrorURLSlave",
                        );
                    }
                    if r.mirror_url_probe.is_none() {
                        return err(
                            "MirrorURLProbe is required with MirrorURLSlave.".into(),
                            "MirrorURLProbe",
                        );
                    }
                }
                if let Some(h) = &r.mirror_headers {
                    if h.pass.len() > MAX_MIRROR_HEADERS
                        || h.remove.len() > MAX_MIRROR_HEADERS
                        || h.set.len() > MAX_MIRROR_HEADERS
                    {
                        return err(
                            format!("MirrorHeaders lists hold at most {MAX_MIRROR_HEADERS} entries each."),
                            "MirrorHeaders",
                        );
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    /// As oss2's to_put_bucket_website writes a mirroring rule (Python booleans).
    const OSS2_MIRROR: &str = "<WebsiteConfiguration><IndexDocument><Suffix>index.html</Suffix></IndexDocument>\
        <ErrorDocument><Key>error.html</Key></ErrorDocument><RoutingRules><RoutingRule>\
        <RuleNumber>2</RuleNumber><Condition><KeyPrefixEquals>2~!@#$%^&amp;*()-_=+|\\[]{}&lt;&gt;,./?`~</KeyPrefixEquals>\
        <HttpErrorCodeReturnedEquals>404</HttpErrorCodeReturnedEquals><IncludeHeader><Key>host</Key>\
        <Equals>test.oss-cn-beijing-internal.aliyuncs.com</Equals></IncludeHeader></Condition>\
        <Redirect><RedirectType>Mirror</RedirectType><PassQueryString>False</PassQueryString>\
        <MirrorURL>http://www.test.com/</MirrorURL><MirrorURLSlave>http://www.slave.com/</MirrorURLSlave>\
        <MirrorURLProbe>http://www.test.com/index.html</MirrorURLProbe>\
        <MirrorPassQueryString>True</MirrorPassQueryString><MirrorFollowRedirect>True</MirrorFollowRedirect>\
        <MirrorCheckMd5>True</MirrorCheckMd5><MirrorHeaders><PassAll>True</PassAll><Pass>myheader-key1</Pass>\
        <Remove>myheader-key3</Remove><Set><Key>myheader-key5</Key><Value>myheader-value5</Value></Set>\
        </MirrorHeaders></Redirect></RoutingRule></RoutingRules></WebsiteConfiguration>";

    #[test]
    fn oss2_mirror_rules_parse_validate_and_normalise() {
        let mut c = WebsiteConfiguration::from_document(OSS2_MIRROR.as_bytes()).unwrap();
        assert!(validate(&c).is_ok(), "{:?}", validate(&c));
        let rule = &c.rules()[0];
        assert_eq!(rule.rule_number, 2);
        assert_eq!(
            rule.condition.key_prefix_equals.as_deref(),
            Some("2~!@#$%^&*()-_=+|\\[]{}<>,./?`~")
        );
        let h = rule.redirect.mirror_headers.as_ref().unwrap();
        assert_eq!(
            (h.pass_all, h.set[0].value.as_str()),
            (Some(true), "myheader-value5")
        );
        c.normalize();
        assert_eq!(c.rules()[0].redirect.pass_query_string, Some(true));
        let doc = c.to_document().unwrap();
        assert!(
            doc.contains("<PassQueryString>true</PassQueryString>"),
            "{doc}"
        );
        assert!(!doc.contains("True"));
    }

    #[test]
    fn rules_match_and_rewrite_keys() {
        let rule = RoutingRule::new(
            1,
            Condition::default()
                .key_prefix_equals("docs/")
                .include_header("x-test", "yes"),
            Redirect::internal().replace_key_prefix_with("manual/"),
        );
        let yes = vec![("x-test".to_string(), "yes".to_string())];
        assert!(rule.matches("docs/a.html", &yes));
        assert!(!rule.matches("docs/a.html", &[]));
        assert!(!rule.matches("img/a.png", &yes));
        assert_eq!(rule.target_key("docs/a.html"), "manual/a.html");
        let with = RoutingRule::new(
            2,
            Condition::default(),
            Redirect::external().replace_key_with("${key}.suffix"),
        );
        assert_eq!(with.target_key("k"), "k.suffix");
    }

    #[test]
    fn validation_names_the_problem() {
        let base = || WebsiteConfiguration::new("index.html", "");
        assert!(validate(&WebsiteConfiguration::default()).is_err());
        assert_eq!(
            validate(&WebsiteConfiguration::new("", "e.html").error_status(500))
                .unwrap_err()
                .1,
            "HttpStatus"
        );
        assert_eq!(validate(&base().index_type(3)).unwrap_err().1, "Type");
        let mirror_no_404 = base().rule(RoutingRule::new(
            1,
            Condition::default(),
            Redirect::mirror("http://origin/"),
        ));
        assert_eq!(
            validate(&mirror_no_404).unwrap_err().1,
            "HttpErrorCodeReturnedEquals"
        );
        let bad_url = base().rule(RoutingRule::new(
            1,
            Condition::default().http_error_code(404),
            Redirect::mirror("http://origin"),
        ));
        assert_eq!(validate(&bad_url).unwrap_err().1, "MirrorURL");
        let both = base().rule(RoutingRule::new(
            1,
            Condition::default(),
            Redirect::external()
                .replace_key_with("a")
                .replace_key_prefix_with("b"),
        ));
        assert_eq!(validate(&both).unwrap_err().1, "ReplaceKeyWith");
        let code = base().rule(RoutingRule::new(
            1,
            Condition::default(),
            Redirect::external().http_redirect_code(399),
        ));
        assert_eq!(validate(&code).unwrap_err().1, "HttpRedirectCode");
        let internal_host = base().rule(RoutingRule::new(
            1,
            Condition::default(),
            Redirect::internal().host_name("h"),
        ));
        assert_eq!(validate(&internal_host).unwrap_err().1, "RedirectType");
        let twice = base()
            .rule(RoutingRule::new(
                1,
                Condition::default(),
                Redirect::internal(),
            ))
            .rule(RoutingRule::new(
                1,
                Condition::default(),
                Redirect::internal(),
            ));
        assert_eq!(validate(&twice).unwrap_err().1, "RuleNumber");
        let many = (1..=21).fold(base(), |c, n| {
            c.rule(RoutingRule::new(
                n,
                Condition::default(),
                Redirect::internal(),
            ))
        });
        assert_eq!(validate(&many).unwrap_err().1, "RoutingRule");
    }
}
