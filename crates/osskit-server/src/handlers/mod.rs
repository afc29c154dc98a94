//! Operation handlers, plus what they share: running store calls off the async threads,
//! reading request bodies, and object header rules.

pub mod bucket;
pub mod config;
pub mod cors;
pub mod list;
pub mod multipart;
pub mod object;
pub mod service;
// Lifecycle, versioning, retention, encryption, tagging, statistics.
pub mod encryption;
pub mod lifecycle;
pub mod stat;
pub mod tagging;
pub mod versioning;
pub mod worm;
pub mod write_rules;

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{data::BlobWriter, PendingBlob, Store, StoreError};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;

/// Runs a quick store call (see [`Store::quick_calls_inline`]): right here when the store
/// answers at once, on the blocking pool otherwise.
pub async fn quick<T, F>(state: &AppState, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    if state.store.quick_calls_inline() {
        f(state.store.as_ref())
    } else {
        blocking(state, f).await
    }
}

/// Runs a store call on the blocking pool.
pub async fn blocking<T, F>(state: &AppState, f: F) -> Result<T, StoreError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
{
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Internal(format!("storage task failed: {e}")))?
}

/// Calls the handler of `op`.
pub async fn handle(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    match op {
        OpId::ListBuckets => service::list_buckets(state, ctx).await,
        OpId::PutBucket => bucket::put_bucket(state, ctx, body).await,
        OpId::DeleteBucket => bucket::delete_bucket(state, ctx).await,
        OpId::HeadBucket => bucket::head_bucket(state, ctx).await,
        OpId::GetBucketInfo => bucket::get_bucket_info(state, ctx).await,
        OpId::GetBucketLocation => bucket::get_bucket_location(state, ctx).await,
        OpId::GetBucketAcl => bucket::get_bucket_acl(state, ctx).await,
        OpId::PutBucketAcl => bucket::put_bucket_acl(state, ctx).await,
        OpId::ListObjects => list::list_objects(state, ctx).await,
        OpId::ListObjectsV2 => list::list_objects_v2(state, ctx).await,
        OpId::ListLiveChannel => list::list_live_channels(state, ctx).await,
        OpId::DeleteMultipleObjects => object::delete_multiple(state, ctx, body).await,
        OpId::PutObject => object::put_object(state, ctx, body).await,
        OpId::CopyObject => object::copy_object(state, ctx).await,
        OpId::AppendObject => object::append_object(state, ctx, body).await,
        OpId::GetObject => object::get_object(state, ctx, false).await,
        OpId::HeadObject => object::get_object(state, ctx, true).await,
        OpId::GetObjectMeta => object::get_object_meta(state, ctx).await,
        OpId::DeleteObject => object::delete_object(state, ctx).await,
        OpId::GetObjectAcl => object::get_object_acl(state, ctx).await,
        OpId::PutObjectAcl => object::put_object_acl(state, ctx).await,
        OpId::InitiateMultipartUpload => multipart::initiate(state, ctx).await,
        OpId::UploadPart => multipart::upload_part(state, ctx, body).await,
        OpId::UploadPartCopy => multipart::upload_part_copy(state, ctx).await,
        OpId::CompleteMultipartUpload => multipart::complete(state, ctx, body).await,
        OpId::AbortMultipartUpload => multipart::abort(state, ctx).await,
        OpId::ListParts => multipart::list_parts(state, ctx).await,
        OpId::ListMultipartUploads => multipart::list_uploads(state, ctx).await,
        OpId::OptionObject => cors::preflight(state, ctx).await,
        OpId::PutBucketCors => config::put(state, ctx, op, body, &cors::FAMILY).await,
        OpId::GetBucketCors => config::get(state, ctx, &cors::FAMILY).await,
        OpId::DeleteBucketCors => config::delete(state, ctx, &cors::FAMILY).await,
        // Lifecycle, versioning, retention, encryption, tagging, statistics.
        OpId::PutBucketLifecycle => lifecycle::put(state, ctx, body).await,
        OpId::GetBucketLifecycle => config::get(state, ctx, &lifecycle::FAMILY).await,
        OpId::DeleteBucketLifecycle => lifecycle::delete(state, ctx).await,
        OpId::PutBucketVersioning => versioning::put(state, ctx, body).await,
        OpId::GetBucketVersioning => versioning::get(state, ctx).await,
        OpId::InitiateBucketWorm => worm::initiate(state, ctx, body).await,
        OpId::AbortBucketWorm => worm::abort(state, ctx).await,
        OpId::CompleteBucketWorm => worm::complete(state, ctx).await,
        OpId::ExtendBucketWorm => worm::extend(state, ctx, body).await,
        OpId::GetBucketWorm => worm::get(state, ctx).await,
        OpId::PutBucketEncryption => config::put(state, ctx, op, body, &encryption::FAMILY).await,
        OpId::GetBucketEncryption => encryption::get(state, ctx).await,
        OpId::DeleteBucketEncryption => config::delete(state, ctx, &encryption::FAMILY).await,
        OpId::PutBucketTags => config::put(state, ctx, op, body, &tagging::FAMILY).await,
        OpId::GetBucketTags => tagging::get(state, ctx).await,
        OpId::DeleteBucketTags => tagging::delete(state, ctx).await,
        OpId::GetBucketStat => stat::get_stat(state, ctx).await,
        OpId::PutBucketStorageCapacity => config::put(state, ctx, op, body, &stat::CAPACITY).await,
        OpId::GetBucketStorageCapacity => stat::get_capacity(state, ctx).await,
        other => Err(OssError::with_message(
            ErrorCode::NotImplemented,
            format!("{} is not implemented by this server yet.", other.name()),
        )),
    }
}

