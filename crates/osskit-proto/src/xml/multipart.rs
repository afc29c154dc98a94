//! Multipart upload bodies.

use super::{is_url_encoding, url_decode_field, url_encode_field};
use serde::{Deserialize, Serialize};

/// InitiateMultipartUpload response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "InitiateMultipartUploadResult")]
pub struct InitiateMultipartUploadResult {
    /// Bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Upload id.
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    /// `url` when the key is encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
}

impl InitiateMultipartUploadResult {
    /// Percent-decodes the key fields when `encoding_type == Some("url")`, then clears
    /// `encoding_type`.
    pub fn decode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            url_decode_field(&mut self.key);
            self.encoding_type = None;
        }
    }

    /// Percent-encodes the key fields (server side) and sets `encoding_type` to `url`.
    pub fn encode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            url_encode_field(&mut self.key);
            self.encoding_type = Some("url".to_owned());
        }
    }
}

/// CompleteMultipartUpload request body.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUpload")]
pub struct CompleteMultipartUpload {
    /// Parts in ascending order.
    #[serde(rename = "Part", default)]
    pub parts: Vec<CompletePart>,
}

/// One part of a CompleteMultipartUpload request.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CompletePart {
    /// 1..=10000.
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// Quoted ETag.
    #[serde(rename = "ETag")]
    pub etag: String,
}

/// CompleteMultipartUpload response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CompleteMultipartUploadResult")]
pub struct CompleteMultipartUploadResult {
    /// `url` when the key is encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// URL of the object.
    #[serde(rename = "Location", default)]
    pub location: String,
    /// Bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Quoted ETag `"HEX-N"`.
    #[serde(rename = "ETag", default)]
    pub etag: String,
}

impl CompleteMultipartUploadResult {
    /// Percent-decodes the key fields when `encoding_type == Some("url")`, then clears
    /// `encoding_type`.
    pub fn decode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            url_decode_field(&mut self.key);
            self.encoding_type = None;
        }
    }

    /// Percent-encodes the key fields (server side) and sets `encoding_type` to `url`.
    pub fn encode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            url_encode_field(&mut self.key);
            self.encoding_type = Some("url".to_owned());
        }
    }
}

/// ListParts response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListPartsResult")]
pub struct ListPartsResult {
    /// Bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Key.
    #[serde(rename = "Key", default)]
    pub key: String,
    /// Upload id.
    #[serde(rename = "UploadId", default)]
    pub upload_id: String,
    /// Marker.
    #[serde(rename = "PartNumberMarker", default)]
    pub part_number_marker: u32,
    /// Next marker.
    #[serde(rename = "NextPartNumberMarker", default)]
    pub next_part_number_marker: u32,
    /// Page size.
    #[serde(rename = "MaxParts", default)]
    pub max_parts: u32,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// Parts.
    #[serde(rename = "Part", default)]
    pub parts: Vec<PartSummary>,
}

/// One part of a ListParts page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PartSummary {
    /// Part number.
    #[serde(rename = "PartNumber")]
    pub part_number: u32,
    /// ISO8601.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag", default)]
    pub etag: String,
    /// Size.
    #[serde(rename = "Size", default)]
    pub size: u64,
    /// CRC-64 of the part.
    #[serde(
        rename = "HashCrc64ecma",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hash_crc64ecma: Option<u64>,
}

/// ListMultipartUploads response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "ListMultipartUploadsResult")]
pub struct ListMultipartUploadsResult {
    /// Bucket.
    #[serde(rename = "Bucket", default)]
    pub bucket: String,
    /// Key marker.
    #[serde(rename = "KeyMarker", default)]
    pub key_marker: String,
    /// Upload id marker.
    #[serde(rename = "UploadIdMarker", default)]
    pub upload_id_marker: String,
    /// Next key marker.
    #[serde(rename = "NextKeyMarker", default)]
    pub next_key_marker: String,
    /// Next upload id marker.
    #[serde(rename = "NextUploadIdMarker", default)]
    pub next_upload_id_marker: String,
    /// Delimiter.
    #[serde(rename = "Delimiter", default)]
    pub delimiter: String,
    /// Prefix.
    #[serde(rename = "Prefix", default)]
    pub prefix: String,
    /// Page size.
    #[serde(rename = "MaxUploads", default)]
    pub max_uploads: u32,
    /// More pages follow.
    #[serde(rename = "IsTruncated", default)]
    pub is_truncated: bool,
    /// `url` when encoded.
    #[serde(
        rename = "EncodingType",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub encoding_type: Option<String>,
    /// Uploads.
    #[serde(rename = "Upload", default)]
    pub uploads: Vec<UploadSummary>,
    /// Common prefixes.
    #[serde(rename = "CommonPrefixes", default)]
    pub common_prefixes: Vec<super::list::CommonPrefix>,
}

impl ListMultipartUploadsResult {
    /// Percent-decodes the key fields when `encoding_type == Some("url")`, then clears
    /// `encoding_type`.
    pub fn decode_url(&mut self) {
        if is_url_encoding(self.encoding_type.as_deref()) {
            url_decode_field(&mut self.key_marker);
            url_decode_field(&mut self.next_key_marker);
            url_decode_field(&mut self.delimiter);
            url_decode_field(&mut self.prefix);
            self.uploads
                .iter_mut()
                .for_each(|u| url_decode_field(&mut u.key));
            self.common_prefixes
                .iter_mut()
                .for_each(|p| url_decode_field(&mut p.prefix));
            self.encoding_type = None;
        }
    }

    /// Percent-encodes the key fields (server side) and sets `encoding_type` to `url`.
    pub fn encode_url(&mut self) {
        if !is_url_encoding(self.encoding_type.as_deref()) {
            url_encode_field(&mut self.key_marker);
            url_encode_field(&mut self.next_key_marker);
            url_encode_field(&mut self.delimiter);
            url_encode_field(&mut self.prefix);
            self.uploads
                .iter_mut()
                .for_each(|u| url_encode_field(&mut u.key));
            self.common_prefixes
                .iter_mut()
                .for_each(|p| url_encode_field(&mut p.prefix));
            self.encoding_type = Some("url".to_owned());
        }
    }
}

/// One upload of a ListMultipartUploads page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct UploadSummary {
    /// Key.
    #[serde(rename = "Key")]
    pub key: String,
    /// Upload id.
    #[serde(rename = "UploadId")]
    pub upload_id: String,
    /// ISO8601.
    #[serde(rename = "Initiated", default)]
    pub initiated: String,
}

/// UploadPartCopy response.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename = "CopyPartResult")]
pub struct CopyPartResult {
    /// ISO8601.
    #[serde(rename = "LastModified", default)]
    pub last_modified: String,
    /// Quoted ETag.
    #[serde(rename = "ETag", default)]
    pub etag: String,
}
