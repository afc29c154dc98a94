//! Signature version 1: `Authorization: OSS <AccessKeyId>:<base64(HMAC-SHA1)>`.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::{header, Credentials, SignableRequest};

/// The V1 sub-resources: only these query parameters enter the canonical resource.
pub const SUBRESOURCES: &[&str] = &[
    "accessPoint",
    "accessPointPolicy",
    "acl",
    "append",
    "asyncFetch",
    "bucketArchiveDirectRead",
    "bucketInfo",
    "callback",
    "callback-var",
    "cname",
    "comp",
    "continuation-token",
    "cors",
    "delete",
    "encryption",
    "endTime",
    "group",
    "httpsConfig",
    "inventory",
    "inventoryId",
    "lifecycle",
    "link",
    "live",
    "location",
    "logging",
    "metaQuery",
    "objectInfo",
    "objectMeta",
    "partNumber",
    "policy",
    "position",
    "publicAccessBlock",
    "qos",
    "qosInfo",
    "qosRequester",
    "redundancyTransition",
    "referer",
    "regionList",
    "replication",
    "replicationLocation",
    "replicationProgress",
    "requestPayment",
    "requesterQosInfo",
    "resourceGroup",
    "resourcePool",
    "resourcePoolBuckets",
    "resourcePoolInfo",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "security-token",
    "sequential",
    "startTime",
    "stat",
    "status",
    "style",
    "styleName",
    "symlink",
    "tagging",
    "transferAcceleration",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "vod",
    "website",
    "worm",
    "wormExtend",
    "wormId",
    "x-oss-ac-forward-allow",
    "x-oss-ac-source-ip",
    "x-oss-ac-subnet-mask",
    "x-oss-ac-vpc-id",
    "x-oss-access-point-name",
    "x-oss-async-process",
    "x-oss-process",
    "x-oss-redundancy-transition-taskid",
    "x-oss-request-payer",
    "x-oss-target-redundancy-type",
    "x-oss-traffic-limit",
    "x-oss-write-get-object-response",
];

/// Whether `name` is a V1 sub-resource (case-sensitive, as oss2 compares).
pub fn is_subresource(name: &str) -> bool {
    SUBRESOURCES.binary_search(&name).is_ok()
}

/// The canonical resource: `/` (service), `/bucket/` (bucket) or `/bucket/key` (raw key),
/// followed by `?` and the sorted sub-resources (`k` or `k=v`, values raw) if any.
pub fn canonical_resource(req: &SignableRequest<'_>) -> String {
    let mut out = String::with_capacity(64);
    out.push('/');
    if let Some(bucket) = req.bucket.filter(|b| !b.is_empty()) {
        out.push_str(bucket);
        out.push('/');
        out.push_str(req.key.unwrap_or(""));
    }
    let mut subresources: Vec<&(String, String)> = req
        .params
        .iter()
        .filter(|(k, _)| is_subresource(k))
        .collect();
    subresources.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (k, v)) in subresources.into_iter().enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// The canonicalized OSS headers: every `x-oss-*` header as `name:value\n` (name lower
/// case, value as sent), sorted by name.
pub fn canonical_oss_headers(headers: &[(String, String)]) -> String {
    let mut oss: Vec<(String, &str)> = headers
        .iter()
        .filter_map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            lower.starts_with("x-oss-").then_some((lower, v.as_str()))
        })
        .collect();
    oss.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (k, v) in oss {
        out.push_str(&k);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// The string to sign. The date line is the request's `x-oss-date` when it has a non-empty
/// one (as oss2 does, for headers and presigned URLs alike), else `date`: the `Date` header
/// for header signatures, the `Expires` value for presigned URLs.
pub fn string_to_sign(req: &SignableRequest<'_>, date: &str) -> String {
    let content_md5 = header(req.headers, "content-md5").unwrap_or("");
    let content_type = header(req.headers, "content-type").unwrap_or("");
    let date = header(req.headers, "x-oss-date")
        .filter(|d| !d.is_empty())
        .unwrap_or(date);
    let mut out = String::with_capacity(128);
    for part in [req.method, content_md5, content_type, date] {
        out.push_str(part);
        out.push('\n');
    }
    out.push_str(&canonical_oss_headers(req.headers));
    out.push_str(&canonical_resource(req));
    out
}

/// base64(HMAC-SHA1(secret, string_to_sign)).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha1>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// See [`super::sign_headers`].
pub fn sign(req: &SignableRequest<'_>, creds: &Credentials, now: i64) -> Vec<(String, String)> {
    let mut added = Vec::with_capacity(3);
    if let Some(token) = &creds.security_token {
        added.push(("x-oss-security-token".to_string(), token.clone()));
    }
    added.push(("date".to_string(), crate::date::http_date(now)));
    let headers = super::replace_headers(req.headers, &added);
    let signed = SignableRequest {
        headers: &headers,
        ..*req
    };
    let date = added.last().map(|(_, d)| d.as_str()).unwrap_or("");
    let sts = string_to_sign(&signed, date);
    added.push((
        "authorization".to_string(),
        format!(
            "OSS {}:{}",
            creds.access_key_id,
            signature(&creds.access_key_secret, &sts)
        ),
    ));
    added
}

/// See [`super::presign`]; `expires_at` is absolute Unix seconds.
pub fn presign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    expires_at: i64,
) -> Vec<(String, String)> {
    let mut added = Vec::with_capacity(4);
    if let Some(token) = &creds.security_token {
        added.push(("security-token".to_string(), token.clone()));
    }
    let mut params = req.params.to_vec();
    params.extend(added.iter().cloned());
    let signed = SignableRequest {
        params: &params,
        ..*req
    };
    let expires = expires_at.to_string();
    let sts = string_to_sign(&signed, &expires);
    added.push(("OSSAccessKeyId".to_string(), creds.access_key_id.clone()));
    added.push(("Expires".to_string(), expires));
    added.push((
        "Signature".to_string(),
        signature(&creds.access_key_secret, &sts),
    ));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subresources_are_sorted_and_unique() {
        assert_eq!(SUBRESOURCES.len(), 86);
        assert!(SUBRESOURCES.windows(2).all(|w| w[0] < w[1]));
        assert!(
            is_subresource("acl") && is_subresource("x-oss-process") && is_subresource("uploadId")
        );
        assert!(!is_subresource("prefix") && !is_subresource("ACL") && !is_subresource("uploadid"));
    }
}
