//! Referer lists (hotlink protection): storage (`PutBucketReferer`, `GetBucketReferer`) and
//! the check of anonymous and presigned requests.

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::{Access, OpId};
use osskit_proto::xml::referer::{self as model, RefererConfiguration};
use osskit_proto::xml::Document;

/// The Referer family. A bucket without lists answers the default ones (everything
/// allowed), as OSS does, so `not_found` is never used.
pub static FAMILY: Family = Family {
    name: "referer",
    not_found: ErrorCode::InvalidRequest,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let mut lists = RefererConfiguration::from_document(doc).map_err(malformed)?;
    model::validate(&lists)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    // OSS answers both switches whether or not they were sent, and no empty block list.
    lists.allow_truncate_query_string.get_or_insert(true);
    lists.truncate_path.get_or_insert(false);
    if lists.black_list().is_empty() {
        lists.referer_blacklist = None;
    }
    lists
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// What a bucket without lists answers.
fn default_lists() -> RefererConfiguration {
    RefererConfiguration::new(true, Vec::<String>::new())
        .allow_truncate_query_string(true)
        .truncate_path(false)
}

/// `PutBucketReferer`.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let reply = config::put(state, ctx, op, body, &FAMILY).await;
    state.web.forget(ctx.bucket_name());
    reply
}

/// `GetBucketReferer`: the lists, or the default ones.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => default_lists()
            .to_document()
            .map_err(OssError::internal)?
            .into_bytes(),
    };
    Ok(config::document(FAMILY.content_type, doc))
}

/// Whether the lists apply to this request: anonymous requests and presigned URLs (no
/// `Authorization` header) addressing a bucket, but not CORS preflights.
fn applies(ctx: &RequestCtx, op: OpId) -> bool {
    ctx.bucket.is_some()
        && ctx.header("authorization").is_none()
        && op.spec().access != Access::Anyone
        && op.spec().access != Access::Service
}

/// Refuses an anonymous or presigned request whose `Referer` the bucket's lists do not
/// admit, with OSS's `AccessDenied` ("You are denied by bucket referer policy.") and the EC
/// of the reason.
pub async fn check(state: &AppState, ctx: &RequestCtx, op: OpId) -> Result<(), OssError> {
    if !applies(ctx, op) {
        return Ok(());
    }
    let Some(web) = state.web.bucket(state, ctx.bucket_name()).await else {
        return Ok(());
    };
    let Some(lists) = &web.referer else {
        return Ok(());
    };
    lists.judge(ctx.header("referer")).map_err(|refusal| {
        OssError::with_message(
            ErrorCode::AccessDenied,
            "You are denied by bucket referer policy.",
        )
        .with_detail("BucketName", ctx.bucket_name())
        .with_ec(refusal.ec())
    })
}
