//! The versioning state of a bucket (`PutBucketVersioning`, `GetBucketVersioning`, and
//! `Versioning` in `GetBucketInfo`): `Enabled` or `Suspended` once set, never unversioned
//! again. The store reads the state in the transaction of every write and delete and keeps
//! versions as it says (see [`crate::store::version`]).

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::versioning::{self as model, VersioningConfiguration};
use osskit_proto::xml::Document;

/// The versioning family.
pub static FAMILY: Family = Family {
    name: crate::store::version::CONFIG_NAME,
    // Never answered: a bucket that was never versioned answers an empty document.
    not_found: ErrorCode::InvalidRequest,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let config = VersioningConfiguration::from_document(doc).map_err(malformed)?;
    model::validate(&config).map_err(|why| OssError::with_message(ErrorCode::MalformedXML, why))?;
    config
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The bucket's versioning status (`Enabled`, `Suspended`), `None` if never set.
pub async fn status(state: &AppState, bucket: &str) -> Result<Option<String>, OssError> {
    Ok(config::load(state, bucket, &FAMILY)
        .await?
        .and_then(|doc| VersioningConfiguration::from_document(&doc).ok())
        .and_then(|c| c.status))
}

/// `PUT /bucket?versioning`. Suspending is refused while a retention policy is active.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    body: hyper::body::Incoming,
) -> Result<Reply, OssError> {
    let doc =
        config::read_document(ctx, osskit_proto::ops::OpId::PutBucketVersioning, body).await?;
    let stored = accept(ctx, &doc)?;
    let suspending = VersioningConfiguration::from_document(&stored)
        .ok()
        .and_then(|c| c.status)
        .as_deref()
        == Some(model::SUSPENDED);
    if suspending
        && super::worm::retention(state, ctx.bucket_name())
            .await?
            .is_some()
    {
        return Err(OssError::with_message(
            ErrorCode::InvalidRequest,
            "Versioning cannot be suspended while the bucket has a retention policy.",
        ));
    }
    config::store(state, ctx.bucket_name(), &FAMILY, Some(stored)).await?;
    state.web.forget(ctx.bucket_name());
    Ok(Reply::new(200))
}

/// `GET /bucket?versioning`: the stored state, or an empty document.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => VersioningConfiguration::default()
            .to_document()
            .map_err(OssError::internal)?
            .into_bytes(),
    };
    Ok(config::document("application/xml", doc))
}
