//! `<Tagging>`: the tags of a bucket (`PutBucketTags`, `GetBucketTags`) and of an object
//! (`PutObjectTagging`, `GetObjectTagging`, the `x-oss-tagging` header of uploads and copies),
//! and the `Tag` element lifecycle rules use; `<RestoreRequest>` of `RestoreObject`. OSS's
//! limits differ: object tags are checked by [`Tagging::validate`], bucket tags by
//! [`validate_bucket_tags`].
//!
//! ```
//! use osskit_proto::xml::tagging::{validate_bucket_tags, Tagging};
//! use osskit_proto::xml::Document;
//!
//! let tagging = Tagging::new().tag("project", "alpha").tag("owner", "ops team");
//! assert!(tagging.validate().is_ok());
//! assert_eq!(tagging.to_header(), "project=alpha&owner=ops%20team");
//! let doc = tagging.to_document().unwrap();
//! let back = Tagging::from_document(doc.as_bytes()).unwrap();
//! assert_eq!(back.get("owner"), Some("ops team"));
//! let header = Tagging::from_header("a=1&b").unwrap();
//! assert_eq!(header.get("b"), Some(""));
//!
//! let bucket_tags = Tagging::from_pairs([("team", "storage"), ("env", "test")]);
//! validate_bucket_tags(&bucket_tags).unwrap();
//! let doc = bucket_tags.to_document().unwrap();
//! assert!(doc.contains("<Tag><Key>team</Key><Value>storage</Value></Tag>"));
//! ```

use serde::{Deserialize, Serialize};

/// Most tags a bucket may have.
pub const MAX_BUCKET_TAGS: usize = 20;
/// Longest bucket tag key, in bytes.
pub const MAX_BUCKET_TAG_KEY: usize = 64;
/// Longest bucket tag value, in bytes.
pub const MAX_BUCKET_TAG_VALUE: usize = 128;

/// Most tags an object can have.
pub const MAX_TAGS: usize = 10;
/// Longest tag key, in characters.
pub const MAX_KEY_CHARS: usize = 128;
/// Longest tag value, in characters.
pub const MAX_VALUE_CHARS: usize = 256;

/// `<Tag>`: a key and its value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tag {
    /// Key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Value (may be empty).
    #[serde(rename = "Value", default)]
    pub value: String,
}

impl Tag {
    /// A tag.
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// `<TagSet>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TagSet {
    /// The tags, in order.
    #[serde(rename = "Tag", default)]
    pub tags: Vec<Tag>,
}

/// `<Tagging>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Tagging")]
#[non_exhaustive]
pub struct Tagging {
    /// The tags.
    #[serde(rename = "TagSet", default)]
    pub tag_set: TagSet,
}

/// Why tags are not acceptable; the message is what OSS answers (code `InvalidTag`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidTag(pub String);

/// Whether `c` may appear in a tag key or value: letters and digits (of any script), space,
/// and `+ - = . _ : /`.
pub fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, ' ' | '+' | '-' | '=' | '.' | '_' | ':' | '/')
}

impl Tagging {
    /// No tags (add them with [`Tagging::tag`], or build from pairs with
    /// [`Tagging::from_pairs`]).
    pub fn new() -> Self {
        Tagging::default()
    }

    /// Adds a tag (builder style).
    pub fn tag(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.tag_set.tags.push(Tag::new(key, value));
        self
    }

    /// The tags, in order.
    pub fn tags(&self) -> &[Tag] {
        &self.tag_set.tags
    }

