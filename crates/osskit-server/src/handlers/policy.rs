//! Bucket policies (`PutBucketPolicy`, `GetBucketPolicy`, `DeleteBucketPolicy`): stored as
//! the JSON text put, enforced by [`crate::access`].

use super::config::{self, document, read_document, Family};
use crate::access::{self, POLICY_DOC};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::policy::{Policy, PolicyError, EC_TOO_LARGE};

/// The bucket policy family.
pub static FAMILY: Family = Family {
    name: POLICY_DOC,
    not_found: ErrorCode::NoSuchBucketPolicy,
    content_type: "application/json",
    accept,
};

/// `InvalidPolicyDocument` with the EC of the problem.
pub fn invalid(e: PolicyError) -> OssError {
    OssError::with_message(ErrorCode::InvalidPolicyDocument, e.message).with_ec(e.ec)
}

/// Validates a policy as OSS does; the text is stored as put.
fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    Policy::parse(doc).map_err(invalid)?;
    Ok(doc.to_vec())
}

/// Reads a policy body: more than 16 KB is OSS's policy error, not a generic one.
pub async fn read_policy(ctx: &RequestCtx, op: OpId, body: Incoming) -> Result<Vec<u8>, OssError> {
    match read_document(ctx, op, body).await {
        Ok(doc) => Ok(doc.to_vec()),
        Err(e) if e.code == ErrorCode::EntityTooLarge => Err(invalid(PolicyError {
            ec: EC_TOO_LARGE,
            message: "The policy must be smaller than 16 KB.".to_string(),
        })),
        Err(e) => Err(e),
    }
}

/// The refusal of a public policy while public access is blocked.
pub fn public_policy_refused() -> OssError {
    OssError::with_message(
        ErrorCode::AccessDenied,
        "Putting a public policy is not allowed while public access is blocked.",
    )
}

/// `PUT /bucket?policy`.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_policy(ctx, op, body).await?;
    let policy = Policy::parse(&doc).map_err(invalid)?;
    let bucket = ctx.bucket_name();
    if policy.is_public() && access::bucket_access(state, bucket).await?.blocks_public {
        return Err(public_policy_refused());
    }
    config::store(state, bucket, &FAMILY, Some(doc)).await?;
    Ok(Reply::new(200))
}

/// `GET /bucket?policy`: the policy as it was put.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    match config::load(state, bucket, &FAMILY).await? {
        Some(doc) => Ok(document(FAMILY.content_type, doc)),
        None => Err(OssError::new(FAMILY.not_found).with_detail("BucketName", bucket)),
    }
}
