//! ListObjects (v1 and v2) responses.
//!
//! With `encoding-type=url` the server percent-encodes keys, prefixes, markers and tokens
//! (oss2 decodes with `unquote`); [`ListBucketResult::decode_url`] and
//! [`ListBucketV2Result::decode_url`] undo that in place.
//!
//! ```
//! use osskit_proto::xml::{self, list::{ListBucketResult, ObjectSummary}};
//! let mut page = ListBucketResult {
//!     name: "b".into(),
//!     contents: vec![ObjectSummary { key: "sp ace+plus%41/é.txt".into(), ..Default::default() }],
//!     ..Default::default()
//! };
//! page.encode_url();
//! let doc = xml::to_xml(&page);
//! assert!(doc.contains("<Key>sp%20ace%2Bplus%2541/%C3%A9.txt</Key>"));
//! let mut parsed: ListBucketResult = xml::from_xml(&doc).unwrap();
//! parsed.decode_url();
//! assert_eq!(parsed.contents[0].key, "sp ace+plus%41/é.txt");
//! ```

use super::bucket::Owner;
use super::{is_url_encoding, url_decode_field, url_decode_opt, url_encode_field, url_encode_opt};
use serde::{Deserialize, Serialize};

/// One object of a listing page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObjectSummary {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// ISO8601 `2012-02-24T08:42:32.000Z`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// `Normal`, `Appendable`, `Multipart`.
    #[serde(rename = "Type", default)]
    pub object_type: String,
    /// Size in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// Owner (v1 always; v2 with `fetch-owner=true`).
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Restore status of archived objects.
    #[serde(
        rename = "RestoreInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub restore_info: Option<String>,
}

/// `<CommonPrefixes><Prefix>…</Prefix></CommonPrefixes>`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CommonPrefix {
    /// The folded prefix (ends with the delimiter).
    #[serde(rename = "Prefix")]
    pub prefix: String,
}

/// ListObjects (v1) response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListBucketResult")]
pub struct ListBucketResult {
    /// Bucket name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Prefix.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// Marker.
    #[serde(rename = "Marker", default)]
    pub marker: String,
    /// Page size.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// Delimiter.
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Marker of the next page (when truncated).
    #[serde(
        rename = "NextMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_marker: Option<String>,
    /// `url` when fields are percent-encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// Objects.
    #[serde(rename = "Contents", default)]
    pub contents: Vec<ObjectSummary>,
    /// Common prefixes.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

impl ListBucketResult {
    /// Percent-decodes the encoded fields when `encoding_type == Some("url")`: `Prefix`,
    /// `Marker`, `Delimiter`, `NextMarker`, every `Key` and every common prefix. Then clears
    /// `encoding_type`, so decoding twice is harmless.
    pub fn decode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_decode_field, url_decode_opt);
        self.encoding_type = None;
    }

    /// Percent-encodes the fields (server side) and sets `encoding_type` to `url`. Does
    /// nothing if they are already encoded.
    pub fn encode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_encode_field, url_encode_opt);
        self.encoding_type = Some("url".to_owned());
    }

    fn for_each_encoded(&mut self, f: fn(&mut String), f_opt: fn(&mut Option<String>)) {
        f(&mut self.prefix);
        f(&mut self.marker);
        f(&mut self.delimiter);
        f_opt(&mut self.next_marker);
        encode_entries(&mut self.contents, &mut self.common_prefixes, f);
    }
}

/// Applies `f` to every key and common prefix of a page.
fn encode_entries(
    contents: &mut [ObjectSummary],
    prefixes: &mut [CommonPrefix],
    f: fn(&mut String),
) {
    for object in contents {
        f(&mut object.key);
    }
    for prefix in prefixes {
        f(&mut prefix.prefix);
    }
}

/// ListObjectsV2 response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListBucketResult")]
pub struct ListBucketV2Result {
    /// Bucket name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Prefix.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// Page size.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// Delimiter.
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    /// start-after, echoed.
    #[serde(
        rename = "StartAfter",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub start_after: Option<String>,
    /// continuation-token, echoed.
    #[serde(
        rename = "ContinuationToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub continuation_token: Option<String>,
    /// Number of keys and prefixes in this page.
    #[serde(rename = "KeyCount", default)]
    pub key_count: u32,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Token of the next page (when truncated).
    #[serde(
        rename = "NextContinuationToken",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_continuation_token: Option<String>,
    /// `url` when fields are percent-encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// Objects.
    #[serde(rename = "Contents", default)]
    pub contents: Vec<ObjectSummary>,
    /// Common prefixes.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

impl ListBucketV2Result {
    /// Percent-decodes the encoded fields when `encoding_type == Some("url")`: `Prefix`,
    /// `Delimiter`, `StartAfter`, `ContinuationToken`, `NextContinuationToken`, every `Key`
    /// and every common prefix. Then clears `encoding_type`, so decoding twice is harmless.
    pub fn decode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_decode_field, url_decode_opt);
        self.encoding_type = None;
    }

    /// Percent-encodes the fields (server side) and sets `encoding_type` to `url`. Does
    /// nothing if they are already encoded.
    pub fn encode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_encode_field, url_encode_opt);
        self.encoding_type = Some("url".to_owned());
    }

    fn for_each_encoded(&mut self, f: fn(&mut String), f_opt: fn(&mut Option<String>)) {
        f(&mut self.prefix);
        f(&mut self.delimiter);
        f_opt(&mut self.start_after);
        f_opt(&mut self.continuation_token);
        f_opt(&mut self.next_continuation_token);
        encode_entries(&mut self.contents, &mut self.common_prefixes, f);
    }
}