/// Reads a small request body (an XML document) into memory, refusing more than `limit`.
pub async fn read_small_body(mut body: Incoming, limit: usize) -> Result<Bytes, OssError> {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            OssError::with_message(
                ErrorCode::InvalidRequest,
                format!("Failed to read the request body: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > limit {
                return Err(OssError::with_message(
                    ErrorCode::EntityTooLarge,
                    format!("The request body exceeds the limit of {limit} bytes."),
                ));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buf))
}

/// How the bytes of a new blob are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlobKeys {
    /// As they are.
    Plain,
    /// Encrypted under the blob's own key stream (a new encrypted object or part).
    Own,
    /// Encrypted under the key stream of blob `blob` from byte `offset`: bytes appended to
    /// an encrypted object.
    Append {
        /// The object's blob.
        blob: String,
        /// Where the bytes go.
        offset: u64,
    },
}

impl BlobKeys {
    /// [`BlobKeys::Own`] when `encrypted`, else [`BlobKeys::Plain`].
    pub fn own_if(encrypted: bool) -> BlobKeys {
        if encrypted {
            BlobKeys::Own
        } else {
            BlobKeys::Plain
        }
    }

    /// Sets up `writer` to keep its bytes this way.
    pub fn apply(&self, store: &dyn Store, writer: &mut BlobWriter) -> Result<(), StoreError> {
        let cipher = || {
            store
                .cipher()
                .ok_or_else(|| StoreError::Internal("the store cannot encrypt objects".into()))
        };
        match self {
            BlobKeys::Plain => Ok(()),
            BlobKeys::Own => writer.encrypt(cipher()?, None),
            BlobKeys::Append { blob, offset } => writer.encrypt(cipher()?, Some((blob, *offset))),
        }
    }
}

/// Streams the request body into a new blob. The bytes go to a blocking writer through a
/// small bounded channel, so memory does not grow with the body. A body that ends early
/// (client gone, connection cut) leaves nothing behind.
pub async fn receive_blob(state: &AppState, body: Incoming) -> Result<PendingBlob, OssError> {
    receive_blob_with(state, body, BlobKeys::Plain).await
}

/// [`receive_blob`], keeping the bytes as `keys` says (encrypted or not).
pub async fn receive_blob_with(
    state: &AppState,
    mut body: Incoming,
    keys: BlobKeys,
) -> Result<PendingBlob, OssError> {
    // A small body (the common case) is collected here and written by one blocking call:
    // no writer task, no channel, one thread hand-off.
    let mut first = Vec::new();
    let mut held = 0;
    let mut ended = true;
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
            Err(e) => {
                return Err(OssError::with_message(
                    ErrorCode::InvalidRequest,
                    format!("Failed to read the request body: {e}"),
                ))
            }
        };
        held += data.len();
        first.push(data);
        if held > SMALL_BODY {
            ended = false;
            break;
        }
    }
    if ended {
        return quick(state, move |store| {
            let mut w = store.new_blob()?;
            keys.apply(store, &mut w)?;
            for data in &first {
                w.write(data)?;
            }
            w.finish()
        })
        .await
        .map_err(|e| OssError::from_store(e, "", None));
    }
    // A large body: a blocking writer writes batches of frames while a digest thread
    // hashes the same batches (by reference), and this task receives the next ones.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Vec<Bytes>, String>>(QUEUED_BATCHES);
    let store = state.store.clone();
    let writer = tokio::task::spawn_blocking(move || -> Result<PendingBlob, OssError> {
        let mut w: BlobWriter = store
            .new_blob()
            .map_err(|e| OssError::from_store(e, "", None))?;
        keys.apply(store.as_ref(), &mut w)
            .map_err(|e| OssError::from_store(e, "", None))?;
        w.hash_in_background()
            .map_err(|e| OssError::from_store(e, "", None))?;
        while let Some(batch) = rx.blocking_recv() {
            match batch {
                Ok(chunks) => w
                    .write_chunks(&chunks)
                    .map_err(|e| OssError::internal(format!("writing object data: {e}")))?,
                Err(why) => {
                    return Err(OssError::with_message(
                        ErrorCode::InvalidRequest,
                        format!("Failed to read the request body: {why}"),
                    ))
                }
            }
        }
        w.finish().map_err(|e| OssError::from_store(e, "", None))
    });
    let mut batch = first;
    let mut batched = held;
    let mut failure = None;
    loop {
        let end = match body.frame().await {
            None => true,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    batched += data.len();
                    batch.push(data);
                }
                false
            }
            Some(Err(e)) => {
                failure = Some(e.to_string());
                true
            }
        };
        if (batched >= BATCH_BYTES || end) && !batch.is_empty() {
            batched = 0;
            if tx.send(Ok(std::mem::take(&mut batch))).await.is_err() {
                break;
            }
        }
        if end {
            break;
        }
    }
    if let Some(why) = failure {
        let _ = tx.send(Err(why)).await;
    }
    drop(tx);
    writer
        .await
        .map_err(|e| OssError::internal(format!("object writer task failed: {e}")))?
}

