//! QoS: the account's limits (`GetUserQosInfo`, from the server configuration), a bucket's
//! limits (`PutBucketQosInfo` and friends, checked against the account's), the limits of a
//! requester on a bucket or in a resource pool, and the resource pools themselves (from the
//! server configuration).
//!
//! The local server records and checks the limits as OSS does; it does not throttle.
//! Requesters' limits in resource pools are kept in memory (the pools are configuration and
//! the store keeps documents per bucket), so they last as long as the process.

use super::config::{self, malformed, Family};
use super::{blocking, OWNER_ID};
use crate::account::ResourcePool;
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use hyper::body::Incoming;
use osskit_proto::date::unixtime_to_iso8601;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::qos::{
    self as model, ListBucketRequesterQoSInfosResult, ListResourcePoolBucketsResult,
    ListResourcePoolRequesterQoSInfosResult, ListResourcePoolsResult, QoSConfiguration,
    RequesterQoSInfo, ResourcePoolBucket, ResourcePoolInfo, ResourcePoolSummary, UserQosInfo,
};
use osskit_proto::xml::{self, Document};
use std::collections::BTreeMap;

/// The region as the QoS answers name it (`cn-hangzhou`, without `oss-`).
fn region_id(state: &AppState) -> String {
    state.region.clone()
}

/// GetUserQosInfo: the account's limits.
pub async fn get_user_qos(state: &AppState) -> Result<Reply, OssError> {
    let info = UserQosInfo::new(region_id(state), &state.account.settings.user_qos);
    Ok(Reply::xml(xml::to_xml(&info)))
}

/// A bucket's limits.
pub static BUCKET: Family = Family {
    name: "qosinfo",
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept: |_, _| Err(OssError::internal("bucket QoS is stored by its own put")),
};

fn invalid(why: String) -> OssError {
    OssError::with_message(ErrorCode::InvalidArgument, why)
}

/// Reads a QoS document and checks it against `ceiling`; the limits in stored form.
async fn read_qos(
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
    ceiling: &QoSConfiguration,
) -> Result<QoSConfiguration, OssError> {
    let doc = config::read_document(ctx, op, body).await?;
    let qos = QoSConfiguration::from_document(&doc).map_err(malformed)?;
    model::validate(&qos, ceiling).map_err(invalid)?;
    Ok(qos.filled())
}

fn to_doc(qos: &impl Document) -> Result<Vec<u8>, OssError> {
    qos.to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// The limits a requester's limits on a bucket must stay within: those of the bucket's
/// resource pool when it has one (OSS sets requester limits on pooled buckets; the account's
/// own limits do not bound them).
fn bucket_ceiling(state: &AppState, bucket: &str) -> QoSConfiguration {
    match state.account.settings.pool_of(bucket) {
        Some(pool) => pool.qos.clone(),
        None => QoSConfiguration::new().filled(),
    }
}

/// PutBucketQosInfo.
pub async fn put_bucket_qos(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let qos = read_qos(ctx, op, body, &state.account.settings.user_qos).await?;
    config::store(state, bucket, &BUCKET, Some(to_doc(&qos)?)).await?;
    Ok(Reply::new(200))
}

/// GetBucketQosInfo: `-1` (not limited) everywhere until set.
pub async fn get_bucket_qos(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &BUCKET).await? {
        Some(doc) => doc,
        None => to_doc(&QoSConfiguration::new().filled())?,
    };
    Ok(config::document(BUCKET.content_type, doc))
}

/// Requesters' limits on a bucket (internal JSON: requester → QoS document).
const REQUESTERS: &str = "requesterqos";

async fn load_requesters(
    state: &AppState,
    bucket: &str,
    doc: &'static str,
) -> Result<BTreeMap<String, String>, OssError> {
    let b = bucket.to_string();
    let stored = blocking(state, move |s| s.bucket_config(&b, doc))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    Ok(stored
        .and_then(|d| serde_json::from_slice(&d).ok())
        .unwrap_or_default())
}

