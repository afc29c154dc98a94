//! Authentication (V1/V4 header signatures and presigned URLs, STS tokens) and the ACL
//! check for anonymous requests.

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::handlers::quick;
use crate::http::response::now_secs;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::{Access, OpId};
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
    let auth = verify::parse(&req).map_err(|e| verify_error(e, None))?;
    let Some(id) = auth.access_key_id().map(str::to_string) else {
        return Ok(Principal::Anonymous);
    };
    let Some((secret, token)) = state.keys.get(&id) else {
        return Err(OssError::new(ErrorCode::InvalidAccessKeyId).with_detail("OSSAccessKeyId", &id));
    };
    verify::verify(
        &req,
        &auth,
        secret,
        token.as_deref(),
        now_secs(),
        &state.region,
    )
    .map_err(|e| verify_error(e, Some((&id, &auth))))?;
    Ok(Principal::Account { access_key_id: id })
}

fn verify_error(e: VerifyError, who: Option<(&str, &Authentication)>) -> OssError {
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
            OssError::with_message(ErrorCode::AccessDenied, "Request has expired.").with_detail(
                "ServerTime",
                &osskit_proto::date::unixtime_to_iso8601(now_secs()),
            )
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
        .with_detail(
            "ServerTime",
            &osskit_proto::date::unixtime_to_iso8601(now_secs()),
        ),
        VerifyError::TimeTooSkewed => OssError::new(ErrorCode::RequestTimeTooSkewed)
            .with_detail(
                "ServerTime",
                &osskit_proto::date::unixtime_to_iso8601(now_secs()),
            )
            .with_header(osskit_proto::headers::SERVER_TIME, now_secs().to_string()),
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

/// Anonymous requests may list and read objects of public-read(-write) buckets (or read
/// objects whose own ACL is public), and write objects of public-read-write buckets; nothing
/// else.
pub async fn authorize_anonymous(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
) -> Result<(), OssError> {
    let denied = || OssError::new(ErrorCode::AccessDenied);
    // A part copy reads its source as CopyObject does: the same check applies.
    let access = op.spec().access;
    if access == Access::Anyone {
        return Ok(());
    }
    let Some(bucket) = ctx.bucket.clone() else {
        return Err(denied());
    };
    if matches!(access, Access::Service | Access::BucketConfig) {
        return Err(denied());
    }
    let b = bucket.clone();
    let meta = quick(state, move |s| s.bucket(&b))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    match access {
        Access::List if acl_allows_read(&meta.acl) => Ok(()),
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
            if matches!(op, OpId::CopyObject | OpId::UploadPartCopy) {
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
