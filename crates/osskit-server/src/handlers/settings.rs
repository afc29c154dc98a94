//! Bucket settings kept as one document each: transfer acceleration, archive direct read,
//! the HTTPS (TLS) configuration and callback policies.
//!
//! Locally they are stored and answered as OSS does. The server speaks plain HTTP, so the
//! TLS versions and acceleration have nothing to act on; archive direct read has no effect
//! either, as the server serves Archive objects without a restore. Callback policies are
//! what uploads name with `{"callbackPolicy":"NAME"}` in `x-oss-callback`.

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::archive_direct_read::ArchiveDirectReadConfiguration;
use osskit_proto::xml::callback_policy::{self, BucketCallbackPolicy};
use osskit_proto::xml::https_config::{self, HttpsConfiguration};
use osskit_proto::xml::transfer_acceleration::TransferAccelerationConfiguration;
use osskit_proto::xml::Document;

fn stored(doc: &impl Document) -> Result<Vec<u8>, OssError> {
    doc.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// Transfer acceleration.
pub static TRANSFER_ACCELERATION: Family = Family {
    name: "transferacceleration",
    not_found: ErrorCode::NoSuchTransferAccelerationConfiguration,
    content_type: "application/xml",
    accept: accept_transfer_acceleration,
};

fn accept_transfer_acceleration(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    stored(&TransferAccelerationConfiguration::from_document(doc).map_err(malformed)?)
}

/// `Enabled` or `Disabled`, as GetBucketInfo reports transfer acceleration.
pub async fn transfer_acceleration_status(
    state: &AppState,
    bucket: &str,
) -> Result<&'static str, OssError> {
    let on = config::load(state, bucket, &TRANSFER_ACCELERATION)
        .await?
        .and_then(|d| TransferAccelerationConfiguration::from_document(&d).ok())
        .is_some_and(|c| c.enabled);
    Ok(if on { "Enabled" } else { "Disabled" })
}

/// Archive direct read.
pub static ARCHIVE_DIRECT_READ: Family = Family {
    name: "archivedirectread",
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept: accept_archive_direct_read,
};

fn accept_archive_direct_read(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    stored(&ArchiveDirectReadConfiguration::from_document(doc).map_err(malformed)?)
}

/// GetBucketArchiveDirectRead: `false` until set.
pub async fn get_archive_direct_read(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Reply, OssError> {
    get_or(
        state,
        ctx,
        &ARCHIVE_DIRECT_READ,
        &ArchiveDirectReadConfiguration::new(false),
    )
    .await
}

/// The HTTPS configuration.
pub static HTTPS_CONFIG: Family = Family {
    name: "httpsconfig",
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept: accept_https_config,
};

fn accept_https_config(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let config = HttpsConfiguration::from_document(doc).map_err(malformed)?;
    // OSS answers MalformedXML for TLS settings it cannot apply.
    https_config::validate(&config).map_err(malformed)?;
    stored(&config.normalized())
}

/// GetBucketHttpsConfig: TLS settings off until set.
pub async fn get_https_config(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    get_or(
        state,
        ctx,
        &HTTPS_CONFIG,
        &HttpsConfiguration::new(false, Vec::<String>::new()),
    )
    .await
}

/// Callback policies.
pub static CALLBACK_POLICY: Family = Family {
    name: "callbackpolicy",
    not_found: ErrorCode::BucketCallbackPolicyNotExist,
    content_type: "application/xml",
    accept: accept_callback_policy,
};

fn accept_callback_policy(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let policy = BucketCallbackPolicy::from_document(doc).map_err(malformed)?;
    callback_policy::validate(&policy)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    stored(&policy)
}

/// The callback policies of `bucket`, if set.
pub async fn callback_policies(
    state: &AppState,
    bucket: &str,
) -> Result<Option<BucketCallbackPolicy>, OssError> {
    Ok(config::load(state, bucket, &CALLBACK_POLICY)
        .await?
        .and_then(|d| BucketCallbackPolicy::from_document(&d).ok()))
}

/// A get answering `default` when nothing is stored (for settings OSS reports as off
/// rather than missing).
async fn get_or(
    state: &AppState,
    ctx: &RequestCtx,
    family: &'static Family,
    default: &impl Document,
) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), family).await? {
        Some(doc) => doc,
        None => stored(default)?,
    };
    Ok(config::document(family.content_type, doc))
}