async fn save_requesters(
    state: &AppState,
    bucket: &str,
    doc: &'static str,
    map: &BTreeMap<String, String>,
) -> Result<(), OssError> {
    let value = if map.is_empty() {
        None
    } else {
        Some(serde_json::to_vec(map).map_err(OssError::internal)?)
    };
    let b = bucket.to_string();
    blocking(state, move |s| s.set_bucket_config(&b, doc, value))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))
}

fn requester(ctx: &RequestCtx) -> Result<String, OssError> {
    match ctx.param("qosRequester").map(str::trim) {
        Some(uid) if !uid.is_empty() => Ok(uid.to_string()),
        _ => Err(OssError::invalid_argument(
            "qosRequester must name the requester's UID.",
            "qosRequester",
            "",
        )),
    }
}

fn requester_info(uid: &str, stored: Option<&String>) -> RequesterQoSInfo {
    let qos = stored
        .and_then(|d| QoSConfiguration::from_document(d.as_bytes()).ok())
        .unwrap_or_else(|| QoSConfiguration::new().filled());
    RequesterQoSInfo::new(uid, qos)
}

/// One page of a listing: the entries, the next token (empty on the last page), whether
/// more follow.
type Page<'a> = (Vec<(&'a String, &'a String)>, String, bool);

/// A page of `map` from `continuation-token` (inclusive), at most `max-keys` (default 100).
fn page<'a>(map: &'a BTreeMap<String, String>, ctx: &RequestCtx) -> Result<Page<'a>, OssError> {
    let max = super::max_keys(ctx)?;
    let from = ctx.param("continuation-token").unwrap_or_default();
    let mut entries: Vec<_> = map.range(from.to_string()..).collect();
    let truncated = entries.len() > max;
    let next = if truncated {
        entries[max].0.clone()
    } else {
        String::new()
    };
    entries.truncate(max);
    Ok((entries, next, truncated))
}

/// PutBucketRequesterQosInfo: limits within the bucket's ceiling.
pub async fn put_bucket_requester(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let uid = requester(ctx)?;
    let qos = read_qos(ctx, op, body, &bucket_ceiling(state, bucket)).await?;
    let doc = String::from_utf8(to_doc(&qos)?).map_err(OssError::internal)?;
    let _guard = state.account.edit_lock.lock().await;
    let mut map = load_requesters(state, bucket, REQUESTERS).await?;
    map.insert(uid, doc);
    save_requesters(state, bucket, REQUESTERS, &map).await?;
    Ok(Reply::new(200))
}

/// GetBucketRequesterQosInfo: `-1` everywhere for a requester without limits.
pub async fn get_bucket_requester(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let uid = requester(ctx)?;
    let map = load_requesters(state, ctx.bucket_name(), REQUESTERS).await?;
    Ok(Reply::xml(xml::to_xml(&requester_info(
        &uid,
        map.get(&uid),
    ))))
}

/// ListBucketRequesterQosInfos.
pub async fn list_bucket_requesters(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let map = load_requesters(state, bucket, REQUESTERS).await?;
    let (entries, next, truncated) = page(&map, ctx)?;
    let infos = entries
        .into_iter()
        .map(|(uid, doc)| requester_info(uid, Some(doc)))
        .collect();
    let result = ListBucketRequesterQoSInfosResult::new(bucket, infos).page(
        ctx.param("continuation-token").unwrap_or_default(),
        next,
        truncated,
    );
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// DeleteBucketRequesterQosInfo: 204 whether or not the requester had limits.
pub async fn delete_bucket_requester(
    state: &AppState,
    ctx: &RequestCtx,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name();
    let uid = requester(ctx)?;
    let _guard = state.account.edit_lock.lock().await;
    let mut map = load_requesters(state, bucket, REQUESTERS).await?;
    if map.remove(&uid).is_some() {
        save_requesters(state, bucket, REQUESTERS, &map).await?;
    }
    Ok(Reply::new(204))
}

/// ListResourcePools.
pub async fn list_pools(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let pools: BTreeMap<String, String> = state
        .account
        .settings
        .resource_pools
        .iter()
        .map(|p| (p.name.clone(), unixtime_to_iso8601(p.created_secs)))
        .collect();
    let (entries, next, truncated) = page(&pools, ctx)?;
    let summaries = entries
        .into_iter()
        .map(|(name, created)| ResourcePoolSummary::new(name.clone(), created.clone()))
        .collect();
    let result = ListResourcePoolsResult::new(region_id(state), OWNER_ID, summaries).page(
        ctx.param("continuation-token").unwrap_or_default(),
        next,
        truncated,
    );
    Ok(Reply::xml(xml::to_xml(&result)))
}

fn pool<'a>(state: &'a AppState, ctx: &RequestCtx) -> Result<&'a ResourcePool, OssError> {
    let name = ctx.param("resourcePool").unwrap_or_default();
    state.account.settings.pool(name).ok_or_else(|| {
        OssError::new(ErrorCode::NoSuchResourcePool).with_detail("ResourcePool", name)
    })
}

