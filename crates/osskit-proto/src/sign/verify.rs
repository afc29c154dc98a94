//! The server side: how a request was authenticated, and whether its signature holds.
//!
//! A server first calls [`parse`] to learn the access key id (and so find the secret), then
//! [`verify`] with the secret, its clock and its region.

use super::{constant_time_eq, header, v1, v2, v4, SignableRequest};
use crate::date::{http_to_unixtime, parse_v4_timestamp};

/// Maximum difference between the request time and the server clock (15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// Longest validity of a V4 presigned URL (`x-oss-expires`): 7 days.
pub const MAX_V4_EXPIRES_SECS: i64 = 7 * 24 * 3600;

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
    /// `Authorization: OSS2 AccessKeyId:ak,[AdditionalHeaders:h1;h2,]Signature:sig`.
    V2Header {
        /// AccessKeyId.
        access_key_id: String,
        /// Additional signed header names, lower case.
        additional_headers: Vec<String>,
        /// The signature sent.
        signature: String,
    },
    /// `?x-oss-signature-version=OSS2&x-oss-expires=&x-oss-access-key-id=&x-oss-signature=`.
    V2Query {
        /// AccessKeyId.
        access_key_id: String,
        /// Absolute expiry, Unix seconds.
        expires: i64,
        /// Additional signed header names, lower case.
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
            | Authentication::V2Header { access_key_id, .. }
            | Authentication::V2Query { access_key_id, .. }
            | Authentication::V4Header { access_key_id, .. }
            | Authentication::V1Query { access_key_id, .. }
            | Authentication::V4Query { access_key_id, .. } => Some(access_key_id),
        }
    }

    /// The signature sent, if the request is signed.
    pub fn signature(&self) -> Option<&str> {
        match self {
            Authentication::Anonymous => None,
            Authentication::V1Header { signature, .. }
            | Authentication::V2Header { signature, .. }
            | Authentication::V2Query { signature, .. }
            | Authentication::V4Header { signature, .. }
            | Authentication::V1Query { signature, .. }
            | Authentication::V4Query { signature, .. } => Some(signature),
        }
    }

    /// Whether the signature is in the query (a presigned URL) rather than a header.
    pub fn is_presigned(&self) -> bool {
        matches!(
            self,
            Authentication::V1Query { .. }
                | Authentication::V2Query { .. }
                | Authentication::V4Query { .. }
        )
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
    /// A V4 presigned URL's `x-oss-expires` is outside 1..=604800 seconds (403
    /// AccessDenied, EC 0002-00000232).
    #[error("x-oss-expires must be between 1 and 604800 seconds")]
    ExpiresOutOfRange,
    /// A V4 presigned URL's `x-oss-date` is more than 15 minutes in the future (403
    /// AccessDenied, EC 0002-00000235).
    #[error("the presigned request is not valid yet")]
    NotYetValid,
    /// The request time is more than 15 minutes from the server clock (403 RequestTimeTooSkewed).
    #[error("the difference between the request time and the current time is too large")]
    TimeTooSkewed,
    /// No usable `Date`/`x-oss-date` (403 AccessDenied).
    #[error("the request has no valid date")]
    MissingDate,
    /// V4 scope region is empty or differs from the server's (400 InvalidArgument, "The
    /// signing region in credential is invalid.").
    #[error("the signing region in credential is invalid")]
    InvalidRegion,
    /// A V4 credential is not `<AccessKeyId>/<yyyymmdd>/<region>/<product>/aliyun_v4_request`
    /// (400 InvalidArgument, "Invalid credential in Authorization header." or, presigned,
    /// "Invalid credential in x-oss-credential."). Carries the credential.
    #[error("invalid credential {0:?}")]
    InvalidCredential(String),
    /// The STS token is missing or wrong (403 InvalidSecurityToken).
    #[error("the security token is invalid")]
    InvalidSecurityToken,
}

impl VerifyError {
    /// The OSS error code for this failure.
    pub fn code(&self) -> crate::error_code::ErrorCode {
        use crate::error_code::ErrorCode;
        match self {
            VerifyError::Malformed(_)
            | VerifyError::InvalidRegion
            | VerifyError::InvalidCredential(_) => ErrorCode::InvalidArgument,
            VerifyError::SignatureMismatch { .. } => ErrorCode::SignatureDoesNotMatch,
            VerifyError::Expired
            | VerifyError::ExpiresOutOfRange
            | VerifyError::NotYetValid
            | VerifyError::MissingDate => ErrorCode::AccessDenied,
            VerifyError::TimeTooSkewed => ErrorCode::RequestTimeTooSkewed,
            VerifyError::InvalidSecurityToken => ErrorCode::InvalidSecurityToken,
        }
    }
}

