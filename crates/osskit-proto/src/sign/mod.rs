//! Request signing (V1, V2 and V4), presigned URLs, and the verification side for servers.
//!
//! All functions are pure: the time is an argument (Unix seconds). The canonicalisation
//! follows oss2 2.19.1 byte for byte (see the golden vectors in the tests).
//!
//! ```
//! use osskit_proto::sign::{Credentials, SignableRequest, SigningContext, SigningVersion, sign_headers};
//! let creds = Credentials::new("ak", "sk");
//! let req = SignableRequest {
//!     method: "GET",
//!     bucket: Some("examplebucket"),
//!     key: Some("exampleobject.txt"),
//!     params: &[],
//!     headers: &[],
//! };
//! let ctx = SigningContext::v1(&creds, 1700000000);
//! let added = sign_headers(&req, &ctx).unwrap();
//! let auth = added.iter().find(|(k, _)| k == "authorization").unwrap();
//! assert_eq!(auth.1, "OSS ak:MLxrEyUYVm9hT1I6uQ4WsdzIRlY=");
//! ```

pub mod v1;
pub mod v2;
pub mod v4;
pub mod verify;

/// An access key pair, with the STS security token when the keys are temporary.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// AccessKeyId.
    pub access_key_id: String,
    /// AccessKeySecret.
    pub access_key_secret: String,
    /// STS security token, for temporary credentials.
    pub security_token: Option<String>,
}

impl Credentials {
    /// Long-term credentials (both strings trimmed, as oss2 does).
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into().trim().to_string(),
            access_key_secret: access_key_secret.into().trim().to_string(),
            security_token: None,
        }
    }

    /// Temporary (STS) credentials.
    pub fn with_token(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        let mut c = Credentials::new(access_key_id, access_key_secret);
        c.security_token = Some(security_token.into());
        c
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"***")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .finish()
    }
}

/// What the signers look at in a request.
#[derive(Debug, Clone, Copy)]
pub struct SignableRequest<'a> {
    /// HTTP method, upper case.
    pub method: &'a str,
    /// Bucket name; `None` for service-level requests (ListBuckets).
    pub bucket: Option<&'a str>,
    /// Object key, raw (not URL-encoded); `None` or `Some("")` for bucket-level requests.
    pub key: Option<&'a str>,
    /// Query parameters, decoded, in request order. An empty value is a bare flag (`?acl`).
    pub params: &'a [(String, String)],
    /// Request headers (any case), values as sent.
    pub headers: &'a [(String, String)],
}

/// Signature version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigningVersion {
    /// `Authorization: OSS ak:signature` (HMAC-SHA1).
    V1,
    /// `Authorization: OSS2 AccessKeyId:ak,Signature:…` (HMAC-SHA256, every parameter
    /// signed).
    V2,
    /// `OSS4-HMAC-SHA256` with a region scope.
    V4,
}

/// Everything besides the request that a signature depends on.
#[derive(Debug, Clone, Copy)]
pub struct SigningContext<'a> {
    /// V1 or V4.
    pub version: SigningVersion,
    /// The keys (and STS token) to sign with.
    pub credentials: &'a Credentials,
    /// Signing time, Unix seconds.
    pub time: i64,
    /// Region, required by V4 (e.g. `cn-hangzhou`).
    pub region: Option<&'a str>,
    /// Product in the V4 scope: `oss` (or `oss-cloudbox`).
    pub product: &'a str,
    /// Extra headers to sign (V2 and V4 `AdditionalHeaders`), lower case; signed only when
    /// the request has them.
    pub additional_headers: &'a [&'a str],
}

impl<'a> SigningContext<'a> {
    /// A V1 context.
    pub fn v1(credentials: &'a Credentials, time: i64) -> Self {
        SigningContext {
            version: SigningVersion::V1,
            credentials,
            time,
            region: None,
            product: "oss",
            additional_headers: &[],
        }
    }