/// GetResourcePoolInfo.
pub async fn get_pool(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let pool = pool(state, ctx)?;
    let info = ResourcePoolInfo::new(
        region_id(state),
        pool.name.clone(),
        OWNER_ID,
        unixtime_to_iso8601(pool.created_secs),
        pool.qos.clone(),
    );
    Ok(Reply::xml(xml::to_xml(&info)))
}

/// ListResourcePoolBuckets.
pub async fn list_pool_buckets(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let pool = pool(state, ctx)?;
    let joined = unixtime_to_iso8601(pool.created_secs);
    let buckets: BTreeMap<String, String> = pool
        .buckets
        .iter()
        .map(|b| (b.clone(), joined.clone()))
        .collect();
    let (entries, next, truncated) = page(&buckets, ctx)?;
    let members = entries
        .into_iter()
        .map(|(name, join_time)| ResourcePoolBucket::new(name.clone(), join_time.clone()))
        .collect();
    let result = ListResourcePoolBucketsResult::new(pool.name.clone(), members).page(
        ctx.param("continuation-token").unwrap_or_default(),
        next,
        truncated,
    );
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// Requesters' limits in the resource pools. The pools are configuration and the store
/// keeps documents per bucket only, so these limits live as long as the process.
fn pool_requesters(
    state: &AppState,
) -> std::sync::MutexGuard<'_, BTreeMap<String, BTreeMap<String, String>>> {
    state
        .account
        .pool_requesters
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// PutResourcePoolRequesterQosInfo: limits within the pool's.
pub async fn put_pool_requester(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let uid = requester(ctx)?;
    let pool = pool(state, ctx)?;
    let qos = read_qos(ctx, op, body, &pool.qos).await?;
    let doc = String::from_utf8(to_doc(&qos)?).map_err(OssError::internal)?;
    pool_requesters(state)
        .entry(pool.name.clone())
        .or_default()
        .insert(uid, doc);
    Ok(Reply::new(200))
}

/// GetResourcePoolRequesterQosInfo.
pub async fn get_pool_requester(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let uid = requester(ctx)?;
    let pool = pool(state, ctx)?;
    let info = {
        let all = pool_requesters(state);
        requester_info(&uid, all.get(&pool.name).and_then(|m| m.get(&uid)))
    };
    Ok(Reply::xml(xml::to_xml(&info)))
}

/// ListResourcePoolRequesterQosInfos.
pub async fn list_pool_requesters(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let pool = pool(state, ctx)?;
    let map = pool_requesters(state)
        .get(&pool.name)
        .cloned()
        .unwrap_or_default();
    let (entries, next, truncated) = page(&map, ctx)?;
    let infos = entries
        .into_iter()
        .map(|(uid, doc)| requester_info(uid, Some(doc)))
        .collect();
    let result = ListResourcePoolRequesterQoSInfosResult::new(pool.name.clone(), infos).page(
        ctx.param("continuation-token").unwrap_or_default(),
        next,
        truncated,
    );
    Ok(Reply::xml(xml::to_xml(&result)))
}

/// DeleteResourcePoolRequesterQosInfo: 204 whether or not the requester had limits.
pub async fn delete_pool_requester(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let uid = requester(ctx)?;
    let pool = pool(state, ctx)?;
    if let Some(m) = pool_requesters(state).get_mut(&pool.name) {
        m.remove(&uid);
    }
    Ok(Reply::new(204))
}
