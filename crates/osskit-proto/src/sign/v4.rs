//! Signature version 4: `OSS4-HMAC-SHA256` with scope `date/region/oss/aliyun_v4_request`.
//!
//! ```
//! use osskit_proto::sign::{presign, Credentials, SignableRequest, SigningContext};
//! use osskit_proto::encoding::presign_query;
//! let creds = Credentials::new("ak", "sk");
//! let req = SignableRequest {
//!     method: "GET",
//!     bucket: Some("examplebucket"),
//!     key: Some("exampleobject.txt"),
//!     params: &[],
//!     headers: &[],
//! };
//! let ctx = SigningContext::v4(&creds, 1700000000, "cn-hangzhou");
//! let query = presign_query(&presign(&req, &ctx, 3600).unwrap());
//! assert_eq!(
//!     query,
//!     "x-oss-date=20231114T221320Z&x-oss-expires=3600&x-oss-signature-version=OSS4-HMAC-SHA256\
//!      &x-oss-credential=ak%2F20231114%2Fcn-hangzhou%2Foss%2Faliyun_v4_request\
//!      &x-oss-signature=780ccffcf9f1d732ee9fe88cba1ae915422cea45898eae25a0fdd20d02d1f49c"
//! );
//! ```

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{header, SignError, SignableRequest, SigningContext};
use crate::encoding::v4_uri_encode;

/// The algorithm name.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// The `x-oss-content-sha256` value oss2 sends: the payload is not hashed.
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Headers every V4 signature covers besides `x-oss-*`.
pub const DEFAULT_SIGNED_HEADERS: &[&str] = &["content-type", "content-md5"];

/// Whether a lower-case header name is signed by default (`x-oss-*`, `content-type`,
/// `content-md5`), so never listed among the additional headers.
fn is_default_signed(lower: &str) -> bool {
    lower.starts_with("x-oss-") || DEFAULT_SIGNED_HEADERS.contains(&lower)
}

/// The additional header names as oss2 lists them: lower-cased, without the ones signed by
/// default, ordered by their first character only (a stable sort, oss2's quirk). This is the
/// order of `AdditionalHeaders=` in the `Authorization` header.
pub fn additional_signed_headers(names: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for name in names {
        let lower = name.to_ascii_lowercase();
        if !is_default_signed(&lower) && !out.contains(&lower) {
            out.push(lower);
        }
    }
    out.sort_by_key(|n| n.as_bytes().first().copied());
    out
}

/// `;`-joined, fully sorted additional header names, as in the canonical request and
/// `x-oss-additional-headers`.
pub fn canonical_additional_headers<S: AsRef<str>>(names: &[S]) -> String {
    let mut sorted: Vec<&str> = names.iter().map(AsRef::as_ref).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted.join(";")
}

/// The canonical URI: `/`, `/bucket/` or `/bucket/key`, URI-encoded with `/` kept.
pub fn canonical_uri(req: &SignableRequest<'_>) -> String {
    match req.bucket.filter(|b| !b.is_empty()) {
        Some(bucket) => {
            let raw = format!("/{bucket}/{}", req.key.unwrap_or(""));
            v4_uri_encode(&raw, true)
        }
        None => "/".to_string(),
    }
}

/// The canonical query: every parameter, name and value URI-encoded (`/` too), sorted by
/// encoded name, `k` alone when the value is empty.
pub fn canonical_query(params: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| (v4_uri_encode(k, false), v4_uri_encode(v, false)))
        .collect();
    encoded.sort();
    let mut out = String::new();
    for (i, (k, v)) in encoded.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        if !v.is_empty() {
            out.push('=');
            out.push_str(v);
        }
    }
    out
}

/// The canonical headers: `name:value\n` for each signed header (lower-case name, value as
/// sent), sorted by name.
pub fn canonical_headers(headers: &[(String, String)], additional_headers: &[&str]) -> String {
    let mut signed: Vec<(String, &str)> = headers
        .iter()
        .filter_map(|(k, v)| {
            let lower = k.to_ascii_lowercase();
            let wanted = is_default_signed(&lower)
                || additional_headers
                    .iter()
                    .any(|a| a.eq_ignore_ascii_case(&lower));
            wanted.then_some((lower, v.as_str()))
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

/// The canonical request (oss2's `ProviderAuthV4`): method, URI-encoded `/bucket/key` (slash
/// kept), sorted encoded query, signed headers (`x-oss-*`, `content-type`, `content-md5`,
/// additional), additional header names, and the payload hash (`x-oss-content-sha256` or
/// `UNSIGNED-PAYLOAD`). `additional_headers` are lower-case names, in any order.
pub fn canonical_request(req: &SignableRequest<'_>, additional_headers: &[&str]) -> String {
    let payload = header(req.headers, "x-oss-content-sha256").unwrap_or(UNSIGNED_PAYLOAD);
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req));
    out.push('\n');
    out.push_str(&canonical_query(req.params));
    out.push('\n');
    out.push_str(&canonical_headers(req.headers, additional_headers));
    out.push('\n');
    out.push_str(&canonical_additional_headers(additional_headers));
    out.push('\n');
    out.push_str(payload);
    out
}

/// `OSS4-HMAC-SHA256\n<timestamp>\n<scope>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(canonical_request: &str, timestamp: &str, scope: &str) -> String {
    let digest = Sha256::digest(canonical_request.as_bytes());
    format!("{ALGORITHM}\n{timestamp}\n{scope}\n{}", hex::encode(digest))
}

