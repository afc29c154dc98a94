//! Public access blocks of the account (`PutPublicAccessBlock` …) and of buckets
//! (`PutBucketPublicAccessBlock` …); enforced by [`crate::access`]. Access point blocks are
//! kept with their access point ([`super::access_point`]).

use super::config::{self, document, malformed, read_document, Family};
use crate::access::PUBLIC_ACCESS_BLOCK_DOC;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::public_access_block::PublicAccessBlockConfiguration;
use osskit_proto::xml::Document;

/// The bucket-level family.
pub static FAMILY: Family = Family {
    name: PUBLIC_ACCESS_BLOCK_DOC,
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept,
};

/// Parses a configuration and writes it as OSS returns it.
pub fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let config = PublicAccessBlockConfiguration::from_document(doc).map_err(malformed)?;
    written(&config)
}

fn written(config: &PublicAccessBlockConfiguration) -> Result<Vec<u8>, OssError> {
    config
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The document of a get: the stored one, or `false` when none is set.
pub fn or_unblocked(doc: Option<Vec<u8>>) -> Result<Vec<u8>, OssError> {
    match doc {
        Some(d) => Ok(d),
        None => written(&PublicAccessBlockConfiguration::new(false)),
    }
}

/// `GET /bucket?publicAccessBlock`.
pub async fn get_bucket(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = config::load(state, ctx.bucket_name(), &FAMILY).await?;
    Ok(document("application/xml", or_unblocked(doc)?))
}

fn account(ctx: &RequestCtx) -> Result<String, OssError> {
    ctx.principal
        .account_id()
        .map(str::to_string)
        .ok_or_else(|| OssError::new(ErrorCode::AccessDenied))
}

async fn set_account(
    state: &AppState,
    account: String,
    doc: Option<Vec<u8>>,
) -> Result<(), OssError> {
    super::blocking(state, move |s| {
        s.set_account_config(&account, PUBLIC_ACCESS_BLOCK_DOC, doc)
    })
    .await
    .map_err(|e| OssError::from_store(e, "", None))
}

/// `PUT /?publicAccessBlock`: the requester's account.
pub async fn put_account(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, op, body).await?;
    let stored = accept(ctx, &doc)?;
    set_account(state, account(ctx)?, Some(stored)).await?;
    Ok(Reply::new(200))
}

/// `GET /?publicAccessBlock`.
pub async fn get_account(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let a = account(ctx)?;
    let doc = super::quick(state, move |s| {
        s.account_config(&a, PUBLIC_ACCESS_BLOCK_DOC)
    })
    .await
    .map_err(|e| OssError::from_store(e, "", None))?;
    Ok(document("application/xml", or_unblocked(doc)?))
}

/// `DELETE /?publicAccessBlock`.
pub async fn delete_account(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    set_account(state, account(ctx)?, None).await?;
    Ok(Reply::new(204))
}
