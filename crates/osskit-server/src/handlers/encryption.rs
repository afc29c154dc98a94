//! Server-side encryption: the bucket's default rule (`PutBucketEncryption` and friends),
//! the encryption of each new object (its `x-oss-server-side-encryption*` headers, else the
//! bucket's rule) and the headers objects answer with.
//!
//! Whatever the algorithm (`AES256`, `KMS`, `SM4`), the bytes of an encrypted object are
//! kept encrypted at rest with AES-256 under the store's key (see
//! [`crate::store::cipher`]). There is no KMS here: `KMS` is accepted as OSS accepts it
//! and answered with the key id given, or with this server's stand-in for the account's
//! default KMS key ([`default_kms_key_id`]); `SM4` is reported, not used.

use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{ObjectEncryption, Store, StoreError};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::encryption::{self as model, ServerSideEncryptionRule, AES256, KMS, SM4};
use osskit_proto::xml::Document;

/// `x-oss-server-side-encryption`.
pub const SSE: &str = "x-oss-server-side-encryption";
/// `x-oss-server-side-encryption-key-id`.
pub const SSE_KEY_ID: &str = "x-oss-server-side-encryption-key-id";
/// `x-oss-server-side-data-encryption`.
pub const SSE_DATA: &str = "x-oss-server-side-data-encryption";

/// The default encryption rule of a bucket.
pub static FAMILY: Family = Family {
    name: "encryption",
    not_found: ErrorCode::NoSuchServerSideEncryptionRule,
    content_type: "application/xml",
    accept,
};

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let rule = ServerSideEncryptionRule::from_document(doc).map_err(malformed)?;
    model::validate(&rule).map_err(|(code, why)| OssError::with_message(code, why))?;
    rule.normalized()
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The bucket's rule, if one is set.
pub async fn rule(
    state: &AppState,
    bucket: &str,
) -> Result<Option<ServerSideEncryptionRule>, OssError> {
    Ok(config::load(state, bucket, &FAMILY)
        .await?
        .and_then(|doc| ServerSideEncryptionRule::from_document(&doc).ok()))
}

/// Stores a rule given as headers of `PutBucket` (`x-oss-server-side-encryption` and
/// friends), validated as a `PutBucketEncryption` body would be.
pub fn rule_from_headers(ctx: &RequestCtx) -> Result<Option<ServerSideEncryptionRule>, OssError> {
    let Some(algorithm) = ctx.header(SSE) else {
        return Ok(None);
    };
    let mut rule = ServerSideEncryptionRule::new(algorithm.trim());
    rule.apply.kms_master_key_id = ctx.header(SSE_KEY_ID).map(|k| k.trim().to_string());
    rule.apply.kms_data_encryption = ctx.header(SSE_DATA).map(|k| k.trim().to_string());
    model::validate(&rule).map_err(|(code, why)| OssError::with_message(code, why))?;
    Ok(Some(rule.normalized()))
}

