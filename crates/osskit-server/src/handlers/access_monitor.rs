//! Access tracking (`PutBucketAccessMonitor`, `GetBucketAccessMonitor`) and the last access
//! time of objects it records.
//!
//! While tracking is on, a GetObject records when the object was read (as OSS, at most once
//! a day: within that window only the first access counts; see
//! [`AccountSettings::access_time_granularity`](crate::account::AccountSettings)), and
//! HeadObject, GetObjectMeta and GetObject answer `x-oss-last-access-time`. An object's last
//! access time is the latest of: the recorded access, its last modification (a write is an
//! access), and the moment tracking was first turned on (OSS's starting value for objects
//! that existed then).
//!
//! The records are small documents in the bucket's configuration namespace of the store
//! (`atime/<key>` → which version of the object was read, and when), so they go with the bucket and need
//! no change to the [`Store`] trait. A record names the blob it was made for: once the
//! object is replaced, the old record no longer applies.
//!
//! Lifecycle rules on the last access time read it with [`last_access_ms`]. Records are
//! made at the time of the server's data clock ([`crate::clock::Clock`], the one lifecycle
//! rules run on), so that a read after the clock was moved counts from then.

use super::config::{self, malformed, Family};
use super::{blocking, quick};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::Reply;
use crate::store::{ObjectMeta, Store, StoreError};
use hyper::body::Incoming;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::access_monitor::{self as model, AccessMonitorConfiguration};
use osskit_proto::xml::Document;

/// The response header carrying an object's last access time.
pub const LAST_ACCESS_HEADER: &str = "x-oss-last-access-time";

/// The stored configuration.
pub static FAMILY: Family = Family {
    name: "accessmonitor",
    not_found: ErrorCode::NoSuchBucket,
    content_type: "application/xml",
    accept,
};

/// When tracking was first turned on (Unix ms, decimal text); kept when it is turned off.
const SINCE: &str = "accessmonitor.since";

/// Prefix of the per-object access records.
const RECORD_PREFIX: &str = "atime/";

fn accept(_ctx: &RequestCtx, doc: &[u8]) -> Result<Vec<u8>, OssError> {
    let config = AccessMonitorConfiguration::from_document(doc).map_err(malformed)?;
    model::validate(&config).map_err(malformed)?;
    config
        .to_document()
        .map(String::into_bytes)
        .map_err(OssError::internal)
}

/// PutBucketAccessMonitor: turning tracking off is refused while lifecycle rules act on
/// the last access time.
pub async fn put(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let doc = config::read_document(ctx, op, body).await?;
    let stored = accept(ctx, &doc)?;
    let enabled = AccessMonitorConfiguration::from_document(&stored)
        .map_err(OssError::internal)?
        .is_enabled();
    if !enabled && lifecycle_uses_access_time(state, &bucket).await? {
        return Err(OssError::with_message(
            ErrorCode::InvalidArgument,
            "Access tracking cannot be disabled while lifecycle rules based on the last access time exist.",
        )
        .with_ec("0036-00000005"));
    }
    let b = bucket.clone();
    // Access times are read by lifecycle rules: they follow the server's data clock.
    let now = state.clock.now_ms();
    let since = blocking(state, move |s| {
        let since = match s.bucket_config(&b, SINCE)? {
            Some(v) => parse_ms(&v),
            None => None,
        };
        let since = match (since, enabled) {
            (Some(t), _) => Some(t),
            (None, true) => {
                s.set_bucket_config(&b, SINCE, Some(now.to_string().into_bytes()))?;
                Some(now)
            }
            (None, false) => None,
        };
        s.set_bucket_config(&b, FAMILY.name, Some(stored))?;
        Ok(since)
    })
    .await
    .map_err(|e| OssError::from_store(e, &bucket, None))?;
    state
        .account
        .tracking
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(bucket, if enabled { since } else { None });
    Ok(Reply::new(200))
}

