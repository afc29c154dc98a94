//! Signature version 2: `Authorization: OSS2 AccessKeyId:<id>,[AdditionalHeaders:<h1;h2>,]
//! Signature:<base64(HMAC-SHA256)>`, and presigned URLs with `x-oss-signature-version=OSS2`.
//!
//! Unlike V1, every query parameter is signed and the resource is URI-encoded (`/` too);
//! unlike V4, there is no scope and the date is the `Date` header (the expiry, for URLs).
//!
//! ```
//! use osskit_proto::sign::{sign_headers, Credentials, SignableRequest, SigningContext};
//! let creds = Credentials::new("ak", "sk");
//! let headers = vec![("Range".to_string(), "bytes=0-9".to_string())];
//! let req = SignableRequest {
//!     method: "GET",
//!     bucket: Some("examplebucket"),
//!     key: Some("exampleobject.txt"),
//!     params: &[],
//!     headers: &headers,
//! };
//! let added = sign_headers(&req, &SigningContext::v2(&creds, 1700000000)).unwrap();
//! let auth = added.iter().find(|(k, _)| k == "authorization").unwrap();
//! assert_eq!(
//!     auth.1,
//!     "OSS2 AccessKeyId:ak,AdditionalHeaders:range,\
//!      Signature:QsnS5MKjddQ4eJfV3BGPrOLiU+d6fpPmm+ot5cqUszo="
//! );
//! ```

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{header, Credentials, SignableRequest};
use crate::encoding::v4_uri_encode;

/// The scheme of the `Authorization` header and the `x-oss-signature-version` value.
pub const SCHEME: &str = "OSS2";

/// The headers oss2 adds to a V2 header signature when the request has them.
pub const DEFAULT_ADDITIONAL_HEADERS: &[&str] = &["if-modified-since", "range"];

/// The names among `wanted` (any case) that the request has, lower case, sorted, without
/// duplicates: the additional headers a signature covers.
pub fn present_additional_headers(headers: &[(String, String)], wanted: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = wanted
        .iter()
        .map(|n| n.trim().to_ascii_lowercase())
        .filter(|n| !n.is_empty() && header(headers, n).is_some())
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The canonical resource: the URI-encoded `/bucket/key` (`/` for the service; `/` is
/// encoded as `%2F` too), then `?` and every parameter, name and value encoded, sorted by
/// encoded name, `k` alone when the value is empty.
pub fn canonical_resource(req: &SignableRequest<'_>) -> String {
    let mut out = match req.bucket.filter(|b| !b.is_empty()) {
        Some(bucket) => v4_uri_encode(&format!("/{bucket}/{}", req.key.unwrap_or("")), false),
        None => "%2F".to_string(),
    };
    let query = super::v4::canonical_query(req.params);
    if !query.is_empty() {
        out.push('?');
        out.push_str(&query);
    }
    out
}

/// `x-oss-*` and the additional headers as `name:value\n` (lower-case names, values as
/// sent), sorted by name.
pub fn canonical_headers(headers: &[(String, String)], additional: &[String]) -> String {
    let mut signed: Vec<(String, &str)> = headers
        .iter()
        .filter_map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            (lower.starts_with("x-oss-") || additional.contains(&lower))
                .then_some((lower, v.as_str()))
        })
        .collect();
    signed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (k, v) in signed {
        out.push_str(&k);
        out.push(':');
        out.push_str(v);
        out.push('\n');
    }
    out
}

/// The string to sign: method, `Content-MD5`, `Content-Type`, `date` (the `Date` header, or
/// the expiry of a presigned URL), the canonical headers, the sorted additional header
/// names and the canonical resource. `additional` must be lower case and sorted.
pub fn string_to_sign(req: &SignableRequest<'_>, date: &str, additional: &[String]) -> String {
    let content_md5 = header(req.headers, "content-md5").unwrap_or("");
    let content_type = header(req.headers, "content-type").unwrap_or("");
    let mut out = String::with_capacity(160);
    for part in [req.method, content_md5, content_type, date] {
        out.push_str(part);
        out.push('\n');
    }
    out.push_str(&canonical_headers(req.headers, additional));
    out.push_str(&additional.join(";"));
    out.push('\n');
    out.push_str(&canonical_resource(req));
    out
}

