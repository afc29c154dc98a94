//! The server side: how a request was authenticated, and whether its signature holds.
//!
//! A server first calls [`parse`] to learn the access key id (and so find the secret), then
//! [`verify`] with the secret, its clock and its region.

use super::SignableRequest;

/// Maximum difference between the request time and the server clock (15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// How a request claims to be authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authentication {
    /// No `Authorization` header and no signature parameters.
    Anonymous,
    /// `Authorization: OSS ak:sig`.
    V1Header {
        /// AccessKeyId.
        access_key_id: String,
        /// The signature sent.
        signature: String,
    },
    /// `Authorization: OSS4-HMAC-SHA256 Credential=..., [AdditionalHeaders=...,] Signature=...`.
    V4Header {
        /// AccessKeyId.
        access_key_id: String,
        /// Scope date `yyyymmdd`.
        date: String,
        /// Scope region.
        region: String,
        /// Scope product.
        product: String,
        /// Additional signed header names.
        additional_headers: Vec<String>,
        /// The signature sent.
        signature: String,
    },
    /// `?OSSAccessKeyId=&Expires=&Signature=`.
    V1Query {
        /// AccessKeyId.
        access_key_id: String,
        /// Absolute expiry, Unix seconds.
        expires: i64,
        /// The signature sent.
        signature: String,
    },
    /// `?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=...&x-oss-date=...&x-oss-expires=...&x-oss-signature=...`.
    V4Query {
        /// AccessKeyId.
        access_key_id: String,
        /// Scope date.
        date: String,
        /// Scope region.
        region: String,
        /// Scope product.
        product: String,
        /// `x-oss-date` timestamp, Unix seconds.
        time: i64,
        /// `x-oss-expires`, relative seconds.
        expires_in: i64,
        /// Additional signed header names.
        additional_headers: Vec<String>,
        /// The signature sent.
        signature: String,
    },
}

impl Authentication {
    /// The access key id, if the request is signed.
    pub fn access_key_id(&self) -> Option<&str> {
        match self {
            Authentication::Anonymous => None,
            Authentication::V1Header { access_key_id, .. }
            | Authentication::V4Header { access_key_id, .. }
            | Authentication::V1Query { access_key_id, .. }
            | Authentication::V4Query { access_key_id, .. } => Some(access_key_id),
        }
    }
}

/// Why verification failed. Each maps to one OSS error (see [`VerifyError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The Authorization header or the presign parameters are malformed (400 InvalidArgument).
    #[error("malformed authorization: {0}")]
    Malformed(String),
    /// The signature differs (403 SignatureDoesNotMatch). Carries the string to sign the
    /// server computed, which OSS returns in `<StringToSign>`.
    #[error("the request signature does not match")]
    SignatureMismatch {
        /// The server's string to sign.
        string_to_sign: String,
    },
    /// A presigned URL has expired (403 AccessDenied, "Request has expired.").
    #[error("the presigned request has expired")]
    Expired,
    /// The request time is more than 15 minutes from the server clock (403 RequestTimeTooSkewed).
    #[error("the difference between the request time and the current time is too large")]
    TimeTooSkewed,
    /// No usable `Date`/`x-oss-date` (403 AccessDenied).
    #[error("the request has no valid date")]
    MissingDate,
    /// V4 scope region differs from the server's (400 InvalidArgument).
    #[error("invalid signing region in Authorization header")]
    InvalidRegion,
    /// The STS token is missing or wrong (403 InvalidSecurityToken).
    #[error("the security token is invalid")]
    InvalidSecurityToken,
}

impl VerifyError {
    /// The OSS error code for this failure.
    pub fn code(&self) -> crate::error_code::ErrorCode {
        use crate::error_code::ErrorCode;
        match self {
            VerifyError::Malformed(_) | VerifyError::InvalidRegion => ErrorCode::InvalidArgument,
            VerifyError::SignatureMismatch { .. } => ErrorCode::SignatureDoesNotMatch,
            VerifyError::Expired | VerifyError::MissingDate => ErrorCode::AccessDenied,
            VerifyError::TimeTooSkewed => ErrorCode::RequestTimeTooSkewed,
            VerifyError::InvalidSecurityToken => ErrorCode::InvalidSecurityToken,
        }
    }
}

/// Reads how `req` is authenticated (header or query), without checking anything else.
pub fn parse(req: &SignableRequest<'_>) -> Result<Authentication, VerifyError> {
    let _ = req;
    todo!()
}

/// Checks the signature of `req` against `secret`. `token` is the STS token the key id was
/// issued with (the request must carry it: header `x-oss-security-token`, or query
/// `security-token` / `x-oss-security-token` for presigned URLs). Enforces presign expiry and,
/// for header signatures, the 15-minute skew against `now`; a V4 scope region must equal
/// `region`. `req.params` must be the decoded query (see [`crate::encoding::parse_query`]),
/// including the signature parameters themselves (they are excluded internally as oss2 does).
pub fn verify(
    req: &SignableRequest<'_>,
    auth: &Authentication,
    secret: &str,
    token: Option<&str>,
    now: i64,
    region: &str,
) -> Result<(), VerifyError> {
    let _ = (req, auth, secret, token, now, region);
    todo!()
}
