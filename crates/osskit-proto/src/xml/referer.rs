//! Referer lists (`PutBucketReferer`, `GetBucketReferer`): hotlink protection, and how a
//! request's `Referer` is judged against them.
//!
//! OSS checks the lists only for anonymous requests and presigned URLs (never for requests
//! signed in the `Authorization` header). The judgement, in OSS's order:
//!
//! 1. An empty or missing `Referer` passes when `AllowEmptyReferer` is true or the allow list
//!    is empty, and is refused otherwise.
//! 2. A `Referer` matching the block list is refused.
//! 3. A `Referer` passes when the allow list is empty or one of its entries matches.
//!
//! Entries may hold `*` (any run of characters, also none) and `?` (exactly one character);
//! an entry matches a `Referer` that starts with what it describes (OSS matches prefixes:
//! `http://www.example.com` admits `http://www.example.com/page.html`), ignoring ASCII case. Before matching, the query string is cut off when
//! `AllowTruncateQueryString` is true (the default) and everything from the path on when
//! `TruncatePath` is true.
//!
//! ```
//! use osskit_proto::xml::referer::{RefererConfiguration, Refusal};
//! use osskit_proto::xml::Document;
//!
//! let lists = RefererConfiguration::new(false, ["https://*.example.com"])
//!     .black_referers(["https://evil.example.com"]);
//! assert!(lists.judge(Some("https://www.example.com/page?x=1")).is_ok());
//! assert_eq!(lists.judge(None), Err(Refusal::EmptyReferer));
//! assert_eq!(lists.judge(Some("https://evil.example.com/")), Err(Refusal::BlackListed));
//! assert_eq!(lists.judge(Some("https://other.org/")), Err(Refusal::NotAllowed));
//! let doc = lists.to_document().unwrap();
//! assert_eq!(RefererConfiguration::from_document(doc.as_bytes()).unwrap(), lists);
//! ```

use serde::{Deserialize, Serialize};

/// Most entries a list may hold.
pub const MAX_REFERERS: usize = 100;

/// Longest entry, in bytes.
pub const MAX_REFERER_LEN: usize = 1024;

/// `<RefererConfiguration>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "RefererConfiguration")]
#[non_exhaustive]
pub struct RefererConfiguration {
    /// Whether requests without a `Referer` (or with an empty one) are allowed.
    #[serde(rename = "AllowEmptyReferer", with = "super::lenient_bool")]
    pub allow_empty_referer: bool,
    /// Whether the query string is cut off before matching (OSS's default: true).
    #[serde(
        rename = "AllowTruncateQueryString",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub allow_truncate_query_string: Option<bool>,
    /// Whether everything from the path on is cut off before matching (default false).
    #[serde(
        rename = "TruncatePath",
        default,
        skip_serializing_if = "Option::is_none",
        with = "super::lenient_bool::option"
    )]
    pub truncate_path: Option<bool>,
    /// The allow list.
    #[serde(rename = "RefererList", default)]
    pub referer_list: RefererList,
    /// The block list.
    #[serde(
        rename = "RefererBlacklist",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub referer_blacklist: Option<RefererList>,
}

/// `<RefererList>` or `<RefererBlacklist>`: the entries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefererList {
    /// The entries, each possibly with `*` and `?` wildcards.
    #[serde(rename = "Referer", default)]
    pub referers: Vec<String>,
}

crate::xml_document!(RefererConfiguration => "RefererConfiguration");

/// Why a `Referer` was refused, with the EC OSS gives each case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// No (or an empty) `Referer`, and empty ones are not allowed.
    EmptyReferer,
    /// The `Referer` matches the block list.
    BlackListed,
    /// The `Referer` matches no entry of the allow list.
    NotAllowed,
}

impl Refusal {
    /// The EC OSS sends with the `AccessDenied` error of this refusal.
    pub fn ec(self) -> &'static str {
        match self {
            Refusal::EmptyReferer => "0003-00000501",
            Refusal::BlackListed => "0003-00000502",
            Refusal::NotAllowed => "0003-00000503",
        }
    }
}

impl RefererList {
    /// A list of `entries`.
    pub fn new<I: IntoIterator>(entries: I) -> Self
    where
        I::Item: Into<String>,
    {
        RefererList {
            referers: entries.into_iter().map(Into::into).collect(),
        }
    }
}

