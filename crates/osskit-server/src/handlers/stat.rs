//! `GetBucketStat` (objects, bytes per storage class, unfinished multipart uploads and
//! their parts, counted from the store when asked) and the bucket's storage capacity
//! (`PutBucketStorageCapacity`, `GetBucketStorageCapacity`), which writes may not exceed.

use super::blocking;
use super::config::{self, malformed, Family};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{Store, StoreError, UploadEntry, VersionEntry};
use osskit_proto::error_code::ErrorCode;
use osskit_proto::xml::stat::{validate_capacity, BucketStat, BucketUserQos};
use osskit_proto::xml::Document;

/// Entries read from the store at a time while counting.
const PAGE: usize = 1000;

/// The storage capacity family.
pub static CAPACITY: Family = Family {
    name: "qos",
    // Never answered: a bucket without a capacity answers -1 (unlimited).
    not_found: ErrorCode::InvalidRequest,
    content_type: "application/xml",
    accept: accept_capacity,
};

fn accept_capacity(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let qos = BucketUserQos::from_document(doc).map_err(malformed)?;
    validate_capacity(&qos).map_err(|why| {
        OssError::invalid_argument(why, "StorageCapacity", &qos.storage_capacity.to_string())
    })?;
    qos.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// Counts a bucket: every object version by storage class (delete markers apart), every
/// unfinished upload and its parts. O(versions + parts), read in pages.
pub fn count(store: &dyn Store, bucket: &str, now: i64) -> Result<BucketStat, StoreError> {
    let mut stat = BucketStat::default();
    stat.last_modified_time = now;
    let (mut key_marker, mut version_marker) = (String::new(), None);
    loop {
        let page = store.list_versions(bucket, "", "", &key_marker, version_marker, PAGE)?;
        for entry in &page.entries {
            if let VersionEntry::Version { meta: o, .. } = entry {
                if o.version.delete_marker {
                    stat.delete_marker_count += 1;
                } else {
                    stat.add_object(&o.storage_class, o.size);
                }
                key_marker.clone_from(&o.key);
                version_marker = Some(o.version.id());
            }
        }
        if !page.truncated {
            break;
        }
    }
    let (mut key_marker, mut id_marker) = (String::new(), String::new());
    loop {
        let page = store.list_uploads(bucket, "", "", &key_marker, &id_marker, PAGE)?;
        for entry in &page.entries {
            if let UploadEntry::Upload(u) = entry {
                stat.multipart_upload_count += 1;
                let mut marker = 0;
                loop {
                    let (parts, more) =
                        store.list_parts(bucket, &u.key, &u.upload_id, marker, PAGE)?;
                    for p in &parts {
                        stat.add_part(p.size);
                        marker = p.part_number;
                    }
                    if !more {
                        break;
                    }
                }
                key_marker.clone_from(&u.key);
                id_marker.clone_from(&u.upload_id);
            }
        }
        if !page.truncated {
            break;
        }
    }
    Ok(stat)
}

/// `GET /bucket?stat`.
pub async fn get_stat(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let now = state.clock.now_secs();
    let b = bucket.clone();
    let stat = blocking(state, move |s| count(s, &b, now))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    let doc = stat.to_document().map_err(OssError::internal)?;
    Ok(config::document("application/xml", doc.into_bytes()))
}

/// The bucket's capacity (unlimited when none is set).
pub async fn capacity(state: &AppState, bucket: &str) -> Result<BucketUserQos, OssError> {
    Ok(config::load(state, bucket, &CAPACITY)
        .await?
        .and_then(|doc| BucketUserQos::from_document(&doc).ok())
        .unwrap_or_default())
}

/// `GET /bucket?qos`: the capacity, `-1` when none is set.
pub async fn get_capacity(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = capacity(state, ctx.bucket_name())
        .await?
        .to_document()
        .map_err(OssError::internal)?;
    Ok(config::document("application/xml", doc.into_bytes()))
}

/// Fails with `InsufficientStorageSpace` when the bucket has a capacity and storing `adding`
/// more bytes would exceed it (the object `replacing`, when given, no longer counts); writes
/// that do not grow the bucket always pass. Costs a count of the bucket, so only buckets
/// with a capacity pay it.
pub async fn check_capacity(
    state: &AppState,
    bucket: &str,
    adding: u64,
    replacing: Option<&str>,
) -> Result<(), OssError> {
    let limit = capacity(state, bucket).await?.limit_bytes();
    check_capacity_under(state, bucket, limit, adding, replacing).await
}

/// [`check_capacity`] with the bucket's capacity in bytes already read.
pub async fn check_capacity_under(
    state: &AppState,
    bucket: &str,
    limit: Option<u64>,
    adding: u64,
    replacing: Option<&str>,
) -> Result<(), OssError> {
    let Some(limit) = limit else {
        return Ok(());
    };
    let (b, k) = (bucket.to_string(), replacing.map(str::to_string));
    let now = state.clock.now_secs();
    let (used, freeing) = blocking(state, move |s| {
        let used = count(s, &b, now)?.storage;
        let freeing = match k {
            Some(k) => match s.object(&b, &k) {
                Ok(o) => o.size,
                Err(StoreError::NoSuchKey) => 0,
                Err(e) => return Err(e),
            },
            None => 0,
        };
        Ok((used, freeing))
    })
    .await
    .map_err(|e| OssError::from_store(e, bucket, None))?;
    // A write that does not grow the bucket (an empty object, a smaller overwrite) passes.
    if adding > freeing && used.saturating_sub(freeing).saturating_add(adding) > limit {
        return Err(OssError::with_message(
            ErrorCode::InsufficientStorageSpace,
            format!(
                "The bucket stores {used} bytes and its capacity is {limit} bytes; {adding} more do not fit."
            ),
        )
        .with_detail("BucketName", bucket));
    }
    Ok(())
}