/// This server's stand-in for the account's default KMS key in region `region` (a stable
/// id in the shape of KMS key ids), answered when `KMS` is asked for without a key id.
pub fn default_kms_key_id(region: &str) -> String {
    let d = osskit_proto::digest::md5(format!("osskit default KMS key {region}").as_bytes());
    let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn encryption(
    state: &AppState,
    algorithm: &str,
    key_id: Option<&str>,
    data: Option<&str>,
) -> Box<ObjectEncryption> {
    encryption_in(&state.region, algorithm, key_id, data)
}

fn encryption_in(
    region: &str,
    algorithm: &str,
    key_id: Option<&str>,
    data: Option<&str>,
) -> Box<ObjectEncryption> {
    let kms = algorithm == KMS;
    Box::new(ObjectEncryption {
        algorithm: algorithm.to_string(),
        key_id: kms.then(|| {
            key_id
                .filter(|k| !k.is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| default_kms_key_id(region))
        }),
        data_algorithm: data.filter(|d| kms && *d == SM4).map(str::to_string),
    })
}

/// Whether the request carries encryption headers (refused by calls that take none, such
/// as UploadPart and CompleteMultipartUpload).
pub fn has_headers(ctx: &RequestCtx) -> bool {
    ctx.header(SSE).is_some() || ctx.header(SSE_KEY_ID).is_some() || ctx.header(SSE_DATA).is_some()
}

/// Refuses the encryption headers on calls that take none.
pub fn refuse_headers(ctx: &RequestCtx) -> Result<(), OssError> {
    if let Some((name, value)) = [SSE, SSE_DATA, SSE_KEY_ID]
        .iter()
        .find_map(|n| ctx.header(n).map(|v| (*n, v)))
    {
        return Err(OssError::invalid_argument(
            "This request does not take server-side encryption headers: the upload was initiated with its encryption.",
            name,
            value,
        ));
    }
    Ok(())
}

/// The encryption the request's headers ask for, `None` without `x-oss-server-side-encryption`.
pub fn from_headers(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Option<Box<ObjectEncryption>>, OssError> {
    let Some(algorithm) = ctx.header(SSE).map(str::trim) else {
        return Ok(None);
    };
    if ![AES256, KMS, SM4].contains(&algorithm) {
        return Err(OssError::invalid_argument(
            format!("The server-side encryption algorithm {algorithm:?} is not valid: use AES256, KMS or SM4."),
            SSE,
            algorithm,
        ));
    }
    let key_id = ctx.header(SSE_KEY_ID).map(str::trim);
    if algorithm != KMS && key_id.is_some_and(|k| !k.is_empty()) {
        return Err(OssError::invalid_argument(
            "x-oss-server-side-encryption-key-id is allowed only with KMS.",
            SSE_KEY_ID,
            key_id.unwrap_or_default(),
        ));
    }
    let data = ctx.header(SSE_DATA).map(str::trim);
    if let Some(d) = data.filter(|d| algorithm == KMS && *d != SM4) {
        return Err(OssError::invalid_argument(
            "x-oss-server-side-data-encryption must be SM4.",
            SSE_DATA,
            d,
        ));
    }
    Ok(Some(encryption(state, algorithm, key_id, data)))
}

/// The encryption of a new object written by this request: its headers, else the
/// bucket's rule, else none.
pub async fn for_new_object(
    state: &AppState,
    ctx: &RequestCtx,
    bucket: &str,
) -> Result<Option<Box<ObjectEncryption>>, OssError> {
    if let Some(e) = from_headers(state, ctx)? {
        return Ok(Some(e));
    }
    choose(state, ctx, rule(state, bucket).await?.as_ref())
}

/// [`for_new_object`] with the bucket's rule already read.
pub fn choose(
    state: &AppState,
    ctx: &RequestCtx,
    rule: Option<&ServerSideEncryptionRule>,
) -> Result<Option<Box<ObjectEncryption>>, OssError> {
    if let Some(e) = from_headers(state, ctx)? {
        return Ok(Some(e));
    }
    Ok(rule.map(|r| {
        encryption(
            state,
            &r.apply.sse_algorithm,
            r.apply.kms_master_key_id.as_deref(),
            r.apply.kms_data_encryption.as_deref(),
        )
    }))
}

/// The encryption of an object the server itself writes into `bucket` (an access log, an
/// inventory report, a mirrored object): the bucket's rule, if any (blocking).
pub fn bucket_default_in(
    s: &dyn Store,
    bucket: &str,
    region: &str,
) -> Result<Option<Box<ObjectEncryption>>, StoreError> {
    Ok(s.bucket_config(bucket, FAMILY.name)?
        .and_then(|doc| ServerSideEncryptionRule::from_document(&doc).ok())
        .map(|r| {
            encryption_in(
                region,
                &r.apply.sse_algorithm,
                r.apply.kms_master_key_id.as_deref(),
                r.apply.kms_data_encryption.as_deref(),
            )
        }))
}

/// The `x-oss-server-side-encryption*` headers of an object.
pub fn headers(e: Option<&ObjectEncryption>) -> Vec<(&'static str, String)> {
    let Some(e) = e else {
        return Vec::new();
    };
    let mut out = vec![(SSE, e.algorithm.clone())];
    if let Some(k) = &e.key_id {
        out.push((SSE_KEY_ID, k.clone()));
    }
    if let Some(d) = &e.data_algorithm {
        out.push((SSE_DATA, d.clone()));
    }
    out
}

/// Adds the encryption headers of `e` to `reply`.
pub fn decorate(mut reply: Reply, e: Option<&ObjectEncryption>) -> Reply {
    for (name, value) in headers(e) {
        reply = reply.header(name, value);
    }
    reply
}

/// `GET /bucket?encryption`.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    config::get(state, ctx, &FAMILY).await
}
