//! Operation handlers, plus what they share: running store calls off the async threads,
//! reading request bodies, and object header rules.

pub mod bucket;
pub mod config;
pub mod cors;
pub mod list;
pub mod multipart;
pub mod object;
pub mod service;
// Browser-facing families: hotlink protection, static websites, access logs.
pub mod logging;
pub mod referer;
pub mod upload;
pub mod web;
pub mod website;

pub use upload::{read_small_body, receive_blob};

// Access control and data movement between buckets.
pub mod access_point;
pub mod inventory;
pub mod policy;
pub mod public_access_block;
pub mod replication;
pub mod request_payment;
// Lifecycle, versioning, retention, encryption, tagging, statistics.
pub mod encryption;
pub mod lifecycle;
pub mod stat;
pub mod tagging;
pub mod versioning;
pub mod worm;
pub mod write_rules;

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

// Object tags, symbolic links, restores of archived objects, traffic limits.
pub mod object_tagging;
pub mod restore;
pub mod symlink;
pub mod traffic;

use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{MetaValue, Store, StoreError};
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

/// Calls the handler of `op`, under the request's traffic limit if it has one (see
/// [`traffic`]).
pub async fn handle(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    match traffic::limit(ctx, op)? {
        None => handle_op(state, ctx, op, body).await,
        Some(rate) => {
            let reply = traffic::UPLOAD_LIMIT
                .scope(rate, handle_op(state, ctx, op, body))
                .await?;
            Ok(if op == OpId::GetObject {
                reply.map_body(|b| b.paced(rate))
            } else {
                reply
            })
        }
    }
}

async fn handle_op(
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
        OpId::ListObjectVersions => list::list_object_versions(state, ctx).await,
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
        // Browser-facing families (hotlink protection, static websites, access logs).
        OpId::PutBucketReferer => referer::put(state, ctx, op, body).await,
        OpId::GetBucketReferer => referer::get(state, ctx).await,
        OpId::PutBucketWebsite => website::put(state, ctx, op, body).await,
        OpId::GetBucketWebsite => config::get(state, ctx, &website::FAMILY).await,
        OpId::DeleteBucketWebsite => website::delete(state, ctx).await,
        OpId::PutBucketLogging => logging::put(state, ctx, op, body).await,
        OpId::GetBucketLogging => logging::get(state, ctx).await,
        OpId::DeleteBucketLogging => logging::delete(state, ctx).await,
        // Access control and data movement between buckets.
        OpId::PutBucketPolicy => policy::put(state, ctx, op, body).await,
        OpId::GetBucketPolicy => policy::get(state, ctx).await,
        OpId::DeleteBucketPolicy => config::delete(state, ctx, &policy::FAMILY).await,
        OpId::PutBucketRequestPayment => {
            config::put(state, ctx, op, body, &request_payment::FAMILY).await
        }
        OpId::GetBucketRequestPayment => request_payment::get(state, ctx).await,
        OpId::PutPublicAccessBlock => public_access_block::put_account(state, ctx, op, body).await,
        OpId::GetPublicAccessBlock => public_access_block::get_account(state, ctx).await,
        OpId::DeletePublicAccessBlock => public_access_block::delete_account(state, ctx).await,
        OpId::PutBucketPublicAccessBlock => {
            config::put(state, ctx, op, body, &public_access_block::FAMILY).await
        }
        OpId::GetBucketPublicAccessBlock => public_access_block::get_bucket(state, ctx).await,
        OpId::DeleteBucketPublicAccessBlock => {
            config::delete(state, ctx, &public_access_block::FAMILY).await
        }
        OpId::CreateAccessPoint => access_point::create(state, ctx, op, body).await,
        OpId::GetAccessPoint => access_point::get(state, ctx).await,
        OpId::DeleteAccessPoint => access_point::delete(state, ctx).await,
        OpId::ListBucketAccessPoints => access_point::list_bucket(state, ctx).await,
        OpId::ListAccessPoints => access_point::list_account(state, ctx).await,
        OpId::PutAccessPointPolicy => access_point::put_policy(state, ctx, op, body).await,
        OpId::GetAccessPointPolicy => access_point::get_policy(state, ctx).await,
        OpId::DeleteAccessPointPolicy => access_point::delete_policy(state, ctx).await,
        OpId::PutAccessPointPublicAccessBlock => {
            access_point::put_block(state, ctx, op, body).await
        }
        OpId::GetAccessPointPublicAccessBlock => access_point::get_block(state, ctx).await,
        OpId::DeleteAccessPointPublicAccessBlock => access_point::delete_block(state, ctx).await,
        OpId::PutBucketReplication => replication::put(state, ctx, op, body).await,
        OpId::GetBucketReplication => replication::get(state, ctx).await,
        OpId::DeleteBucketReplication => replication::delete(state, ctx, op, body).await,
        OpId::GetBucketReplicationLocation => replication::location(state, ctx).await,
        OpId::GetBucketReplicationProgress => replication::progress(state, ctx).await,
        OpId::PutBucketInventory => inventory::put(state, ctx, op, body).await,
        OpId::GetBucketInventory => inventory::get(state, ctx).await,
        OpId::ListBucketInventory => inventory::list(state, ctx).await,
        OpId::DeleteBucketInventory => inventory::delete(state, ctx).await,

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
        // Object tags, symbolic links, restores of archived objects.
        OpId::PutObjectTagging => object_tagging::put(state, ctx, op, body).await,
        OpId::GetObjectTagging => object_tagging::get(state, ctx).await,
        OpId::DeleteObjectTagging => object_tagging::delete(state, ctx).await,
        OpId::PutSymlink => symlink::put(state, ctx).await,
        OpId::GetSymlink => symlink::get(state, ctx).await,
        OpId::RestoreObject => restore::restore(state, ctx, op, body).await,
        other => Err(OssError::with_message(
            ErrorCode::NotImplemented,
            format!("{} is not implemented by this server yet.", other.name()),
        )),
    }
}

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