/// GetBucketAccessMonitor: `Disabled` until set.
pub async fn get(state: &AppState, ctx: &RequestCtx) -> Result<Reply, OssError> {
    let doc = match config::load(state, ctx.bucket_name(), &FAMILY).await? {
        Some(doc) => doc,
        None => AccessMonitorConfiguration::new(false)
            .to_document()
            .map_err(OssError::internal)?
            .into_bytes(),
    };
    Ok(config::document(FAMILY.content_type, doc))
}

/// Whether the bucket's lifecycle rules use the last access time (`<IsAccessTime>true`).
async fn lifecycle_uses_access_time(state: &AppState, bucket: &str) -> Result<bool, OssError> {
    let b = bucket.to_string();
    let doc = quick(state, move |s| s.bucket_config(&b, "lifecycle"))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    Ok(doc.is_some_and(|d| uses_access_time(&d)))
}

/// Whether a lifecycle document has a rule acting on the last access time.
fn uses_access_time(lifecycle: &[u8]) -> bool {
    let text = String::from_utf8_lossy(lifecycle).to_ascii_lowercase();
    text.replace(char::is_whitespace, "")
        .contains("<isaccesstime>true</isaccesstime>")
}

fn parse_ms(v: &[u8]) -> Option<i64> {
    std::str::from_utf8(v).ok()?.trim().parse().ok()
}

/// Since when tracking has been on (first enabled, Unix ms), or `None` when it is off.
fn tracking_in_store(store: &dyn Store, bucket: &str) -> Result<Option<i64>, StoreError> {
    let on = store
        .bucket_config(bucket, FAMILY.name)?
        .and_then(|d| AccessMonitorConfiguration::from_document(&d).ok())
        .is_some_and(|c| c.is_enabled());
    if !on {
        return Ok(None);
    }
    Ok(Some(
        store
            .bucket_config(bucket, SINCE)?
            .and_then(|v| parse_ms(&v))
            .unwrap_or(0),
    ))
}

/// Since when tracking has been on for `bucket` (cached), or `None`.
pub async fn tracking_since(state: &AppState, bucket: &str) -> Result<Option<i64>, OssError> {
    if let Some(known) = state
        .account
        .tracking
        .read()
        .unwrap_or_else(|e| e.into_inner())
        .get(bucket)
    {
        return Ok(*known);
    }
    let b = bucket.to_string();
    let since = quick(state, move |s| tracking_in_store(s, &b))
        .await
        .map_err(|e| OssError::from_store(e, bucket, None))?;
    state
        .account
        .tracking
        .write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(bucket.to_string(), since);
    Ok(since)
}

/// The recorded access of the current version of `meta` (Unix ms).
fn recorded(store: &dyn Store, bucket: &str, meta: &ObjectMeta) -> Result<Option<i64>, StoreError> {
    let Some(v) = store.bucket_config(bucket, &format!("{RECORD_PREFIX}{}", meta.key))? else {
        return Ok(None);
    };
    let text = String::from_utf8_lossy(&v);
    let (blob, ms) = text.split_once('\n').unwrap_or(("", ""));
    Ok((blob == version_of(meta))
        .then(|| ms.trim().parse().ok())
        .flatten())
}

/// What tells one version of an object from the next: a record of an earlier version does
/// not count for the current one.
fn version_of(meta: &ObjectMeta) -> String {
    format!("{}-{}", meta.last_modified_ms, meta.etag.trim_matches('"'))
}

fn effective(since: i64, record: Option<i64>, meta: &ObjectMeta) -> i64 {
    record
        .unwrap_or(i64::MIN)
        .max(meta.last_modified_ms)
        .max(since)
}

