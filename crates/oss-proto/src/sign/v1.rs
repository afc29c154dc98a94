//! Signature version 1: `Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1)>`.

use super::{Credentials, SignableRequest};

/// The V1 sub-resources: only these query parameters enter the canonical resource.
pub const SUBRESOURCES: &[&str] = &[
    "accessPoint", "accessPointPolicy", "acl", "append", "asyncFetch", "bucketArchiveDirectRead",
    "bucketInfo", "callback", "callback-var", "cname", "comp", "continuation-token", "cors",
    "delete", "encryption", "endTime", "group", "httpsConfig", "inventory", "inventoryId",
    "lifecycle", "link", "live", "location", "logging", "metaQuery", "objectInfo", "objectMeta",
    "partNumber", "policy", "position", "publicAccessBlock", "qos", "qosInfo", "qosRequester",
    "redundancyTransition", "referer", "regionList", "replication", "replicationLocation",
    "replicationProgress", "requestPayment", "requesterQosInfo", "resourceGroup", "resourcePool",
    "resourcePoolBuckets", "resourcePoolInfo", "response-cache-control",
    "response-content-disposition", "response-content-encoding", "response-content-language",
    "response-content-type", "response-expires", "restore", "security-token", "sequential",
    "startTime", "stat", "status", "style", "styleName", "symlink", "tagging",
    "transferAcceleration", "uploadId", "uploads", "versionId", "versioning", "versions", "vod",
    "website", "worm", "wormExtend", "wormId", "x-oss-ac-forward-allow", "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask", "x-oss-ac-vpc-id", "x-oss-access-point-name", "x-oss-async-process",
    "x-oss-process", "x-oss-redundancy-transition-taskid", "x-oss-request-payer",
    "x-oss-target-redundancy-type", "x-oss-traffic-limit", "x-oss-write-get-object-response",
];

/// The canonical resource: `/` (service), `/bucket/` (bucket) or `/bucket/key` (raw key),
/// followed by `?` and the sorted sub-resources (`k` or `k=v`, values raw) if any.
pub fn canonical_resource(req: &SignableRequest<'_>) -> String {
    let _ = req;
    todo!()
}

/// The string to sign. `date` fills the date line unless the request has `x-oss-date`
/// (then that value is used); for presigned URLs `date` is the `Expires` value and
/// `x-oss-date` is not consulted.
pub fn string_to_sign(req: &SignableRequest<'_>, date: &str) -> String {
    let _ = (req, date);
    todo!()
}

/// base64(HMAC-SHA1(secret, string_to_sign)).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let _ = (secret, string_to_sign);
    todo!()
}

/// See [`super::sign_headers`].
pub fn sign(req: &SignableRequest<'_>, creds: &Credentials, now: i64) -> Vec<(String, String)> {
    let _ = (req, creds, now);
    todo!()
}

/// See [`super::presign`]; `expires_at` is absolute Unix seconds.
pub fn presign(req: &SignableRequest<'_>, creds: &Credentials, expires_at: i64) -> Vec<(String, String)> {
    let _ = (req, creds, expires_at);
    todo!()
}
