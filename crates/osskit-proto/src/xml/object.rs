//! Object-level bodies: batch delete and copy.

use super::{is_url_encoding, url_decode_field, url_encode_field};
use serde::{Deserialize, Serialize};

/// `POST /?delete` request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "Delete")]
pub struct Delete {
    /// Quiet mode: the response lists only failures.
    #[serde(rename = "Quiet", default)]
    pub quiet: bool,
    /// Objects to delete (at most 1000).
    #[serde(rename = "Object", default)]
    pub objects: Vec<DeleteObject>,
}

/// One key of a batch delete.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeleteObject {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Version id.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// `POST /?delete` response body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "DeleteResult")]
pub struct DeleteResult {
    /// `url` when keys are percent-encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// Deleted keys.
    #[serde(rename = "Deleted", default)]
    pub deleted: Vec<DeletedObject>,
}

impl DeleteResult {
    /// Percent-decodes every `Key` when `encoding_type == Some("url")`, then clears
    /// `encoding_type`.
    pub fn decode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            self.deleted
                .iter_mut()
                .for_each(|d| url_decode_field(&mut d.key));
            self.encoding_type = None;
        }
    }

    /// Percent-encodes every `Key` (server side) and sets `encoding_type` to `url`.
    pub fn encode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            self.deleted
                .iter_mut()
                .for_each(|d| url_encode_field(&mut d.key));
            self.encoding_type = Some("url".to_owned());
        }
    }
}

/// One deleted key.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeletedObject {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Version id.
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// Whether a delete marker was created.
    #[serde(
        rename = "DeleteMarker",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker: Option<bool>,
    /// Version id of the delete marker.
    #[serde(
        rename = "DeleteMarkerVersionId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub delete_marker_version_id: Option<String>,
}

/// CopyObject response body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CopyObjectResult")]
pub struct CopyObjectResult {
    /// ISO8601.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag", default)]
    pub etag: String,
}