/// Query parameters a V1 presigned URL adds (never part of its own signature).
const V1_QUERY_PARAMS: &[&str] = &["OSSAccessKeyId", "Expires", "Signature"];

/// The value of the first query parameter named `name` (case-sensitive).
fn param<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// The value of a required query parameter.
fn required<'p>(params: &'p [(String, String)], name: &str) -> Result<&'p str, VerifyError> {
    match param(params, name) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(VerifyError::Malformed(format!(
            "the query parameter {name} is missing or empty"
        ))),
    }
}

/// A V4 credential `ak/date/region/product/aliyun_v4_request`, split.
struct Credential {
    access_key_id: String,
    date: String,
    region: String,
    product: String,
}

fn parse_credential(s: &str) -> Result<Credential, VerifyError> {
    let malformed = || VerifyError::InvalidCredential(s.to_string());
    let mut parts = s.rsplitn(5, '/');
    let (terminator, product, region, date, access_key_id) = match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(t), Some(p), Some(r), Some(d), Some(a)) => (t, p, r, d, a),
        _ => return Err(malformed()),
    };
    let date_ok = date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit());
    if terminator != "aliyun_v4_request"
        || !date_ok
        || access_key_id.is_empty()
        || product.is_empty()
    {
        return Err(malformed());
    }
    Ok(Credential {
        access_key_id: access_key_id.to_string(),
        date: date.to_string(),
        region: region.to_string(),
        product: product.to_string(),
    })
}

/// Splits `h1;h2` into lower-case names (empty items dropped).
fn split_additional(s: &str) -> Vec<String> {
    s.split(';')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn parse_v1_header(rest: &str) -> Result<Authentication, VerifyError> {
    match rest.trim().split_once(':') {
        Some((ak, sig)) if !ak.is_empty() && !sig.is_empty() => Ok(Authentication::V1Header {
            access_key_id: ak.to_string(),
            signature: sig.to_string(),
        }),
        _ => Err(VerifyError::Malformed(
            "the Authorization header is not \"OSS <AccessKeyId>:<Signature>\"".into(),
        )),
    }
}

fn parse_v4_header(rest: &str) -> Result<Authentication, VerifyError> {
    let mut credential = None;
    let mut signature = None;
    let mut additional = Vec::new();
    for item in rest.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, value) = item.split_once('=').ok_or_else(|| {
            VerifyError::Malformed(format!(
                "the Authorization header item {item:?} is not name=value"
            ))
        })?;
        match name.trim() {
            "Credential" => credential = Some(parse_credential(value.trim())?),
            "Signature" => signature = Some(value.trim().to_string()),
            "AdditionalHeaders" => additional = split_additional(value),
            other => {
                return Err(VerifyError::Malformed(format!(
                    "unknown Authorization header item {other:?}"
                )));
            }
        }
    }
    let credential = credential.ok_or_else(|| {
        VerifyError::Malformed("the Authorization header has no Credential".into())
    })?;
    let signature = signature.filter(|s| !s.is_empty()).ok_or_else(|| {
        VerifyError::Malformed("the Authorization header has no Signature".into())
    })?;
    Ok(Authentication::V4Header {
        access_key_id: credential.access_key_id,
        date: credential.date,
        region: credential.region,
        product: credential.product,
        additional_headers: additional,
        signature,
    })
}

fn parse_v2_header(rest: &str) -> Result<Authentication, VerifyError> {
    let mut access_key_id = None;
    let mut signature = None;
    let mut additional = Vec::new();
    for item in rest.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, value) = item.split_once(':').ok_or_else(|| {
            VerifyError::Malformed(format!(
                "the Authorization header item {item:?} is not name:value"
            ))
        })?;
        match name.trim() {
            "AccessKeyId" => access_key_id = Some(value.trim().to_string()),
            "Signature" => signature = Some(value.trim().to_string()),
            "AdditionalHeaders" => additional = split_additional(value),
            other => {
                return Err(VerifyError::Malformed(format!(
                    "unknown Authorization header item {other:?}"
                )));
            }
        }
    }
    let access_key_id = access_key_id.filter(|a| !a.is_empty()).ok_or_else(|| {
        VerifyError::Malformed("the Authorization header has no AccessKeyId".into())
    })?;
    let signature = signature.filter(|s| !s.is_empty()).ok_or_else(|| {
        VerifyError::Malformed("the Authorization header has no Signature".into())
    })?;
    additional.sort_unstable();
    additional.dedup();
    Ok(Authentication::V2Header {
        access_key_id,
        additional_headers: additional,
        signature,
    })
}