    /// The tags as `(key, value)` pairs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.tag_set
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect()
    }

    /// Tags from `(key, value)` pairs.
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Tagging {
            tag_set: TagSet {
                tags: pairs.into_iter().map(|(k, v)| Tag::new(k, v)).collect(),
            },
        }
    }

    /// The value of the tag `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.tag_set
            .tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }

    /// Number of tags.
    pub fn len(&self) -> usize {
        self.tag_set.tags.len()
    }

    /// Whether there are no tags.
    pub fn is_empty(&self) -> bool {
        self.tag_set.tags.is_empty()
    }

    /// Checks OSS's rules: at most 10 tags, unique keys of 1 to 128 characters, values of
    /// at most 256, only letters, digits, space and `+ - = . _ : /`.
    pub fn validate(&self) -> Result<(), InvalidTag> {
        let tags = &self.tag_set.tags;
        if tags.len() > MAX_TAGS {
            return Err(InvalidTag(format!(
                "An object can have at most {MAX_TAGS} tags, {} were given.",
                tags.len()
            )));
        }
        for (i, tag) in tags.iter().enumerate() {
            let chars = tag.key.chars().count();
            if chars == 0 || chars > MAX_KEY_CHARS {
                return Err(InvalidTag(format!(
                    "The tag key {:?} must have 1 to {MAX_KEY_CHARS} characters.",
                    tag.key
                )));
            }
            if tag.value.chars().count() > MAX_VALUE_CHARS {
                return Err(InvalidTag(format!(
                    "The value of the tag {:?} is longer than {MAX_VALUE_CHARS} characters.",
                    tag.key
                )));
            }
            if let Some(c) = tag.key.chars().find(|c| !is_tag_char(*c)) {
                return Err(InvalidTag(format!(
                    "The tag key {:?} has the character {c:?}: tags may contain letters, digits, spaces and + - = . _ : /",
                    tag.key
                )));
            }
            if let Some(c) = tag.value.chars().find(|c| !is_tag_char(*c)) {
                return Err(InvalidTag(format!(
                    "The value of the tag {:?} has the character {c:?}: tags may contain letters, digits, spaces and + - = . _ : /",
                    tag.key
                )));
            }
            if tags[..i].iter().any(|t| t.key == tag.key) {
                return Err(InvalidTag(format!(
                    "The tag key {:?} is given more than once.",
                    tag.key
                )));
            }
        }
        Ok(())
    }

    /// The `x-oss-tagging` header value: `k=v` pairs joined by `&`, keys and values
    /// percent-encoded (oss2's `TaggingRule.to_query_string`, `/` kept).
    pub fn to_header(&self) -> String {
        self.tag_set
            .tags
            .iter()
            .map(|t| {
                format!(
                    "{}={}",
                    crate::encoding::quote(&t.key, "/"),
                    crate::encoding::quote(&t.value, "/")
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    /// Parses an `x-oss-tagging` header: `k=v` or `k` items joined by `&`, percent-decoded
    /// (`+` stays a plus). An item with more than one `=`, or that does not decode to UTF-8,
    /// is refused. Validation is separate ([`Tagging::validate`]).
    pub fn from_header(value: &str) -> Result<Tagging, InvalidTag> {
        let mut tags = Vec::new();
        for item in value.split('&').filter(|i| !i.is_empty()) {
            let (k, v) = item.split_once('=').unwrap_or((item, ""));
            if v.contains('=') {
                return Err(InvalidTag(format!(
                    "The x-oss-tagging item {item:?} is not in the form key=value."
                )));
            }
            let decode = |s: &str| {
                crate::encoding::unquote_utf8(s).ok_or_else(|| {
                    InvalidTag(format!(
                        "The x-oss-tagging item {item:?} does not decode to UTF-8."
                    ))
                })
            };
            tags.push(Tag::new(decode(k)?, decode(v)?));
        }
        Ok(Tagging {
            tag_set: TagSet { tags },
        })
    }
}

crate::xml_document!(Tagging => "Tagging");

/// Checks bucket tags as OSS does: at most 20, keys of 1 to 64 bytes that do not start
/// with `http://`, `https://` or `Aliyun` and are not repeated, values of at most 128
/// bytes. The error says what is wrong.
pub fn validate_bucket_tags(tagging: &Tagging) -> Result<(), String> {
    let tags = tagging.tags();
    if tags.len() > MAX_BUCKET_TAGS {
        return Err(format!(
            "The bucket has {} tags; at most {MAX_BUCKET_TAGS} are allowed.",
            tags.len()
        ));
    }
    for (i, t) in tags.iter().enumerate() {
        if t.key.is_empty() || t.key.len() > MAX_BUCKET_TAG_KEY {
            return Err(format!(
                "The tag key {:?} must be 1 to {MAX_BUCKET_TAG_KEY} bytes long.",
                t.key
            ));
        }
        let lower = t.key.to_ascii_lowercase();
        if lower.starts_with("http://")
            || lower.starts_with("https://")
            || t.key.starts_with("Aliyun")
        {
            return Err(format!(
                "The tag key {:?} may not start with http://, https:// or Aliyun.",
                t.key
            ));
        }
        if t.value.len() > MAX_BUCKET_TAG_VALUE {
            return Err(format!(
                "The value of tag {:?} is {} bytes long; at most {MAX_BUCKET_TAG_VALUE} are allowed.",
                t.key,
                t.value.len()
            ));
        }
        if tags[..i].iter().any(|u| u.key == t.key) {
            return Err(format!("The tag key {:?} is repeated.", t.key));
        }
    }
    Ok(())
}

/// A restore tier of Cold Archive and Deep Cold Archive objects.
pub const RESTORE_TIERS: &[&str] = &["Expedited", "Standard", "Bulk"];

/// `<JobParameters>` of a restore.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JobParameters {
    /// `Expedited`, `Standard` or `Bulk`.
    #[serde(rename = "Tier", default)]
    pub tier: String,
}

/// `<RestoreRequest>`: how long the restored copy stays, and how fast to restore.
///
/// ```
/// use osskit_proto::xml::{tagging::RestoreRequest, Document};
/// let doc = RestoreRequest::new(3).tier("Bulk").to_document().unwrap();
/// assert!(doc.contains("<Days>3</Days>"));
/// assert!(doc.contains("<JobParameters><Tier>Bulk</Tier></JobParameters>"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "RestoreRequest")]
#[non_exhaustive]
pub struct RestoreRequest {
    /// Days the restored copy stays readable (1 to 7 for Archive, 1 to 365 for the
    /// colder classes).
    #[serde(rename = "Days", default)]
    pub days: Option<u32>,
    /// The restore tier (Cold Archive and Deep Cold Archive only).
    #[serde(
        rename = "JobParameters",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub job_parameters: Option<JobParameters>,
}

impl RestoreRequest {
    /// A restore for `days` days.
    pub fn new(days: u32) -> Self {
        RestoreRequest {
            days: Some(days),
            job_parameters: None,
        }
    }

    /// Sets the tier (`Expedited`, `Standard`, `Bulk`).
    pub fn tier(mut self, tier: impl Into<String>) -> Self {
        self.job_parameters = Some(JobParameters { tier: tier.into() });
        self
    }
}

crate::xml_document!(RestoreRequest => "RestoreRequest");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::Document;

    #[test]
    fn oss2_documents_and_limits() {
        let doc = "<Tagging><TagSet><Tag><Key>%@abc</Key><Value>abc</Value></Tag>\
            <Tag><Key>123++</Key><Value>++123%</Value></Tag></TagSet></Tagging>";
        let t = Tagging::from_document(doc.as_bytes()).unwrap();
        assert_eq!(t.get("123++"), Some("++123%"));
        validate_bucket_tags(&t).unwrap();
        let many = Tagging::from_pairs((0..21).map(|i| (format!("k{i}"), "v")));
        assert!(validate_bucket_tags(&many)
            .unwrap_err()
            .contains("at most 20"));
        assert!(validate_bucket_tags(&Tagging::from_pairs([("a".repeat(65), "v")])).is_err());
        assert!(validate_bucket_tags(&Tagging::from_pairs([("k", "v".repeat(129))])).is_err());
        assert!(validate_bucket_tags(&Tagging::from_pairs([("Aliyun-x", "v")])).is_err());
        assert!(validate_bucket_tags(&Tagging::from_pairs([("k", "1"), ("k", "2")])).is_err());
        assert!(validate_bucket_tags(&Tagging::from_pairs([("", "v")])).is_err());
        let empty = Tagging::from_document(b"<Tagging><TagSet/></Tagging>").unwrap();
        assert!(empty.tags().is_empty());
    }

    #[test]
    fn oss_rules() {
        let ok = Tagging::new()
            .tag("a".repeat(128), "b".repeat(256))
            .tag("+-.:", "_/")
            .tag("中文", "");
        assert!(ok.validate().is_ok());
        for bad in [
            Tagging::new().tag("a".repeat(129), "v"),
            Tagging::new().tag("k", "v".repeat(257)),
            Tagging::new().tag("", "v"),
            Tagging::new().tag("%@abc", "v"),
            Tagging::new().tag("k", "%abc"),
            Tagging::new().tag("k", "1").tag("k", "2"),
            Tagging::from_pairs((0..11).map(|i| (format!("k{i}"), "v"))),
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn header_form_as_oss2_writes_it() {
        // oss2: TaggingRule({'+-/': ':+:'}).to_query_string()
        let t = Tagging::from_header("key1=value1&%2B-/=%3A%2B%3A").unwrap();
        assert_eq!(t.get("+-/"), Some(":+:"));
        assert_eq!(t.get("key1"), Some("value1"));
        assert_eq!(
            Tagging::new().tag("+-/", ":+:").to_header(),
            "%2B-/=%3A%2B%3A"
        );
        assert!(Tagging::from_header("aa=bb=cc").is_err());
        assert!(Tagging::from_header("k=%FF").is_err());
    }

    #[test]
    fn documents_round_trip() {
        let doc = r#"<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value></Value></Tag></TagSet></Tagging>"#;
        let t = Tagging::from_document(doc.as_bytes()).unwrap();
        assert_eq!(
            t.pairs(),
            vec![("a".into(), "1".into()), ("b".into(), "".into())]
        );
        let empty = Tagging::from_document(b"<Tagging><TagSet/></Tagging>").unwrap();
        assert!(empty.is_empty());
        let r = RestoreRequest::from_document(
            b"<RestoreRequest><Days>5</Days><JobParameters><Tier>Bulk</Tier></JobParameters></RestoreRequest>",
        )
        .unwrap();
        assert_eq!(r.days, Some(5));
        assert_eq!(r.job_parameters.unwrap().tier, "Bulk");
    }
}
