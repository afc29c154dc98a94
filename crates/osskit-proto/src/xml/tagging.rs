//! `<Tagging>`: the tags of a bucket (`PutBucketTags`, `GetBucketTags`), and the `Tag`
//! element lifecycle rules use. OSS's limits for bucket tags are checked by
//! [`validate_bucket_tags`].
//!
//! ```
//! use osskit_proto::xml::tagging::{validate_bucket_tags, Tagging};
//! use osskit_proto::xml::Document;
//!
//! let tags = Tagging::new([("team", "storage"), ("env", "test")]);
//! validate_bucket_tags(&tags).unwrap();
//! let doc = tags.to_document().unwrap();
//! assert!(doc.contains("<Tag><Key>team</Key><Value>storage</Value></Tag>"));
//! assert_eq!(Tagging::from_document(doc.as_bytes()).unwrap().get("env"), Some("test"));
//! ```

use serde::{Deserialize, Serialize};

/// Most tags a bucket may have.
pub const MAX_BUCKET_TAGS: usize = 20;
/// Longest bucket tag key, in bytes.
pub const MAX_BUCKET_TAG_KEY: usize = 64;
/// Longest bucket tag value, in bytes.
pub const MAX_BUCKET_TAG_VALUE: usize = 128;

/// `<Tag>`: a key and its value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tag {
    /// The key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// The value (may be empty).
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

crate::xml_document!(Tagging => "Tagging");

impl Tagging {
    /// Tags from `(key, value)` pairs.
    pub fn new<I, K, V>(tags: I) -> Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        Tagging {
            tag_set: TagSet {
                tags: tags.into_iter().map(|(k, v)| Tag::new(k, v)).collect(),
            },
        }
    }

    /// The tags.
    pub fn tags(&self) -> &[Tag] {
        &self.tag_set.tags
    }

    /// The value of `key`, if tagged.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.tag_set
            .tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }

    /// The tags as `(key, value)` pairs.
    pub fn pairs(&self) -> Vec<(String, String)> {
        self.tag_set
            .tags
            .iter()
            .map(|t| (t.key.clone(), t.value.clone()))
            .collect()
    }
}

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
        let many = Tagging::new((0..21).map(|i| (format!("k{i}"), "v")));
        assert!(validate_bucket_tags(&many)
            .unwrap_err()
            .contains("at most 20"));
        assert!(validate_bucket_tags(&Tagging::new([("a".repeat(65), "v")])).is_err());
        assert!(validate_bucket_tags(&Tagging::new([("k", "v".repeat(129))])).is_err());
        assert!(validate_bucket_tags(&Tagging::new([("Aliyun-x", "v")])).is_err());
        assert!(validate_bucket_tags(&Tagging::new([("k", "1"), ("k", "2")])).is_err());
        assert!(validate_bucket_tags(&Tagging::new([("", "v")])).is_err());
        let empty = Tagging::from_document(b"<Tagging><TagSet/></Tagging>").unwrap();
        assert!(empty.tags().is_empty());
    }
}
