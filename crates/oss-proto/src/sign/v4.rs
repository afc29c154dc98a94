//! Signature version 4: `OSS4-HMAC-SHA256` with scope `date/region/oss/aliyun_v4_request`.

use super::{SignError, SignableRequest, SigningContext};

/// The algorithm name.
pub const ALGORITHM: &str = "OSS4-HMAC-SHA256";

/// The canonical request (oss2's `ProviderAuthV4`): method, URI-encoded `/bucket/key` (slash
/// kept), sorted encoded query, signed headers (`x-oss-*`, `content-type`, `content-md5`,
/// additional), additional header names, and the payload hash (`x-oss-content-sha256` or
/// `UNSIGNED-PAYLOAD`).
pub fn canonical_request(req: &SignableRequest<'_>, additional_headers: &[&str]) -> String {
    let _ = (req, additional_headers);
    todo!()
}

/// `OSS4-HMAC-SHA256\n<timestamp>\n<scope>\n<hex sha256(canonical request)>`.
pub fn string_to_sign(canonical_request: &str, timestamp: &str, scope: &str) -> String {
    let _ = (canonical_request, timestamp, scope);
    todo!()
}

/// `yyyymmdd/region/product/aliyun_v4_request`.
pub fn scope(date: &str, region: &str, product: &str) -> String {
    format!("{date}/{region}/{product}/aliyun_v4_request")
}

/// Hex HMAC-SHA256 with the derived signing key.
pub fn signature(secret: &str, date: &str, region: &str, product: &str, string_to_sign: &str) -> String {
    let _ = (secret, date, region, product, string_to_sign);
    todo!()
}

/// See [`super::sign_headers`].
pub fn sign(req: &SignableRequest<'_>, ctx: &SigningContext<'_>) -> Result<Vec<(String, String)>, SignError> {
    let _ = (req, ctx);
    todo!()
}

/// See [`super::presign`].
pub fn presign(req: &SignableRequest<'_>, ctx: &SigningContext<'_>, expires_in: u64) -> Result<Vec<(String, String)>, SignError> {
    let _ = (req, ctx, expires_in);
    todo!()
}