fn parse_v2_query(params: &[(String, String)]) -> Result<Authentication, VerifyError> {
    let access_key_id = required(params, "x-oss-access-key-id")?.to_string();
    let expires = required(params, "x-oss-expires")?;
    let expires = expires.parse::<i64>().map_err(|_| {
        VerifyError::Malformed(format!("x-oss-expires {expires:?} is not Unix seconds"))
    })?;
    let signature = required(params, "x-oss-signature")?.to_string();
    let mut additional_headers = param(params, "x-oss-additional-headers")
        .map(split_additional)
        .unwrap_or_default();
    additional_headers.sort_unstable();
    additional_headers.dedup();
    Ok(Authentication::V2Query {
        access_key_id,
        expires,
        additional_headers,
        signature,
    })
}

fn parse_v4_query(params: &[(String, String)]) -> Result<Authentication, VerifyError> {
    let version = required(params, "x-oss-signature-version")?;
    if version != v4::ALGORITHM {
        return Err(VerifyError::Malformed(format!(
            "unsupported x-oss-signature-version {version:?}"
        )));
    }
    let credential = parse_credential(required(params, "x-oss-credential")?)?;
    let date = required(params, "x-oss-date")?;
    let time = parse_v4_timestamp(date).map_err(|_| {
        VerifyError::Malformed(format!(
            "x-oss-date {date:?} is not a yyyymmddThhmmssZ timestamp"
        ))
    })?;
    let expires = required(params, "x-oss-expires")?;
    let expires_in = expires
        .parse::<i64>()
        .ok()
        .filter(|e| *e >= 0)
        .ok_or_else(|| {
            VerifyError::Malformed(format!(
                "x-oss-expires {expires:?} is not a number of seconds"
            ))
        })?;
    let signature = required(params, "x-oss-signature")?.to_string();
    let additional_headers = param(params, "x-oss-additional-headers")
        .map(split_additional)
        .unwrap_or_default();
    Ok(Authentication::V4Query {
        access_key_id: credential.access_key_id,
        date: credential.date,
        region: credential.region,
        product: credential.product,
        time,
        expires_in,
        additional_headers,
        signature,
    })
}

fn parse_v1_query(params: &[(String, String)]) -> Result<Authentication, VerifyError> {
    let access_key_id = required(params, "OSSAccessKeyId")?.to_string();
    let expires = required(params, "Expires")?;
    let expires = expires
        .parse::<i64>()
        .map_err(|_| VerifyError::Malformed(format!("Expires {expires:?} is not Unix seconds")))?;
    let signature = required(params, "Signature")?.to_string();
    Ok(Authentication::V1Query {
        access_key_id,
        expires,
        signature,
    })
}

/// Reads how `req` is authenticated (header or query), without checking anything else.
/// An `Authorization` header wins over signature parameters.
pub fn parse(req: &SignableRequest<'_>) -> Result<Authentication, VerifyError> {
    if let Some(auth) = header(req.headers, "authorization") {
        let auth = auth.trim_start();
        if let Some(rest) = auth
            .strip_prefix(v4::ALGORITHM)
            .filter(|r| r.starts_with(' '))
        {
            return parse_v4_header(rest);
        }
        if let Some(rest) = auth.strip_prefix("OSS ") {
            return parse_v1_header(rest);
        }
        if let Some(rest) = auth.strip_prefix("OSS2 ") {
            return parse_v2_header(rest);
        }
        let scheme = auth.split(' ').next().unwrap_or("");
        return Err(VerifyError::Malformed(format!(
            "unsupported Authorization scheme {scheme:?}"
        )));
    }
    if param(req.params, "x-oss-signature-version") == Some(v2::SCHEME) {
        return parse_v2_query(req.params);
    }
    if param(req.params, "x-oss-signature-version").is_some() {
        return parse_v4_query(req.params);
    }
    if V1_QUERY_PARAMS
        .iter()
        .any(|name| param(req.params, name).is_some())
    {
        return parse_v1_query(req.params);
    }
    Ok(Authentication::Anonymous)
}

