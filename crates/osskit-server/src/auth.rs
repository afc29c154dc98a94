//! Authentication (V1/V2/V4 header signatures and presigned URLs, STS tokens): who sent a
//! request. What they may do is decided by [`crate::access`].

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::keys::Lookup;
use crate::users::Identity;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::sign::verify::{self, Authentication, VerifyError};
use osskit_proto::sign::SignableRequest;

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Principal {
    /// No signature (also what a request is before it is authenticated).
    #[default]
    Anonymous,
    /// A verified key, and the account, RAM user or role session behind it.
    Signed {
        /// The access key id used.
        access_key_id: String,
        /// Who holds the key.
        identity: Identity,
    },
}

impl Principal {
    /// The identity behind a signed request.
    pub fn identity(&self) -> Option<&Identity> {
        match self {
            Principal::Anonymous => None,
            Principal::Signed { identity, .. } => Some(identity),
        }
    }

    /// The account of a signed request.
    pub fn account_id(&self) -> Option<&str> {
        self.identity().map(|i| i.account_id.as_str())
    }
}

/// EC of "Invalid signing region in Authorization header."
const EC_INVALID_REGION: &str = "0002-00000226";

/// EC of "The signing region in credential is invalid." (`x-oss-credential` of a presigned
/// URL).
const EC_INVALID_REGION_QUERY: &str = "0002-00000228";

/// Checks the request's signature, if it has one.
pub fn authenticate(state: &AppState, ctx: &RequestCtx) -> Result<Principal, OssError> {
    let req = SignableRequest {
        method: ctx.method.as_str(),
        bucket: ctx.bucket.as_deref(),
        key: ctx.bucket.as_ref().map(|_| ctx.key.as_str()),
        params: &ctx.params,
        headers: &ctx.headers,
    };
    let auth = verify::parse(&req).map_err(|e| verify_error(e, None, state.now(), &req))?;
    let Some(id) = auth.access_key_id().map(str::to_string) else {
        return Ok(Principal::Anonymous);
    };
    let now = state.now();
    let key = match state.keys.get(&id, now) {
        Lookup::Valid(key) => key,
        Lookup::Expired(key) => {
            // The token must still be the key's own: a wrong one is invalid, not expired.
            if sent_token(ctx, &auth) != key.token.as_deref() {
                return Err(OssError::new(ErrorCode::InvalidSecurityToken)
                    .with_detail("OSSAccessKeyId", &id));
            }
            return Err(OssError::new(ErrorCode::SecurityTokenExpired)
                .with_detail("OSSAccessKeyId", &id)
                .with_detail(
                    "Expiration",
                    &osskit_proto::date::unixtime_to_rfc3339(key.expires_at.unwrap_or(now)),
                ));
        }
        Lookup::Unknown => {
            return Err(
                OssError::new(ErrorCode::InvalidAccessKeyId).with_detail("OSSAccessKeyId", &id)
            )
        }
    };
    verify::verify(
        &req,
        &auth,
        &key.secret,
        key.token.as_deref(),
        now,
        &crate::dispatch::host_region(&ctx.host, &state.base_domains, &state.region),
    )
    .map_err(|e| verify_error(e, Some((&id, &auth)), now, &req))?;
    // Registered users have their identity; other keys (configured ones, and the temporary
    // credentials STS and the metadata service issue) act as the server's own account.
    let identity = state.users.identity(&id);
    Ok(Principal::Signed {
        access_key_id: id,
        identity,
    })
}

/// The security token a request carries, where its form of authentication puts it.
fn sent_token<'a>(ctx: &'a RequestCtx, auth: &Authentication) -> Option<&'a str> {
    match auth {
        Authentication::V1Query { .. } | Authentication::V2Query { .. } => {
            ctx.param("security-token")
        }
        Authentication::V4Query { .. } => ctx.param("x-oss-security-token"),
        _ => ctx.header("x-oss-security-token"),
    }
}

fn verify_error(
    e: VerifyError,
    who: Option<(&str, &Authentication)>,
    now: i64,
    req: &SignableRequest<'_>,
) -> OssError {
    let id = who.map(|(id, _)| id).unwrap_or_default();
    // Whether the signature is in the query (presigned) rather than in a header.
    let presigned = match who {
        Some((_, auth)) => auth.is_presigned(),
        None => !req
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization")),
    };
    match e {
        VerifyError::SignatureMismatch { string_to_sign } => {
            let signature = who
                .and_then(|(_, a)| a.signature())
                .unwrap_or_default()
                .to_string();
            OssError::new(ErrorCode::SignatureDoesNotMatch)
                .with_detail("StringToSign", &string_to_sign)
                .with_detail("SignatureProvided", &signature)
                .with_detail("OSSAccessKeyId", id)
        }
        VerifyError::Expired => {
            OssError::with_message(ErrorCode::AccessDenied, "Request has expired.")
                .with_detail("ServerTime", &osskit_proto::date::unixtime_to_iso8601(now))
        }
        VerifyError::ExpiresOutOfRange => OssError::with_message(
            ErrorCode::AccessDenied,
            "x-oss-expires must be between 1 and 604800 seconds (7 days).",
        )
        .with_ec("0002-00000232"),
        VerifyError::NotYetValid => OssError::with_message(
            ErrorCode::AccessDenied,
            "Request is not valid yet: x-oss-date is more than 15 minutes ahead of the server.",
        )
        .with_ec("0002-00000235")
        .with_detail("ServerTime", &osskit_proto::date::unixtime_to_iso8601(now)),
        VerifyError::TimeTooSkewed => OssError::new(ErrorCode::RequestTimeTooSkewed)
            .with_detail("ServerTime", &osskit_proto::date::unixtime_to_iso8601(now))
            .with_header(osskit_proto::headers::SERVER_TIME, now.to_string()),
        VerifyError::MissingDate => OssError::with_message(
            ErrorCode::AccessDenied,
            "The request must carry a valid Date or x-oss-date header.",
        ),
        // OSS words the two cases differently (oss2's tests check both).
        VerifyError::InvalidRegion if presigned => OssError::with_message(
            ErrorCode::InvalidArgument,
            "The signing region in credential is invalid.",
        )
        .with_ec(EC_INVALID_REGION_QUERY),
        VerifyError::InvalidRegion => OssError::with_message(
            ErrorCode::InvalidArgument,
            "Invalid signing region in Authorization header.",
        )
        .with_ec(EC_INVALID_REGION),
        VerifyError::InvalidCredential(credential) => {
            let (message, ec, name) = if presigned {
                (
                    "Invalid credential in x-oss-credential.",
                    "0002-00000224",
                    "x-oss-credential",
                )
            } else {
                (
                    "Invalid credential in Authorization header.",
                    "0002-00000213",
                    "Authorization",
                )
            };
            OssError::invalid_argument(message, name, &credential).with_ec(ec)
        }
        VerifyError::InvalidSecurityToken => {
            OssError::new(ErrorCode::InvalidSecurityToken).with_detail("OSSAccessKeyId", id)
        }
        VerifyError::Malformed(what) => OssError::with_message(
            ErrorCode::InvalidArgument,
            format!("The authorization of the request is malformed: {what}"),
        ),
    }
}