impl RefererConfiguration {
    /// Lists allowing `referers` (and empty referers when `allow_empty_referer`).
    pub fn new<I: IntoIterator>(allow_empty_referer: bool, referers: I) -> Self
    where
        I::Item: Into<String>,
    {
        RefererConfiguration {
            allow_empty_referer,
            referer_list: RefererList::new(referers),
            ..RefererConfiguration::default()
        }
    }

    /// Sets the block list.
    pub fn black_referers<I: IntoIterator>(mut self, referers: I) -> Self
    where
        I::Item: Into<String>,
    {
        self.referer_blacklist = Some(RefererList::new(referers));
        self
    }

    /// Sets `AllowTruncateQueryString`.
    pub fn allow_truncate_query_string(mut self, yes: bool) -> Self {
        self.allow_truncate_query_string = Some(yes);
        self
    }

    /// Sets `TruncatePath`.
    pub fn truncate_path(mut self, yes: bool) -> Self {
        self.truncate_path = Some(yes);
        self
    }

    /// The allow list's entries.
    pub fn referers(&self) -> &[String] {
        &self.referer_list.referers
    }

    /// The block list's entries (empty when none is set).
    pub fn black_list(&self) -> &[String] {
        self.referer_blacklist
            .as_ref()
            .map(|l| l.referers.as_slice())
            .unwrap_or_default()
    }

    /// Judges a request's `Referer` header (`None` when absent) as OSS does.
    pub fn judge(&self, referer: Option<&str>) -> Result<(), Refusal> {
        let referer = referer.map(str::trim).filter(|r| !r.is_empty());
        let allow = self.referers();
        let Some(referer) = referer else {
            return if self.allow_empty_referer || allow.is_empty() {
                Ok(())
            } else {
                Err(Refusal::EmptyReferer)
            };
        };
        let seen = self.truncated(referer);
        if self.black_list().iter().any(|p| prefix_match(p, seen)) {
            return Err(Refusal::BlackListed);
        }
        if allow.is_empty() || allow.iter().any(|p| prefix_match(p, seen)) {
            Ok(())
        } else {
            Err(Refusal::NotAllowed)
        }
    }

    /// The part of `referer` that is matched.
    fn truncated<'a>(&self, referer: &'a str) -> &'a str {
        let mut seen = referer;
        if self.allow_truncate_query_string.unwrap_or(true) {
            seen = seen.split(['?', '#']).next().unwrap_or(seen);
        }
        if self.truncate_path.unwrap_or(false) {
            let host_start = seen.find("://").map(|i| i + 3).unwrap_or(0);
            if let Some(slash) = seen[host_start..].find('/') {
                seen = &seen[..host_start + slash];
            }
        }
        seen
    }
}

/// Whether `value` starts with a string `pattern` matches ([`wildcard_match`] of `pattern`
/// followed by `*`): how an entry of the lists matches a `Referer`.
pub fn prefix_match(pattern: &str, value: &str) -> bool {
    wildcard_match(&format!("{pattern}*"), value)
}