/// Fails with [`VerifyError::TimeTooSkewed`] if `time` is more than 15 minutes from `now`.
fn check_skew(time: i64, now: i64) -> Result<(), VerifyError> {
    if time.abs_diff(now) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(VerifyError::TimeTooSkewed);
    }
    Ok(())
}

/// Fails with [`VerifyError::InvalidSecurityToken`] unless `sent` equals `expected` (when a
/// token is expected at all).
fn check_token(expected: Option<&str>, sent: Option<&str>) -> Result<(), VerifyError> {
    match expected {
        None => Ok(()),
        Some(expected) => match sent {
            Some(sent) if constant_time_eq(sent.as_bytes(), expected.as_bytes()) => Ok(()),
            _ => Err(VerifyError::InvalidSecurityToken),
        },
    }
}

/// Fails unless the V4 scope is for `region` and its date is the day of `timestamp`.
fn check_scope(
    scope_date: &str,
    scope_region: &str,
    timestamp: &str,
    region: &str,
) -> Result<(), VerifyError> {
    if scope_region != region {
        return Err(VerifyError::InvalidRegion);
    }
    if timestamp.get(..8) != Some(scope_date) {
        return Err(VerifyError::Malformed(format!(
            "the credential date {scope_date} is not the day of x-oss-date {timestamp}"
        )));
    }
    Ok(())
}

/// Compares the sent signature with the expected one.
fn check_signature(sent: &str, expected: &str, string_to_sign: String) -> Result<(), VerifyError> {
    if constant_time_eq(sent.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch { string_to_sign })
    }
}

/// `params` without the ones named in `drop`.
fn without(params: &[(String, String)], drop: &[&str]) -> Vec<(String, String)> {
    params
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .cloned()
        .collect()
}

