//! Metadata indexing (`OpenMetaQuery`, `GetMetaQueryStatus`, `DoMetaQuery`,
//! `CloseMetaQuery`): an index over the metadata of a bucket's objects (key, size, last
//! modification, ETag, CRC-64, type, storage class, ACL, content type, user metadata, tags)
//! that answers DoMetaQuery's conditions, sorting, paging and aggregations
//! ([`osskit_proto::xml::meta_query::run`]).
//!
//! Turning indexing on is stored with the bucket. The index itself is held in memory: it is
//! built by a full scan of the bucket (phase `FullScanning`, on the first status or query
//! after it was turned on or after a restart), kept current by every object change made
//! through the server (phase `IncrementalScanning`), and rebuilt when it is older than
//! [`AccountSettings::meta_index_refresh`](crate::account::AccountSettings) (changes no
//! request made, such as lifecycle expirations) or a change could not be followed (a batch
//! delete). The semantic (AI) search mode needs OSS's AI service and is answered
//! `NotImplemented`.

use std::collections::BTreeMap;

use super::blocking;
use super::config::{self, malformed};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{ListEntry, ObjectMeta, Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::meta_query::{
    self as model, MetaQuery, MetaQueryStatus, MetaRecord, PHASE_FULL, PHASE_INCREMENTAL,
    STATE_READY, STATE_RUNNING,
};
use osskit_proto::xml::{self, Document};

/// Name of the stored document: when indexing was turned on (Unix ms, decimal text).
const DOC: &str = "metaquery";

/// The index of one bucket.
#[derive(Debug, Clone, Default)]
pub struct MetaIndex {
    records: BTreeMap<String, MetaRecord>,
    built_ms: i64,
    updated_ms: i64,
    stale: bool,
}

/// The index's view of an object.
pub fn record(meta: &ObjectMeta) -> MetaRecord {
    let header = |name: &str| {
        meta.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let mut r = MetaRecord::new(meta.key.clone(), meta.size, meta.last_modified_ms);
    r.etag = meta.etag.clone();
    r.crc64 = meta.crc64;
    r.object_type = meta.object_type.as_str().to_string();
    r.storage_class = meta.storage_class.clone();
    r.acl = meta.acl.clone();
    r.content_type = header("content-type");
    r.server_side_encryption = header("x-oss-server-side-encryption");
    r.user_meta = meta
        .user_meta
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    r.tags = meta.extras.tags.clone();
    r
}

/// Every object of `bucket`, in key order.
fn scan(store: &dyn Store, bucket: &str) -> Result<BTreeMap<String, MetaRecord>, StoreError> {
    let mut records = BTreeMap::new();
    let mut after = String::new();
    loop {
        let page = store.list_objects(bucket, "", "", &after, 1000)?;
        for entry in &page.entries {
            if let ListEntry::Object(meta) = entry {
                records.insert(meta.key.clone(), record(meta));
            }
        }
        match page.next_marker {
            Some(next) if page.truncated => after = next,
            _ => return Ok(records),
        }
    }
}

/// When indexing was turned on for `bucket` (Unix ms), or `MetaQueryNotExist`.
async fn opened(state: &AppState, bucket: &str) -> Result<i64, OssError> {
    let b = bucket.to_string();
    let doc = blocking(state, move |s| s.bucket_config(&b, DOC))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    doc.and_then(|d| std::str::from_utf8(&d).ok()?.trim().parse().ok())
        .ok_or_else(|| {
            OssError::new(ErrorCode::MetaQueryNotExist).with_detail("BucketName", bucket)
        })
}

fn refuse_semantic(ctx: &RequestCtx, op: OpId) -> Result<(), OssError> {
    match ctx.param("mode").map(str::trim) {
        None | Some("") | Some("basic") => Ok(()),
        Some("semantic") => Err(OssError::with_message(
            ErrorCode::NotImplemented,
            format!(
                "{} in semantic mode needs OSS's AI search, which this local server does not provide.",
                op.name()
            ),
        )),
        Some(other) => Err(OssError::invalid_argument(
            "mode must be basic or semantic.",
            "mode",
            other,
        )),
    }
}

/// OpenMetaQuery: turns indexing on (again: nothing changes).
pub async fn open(state: &AppState, ctx: &RequestCtx, op: OpId) -> Result<Reply, OssError> {
    refuse_semantic(ctx, op)?;
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    let now = now_millis();
    blocking(state, move |s| {
        if s.bucket_config(&b, DOC)?.is_none() {
            s.set_bucket_config(&b, DOC, Some(now.to_string().into_bytes()))?;
        }
        Ok(())
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    Ok(Reply::new(200))
}

/// The bucket's index, built or rebuilt when missing, stale or too old.
async fn fresh_index(state: &AppState, bucket: &str) -> Result<MetaIndex, OssError> {
    let refresh =
        i64::try_from(state.account.settings.meta_index_refresh.as_millis()).unwrap_or(i64::MAX);
    let now = now_millis();
    let current = state
        .account
        .meta_indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(bucket)
        .cloned();
    if let Some(index) = current {
        if !index.stale && now - index.built_ms < refresh {
            return Ok(index);
        }
    }
    let b = bucket.to_string();
    let records = blocking(state, move |s| scan(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    let index = MetaIndex {
        records,
        built_ms: now,
        updated_ms: now,
        stale: false,
    };
    state
        .account
        .meta_indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(bucket.to_string(), index.clone());
    Ok(index)
}

/// GetMetaQueryStatus.
pub async fn status(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let created = opened(state, bucket).await?;
    let (state_name, phase, updated) = match fresh_index(state, bucket).await {
        Ok(index) => (STATE_RUNNING, PHASE_INCREMENTAL, index.updated_ms),
        Err(e) if e.code == ErrorCode::NoSuchBucket => return Err(e),
        Err(_) => (STATE_READY, PHASE_FULL, created),
    };
    let status = MetaQueryStatus::new(
        state_name,
        phase,
        model::rfc3339(created),
        model::rfc3339(updated),
    );
    Ok(Reply::xml(xml::to_xml(&status)))
}

/// DoMetaQuery.
pub async fn query(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    refuse_semantic(ctx, op)?;
    let bucket = ctx.bucket_name();
    let doc = config::read_document(ctx, op, body).await?;
    let request = MetaQuery::from_document(&doc).map_err(malformed)?;
    opened(state, bucket).await?;
    let index = fresh_index(state, bucket).await?;
    let records: Vec<MetaRecord> = index.records.into_values().collect();
    let result = model::run(&request, &records)
        .map_err(|why| OssError::with_message(ErrorCode::InvalidArgument, why))?;
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// CloseMetaQuery: turns indexing off and drops the index.
pub async fn close(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let b = bucket.clone();
    blocking(state, move |s| s.set_bucket_config(&b, DOC, None))
        .await
        .map_err(|e| OssError::from_store(e, &bucket, None))?;
    state
        .account
        .meta_indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&bucket);
    Ok(Reply::new(200))
}

/// After a successful change of objects: the index of the bucket, if it has one, follows
/// the change of `key` (`None`: keys unknown, the index is rebuilt on its next use).
pub async fn changed(state: &AppState, bucket: &str, key: Option<&str>) {
    let indexed = state
        .account
        .meta_indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .contains_key(bucket);
    if !indexed {
        return;
    }
    let Some(key) = key else {
        mark_stale(state, bucket);
        return;
    };
    let (b, k) = (bucket.to_string(), key.to_string());
    let meta = super::quick(state, move |s| match s.object(&b, &k) {
        Ok(meta) => Ok(Some(meta)),
        Err(StoreError::NoSuchKey) => Ok(None),
        Err(e) => Err(e),
    })
    .await;
    let mut indexes = state
        .account
        .meta_indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let Some(index) = indexes.get_mut(bucket) else {
        return;
    };
    match meta {
        Ok(Some(meta)) => {
            index.records.insert(key.to_string(), record(&meta));
        }
        Ok(None) => {
            index.records.remove(key);
        }
        Err(_) => index.stale = true,
    }
    index.updated_ms = now_millis();
}

fn mark_stale(state: &AppState, bucket: &str) {
    mark_stale_in(&state.account.meta_indexes, bucket);
}

/// Marks the index of `bucket` in `indexes` stale (for changes made outside a request).
pub fn mark_stale_in(indexes: &crate::account::MetaIndexes, bucket: &str) {
    if let Some(index) = indexes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get_mut(bucket)
    {
        index.stale = true;
    }
}