/// One version of an object in ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ObjectVersion {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Version id (`null` for the null version).
    #[serde(rename = "VersionId", default)]
    pub version_id: String,
    /// Whether it is the newest version of its key.
    #[serde(rename = "IsLatest", default)]
    pub is_latest: bool,
    /// ISO8601 `2012-02-24T08:42:32.000Z`.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// `Normal`, `Appendable`, `Multipart`, `Symlink`.
    #[serde(rename = "Type", default)]
    pub object_type: String,
    /// Size in bytes.
    #[serde(rename = "Size", default)]
    pub size: u64,
    /// Storage class.
    #[serde(rename = "StorageClass", default)]
    pub storage_class: String,
    /// Owner.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// Restore status of archived objects.
    #[serde(
        rename = "RestoreInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub restore_info: Option<String>,
}

/// A delete marker in ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteMarkerEntry {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Version id of the marker (`null` for a null delete marker).
    #[serde(rename = "VersionId", default)]
    pub version_id: String,
    /// Whether it is the newest version of its key.
    #[serde(rename = "IsLatest", default)]
    pub is_latest: bool,
    /// ISO8601.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Owner.
    #[serde(rename = "Owner", default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

/// ListObjectVersions (`GET /bucket?versions`) response. Versions and delete markers come
/// in two lists; within each, keys ascend and one key's versions go newest first.
///
/// ```
/// use osskit_proto::xml::{self, list::{ListVersionsResult, ObjectVersion}};
/// let mut page = ListVersionsResult {
///     name: "b".into(),
///     versions: vec![ObjectVersion { key: "a b".into(), version_id: "null".into(), ..Default::default() }],
///     ..Default::default()
/// };
/// page.encode_url();
/// let doc = xml::to_xml(&page);
/// assert!(doc.contains("<Key>a%20b</Key>"));
/// let mut parsed: ListVersionsResult = xml::from_xml(&doc).unwrap();
/// parsed.decode_url();
/// assert_eq!(parsed.versions[0].key, "a b");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListVersionsResult")]
pub struct ListVersionsResult {
    /// Bucket name.
    #[serde(rename = "Name", default)]
    pub name: String,
    /// Prefix.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// Key marker of this page.
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    /// Version id marker of this page.
    #[serde(rename = "VersionIdMarker", default)]
    pub version_id_marker: String,
    /// Page size.
    #[serde(rename = "MaxKeys", default)]
    pub max_keys: u32,
    /// Delimiter.
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Key marker of the next page (when truncated).
    #[serde(
        rename = "NextKeyMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_key_marker: Option<String>,
    /// Version id marker of the next page (when truncated).
    #[serde(
        rename = "NextVersionIdMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub next_version_id_marker: Option<String>,
    /// `url` when fields are percent-encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// Versions.
    #[serde(rename = "Version", default)]
    pub versions: Vec<ObjectVersion>,
    /// Delete markers.
    #[serde(rename = "DeleteMarker", default)]
    pub delete_markers: Vec<DeleteMarkerEntry>,
    /// Common prefixes.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<CommonPrefix>,
}

impl ListVersionsResult {
    /// Percent-decodes the encoded fields when `encoding_type == Some("url")`: `Prefix`,
    /// `KeyMarker`, `Delimiter`, `NextKeyMarker`, every `Key` and common prefix. Then clears
    /// `encoding_type`.
    pub fn decode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_decode_field, url_decode_opt);
        self.encoding_type = None;
    }

    /// Percent-encodes the fields (server side) and sets `encoding_type` to `url`.
    pub fn encode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            return;
        }
        self.for_each_encoded(url_encode_field, url_encode_opt);
        self.encoding_type = Some("url".to_owned());
    }

    fn for_each_encoded(&mut self, f: fn(&mut String), f_opt: fn(&mut Option<String>)) {
        f(&mut self.prefix);
        f(&mut self.key_marker);
        f(&mut self.delimiter);
        f_opt(&mut self.next_key_marker);
        for v in &mut self.versions {
            f(&mut v.key);
        }
        for m in &mut self.delete_markers {
            f(&mut m.key);
        }
        for p in &mut self.common_prefixes {
            f(&mut p.prefix);
        }
    }
}