/// Bytes of request frames handed to the blob writer at once (one vectored write, one
/// thread wake-up).
const BATCH_BYTES: usize = 1024 * 1024;

/// Batches queued to the blob writer before the receiving task waits.
const QUEUED_BATCHES: usize = 2;

/// Bodies up to this size are received into memory, then written in one blocking call.
const SMALL_BODY: usize = 256 * 1024;

/// Object headers kept with the object (besides user metadata).
pub const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// Header name/value pairs.
pub type HeaderList = Vec<(String, String)>;

/// The standard headers (with `Content-Type` defaulting to `application/octet-stream`) and
/// the `x-oss-meta-*` headers of a request.
pub fn object_headers(ctx: &RequestCtx) -> (HeaderList, HeaderList) {
    let mut headers = Vec::new();
    for name in KEPT_HEADERS {
        if let Some(v) = ctx.header(name) {
            headers.push((name.to_string(), v.to_string()));
        } else if *name == "content-type" {
            headers.push((name.to_string(), "application/octet-stream".to_string()));
        }
    }
    let user_meta = ctx
        .headers
        .iter()
        .filter(|(k, _)| k.starts_with(osskit_proto::headers::META_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    (headers, user_meta)
}

/// Checks a canned ACL value (`default` allowed for objects).
pub fn check_acl(value: &str, header: &str, object: bool) -> Result<(), OssError> {
    match value {
        "private" | "public-read" | "public-read-write" => Ok(()),
        "default" if object => Ok(()),
        _ => Err(OssError::invalid_argument(
            format!("The ACL '{value}' is not valid."),
            header,
            value,
        )),
    }
}

/// Checks a storage class and returns its canonical spelling.
pub fn check_storage_class(value: &str, what: &str) -> Result<String, OssError> {
    const CLASSES: &[&str] = &[
        "Standard",
        "IA",
        "Archive",
        "ColdArchive",
        "DeepColdArchive",
    ];
    CLASSES
        .iter()
        .find(|c| c.eq_ignore_ascii_case(value))
        .map(|c| c.to_string())
        .ok_or_else(|| {
            OssError::invalid_argument(
                format!("The storage class '{value}' is not valid."),
                what,
                value,
            )
        })
}

/// Parses `max-keys`: default 100, must be 1..=1000.
pub fn max_keys(ctx: &RequestCtx) -> Result<usize, OssError> {
    match ctx.param("max-keys") {
        None | Some("") => Ok(100),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => Ok(n),
            _ => Err(OssError::invalid_argument(
                "max-keys must be an integer between 1 and 1000.",
                "max-keys",
                v,
            )),
        },
    }
}

/// The account owner shown in listings and ACLs.
pub fn owner() -> osskit_proto::xml::bucket::Owner {
    osskit_proto::xml::bucket::Owner {
        id: OWNER_ID.to_string(),
        display_name: OWNER_ID.to_string(),
    }
}

/// Id of the single account.
pub const OWNER_ID: &str = "1000000000000000";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acl_and_storage_class_rules() {
        assert!(check_acl("private", "x-oss-acl", false).is_ok());
        assert!(check_acl("default", "x-oss-acl", false).is_err());
        assert!(check_acl("default", "x-oss-object-acl", true).is_ok());
        assert_eq!(
            check_acl("bogus", "x-oss-acl", false).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        assert_eq!(check_storage_class("ia", "x").unwrap(), "IA");
        assert_eq!(
            check_storage_class("Hot", "x").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }
}
