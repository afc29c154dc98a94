//! Authentication (V1/V4 header signatures and presigned URLs, STS tokens) and the ACL
//! check for anonymous requests.

use crate::dispatch::{Access, AppState, Op, RequestCtx};
use crate::error::OssError;
use crate::handlers::quick;
use crate::keys::Lookup;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::sign::verify::{self, Authentication, VerifyError};
use osskit_proto::sign::SignableRequest;

/// Who sent a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// No signature.
    Anonymous,
    /// A registered key; it owns everything (single account).
    Account {
        /// The access key id used.
        access_key_id: String,
    },
}

/// EC of "Invalid signing region in Authorization header."
const EC_INVALID_REGION: &str = "0002-00000226";

/// Checks the request's signature, if it has one.
pub fn authenticate(state: &AppState, ctx: &RequestCtx) -> Result<Principal, OssError> {
    let req = SignableRequest {
        method: ctx.method.as_str(),
        bucket: ctx.bucket.as_deref(),
        key: ctx.bucket.as_ref().map(|_| ctx.key.as_str()),
        params: &ctx.params,
        headers: &ctx.headers,
    };
    let auth = verify::parse(&req).map_err(|e| verify_error(e, None, state.now()))?;
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
        &state.region,
    )
    .map_err(|e| verify_error(e, Some((&id, &auth)), now))?;
    Ok(Principal::Account { access_key_id: id })
}

/// The security token a request carries, where its form of authentication puts it.
fn sent_token<'a>(ctx: &'a RequestCtx, auth: &Authentication) -> Option<&'a str> {
    match auth {
        Authentication::V1Query { .. } => ctx.param("security-token"),
        Authentication::V4Query { .. } => ctx.param("x-oss-security-token"),
        _ => ctx.header("x-oss-security-token"),
    }
}

fn verify_error(e: VerifyError, who: Option<(&str, &Authentication)>, now: i64) -> OssError {
    let id = who.map(|(id, _)| id).unwrap_or_default();
    match e {
        VerifyError::SignatureMismatch { string_to_sign } => {
            let signature = match who.map(|(_, a)| a) {
                Some(Authentication::V1Header { signature, .. })
                | Some(Authentication::V4Header { signature, .. })
                | Some(Authentication::V1Query { signature, .. })
                | Some(Authentication::V4Query { signature, .. }) => signature.clone(),
                _ => String::new(),
            };
            OssError::new(ErrorCode::SignatureDoesNotMatch)
                .with_detail("StringToSign", &string_to_sign)
                .with_detail("SignatureProvided", &signature)
                .with_detail("OSSAccessKeyId", id)
        }
        VerifyError::Expired => {
            OssError::with_message(ErrorCode::AccessDenied, "Request has expired.")
                .with_detail("ServerTime", &osskit_proto::date::unixtime_to_iso8601(now))
        }
        VerifyError::TimeTooSkewed => OssError::new(ErrorCode::RequestTimeTooSkewed)
            .with_detail("ServerTime", &osskit_proto::date::unixtime_to_iso8601(now))
            .with_header(osskit_proto::headers::SERVER_TIME, now.to_string()),
        VerifyError::MissingDate => OssError::with_message(
            ErrorCode::AccessDenied,
            "The request must carry a valid Date or x-oss-date header.",
        ),
        VerifyError::InvalidRegion => OssError::with_message(
            ErrorCode::InvalidArgument,
            "Invalid signing region in Authorization header.",
        )
        .with_ec(EC_INVALID_REGION),
        VerifyError::InvalidSecurityToken => {
            OssError::new(ErrorCode::InvalidSecurityToken).with_detail("OSSAccessKeyId", id)
        }
        VerifyError::Malformed(what) => OssError::with_message(
            ErrorCode::InvalidArgument,
            format!("The authorization of the request is malformed: {what}"),
        ),
    }
}

fn acl_allows_read(acl: &str) -> bool {
    acl == "public-read" || acl == "public-read-write"
}

/// Anonymous requests may read objects of public-read(-write) buckets (or objects whose own
/// ACL is public), and write objects of public-read-write buckets; nothing else.
pub async fn authorize_anonymous(
    state: &AppState,
    ctx: &RequestCtx,
    op: &Op,
) -> Result<(), OssError> {
    let denied = || OssError::new(ErrorCode::AccessDenied);
    let access = op.access();
    let Some(bucket) = ctx.bucket.clone() else {
        return Err(denied());
    };
    if matches!(
        access,
        Access::Service | Access::BucketConfig | Access::List
    ) {
        return Err(denied());
    }
    let b = bucket.clone();
    let meta = quick(state, move |s| s.bucket(&b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    match access {
        Access::ObjectRead => {
            let (b, k) = (bucket.clone(), ctx.key.clone());
            let object_acl = quick(state, move |s| s.object(&b, &k))
                .await
                .ok()
                .map(|m| m.acl);
            let allowed = match object_acl.as_deref() {
                Some(acl) if acl != "default" && !acl.is_empty() => acl_allows_read(acl),
                _ => acl_allows_read(&meta.acl),
            };
            if allowed {
                Ok(())
            } else {
                Err(denied())
            }
        }
        Access::ObjectWrite => {
            if meta.acl != "public-read-write" {
                return Err(denied());
            }
            if *op == Op::CopyObject {
                let source = ctx
                    .header(osskit_proto::headers::COPY_SOURCE)
                    .unwrap_or_default();
                let (sb, sk) = crate::handlers::object::parse_copy_source(source)?;
                let (b2, k2) = (sb.clone(), sk.clone());
                let src_bucket = quick(state, move |s| s.bucket(&b2))
                    .await
                    .map_err(|e| OssError::from_store(e, &sb, None))?;
                let src_acl = quick(state, move |s| s.object(&sb, &k2))
                    .await
                    .ok()
                    .map(|m| m.acl);
                let readable = match src_acl.as_deref() {
                    Some(acl) if acl != "default" && !acl.is_empty() => acl_allows_read(acl),
                    _ => acl_allows_read(&src_bucket.acl),
                };
                if !readable {
                    return Err(denied());
                }
            }
            Ok(())
        }
        _ => Err(denied()),
    }
}