/// `yyyymmdd/region/product/aliyun_v4_request`.
pub fn scope(date: &str, region: &str, product: &str) -> String {
    format!("{date}/{region}/{product}/aliyun_v4_request")
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => unreachable!("HMAC accepts keys of any length"),
    };
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signing key: `H(H(H(H("aliyun_v4" + secret, date), region), product), "aliyun_v4_request")`.
pub fn signing_key(secret: &str, date: &str, region: &str, product: &str) -> [u8; 32] {
    let k_secret = format!("aliyun_v4{secret}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_product = hmac_sha256(&k_region, product.as_bytes());
    hmac_sha256(&k_product, b"aliyun_v4_request")
}

/// Hex HMAC-SHA256 with the derived signing key.
pub fn signature(
    secret: &str,
    date: &str,
    region: &str,
    product: &str,
    string_to_sign: &str,
) -> String {
    let key = signing_key(secret, date, region, product);
    hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()))
}

/// The region to sign for, or [`SignError::MissingRegion`].
fn region<'a>(ctx: &SigningContext<'a>) -> Result<&'a str, SignError> {
    ctx.region
        .filter(|r| !r.is_empty())
        .ok_or(SignError::MissingRegion)
}

/// See [`super::sign_headers`].
pub fn sign(
    req: &SignableRequest<'_>,
    ctx: &SigningContext<'_>,
) -> Result<Vec<(String, String)>, SignError> {
    let region = region(ctx)?;
    let creds = ctx.credentials;
    let timestamp = crate::date::v4_timestamp(ctx.time);
    let date = timestamp.get(..8).unwrap_or(&timestamp).to_string();
    let mut added = Vec::with_capacity(4);
    if let Some(token) = &creds.security_token {
        added.push(("x-oss-security-token".to_string(), token.clone()));
    }
    added.push(("x-oss-date".to_string(), timestamp.clone()));
    if header(req.headers, "x-oss-content-sha256").is_none() {
        added.push((
            "x-oss-content-sha256".to_string(),
            UNSIGNED_PAYLOAD.to_string(),
        ));
    }
    let headers = super::replace_headers(req.headers, &added);
    let signed = SignableRequest {
        headers: &headers,
        ..*req
    };
    let additional = additional_signed_headers(ctx.additional_headers);
    let additional_refs: Vec<&str> = additional.iter().map(String::as_str).collect();
    let scope = scope(&date, region, ctx.product);
    let canonical = canonical_request(&signed, &additional_refs);
    let sts = string_to_sign(&canonical, &timestamp, &scope);
    let sig = signature(&creds.access_key_secret, &date, region, ctx.product, &sts);
    let mut authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, Signature={sig}",
        creds.access_key_id
    );
    if !additional.is_empty() {
        authorization.push_str(", AdditionalHeaders=");
        authorization.push_str(&additional.join(";"));
    }
    added.push(("authorization".to_string(), authorization));
    Ok(added)
}

/// See [`super::presign`]. Additional headers are signed only if the request has them.
pub fn presign(
    req: &SignableRequest<'_>,
    ctx: &SigningContext<'_>,
    expires_in: u64,
) -> Result<Vec<(String, String)>, SignError> {
    let region = region(ctx)?;
    let creds = ctx.credentials;
    let timestamp = crate::date::v4_timestamp(ctx.time);
    let date = timestamp.get(..8).unwrap_or(&timestamp).to_string();
    let present: Vec<&str> = ctx
        .additional_headers
        .iter()
        .copied()
        .filter(|name| header(req.headers, name).is_some())
        .collect();
    let additional = additional_signed_headers(&present);
    let additional_refs: Vec<&str> = additional.iter().map(String::as_str).collect();
    let scope = scope(&date, region, ctx.product);

    let mut added = Vec::with_capacity(7);
    if let Some(token) = &creds.security_token {
        added.push(("x-oss-security-token".to_string(), token.clone()));
    }
    added.push(("x-oss-date".to_string(), timestamp.clone()));
    added.push(("x-oss-expires".to_string(), expires_in.to_string()));
    added.push(("x-oss-signature-version".to_string(), ALGORITHM.to_string()));
    added.push((
        "x-oss-credential".to_string(),
        format!("{}/{scope}", creds.access_key_id),
    ));
    if !additional.is_empty() {
        added.push((
            "x-oss-additional-headers".to_string(),
            canonical_additional_headers(&additional),
        ));
    }
    let mut params = req.params.to_vec();
    params.extend(added.iter().cloned());
    let signed = SignableRequest {
        params: &params,
        ..*req
    };
    let canonical = canonical_request(&signed, &additional_refs);
    let sts = string_to_sign(&canonical, &timestamp, &scope);
    added.push((
        "x-oss-signature".to_string(),
        signature(&creds.access_key_secret, &date, region, ctx.product, &sts),
    ));
    Ok(added)
}