/// The last access time of the object `meta` describes (Unix ms), or `None` when the
/// bucket does not track accesses. For lifecycle rules based on the last access time.
pub fn last_access_ms(
    store: &dyn Store,
    bucket: &str,
    meta: &ObjectMeta,
) -> Result<Option<i64>, StoreError> {
    let Some(since) = tracking_in_store(store, bucket)? else {
        return Ok(None);
    };
    Ok(Some(effective(since, recorded(store, bucket, meta)?, meta)))
}

/// Records an access to `key` now, unless one was recorded within the granularity window;
/// returns the object's last access time.
fn touch(
    store: &dyn Store,
    bucket: &str,
    key: &str,
    since: i64,
    now: i64,
    granularity_ms: i64,
) -> Result<i64, StoreError> {
    let meta = store.object(bucket, key)?;
    let current = effective(since, recorded(store, bucket, &meta)?, &meta);
    if now - current < granularity_ms {
        return Ok(current);
    }
    let record = format!("{}\n{now}", version_of(&meta));
    store.set_bucket_config(
        bucket,
        &format!("{RECORD_PREFIX}{key}"),
        Some(record.into_bytes()),
    )?;
    Ok(now)
}

/// After a successful read of an object (GetObject, HeadObject, GetObjectMeta) or a
/// PutObjectAcl: records the access (GetObject, PutObjectAcl) and answers the last access
/// time, when the bucket tracks accesses.
pub async fn after_access(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    reply: Reply,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let Some(since) = tracking_since(state, &bucket).await? else {
        return Ok(reply);
    };
    let key = ctx.key.clone();
    let records = matches!(op, OpId::GetObject | OpId::PutObjectAcl);
    let now = state.clock.now_ms();
    let granularity = i64::try_from(state.account.settings.access_time_granularity.as_millis())
        .unwrap_or(i64::MAX);
    let (b, k) = (bucket.clone(), key.clone());
    let last = if records {
        blocking(state, move |s| touch(s, &b, &k, since, now, granularity)).await
    } else {
        quick(state, move |s| {
            let meta = s.object(&b, &k)?;
            Ok(effective(since, recorded(s, &b, &meta)?, &meta))
        })
        .await
    };
    match last {
        Ok(ms) if op != OpId::PutObjectAcl => Ok(reply.header(
            LAST_ACCESS_HEADER,
            osskit_proto::date::http_date(ms.div_euclid(1000)),
        )),
        Ok(_) => Ok(reply),
        // The object went away between the read and now: the answer stands as it is.
        Err(StoreError::NoSuchKey) => Ok(reply),
        Err(e) => {
            tracing::warn!(bucket = %bucket, key = %key, error = %e, "cannot record an access");
            Ok(reply)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(etag: &str, modified: i64) -> ObjectMeta {
        ObjectMeta {
            key: "k".into(),
            size: 0,
            etag: etag.into(),
            crc64: 0,
            last_modified_ms: modified,
            object_type: crate::store::ObjectType::Normal,
            storage_class: "Standard".into(),
            acl: "default".into(),
            headers: vec![],
            user_meta: vec![],
            data: crate::store::Extents::new(),
            encryption: None,
            extras: Default::default(),
            version: Default::default(),
        }
    }

    #[test]
    fn lifecycle_rules_on_the_access_time_are_found() {
        assert!(uses_access_time(
            b"<LifecycleConfiguration><Rule><Transition><IsAccessTime> True </IsAccessTime></Transition></Rule></LifecycleConfiguration>"
        ));
        assert!(!uses_access_time(
            b"<LifecycleConfiguration><Rule><Transition><IsAccessTime>false</IsAccessTime></Transition></Rule></LifecycleConfiguration>"
        ));
        assert!(!uses_access_time(b"<LifecycleConfiguration/>"));
    }

    #[test]
    fn the_latest_of_record_write_and_start_counts() {
        assert_eq!(effective(100, None, &meta("b", 50)), 100);
        assert_eq!(effective(10, None, &meta("b", 50)), 50);
        assert_eq!(effective(10, Some(70), &meta("b", 50)), 70);
    }
}