/// base64(HMAC-SHA256(secret, string_to_sign)).
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// See [`super::sign_headers`]. `additional` are the headers to sign besides `x-oss-*`
/// (oss2 signs `Range` and `If-Modified-Since` by default), signed only if present.
pub fn sign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    now: i64,
    additional: &[&str],
) -> Vec<(String, String)> {
    let mut added = Vec::with_capacity(3);
    if let Some(token) = &creds.security_token {
        added.push(("x-oss-security-token".to_string(), token.clone()));
    }
    let date = crate::date::http_date(now);
    added.push(("date".to_string(), date.clone()));
    let headers = super::replace_headers(req.headers, &added);
    let signed = SignableRequest {
        headers: &headers,
        ..*req
    };
    let additional = present_additional_headers(&headers, additional);
    let sts = string_to_sign(&signed, &date, &additional);
    let sig = signature(&creds.access_key_secret, &sts);
    let authorization = if additional.is_empty() {
        format!(
            "{SCHEME} AccessKeyId:{},Signature:{sig}",
            creds.access_key_id
        )
    } else {
        format!(
            "{SCHEME} AccessKeyId:{},AdditionalHeaders:{},Signature:{sig}",
            creds.access_key_id,
            additional.join(";")
        )
    };
    added.push(("authorization".to_string(), authorization));
    added
}

/// See [`super::presign`]; `expires_at` is absolute Unix seconds. The parameters added (and
/// signed) are, in oss2's order: `security-token` (STS), `x-oss-signature-version`,
/// `x-oss-expires`, `x-oss-access-key-id`, `x-oss-additional-headers` (when the request has
/// any of `additional`), then `x-oss-signature`.
pub fn presign(
    req: &SignableRequest<'_>,
    creds: &Credentials,
    expires_at: i64,
    additional: &[&str],
) -> Vec<(String, String)> {
    let additional = present_additional_headers(req.headers, additional);
    let expires = expires_at.to_string();
    let mut added = Vec::with_capacity(6);
    if let Some(token) = &creds.security_token {
        added.push(("security-token".to_string(), token.clone()));
    }
    added.push(("x-oss-signature-version".to_string(), SCHEME.to_string()));
    added.push(("x-oss-expires".to_string(), expires.clone()));
    added.push((
        "x-oss-access-key-id".to_string(),
        creds.access_key_id.clone(),
    ));
    if !additional.is_empty() {
        added.push(("x-oss-additional-headers".to_string(), additional.join(";")));
    }
    let mut params = req.params.to_vec();
    params.extend(added.iter().cloned());
    let signed = SignableRequest {
        params: &params,
        ..*req
    };
    let sts = string_to_sign(&signed, &expires, &additional);
    added.push((
        "x-oss-signature".to_string(),
        signature(&creds.access_key_secret, &sts),
    ));
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors computed with oss2 2.19.1's AuthV2 (time frozen at 1700000000).
    fn creds() -> Credentials {
        Credentials::new("ak", "sk")
    }

    #[test]
    fn get_with_range_matches_oss2() {
        let headers = vec![("Range".to_string(), "bytes=0-9".to_string())];
        let req = SignableRequest {
            method: "GET",
            bucket: Some("examplebucket"),
            key: Some("exampleobject.txt"),
            params: &[],
            headers: &headers,
        };
        let added = sign(&req, &creds(), 1700000000, DEFAULT_ADDITIONAL_HEADERS);
        let all = super::super::replace_headers(&headers, &added);
        let signed = SignableRequest {
            headers: &all,
            ..req
        };
        assert_eq!(
            string_to_sign(
                &signed,
                "Tue, 14 Nov 2023 22:13:20 GMT",
                &["range".to_string()]
            ),
            "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\nrange:bytes=0-9\nrange\n\
             %2Fexamplebucket%2Fexampleobject.txt"
        );
    }

    #[test]
    fn list_and_presign_match_oss2() {
        let params: Vec<(String, String)> = [
            ("prefix", "a"),
            ("delimiter", ""),
            ("marker", ""),
            ("max-keys", "10"),
            ("encoding-type", "url"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let req = SignableRequest {
            method: "GET",
            bucket: Some("examplebucket"),
            key: None,
            params: &params,
            headers: &[],
        };
        let added = sign(&req, &creds(), 1700000000, DEFAULT_ADDITIONAL_HEADERS);
        assert_eq!(
            added.last().unwrap().1,
            "OSS2 AccessKeyId:ak,Signature:MWe/uUfCbpvD5qCysFfoOhuQGnOMbEb7sDoXSquuJhw="
        );
        let get = SignableRequest {
            method: "GET",
            bucket: Some("examplebucket"),
            key: Some("exampleobject.txt"),
            params: &[],
            headers: &[],
        };
        let query = presign(&get, &creds(), 1700003600, &[]);
        assert_eq!(
            crate::encoding::presign_query(&query),
            "x-oss-signature-version=OSS2&x-oss-expires=1700003600&x-oss-access-key-id=ak\
             &x-oss-signature=%2Face24BzHVCXvw8G9emg2PE5tTU4UWq5ta4mXf8fvRc%3D"
        );
    }
}
