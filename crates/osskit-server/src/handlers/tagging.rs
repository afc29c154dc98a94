//! Bucket tags (`PutBucketTags`, `GetBucketTags`, `DeleteBucketTags` of all or of named
//! keys), tags given when the bucket is created (`x-oss-bucket-tagging`), and ListBuckets'
//! `tag-key`/`tag-value` filter.

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::tagging::{validate_bucket_tags, Tagging};
use osskit_proto::xml::Document;

/// The bucket tagging family.
pub static FAMILY: Family = Family {
    name: "tagging",
    // Never answered: an untagged bucket answers an empty tag set.
    not_found: ErrorCode::InvalidRequest,
    content_type: "application/xml",
    accept,
};

fn invalid_tag(why: String) -> OssError {
    OssError::with_message(ErrorCode::InvalidTag, why).with_ec("0017-00000801")
}

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let tags = Tagging::from_document(doc).map_err(malformed)?;
    validate_bucket_tags(&tags).map_err(invalid_tag)?;
    tags.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The tags of `bucket` (empty when untagged).
pub async fn tags(state: &AppState, bucket: &str) -> Result<Tagging, OssError> {
    Ok(config::load(state, bucket, &FAMILY)
        .await?
        .and_then(|doc| Tagging::from_document(&doc).ok())
        .unwrap_or_default())
}

/// Tags from the `x-oss-bucket-tagging` header of PutBucket (`k1=v1&k2=v2`, URL-encoded),
/// checked as a PutBucketTags body would be.
pub fn from_header(ctx: &RequestCtx) -> Result<Option<Vec<u8>>, OssError> {
    let Some(header) = ctx.header("x-oss-bucket-tagging") else {
        return Ok(None);
    };
    let pairs = osskit_proto::encoding::parse_query(header.trim());
    let tags = Tagging::from_pairs(pairs);
    validate_bucket_tags(&tags).map_err(invalid_tag)?;
    tags.to_document()
        .map(|d| Some(d.into_bytes()))
        .map_err(OssError::internal)
}

/// `GET /bucket?tagging`: the tags, or an empty tag set.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = tags(state, ctx.bucket_name())
        .await?
        .to_document()
        .map_err(OssError::internal)?;
    Ok(config::document("application/xml", doc.into_bytes()))
}

/// `DELETE /bucket?tagging` removes every tag; `?tagging=k1,k2` only those keys.
pub async fn delete(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let named: Vec<&str> = ctx
        .param("tagging")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect();
    if named.is_empty() {
        return config::delete(state, ctx, &FAMILY).await;
    }
    let mut current = tags(state, ctx.bucket_name()).await?;
    current
        .tag_set
        .tags
        .retain(|t| !named.contains(&t.key.as_str()));
    let doc = if current.tags().is_empty() {
        None
    } else {
        Some(
            current
                .to_document()
                .map_err(OssError::internal)?
                .into_bytes(),
        )
    };
    config::store(state, ctx.bucket_name(), &FAMILY, doc).await?;
    Ok(Reply::new(204))
}

/// Whether a bucket with `tags` passes ListBuckets' `tag-key` / `tag-value` filter.
pub fn matches(tags: &Tagging, key: Option<&str>, value: Option<&str>) -> bool {
    match (key, value) {
        (None, None) => true,
        (Some(k), v) => tags
            .tags()
            .iter()
            .any(|t| t.key == k && v.is_none_or(|v| t.value == v)),
        (None, Some(v)) => tags.tags().iter().any(|t| t.value == v),
    }
}