/// Checks the signature of `req` against `secret`. `token` is the STS token the key id was
/// issued with (the request must carry it: header `x-oss-security-token`, or query
/// `security-token` / `x-oss-security-token` for presigned URLs). Enforces presign expiry and,
/// for header signatures, the 15-minute skew against `now` (a V4 presigned URL must also be
/// valid for 1 s to 7 days, from an `x-oss-date` at most 15 minutes ahead of `now`); a V4
/// scope region must equal
/// `region`. `req.params` must be the decoded query (see [`crate::encoding::parse_query`]),
/// including the signature parameters themselves (they are excluded internally as oss2 does).
/// An anonymous request has nothing to verify and passes; whether it may access the
/// resource is the caller's decision.
///
/// ```
/// use osskit_proto::sign::{presign, Credentials, SignableRequest, SigningContext};
/// use osskit_proto::sign::verify::{parse, verify, VerifyError};
/// let creds = Credentials::new("ak", "sk");
/// let req = SignableRequest { method: "GET", bucket: Some("b"), key: Some("k"), params: &[], headers: &[] };
/// let query = presign(&req, &SigningContext::v1(&creds, 1700000000), 60).unwrap();
/// let signed = SignableRequest { params: &query, ..req };
/// let auth = parse(&signed).unwrap();
/// assert_eq!(auth.access_key_id(), Some("ak"));
/// assert_eq!(verify(&signed, &auth, "sk", None, 1700000030, "cn-hangzhou"), Ok(()));
/// assert_eq!(verify(&signed, &auth, "sk", None, 1700000061, "cn-hangzhou"), Err(VerifyError::Expired));
/// ```
pub fn verify(
    req: &SignableRequest<'_>,
    auth: &Authentication,
    secret: &str,
    token: Option<&str>,
    now: i64,
    region: &str,
) -> Result<(), VerifyError> {
    match auth {
        Authentication::Anonymous => Ok(()),
        Authentication::V1Header { signature, .. } => {
            let date_line = header(req.headers, "x-oss-date")
                .filter(|d| !d.is_empty())
                .or_else(|| header(req.headers, "date"))
                .ok_or(VerifyError::MissingDate)?;
            let time = http_to_unixtime(date_line.trim()).map_err(|_| VerifyError::MissingDate)?;
            check_skew(time, now)?;
            check_token(token, header(req.headers, "x-oss-security-token"))?;
            let date = header(req.headers, "date").unwrap_or("");
            let sts = v1::string_to_sign(req, date);
            let expected = v1::signature(secret, &sts);
            check_signature(signature, &expected, sts)
        }
        Authentication::V2Header {
            additional_headers,
            signature,
            ..
        } => {
            let date_line = header(req.headers, "x-oss-date")
                .filter(|d| !d.is_empty())
                .or_else(|| header(req.headers, "date"))
                .ok_or(VerifyError::MissingDate)?;
            let time = http_to_unixtime(date_line.trim()).map_err(|_| VerifyError::MissingDate)?;
            check_skew(time, now)?;
            check_token(token, header(req.headers, "x-oss-security-token"))?;
            let date = header(req.headers, "date").unwrap_or("");
            let sts = v2::string_to_sign(req, date, additional_headers);
            let expected = v2::signature(secret, &sts);
            check_signature(signature, &expected, sts)
        }
        Authentication::V2Query {
            expires,
            additional_headers,
            signature,
            ..
        } => {
            if *expires < now {
                return Err(VerifyError::Expired);
            }
            check_token(token, param(req.params, "security-token"))?;
            let params = without(req.params, &["x-oss-signature"]);
            let signed = SignableRequest {
                params: &params,
                ..*req
            };
            let expires_raw = param(req.params, "x-oss-expires").unwrap_or("");
            let sts = v2::string_to_sign(&signed, expires_raw, additional_headers);
            let expected = v2::signature(secret, &sts);
            check_signature(signature, &expected, sts)
        }
        Authentication::V1Query {
            expires, signature, ..
        } => {
            if *expires < now {
                return Err(VerifyError::Expired);
            }
            check_token(token, param(req.params, "security-token"))?;
            let params = without(req.params, V1_QUERY_PARAMS);
            let signed = SignableRequest {
                params: &params,
                ..*req
            };
            let expires_raw = param(req.params, "Expires").unwrap_or("");
            let sts = v1::string_to_sign(&signed, expires_raw);
            let expected = v1::signature(secret, &sts);
            check_signature(signature, &expected, sts)
        }
        Authentication::V4Header {
            date,
            region: scope_region,
            product,
            additional_headers,
            signature,
            ..
        } => {
            let timestamp = header(req.headers, "x-oss-date").ok_or(VerifyError::MissingDate)?;
            let time = parse_v4_timestamp(timestamp).map_err(|_| VerifyError::MissingDate)?;
            check_scope(date, scope_region, timestamp, region)?;
            check_skew(time, now)?;
            check_token(token, header(req.headers, "x-oss-security-token"))?;
            let additional: Vec<&str> = additional_headers.iter().map(String::as_str).collect();
            let canonical = v4::canonical_request(req, &additional);
            let scope = v4::scope(date, scope_region, product);
            let sts = v4::string_to_sign(&canonical, timestamp, &scope);
            let expected = v4::signature(secret, date, scope_region, product, &sts);
            check_signature(signature, &expected, sts)
        }
        Authentication::V4Query {
            date,
            region: scope_region,
            product,
            time,
            expires_in,
            additional_headers,
            signature,
            ..
        } => {
            let timestamp = param(req.params, "x-oss-date").unwrap_or("");
            check_scope(date, scope_region, timestamp, region)?;
            if !(1..=MAX_V4_EXPIRES_SECS).contains(expires_in) {
                return Err(VerifyError::ExpiresOutOfRange);
            }
            if *time > now.saturating_add(MAX_SKEW_SECS) {
                return Err(VerifyError::NotYetValid);
            }
            if time.saturating_add(*expires_in) < now {
                return Err(VerifyError::Expired);
            }
            check_token(token, param(req.params, "x-oss-security-token"))?;
            let params = without(req.params, &["x-oss-signature"]);
            let signed = SignableRequest {
                params: &params,
                ..*req
            };
            let additional: Vec<&str> = additional_headers.iter().map(String::as_str).collect();
            let canonical = v4::canonical_request(&signed, &additional);
            let scope = v4::scope(date, scope_region, product);
            let sts = v4::string_to_sign(&canonical, timestamp, &scope);
            let expected = v4::signature(secret, date, scope_region, product, &sts);
            check_signature(signature, &expected, sts)
        }
    }
}
