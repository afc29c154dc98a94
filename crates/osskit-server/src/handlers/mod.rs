//! Operation handlers, plus what they share: running store calls off the async threads,
//! reading request bodies, and object header rules.

pub mod bucket;
pub mod config;
pub mod cors;
pub mod list;
pub mod multipart;
pub mod object;
pub mod service;

// Account and bucket settings served from configuration, background tasks and indexes.
pub mod access_monitor;
pub mod async_fetch;
pub mod callback;
pub mod cname;
pub mod meta_query;
pub mod observe;
pub mod qos;
pub mod redundancy_transition;
pub mod regions;
pub mod resource_group;
pub mod settings;
pub mod style;

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
        OpId::PutBucket => resource_group::create_bucket(state, ctx, body).await,
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

        // Account and bucket settings, background tasks and indexes.
        OpId::PutBucketTransferAcceleration => {
            config::put(state, ctx, op, body, &settings::TRANSFER_ACCELERATION).await
        }
        OpId::GetBucketTransferAcceleration => {
            config::get(state, ctx, &settings::TRANSFER_ACCELERATION).await
        }
        OpId::PutBucketArchiveDirectRead => {
            config::put(state, ctx, op, body, &settings::ARCHIVE_DIRECT_READ).await
        }
        OpId::GetBucketArchiveDirectRead => settings::get_archive_direct_read(state, ctx).await,
        OpId::PutBucketHttpsConfig => {
            config::put(state, ctx, op, body, &settings::HTTPS_CONFIG).await
        }
        OpId::GetBucketHttpsConfig => settings::get_https_config(state, ctx).await,
        OpId::PutBucketCallbackPolicy => {
            config::put(state, ctx, op, body, &settings::CALLBACK_POLICY).await
        }
        OpId::GetBucketCallbackPolicy => config::get(state, ctx, &settings::CALLBACK_POLICY).await,
        OpId::DeleteBucketCallbackPolicy => {
            config::delete(state, ctx, &settings::CALLBACK_POLICY).await
        }
        OpId::PutBucketAccessMonitor => access_monitor::put(state, ctx, op, body).await,
        OpId::GetBucketAccessMonitor => access_monitor::get(state, ctx).await,
        OpId::PutBucketResourceGroup => resource_group::put(state, ctx, op, body).await,
        OpId::GetBucketResourceGroup => resource_group::get(state, ctx).await,
        OpId::CreateCnameToken => cname::create_token(state, ctx, op, body).await,
        OpId::GetCnameToken => cname::get_token(state, ctx).await,
        OpId::PutCname => cname::put(state, ctx, op, body).await,
        OpId::ListCname => cname::list(state, ctx).await,
        OpId::DeleteCname => cname::delete(state, ctx, op, body).await,
        OpId::GetUserQosInfo => qos::get_user_qos(state).await,
        OpId::PutBucketQosInfo => qos::put_bucket_qos(state, ctx, op, body).await,
        OpId::GetBucketQosInfo => qos::get_bucket_qos(state, ctx).await,
        OpId::DeleteBucketQosInfo => config::delete(state, ctx, &qos::BUCKET).await,
        OpId::PutBucketRequesterQosInfo => qos::put_bucket_requester(state, ctx, op, body).await,
        OpId::GetBucketRequesterQosInfo => qos::get_bucket_requester(state, ctx).await,
        OpId::ListBucketRequesterQosInfos => qos::list_bucket_requesters(state, ctx).await,
        OpId::DeleteBucketRequesterQosInfo => qos::delete_bucket_requester(state, ctx).await,
        OpId::ListResourcePools => qos::list_pools(state, ctx).await,
        OpId::GetResourcePoolInfo => qos::get_pool(state, ctx).await,
        OpId::ListResourcePoolBuckets => qos::list_pool_buckets(state, ctx).await,
        OpId::PutResourcePoolRequesterQosInfo => {
            qos::put_pool_requester(state, ctx, op, body).await
        }
        OpId::GetResourcePoolRequesterQosInfo => qos::get_pool_requester(state, ctx).await,
        OpId::ListResourcePoolRequesterQosInfos => qos::list_pool_requesters(state, ctx).await,
        OpId::DeleteResourcePoolRequesterQosInfo => qos::delete_pool_requester(state, ctx).await,
        OpId::OpenMetaQuery => meta_query::open(state, ctx, op).await,
        OpId::GetMetaQueryStatus => meta_query::status(state, ctx).await,
        OpId::DoMetaQuery => meta_query::query(state, ctx, op, body).await,
        OpId::CloseMetaQuery => meta_query::close(state, ctx).await,
        OpId::PutStyle => style::put(state, ctx, op, body).await,
        OpId::GetStyle => style::get(state, ctx).await,
        OpId::ListStyle => style::list(state, ctx).await,
        OpId::DeleteStyle => style::delete(state, ctx).await,
        OpId::PutAsyncFetchTask => async_fetch::put(state, ctx, op, body).await,
        OpId::GetAsyncFetchTask => async_fetch::get(state, ctx).await,
        OpId::DescribeRegions => regions::describe_regions(state, ctx).await,
        OpId::CreateBucketDataRedundancyTransition => {
            redundancy_transition::create(state, ctx).await
        }
        OpId::GetBucketDataRedundancyTransition => redundancy_transition::get(state, ctx).await,
        OpId::DeleteBucketDataRedundancyTransition => {
            redundancy_transition::delete(state, ctx).await
        }
        OpId::ListBucketDataRedundancyTransition => {
            redundancy_transition::list_bucket(state, ctx).await
        }
        OpId::ListUserDataRedundancyTransition => {
            redundancy_transition::list_user(state, ctx).await
        }
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

/// Streams the request body into a new blob. The bytes go to a blocking writer through a
/// small bounded channel, so memory does not grow with the body. A body that ends early
/// (client gone, connection cut) leaves nothing behind.
pub async fn receive_blob(state: &AppState, mut body: Incoming) -> Result<PendingBlob, OssError> {
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