/// User metadata: header names and the values' bytes.
pub type UserMeta = Vec<(String, MetaValue)>;

/// The standard headers (with `Content-Type` defaulting to `application/octet-stream`) and
/// the `x-oss-meta-*` headers of a request, their values as the bytes sent. User metadata
/// larger than the limit (names and values together, 8 KiB by default) is refused with
/// `MetadataTooLarge`.
pub fn object_headers(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<(HeaderList, UserMeta), OssError> {
    let mut headers = Vec::new();
    for name in KEPT_HEADERS {
        if let Some(v) = ctx.header(name) {
            headers.push((name.to_string(), v.to_string()));
        } else if *name == "content-type" {
            headers.push((name.to_string(), "application/octet-stream".to_string()));
        }
    }
    let user_meta: UserMeta = ctx
        .user_meta
        .iter()
        .map(|(k, v)| (k.clone(), MetaValue::from(v.as_slice())))
        .collect();
    check_user_meta(state, &user_meta)?;
    Ok((headers, user_meta))
}

/// Refuses user metadata whose names and values together exceed the limit.
pub fn check_user_meta(state: &AppState, user_meta: &UserMeta) -> Result<(), OssError> {
    let limit = state.limits.max_user_metadata;
    let size: usize = user_meta.iter().map(|(k, v)| k.len() + v.len()).sum();
    if size > limit {
        return Err(OssError::with_message(
            ErrorCode::MetadataTooLarge,
            format!(
                "Your metadata headers exceed the maximum allowed metadata size: {size} bytes \
                 of x-oss-meta-* names and values, the limit is {limit}."
            ),
        ));
    }
    Ok(())
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

/// Id of the server's account unless configured otherwise.
pub const OWNER_ID: &str = "1000000000000000";

/// The owner `account` as listings and ACLs show it.
pub fn owner_of(account: &str) -> osskit_proto::xml::bucket::Owner {
    osskit_proto::xml::bucket::Owner {
        id: account.to_string(),
        display_name: account.to_string(),
    }
}

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