/// Whether `value` matches `pattern`, where `*` stands for any run of characters (also none)
/// and `?` for exactly one, ignoring ASCII case.
///
/// ```
/// use osskit_proto::xml::referer::wildcard_match;
/// assert!(wildcard_match("http://*.example.com", "HTTP://www.Example.com"));
/// assert!(wildcard_match("https://www.?.com", "https://www.a.com"));
/// assert!(!wildcard_match("https://www.?.com", "https://www.ab.com"));
/// ```
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let v: Vec<char> = value.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Linear-time matching with backtracking to the last star only.
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Checks lists as OSS does; the error says what is wrong.
pub fn validate(config: &RefererConfiguration) -> Result<(), String> {
    for (name, list) in [
        ("RefererList", config.referers()),
        ("RefererBlacklist", config.black_list()),
    ] {
        if list.len() > MAX_REFERERS {
            return Err(format!(
                "The {name} has {} entries; at most {MAX_REFERERS} are allowed.",
                list.len()
            ));
        }
        for r in list {
            if r.trim().is_empty() {
                return Err(format!("The {name} contains an empty Referer."));
            }
            if r.len() > MAX_REFERER_LEN {
                return Err(format!(
                    "A Referer of the {name} is longer than {MAX_REFERER_LEN} bytes."
                ));
            }
        }
    }
    if config.truncate_path == Some(true) && config.allow_truncate_query_string == Some(false) {
        return Err(
            "TruncatePath can be true only when AllowTruncateQueryString is true.".to_string(),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_parse() {
        // As oss2's to_put_bucket_referer writes it.
        let doc = "<RefererConfiguration><AllowEmptyReferer>true</AllowEmptyReferer>\
            <RefererList><Referer>http://hello.com</Referer><Referer>中文+referer</Referer>\
            </RefererList><AllowTruncateQueryString>false</AllowTruncateQueryString>\
            <RefererBlacklist><Referer>http://hello2.com</Referer></RefererBlacklist>\
            </RefererConfiguration>";
        let c = RefererConfiguration::from_document(doc.as_bytes()).unwrap();
        assert!(c.allow_empty_referer);
        assert_eq!(c.referers(), ["http://hello.com", "中文+referer"]);
        assert_eq!(c.allow_truncate_query_string, Some(false));
        assert_eq!(c.black_list(), ["http://hello2.com"]);
        assert!(validate(&c).is_ok());
        // An empty list element and capitalised booleans.
        let c = RefererConfiguration::from_document(
            b"<RefererConfiguration><AllowEmptyReferer>False</AllowEmptyReferer><RefererList/></RefererConfiguration>",
        )
        .unwrap();
        assert!(!c.allow_empty_referer && c.referers().is_empty());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*b*c", "aXXbYYc"));
        assert!(!wildcard_match("a*b*c", "aXXbYY"));
        assert!(wildcard_match("*example.com", "https://www.example.com"));
        assert!(wildcard_match("http://??.com", "http://ab.com"));
        assert!(!wildcard_match("http://??.com", "http://a.com"));
        assert!(wildcard_match("中文*", "中文+referer"));
        assert!(!wildcard_match("http://a.com", "http://a.com/x"));
        assert!(prefix_match("http://a.com", "http://a.com/x"));
        assert!(!prefix_match("http://a.com/x", "http://a.com"));
    }

    #[test]
    fn prefixes_and_truncation() {
        let lists = RefererConfiguration::new(false, ["http://a.com/page"]);
        assert!(lists.judge(Some("http://a.com/page.html?q=1")).is_ok());
        assert_eq!(lists.judge(Some("http://a.com/")), Err(Refusal::NotAllowed));
        // The query string counts only when it is not cut off.
        let suffix = RefererConfiguration::new(false, ["*.com"]);
        assert_eq!(
            suffix.judge(Some("http://a.org/?next=b.com")),
            Err(Refusal::NotAllowed)
        );
        let strict = suffix.allow_truncate_query_string(false);
        assert!(strict.judge(Some("http://a.org/?next=b.com")).is_ok());
        let host_only = RefererConfiguration::new(false, ["http://a.com"]).truncate_path(true);
        assert!(host_only.judge(Some("http://a.com/any/page?x")).is_ok());
        assert_eq!(
            host_only.judge(Some("http://b.com/")),
            Err(Refusal::NotAllowed)
        );
    }

    #[test]
    fn empty_lists_and_order() {
        let none = RefererConfiguration::new(false, Vec::<String>::new());
        assert!(
            none.judge(None).is_ok(),
            "an empty allow list checks nothing"
        );
        assert!(none.judge(Some("http://x")).is_ok());
        let black = none.clone().black_referers(["*bad*"]);
        assert_eq!(
            black.judge(Some("http://bad.com")),
            Err(Refusal::BlackListed)
        );
        let both = RefererConfiguration::new(true, ["*"]).black_referers(["*bad*"]);
        assert!(both.judge(None).is_ok());
        assert_eq!(
            both.judge(Some("http://bad.com")),
            Err(Refusal::BlackListed)
        );
        assert!(both.judge(Some("http://good.com")).is_ok());
    }

    #[test]
    fn validation_names_the_problem() {
        let many = RefererConfiguration::new(true, vec!["a"; 101]);
        assert!(validate(&many).unwrap_err().contains("at most 100"));
        let blank = RefererConfiguration::new(true, [" "]);
        assert!(validate(&blank).unwrap_err().contains("empty"));
        let bad = RefererConfiguration::new(true, ["a"])
            .allow_truncate_query_string(false)
            .truncate_path(true);
        assert!(validate(&bad).unwrap_err().contains("TruncatePath"));
    }
}