    /// A V2 context. It signs `Range` and `If-Modified-Since` when the request has them, as
    /// oss2's `AuthV2` does for requests (set `additional_headers` to change that).
    pub fn v2(credentials: &'a Credentials, time: i64) -> Self {
        SigningContext {
            version: SigningVersion::V2,
            credentials,
            time,
            region: None,
            product: "oss",
            additional_headers: v2::DEFAULT_ADDITIONAL_HEADERS,
        }
    }

    /// A V4 context for `region`.
    pub fn v4(credentials: &'a Credentials, time: i64, region: &'a str) -> Self {
        SigningContext {
            version: SigningVersion::V4,
            credentials,
            time,
            region: Some(region),
            product: "oss",
            additional_headers: &[],
        }
    }
}

/// Why a request could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// V4 needs a region.
    #[error("the region must be set to sign with signature version 4")]
    MissingRegion,
}

/// Signs a request with headers. Returns the headers to add to the request, lower-case
/// names, in this order: V1 and V2 — `x-oss-security-token` (STS only), `date`,
/// `authorization`; V4 — `x-oss-security-token` (STS only), `x-oss-date`, `x-oss-content-sha256`
/// (`UNSIGNED-PAYLOAD`, unless the request already has one), `authorization`. Any header of
/// the same name already in the request is meant to be replaced by these.
pub fn sign_headers(
    req: &SignableRequest<'_>,
    ctx: &SigningContext<'_>,
) -> Result<Vec<(String, String)>, SignError> {
    match ctx.version {
        SigningVersion::V1 => Ok(v1::sign(req, ctx.credentials, ctx.time)),
        SigningVersion::V2 => Ok(v2::sign(
            req,
            ctx.credentials,
            ctx.time,
            ctx.additional_headers,
        )),
        SigningVersion::V4 => v4::sign(req, ctx),
    }
}

/// Presigns a request valid for `expires_in` seconds from `ctx.time`. Returns the query
/// parameters to append after the request's own, in oss2's order: V1 — `security-token`
/// (STS), `OSSAccessKeyId`, `Expires` (absolute), `Signature`; V2 — see [`v2::presign`]; V4 — `x-oss-security-token`
/// (STS), `x-oss-date`, `x-oss-expires` (relative), `x-oss-signature-version`,
/// `x-oss-credential`, `x-oss-additional-headers` (when `additional_headers` are set), `x-oss-signature`.
/// Build the final URL with [`crate::encoding::presign_query`] over all parameters.
pub fn presign(
    req: &SignableRequest<'_>,
    ctx: &SigningContext<'_>,
    expires_in: u64,
) -> Result<Vec<(String, String)>, SignError> {
    match ctx.version {
        SigningVersion::V1 => Ok(v1::presign(
            req,
            ctx.credentials,
            ctx.time + expires_in as i64,
        )),
        SigningVersion::V2 => Ok(v2::presign(
            req,
            ctx.credentials,
            ctx.time + expires_in as i64,
            ctx.additional_headers,
        )),
        SigningVersion::V4 => v4::presign(req, ctx, expires_in),
    }
}

/// The value of the first header named `name` (ASCII case-insensitive).
pub(crate) fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// `headers` without any header named like one in `added`, followed by `added`.
pub(crate) fn replace_headers(
    headers: &[(String, String)],
    added: &[(String, String)],
) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !added.iter().any(|(a, _)| a.eq_ignore_ascii_case(k)))
        .chain(added.iter())
        .cloned()
        .collect()
}

/// Compares two byte strings in time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(constant_time_eq(b"", b""));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn replace_headers_drops_any_case() {
        let h = vec![
            ("Date".to_string(), "old".to_string()),
            ("X-A".to_string(), "1".to_string()),
        ];
        let added = vec![("date".to_string(), "new".to_string())];
        assert_eq!(
            replace_headers(&h, &added),
            vec![
                ("X-A".to_string(), "1".to_string()),
                ("date".to_string(), "new".to_string())
            ]
        );
        assert_eq!(header(&h, "x-a"), Some("1"));
        assert_eq!(header(&h, "x-b"), None);
    }
}
