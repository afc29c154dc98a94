//! Archived objects: Archive, Cold Archive and Deep Cold Archive objects (by the storage
//! class given on upload or the bucket's default) cannot be read until restored.
//! RestoreObject starts a restore that takes [`AppState::restore_delay`]; the restored copy
//! stays readable for the days asked for. HEAD shows the state in `x-oss-restore`, listings
//! in `RestoreInfo`.

use super::{blocking, config};
use crate::dispatch::{AppState, RequestCtx};
use crate::error::OssError;
use crate::http::response::{now_millis, Reply};
use crate::store::{ObjectMeta, RestoreState, RestoreStatus, StoreError};
use hyper::body::Incoming;
use osskit_proto::date::http_date;
use osskit_proto::error_code::ErrorCode;
use osskit_proto::ops::OpId;
use osskit_proto::xml::tagging::{RestoreRequest, RESTORE_TIERS};
use osskit_proto::xml::Document;

/// The response header describing a restore.
pub const RESTORE: &str = "x-oss-restore";
/// The response header naming the tier of a Cold Archive or Deep Cold Archive restore.
pub const RESTORE_PRIORITY: &str = "x-oss-object-restore-priority";

const DAY_MS: i64 = 24 * 3600 * 1000;

/// The `x-oss-restore` value (and `RestoreInfo` of listings) of `meta` at `now_ms`: `None`
/// when no restore was asked for or the restored copy expired.
pub fn restore_header(meta: &ObjectMeta, now_ms: i64) -> Option<String> {
    match meta.restore_status(now_ms) {
        RestoreStatus::Frozen => None,
        RestoreStatus::Ongoing => Some("ongoing-request=\"true\"".to_string()),
        RestoreStatus::Restored(expires_ms) => Some(format!(
            "ongoing-request=\"false\", expiry-date=\"{}\"",
            http_date(expires_ms.div_euclid(1000))
        )),
    }
}

/// Refuses to read the bytes of an archived object that is not restored
/// (`InvalidObjectState`).
pub fn check_readable(meta: &ObjectMeta, now_ms: i64) -> Result<(), OssError> {
    if meta.is_archived() && !matches!(meta.restore_status(now_ms), RestoreStatus::Restored(_)) {
        return Err(OssError::new(ErrorCode::InvalidObjectState)
            .with_detail("Key", &meta.key)
            .with_detail("StorageClass", &meta.storage_class));
    }
    Ok(())
}

/// `POST /bucket/key?restore` with an optional `<RestoreRequest>` (days, tier): 202 when a
/// restore starts, 200 when the object is restored already (its expiry moves),
/// `RestoreAlreadyInProgress` while one is under way.
pub async fn restore(
    state: &AppState,
    ctx: &RequestCtx,
    op: OpId,
    body: Incoming,
) -> Result<Reply, OssError> {
    let bucket = ctx.bucket_name().to_string();
    let key = ctx.key.clone();
    super::object::validate_key(&key)?;
    let doc = config::read_document(ctx, op, body).await?;
    let request = if doc.iter().all(u8::is_ascii_whitespace) {
        RestoreRequest::default()
    } else {
        RestoreRequest::from_document(&doc).map_err(config::malformed)?
    };
    let version = super::object::version_param(ctx)?;
    let meta = super::object::object_version_meta(state, &bucket, &key, version).await?;
    let (max_days, tiers): (u32, &[&str]) = match meta.storage_class.as_str() {
        "Archive" => (7, &[]),
        "ColdArchive" => (365, RESTORE_TIERS),
        "DeepColdArchive" => (365, &["Expedited", "Standard"]),
        _ => {
            return Err(OssError::with_message(
                ErrorCode::OperationNotSupported,
                format!(
                    "Only Archive, ColdArchive and DeepColdArchive objects can be restored; this one is {}.",
                    meta.storage_class
                ),
            )
            .with_detail("Key", &key))
        }
    };
    let days = request.days.unwrap_or(1);
    if days == 0 || days > max_days {
        return Err(OssError::invalid_argument(
            format!(
                "Days must be 1 to {max_days} for {} objects.",
                meta.storage_class
            ),
            "Days",
            &days.to_string(),
        ));
    }
    let tier = match &request.job_parameters {
        None => None,
        Some(_) if tiers.is_empty() => {
            return Err(OssError::with_message(
                ErrorCode::MalformedXML,
                "JobParameters apply to ColdArchive and DeepColdArchive objects only.",
            ))
        }
        Some(j) => match tiers.iter().find(|t| t.eq_ignore_ascii_case(j.tier.trim())) {
            Some(t) => Some(t.to_string()),
            None => {
                return Err(OssError::invalid_argument(
                    format!(
                        "The restore tier must be one of {} for {} objects.",
                        tiers.join(", "),
                        meta.storage_class
                    ),
                    "Tier",
                    &j.tier,
                ))
            }
        },
    };
    let tier = tier.or_else(|| (!tiers.is_empty()).then(|| "Standard".to_string()));
    let now = now_millis();
    let delay = state.restore_delay.as_millis() as i64;
    let (b, k) = (bucket.clone(), key.clone());
    // Decided inside the commit, on the object as it is then.
    let started = blocking(state, move |s| {
        let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let set = flag.clone();
        s.update_version_meta(
            &b,
            &k,
            version,
            Box::new(move |m| {
                let days_ms = i64::from(days) * DAY_MS;
                match m.restore_status(now) {
                    RestoreStatus::Ongoing => {
                        return Err(StoreError::InvalidArgument(IN_PROGRESS.to_string()))
                    }
                    RestoreStatus::Restored(_) => {
                        let ready_ms = m.extras.restore.map_or(now, |r| r.ready_ms);
                        m.extras.restore = Some(RestoreState {
                            ready_ms,
                            expires_ms: now + days_ms,
                        });
                        set.store(false, std::sync::atomic::Ordering::Relaxed);
                    }
                    RestoreStatus::Frozen => {
                        m.extras.restore = Some(RestoreState {
                            ready_ms: now + delay,
                            expires_ms: now + delay + days_ms,
                        });
                        set.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                Ok(())
            }),
        )
        .map(|_| flag.load(std::sync::atomic::Ordering::Relaxed))
    })
    .await;
    let started = match started {
        Ok(started) => started,
        Err(StoreError::InvalidArgument(why)) if why == IN_PROGRESS => {
            return Err(OssError::new(ErrorCode::RestoreAlreadyInProgress).with_detail("Key", &key))
        }
        Err(e) => return Err(OssError::from_store(e, &bucket, Some(&key))),
    };
    let mut reply = super::object::with_version(
        state,
        &bucket,
        Reply::new(if started { 202 } else { 200 }),
        &meta,
    )
    .await;
    if let Some(tier) = tier {
        reply = reply.header(RESTORE_PRIORITY, tier);
    }
    Ok(reply)
}

/// Marks an update refused because a restore is under way.
const IN_PROGRESS: &str = "a restore of the object is in progress";
