//! Lifecycle rules as a configuration family (`PutBucketLifecycle`, `GetBucketLifecycle`,
//! `DeleteBucketLifecycle`), validated as OSS does. The background task that applies them
//! is [`crate::lifecycle`].

use super::config::{self, malformed, read_document, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::lifecycle::{self as model, LifecycleConfiguration};
use osskit_proto::xml::Document;

/// The lifecycle family.
pub static FAMILY: Family = Family {
    name: "lifecycle",
    not_found: ErrorCode::NoSuchLifecycle,
    content_type: "application/xml",
    accept,
};

/// `x-oss-allow-same-action-overlap`.
pub const ALLOW_OVERLAP: &str = "x-oss-allow-same-action-overlap";

fn accept(ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let mut config = LifecycleConfiguration::from_document(doc).map_err(malformed)?;
    let allow_overlap = ctx
        .header(ALLOW_OVERLAP)
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    model::validate(&config, allow_overlap)
        .map_err(|e| OssError::with_message(e.code, e.message))?;
    // OSS names rules that come without an id.
    for rule in &mut config.rules {
        if rule.id.as_deref().is_none_or(str::is_empty) {
            rule.id = Some(format!("{:032x}", rand::random::<u128>()));
        }
    }
    config
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The bucket's rules, if any (a stored document that no longer parses counts as none).
pub async fn rules(
    state: &AppState,
    bucket: &str,
) -> Result<Option<LifecycleConfiguration>, OssError> {
    Ok(config::load(state, bucket, &FAMILY)
        .await?
        .and_then(|doc| LifecycleConfiguration::from_document(&doc).ok()))
}

/// `PUT /bucket?lifecycle`: validates and stores the rules. Rules that count from the last
/// access need the bucket's access tracking on (as OSS: `InvalidArgument`, EC
/// 0014-00000016, otherwise); tracking then cannot be turned off while they exist.
pub async fn put(state: &AppState, ctx: &RequestCtx, body: Incoming) -> Result<Reply, OssError> {
    let doc = read_document(ctx, OpId::PutBucketLifecycle, body).await?;
    let stored = accept(ctx, &doc)?;
    let by_access = LifecycleConfiguration::from_document(&stored)
        .map(|c| c.rules.iter().any(|r| r.uses_access_time()))
        .unwrap_or(false);
    if by_access
        && super::access_monitor::tracking_since(state, ctx.bucket_name())
            .await?
            .is_none()
    {
        return Err(OssError::with_message(
            ErrorCode::InvalidArgument,
            "Lifecycle rules based on the last access time need access tracking: enable it \
             with PutBucketAccessMonitor first.",
        )
        .with_ec("0014-00000016"));
    }
    config::store(state, ctx.bucket_name(), &FAMILY, Some(stored)).await?;
    Ok(Reply::new(200))
}

/// `DELETE /bucket?lifecycle`.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    config::delete(state, ctx, &FAMILY).await
}
