//! Header names (lower case, as they are compared).

/// Request id of every response.
pub const REQUEST_ID: &str = "x-oss-request-id";
/// CRC-64/XZ of the whole object, unsigned decimal.
pub const HASH_CRC64: &str = "x-oss-hash-crc64ecma";
/// Date used by V4 (and by V1 when present, instead of `Date`).
pub const OSS_DATE: &str = "x-oss-date";
/// V4 payload hash; always `UNSIGNED-PAYLOAD` here.
pub const CONTENT_SHA256: &str = "x-oss-content-sha256";
/// STS security token.
pub const SECURITY_TOKEN: &str = "x-oss-security-token";
/// Prefix of user metadata headers.
pub const META_PREFIX: &str = "x-oss-meta-";
/// Prefix of every OSS header.
pub const OSS_PREFIX: &str = "x-oss-";
/// Bucket canned ACL on PutBucket / PutBucketAcl.
pub const ACL: &str = "x-oss-acl";
/// Object canned ACL.
pub const OBJECT_ACL: &str = "x-oss-object-acl";
/// Storage class of an object.
pub const STORAGE_CLASS: &str = "x-oss-storage-class";
/// `Normal`, `Appendable` or `Multipart`.
pub const OBJECT_TYPE: &str = "x-oss-object-type";
/// Next append position.
pub const NEXT_APPEND_POSITION: &str = "x-oss-next-append-position";
/// Source of CopyObject / UploadPartCopy: `/bucket/quoted-key`.
pub const COPY_SOURCE: &str = "x-oss-copy-source";
/// Range of UploadPartCopy.
pub const COPY_SOURCE_RANGE: &str = "x-oss-copy-source-range";
/// CopyObject conditions.
pub const COPY_SOURCE_IF_MATCH: &str = "x-oss-copy-source-if-match";
/// CopyObject conditions.
pub const COPY_SOURCE_IF_NONE_MATCH: &str = "x-oss-copy-source-if-none-match";
/// CopyObject conditions.
pub const COPY_SOURCE_IF_MODIFIED_SINCE: &str = "x-oss-copy-source-if-modified-since";
/// CopyObject conditions.
pub const COPY_SOURCE_IF_UNMODIFIED_SINCE: &str = "x-oss-copy-source-if-unmodified-since";
/// `COPY` or `REPLACE`.
pub const METADATA_DIRECTIVE: &str = "x-oss-metadata-directive";
/// `true` forbids overwriting an existing object.
pub const FORBID_OVERWRITE: &str = "x-oss-forbid-overwrite";
/// `standard` switches Range handling to RFC semantics.
pub const RANGE_BEHAVIOR: &str = "x-oss-range-behavior";
/// Base64 error XML of a HEAD error response.
pub const ERR: &str = "x-oss-err";
/// Fine-grained error code.
pub const EC: &str = "x-oss-ec";
/// Server-side encryption.
pub const SERVER_SIDE_ENCRYPTION: &str = "x-oss-server-side-encryption";
/// Multipart complete-all.
pub const COMPLETE_ALL: &str = "x-oss-complete-all";
/// Symlink target.
pub const SYMLINK_TARGET: &str = "x-oss-symlink-target";
/// Object tagging at upload time.
pub const TAGGING: &str = "x-oss-tagging";
/// Version id.
pub const VERSION_ID: &str = "x-oss-version-id";
/// The version of a copy's source that was copied (CopyObject, UploadPartCopy).
pub const COPY_SOURCE_VERSION_ID: &str = "x-oss-copy-source-version-id";
/// Delete marker flag.
pub const DELETE_MARKER: &str = "x-oss-delete-marker";
/// Server time on error responses.
pub const SERVER_TIME: &str = "x-oss-server-time";
/// `x-oss-request-payer`: `requester` when the requester pays (requester-pays buckets).
pub const REQUEST_PAYER: &str = "x-oss-request-payer";
/// `x-oss-access-point-name`: the access point of access point calls.
pub const ACCESS_POINT_NAME: &str = "x-oss-access-point-name";
