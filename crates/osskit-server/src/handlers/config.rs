//! Bucket configuration families: each is stored as one document per bucket (validated
//! and written in OSS's form on the way in), returned by its get call, removed by its delete
//! call. A family is its [`Family`] description; the calls themselves are shared.

use super::{blocking, quick, read_small_body};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use bytes::Bytes;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::{OpId, MAX_CONFIG_BODY};

/// One configuration family as the server keeps it.
#[derive(Debug)]
pub struct Family {
    /// Name of the stored document (`cors`, `lifecycle`, …).
    pub name: &'static str,
    /// What a get answers when nothing is set.
    pub not_found: ErrorCode,
    /// Media type of the stored document.
    pub content_type: &'static str,
    /// Reads, validates and normalises a put body into the document to store.
    pub accept: fn(&RequestCtx, &[u8]) -> Result<Vec<u8>, OssError>,
}

/// `MalformedXML` carrying what the parser said.
pub fn malformed(why: impl std::fmt::Display) -> OssError {
    OssError::with_message(
        ErrorCode::MalformedXML,
        format!("{} ({why})", ErrorCode::MalformedXML.default_message()),
    )
}

/// Reads a configuration body within the operation's declared limit, checking
/// `Content-MD5` when sent.
pub async fn read_document(ctx: &RequestCtx, op: OpId, body: Incoming) -> Result<Bytes, OssError> {
    let limit = op.spec().max_body.unwrap_or(MAX_CONFIG_BODY) as usize;
    let doc = read_small_body(body, limit).await?;
    if let Some(md5) = super::object::content_md5(ctx)? {
        let actual = osskit_proto::digest::md5(&doc);
        if actual != md5 {
            return Err(OssError::new(ErrorCode::InvalidDigest)
                .with_detail("Content-MD5", ctx.header("content-md5").unwrap_or_default()));
        }
    }
    Ok(doc)
}

/// The stored document of `family`, if set.
pub async fn load(
    state: &AppState,
    bucket: &str,
    family: &'static Family,
) -> Result<Option<Vec<u8>>, OssError> {
    let b = bucket.to_string();
    quick(state, move |s| s.bucket_config(&b, family.name))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

/// Stores (or with `None` removes) the document of `family`.
pub async fn store(
    state: &AppState,
    bucket: &str,
    family: &'static Family,
    doc: Option<Vec<u8>>,
) -> Result<(), OssError> {
    let b = bucket.to_string();
    blocking(state, move |s| s.set_bucket_config(&b, family.name, doc))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

/// A put: read, validate, store.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
    family: &'static Family,
) -> Result<Reply, OssError> {
    let doc = read_document(ctx, op, body).await?;
    let stored = (family.accept)(ctx, &doc)?;
    store(state, ctx.bucket_name(), family, Some(stored)).await?;
    Ok(Reply::new(200))
}

/// A get: the stored document, or the family's `NoSuch…` error.
pub async fn get(
    state: &AppState,
    ctx: &RequestCtx,
    family: &'static Family,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    match load(state, bucket, family).await? {
        Some(doc) => Ok(document(family.content_type, doc)),
        None => Err(OssError::new(family.not_found).with_detail("BucketName", bucket)),
    }
}

/// A delete: 204 whether or not something was set.
pub async fn delete(
    state: &AppState,
    ctx: &RequestCtx,
    family: &'static Family,
) -> Result<Reply, OssError> {
    store(state, ctx.bucket_name(), family, None).await?;
    Ok(Reply::new(204))
}

/// 200 with a stored document.
pub fn document(content_type: &str, doc: Vec<u8>) -> Reply {
    let len = doc.len();
    Reply::new(200)
        .header("content-type", content_type)
        .header("content-length", len.to_string())
        .with_body(crate::http::body::ResponseBody::full(doc))
}
