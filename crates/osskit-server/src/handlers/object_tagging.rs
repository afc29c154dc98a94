//! Object tags: PutObjectTagging, GetObjectTagging, DeleteObjectTagging, and the
//! `x-oss-tagging` header of uploads (PutObject, AppendObject, InitiateMultipartUpload,
//! PutSymlink) and copies (with `x-oss-tagging-directive`).

use super::{blocking, config};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::tagging::{InvalidTag, Tagging};
use osskit_proto::xml::{self, Document};

/// The request header carrying tags.
pub const TAGGING: &str = "x-oss-tagging";
/// Whether a copy keeps the source's tags (`COPY`) or takes `x-oss-tagging` (`REPLACE`).
pub const TAGGING_DIRECTIVE: &str = "x-oss-tagging-directive";
/// The response header counting an object's tags.
pub const TAGGING_COUNT: &str = "x-oss-tagging-count";

fn invalid(e: InvalidTag) -> OssError {
    OssError::with_message(ErrorCode::InvalidTag, e.0)
}

/// The tags of the request's `x-oss-tagging` header, validated; `None` without the header.
pub fn from_header(ctx: &RequestCtx) -> Result<Option<Vec<(String, String)>>, OssError> {
    let Some(value) = ctx.header(TAGGING) else {
        return Ok(None);
    };
    let tagging = Tagging::from_header(value).map_err(|e| {
        invalid(e)
            .with_ec("0010-00000219")
            .with_detail("Header", TAGGING)
    })?;
    tagging.validate().map_err(invalid)?;
    Ok(Some(tagging.pairs()))
}

/// Whether a copy takes its tags from `x-oss-tagging` (`REPLACE`) rather than from the
/// source (`COPY`, the default).
pub fn replace_on_copy(ctx: &RequestCtx) -> Result<bool, OssError> {
    match ctx.header(TAGGING_DIRECTIVE).map(str::trim) {
        None | Some("") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("COPY") => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("REPLACE") => Ok(true),
        Some(v) => Err(OssError::invalid_argument(
            "x-oss-tagging-directive must be COPY or REPLACE.",
            TAGGING_DIRECTIVE,
            v,
        )),
    }
}

/// `PUT /bucket/key?tagging`: replaces the object's tags (its modification time stays).
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    super::object::validate_key(&key)?;
    let doc = config::read_document(ctx, op, body).await?;
    let tagging = Tagging::from_document(&doc).map_err(config::malformed)?;
    tagging.validate().map_err(invalid)?;
    let tags = tagging.pairs();
    let version = super::object::version_param(ctx)?;
    let done = set_tags(state, &bucket, &key, version, tags).await?;
    Ok(super::object::with_version(state, &bucket, Reply::new(200), &done).await)
}

/// `GET /bucket/key?tagging`: the tags (an empty `TagSet` when there are none).
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    super::object::validate_key(&ctx.key)?;
    let version = super::object::version_param(ctx)?;
    let meta = super::object::object_version_meta(state, &bucket, &ctx.key, version).await?;
    let tagging = Tagging::from_pairs(meta.extras.tags.clone());
    Ok(super::object::with_version(state, &bucket, Reply::xml(xml::to_xml(&tagging)), &meta).await)
}

/// `DELETE /bucket/key?tagging`: removes every tag (204).
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    super::object::validate_key(&key)?;
    let version = super::object::version_param(ctx)?;
    let done = set_tags(state, &bucket, &key, version, Vec::new()).await?;
    Ok(super::object::with_version(state, &bucket, Reply::new(204), &done).await)
}

async fn set_tags(
    state: &AppState,
    bucket: &str,
    key: &str,
    version: Option<crate::store::VersionId>,
    tags: Vec<(String, String)>,
) -> Result<crate::store::ObjectMeta, OssError> {
    let (b, k) = (bucket.to_string(), key.to_string());
    blocking(state, move |s| {
        s.update_version_meta(
            &b,
            &k,
            version,
            Box::new(move |m| {
                m.extras.tags.clone_from(&tags);
                Ok(())
            }),
        )
    })
    .await
    .map_err(|e| OssError::from_store(e, bucket, Some(key)))
}
